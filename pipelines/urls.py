from django.urls import path

from pipelines import views

app_name = "pipelines"
urlpatterns = [
    path("", views.board, name="board"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/move/", views.project_move, name="project_move"),
    path("projects/<int:pk>/demands/new/", views.demand_create, name="project_demand_create"),
    path("demands/new/", views.demand_create, name="enterprise_demand_create"),
    path("demands/<int:pk>/", views.demand_matches, name="demand_matches"),
    path("demands/<int:pk>/take/<int:vacancy_pk>/", views.demand_take, name="demand_take"),
    path("spaces/", views.vacancy_list, name="vacancy_list"),
    path("spaces/import/", views.vacancy_import, name="vacancy_import"),
    path("spaces/<int:pk>/status/", views.vacancy_status, name="vacancy_status"),
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_form, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views.event_form, name="event_edit"),
    path("events/<int:pk>/participants/", views.event_participant, name="event_participant"),
    path("targets/", views.target_admin, name="targets"),
    path("targets/<int:pk>/", views.target_admin, name="target_edit"),
    path("targets/<int:pk>/drill/", views.drilldown, name="drilldown"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export/", views.export, name="export"),
]
