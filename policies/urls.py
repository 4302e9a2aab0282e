from django.urls import path

from policies import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("new/", views.policy_edit, name="create"),
    path("editor/", views.editor_view, name="editor"),
    path("<int:pk>/", views.policy_detail, name="detail"),
    path("<int:pk>/edit/", views.policy_edit, name="edit"),
    path("<int:pk>/firms/", views.matched_firms, name="matched"),
    path("<int:pk>/push/", views.policy_push, name="push"),
    path("<int:pk>/dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/import/", views.import_upload, name="import"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery"),
    path("amounts/", views.street_dashboard, name="amounts"),
    path("export/", views.export, name="export"),
]
