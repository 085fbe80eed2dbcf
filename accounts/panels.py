"""Dashboard panels: a callable (request) -> {"template": ..., **context} or None."""

from accounts.perms import can_use_admin, is_platform_staff

ACCOUNT_PANEL_TEMPLATE = "accounts/_panel_account.html"


def account_panel(request):
    return {
        "template": ACCOUNT_PANEL_TEMPLATE,
        "user": request.user,
        "is_platform_staff": is_platform_staff(request.user),
        "can_use_admin": can_use_admin(request.user),
    }
