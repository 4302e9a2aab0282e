from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm import views

notification_patterns = (
    [
        path("", views.inbox, name="inbox"),
        path("read/", views.inbox_mark_read, name="mark_read"),
        path("<int:pk>/", views.inbox_open, name="open"),
    ],
    "notifications",
)
calendar_patterns = (
    [
        path("", views.calendar_index, name="index"),
        path("day/", views.calendar_day_save, name="day_save"),
        path("day/<int:pk>/delete/", views.calendar_day_delete, name="day_delete"),
        path("year/", views.calendar_year_save, name="year_save"),
        path("schedule/", views.calendar_schedule, name="schedule"),
    ],
    "calendar",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("notifications/", include(notification_patterns)),
    path("calendar/", include(calendar_patterns)),
    path("enterprises/", include("enterprises.urls")),
    path("imports/", include("namelists.urls")),
    path("appeals/", include("appeals.urls")),
    path("pipelines/", include("pipelines.urls")),
    path("economy/", include("economy.urls")),
    path("policies/", include("policies.urls")),
    path("space/", include("space.urls")),
    path("matchmaking/", include("matchmaking.urls")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
