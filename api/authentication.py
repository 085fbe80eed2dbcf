"""`Authorization: Token <key>` (or `Bearer <key>`): the buyer organisation's token, for the buyer-only fields.

No header: an anonymous request, answered with the public fields. A header with an unknown or revoked key: 401,
never a silent fallback to the public answer (the caller would think their token works). Sessions are not used:
the API is read by programs, and a signed-in browser gets exactly what an anonymous one gets.

`request.user` stays anonymous; `request.auth` is the `ApiToken` (its organisation at `request.auth.organisation`).
"""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api import services
from api.models import ApiToken

KEYWORDS = ("token", "bearer")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("En-tête Authorization invalide : écrivez « Token <clé> » ou « Bearer <clé> ».")
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("Jeton invalide ou révoqué.")) from error
        token = services.token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Jeton invalide ou révoqué."))
        services.token_touch(token=token)
        return AnonymousUser(), token

    def authenticate_header(self, request):
        # A WWW-Authenticate header makes DRF answer 401 (not 403) when authentication fails.
        return self.keyword


def token_of(request):
    """The request's ApiToken, or None (anonymous)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None
