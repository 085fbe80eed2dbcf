"""Dashboard panels: a callable (request) -> {"template": ..., **context} or None."""


def account_panel(request):
    return {"template": "accounts/_panel_account.html", "user": request.user}
