app_name = "namelists"
urlpatterns: list = []
