"""drf-spectacular extensions: the token scheme in the OpenAPI document (loaded by ApiConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "jetonAcheteur"
    # Without a token the API answers too (public fields): the scheme is optional on every operation.
    optional = True

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "« Token <clé> » ou « Bearer <clé> » : le jeton d'une organisation acheteuse.",
        }
