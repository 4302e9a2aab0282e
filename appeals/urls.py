from django.urls import path

from appeals import views

app_name = "appeals"
urlpatterns = [
    path("", views.appeal_list, name="list"),
    path("new/", views.appeal_create, name="create"),
    path("<int:pk>/", views.appeal_detail, name="detail"),
    path("<int:pk>/do/<slug:action>/", views.appeal_action, name="action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("queue/", views.department_queue, name="queue"),
    path("extensions/", views.extension_queue, name="extensions"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("policies/", views.policies, name="policies"),
    path("recompute/", views.recompute, name="recompute"),
    path("moved/", views.moved_deadlines, name="moved"),
]
