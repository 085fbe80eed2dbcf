"""URL map of the shortlists app."""

app_name = "shortlists"
urlpatterns = []
