from django.urls import path

from matchmaking import views

app_name = "matchmaking"
urlpatterns = [
    path("", views.need_list, name="need_list"),
    path("firms/<int:pk>/", views.firm, name="firm"),
    path("firms/<int:pk>/needs/new/", views.need_create, name="need_create"),
    path("firms/<int:pk>/products/new/", views.product_create, name="product_create"),
    path("needs/<int:pk>/", views.need_detail, name="need_detail"),
    path("needs/<int:pk>/status/", views.need_status, name="need_status"),
    path("needs/<int:pk>/introduce/", views.introduce, name="introduce"),
    path("needs/<int:pk>/invite/", views.invite, name="invite"),
    path("products/<int:pk>/buyers/", views.product_buyers, name="product_buyers"),
    path("products/<int:pk>/introduce/", views.introduce_buyer, name="introduce_buyer"),
    path("introductions/<int:pk>/outcome/", views.intro_outcome, name="intro_outcome"),
    path("introductions/<int:pk>/follow-up/", views.intro_follow_up, name="intro_follow_up"),
    path("financial-products/", views.fp_list, name="fp_list"),
    path("financial-products/new/", views.fp_create, name="fp_create"),
    path("financial-products/<int:pk>/edit/", views.fp_edit, name="fp_edit"),
    path("events/<int:pk>/", views.event_outcomes, name="event_outcomes"),
    path("events/<int:pk>/attendance/", views.event_attendance, name="event_attendance"),
    path("report/", views.report, name="report"),
    path("report/export/", views.report_export, name="report_export"),
]
