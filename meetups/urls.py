from django.urls import path

from meetups import views

app_name = "meetups"
urlpatterns = [
    path("", views.index, name="index"),
]
