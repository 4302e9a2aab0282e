from django.urls import path

from . import views

app_name = "economy"
urlpatterns = [
    path("", views.street_page, name="street"),
    path("district/", views.district_page, name="district"),
    path("firms/", views.firm_list, name="firms"),
    path("groups/", views.groups, name="groups"),
    path("export/", views.export, name="export"),
    path("import/", views.upload, name="upload"),
]
