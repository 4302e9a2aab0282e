from django.shortcuts import render

from crm.permissions import role_required
from policies.permissions import VIEW_ROLES


@role_required(*VIEW_ROLES)
def policy_list(request):
    return render(request, "policies/list.html", {})
