from django.urls import path

from enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("export/", views.enterprise_export, name="export"),
    path("autocomplete/", views.autocomplete, name="autocomplete"),
    path("new/", views.enterprise_edit, name="create"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/history/", views.enterprise_history, name="history"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/classifications/new/", views.classification_add, name="classification_add"),
    path("classifications/<int:pk>/end/", views.classification_end, name="classification_end"),
    path("classifications/<int:pk>/stage/", views.classification_stage, name="classification_stage"),
    path("<int:pk>/contacts/new/", views.contact_edit, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/", views.contact_edit, name="contact_edit"),
    path("visit-rules/", views.visit_rules, name="visit_rules"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("problems/<int:pk>/appeal/", views.problem_raise_appeal, name="problem_appeal"),
    path("coverage/", views.coverage, name="coverage"),
    path("due/", views.due_visits, name="due_visits"),
    path("pools/", views.pool_report, name="pool_report"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("liaisons/assign/", views.liaison_assign, name="assign"),
    path("liaisons/<int:pk>/end/", views.liaison_end, name="liaison_end"),
]
