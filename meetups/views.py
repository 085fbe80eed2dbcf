from django.shortcuts import render


def index(request):
    return render(request, "components/coming_soon.html")
