from django.http import HttpResponse


def street_page(request):
    return HttpResponse("")
