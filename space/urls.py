from django.urls import path

from space import views

app_name = "space"
urlpatterns = [
    path("parks/", views.park_list, name="park_list"),
    path("parks/<int:pk>/", views.park_detail, name="park_detail"),
    path("parks/<int:pk>/edit/", views.park_edit, name="park_edit"),
    path("parks/rule/", views.rule_edit, name="rule_edit"),
]
urlpatterns += [
    path("investment/", views.investment_list, name="investment_list"),
    path("investment/import/", views.investment_import, name="investment_import"),
]
urlpatterns += [
    path("map/", views.park_map, name="park_map"),
    path("map/outline/", views.outline_upload, name="outline_upload"),
]
urlpatterns += [path("renewal/", views.renewal_list, name="renewal_list")]
urlpatterns += [path("parks/import/", views.park_import, name="park_import")]
urlpatterns += [
    path("investment/new/", views.investment_create, name="investment_create"),
    path("investment/<int:pk>/edit/", views.investment_edit, name="investment_edit"),
    path("renewal/new/", views.renewal_create, name="renewal_create"),
    path("renewal/<int:pk>/edit/", views.renewal_edit, name="renewal_edit"),
    path("renewal/<int:pk>/milestones/new/", views.milestone_create, name="milestone_create"),
    path("renewal/milestones/<int:pk>/edit/", views.milestone_edit, name="milestone_edit"),
]
