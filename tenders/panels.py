def my_tenders_panel(request):
    """Dashboard panel for /espace/ (see accounts.views.dashboard); None while there is nothing to show."""
    return None
