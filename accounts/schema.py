"""OpenAPI: describe SessionBoundJWTAuthentication as a Bearer JWT scheme in the schema."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class SessionBoundJWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.SessionBoundJWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="AUTHORIZATION",
            token_prefix="Bearer",  # noqa: S106 (the scheme name, not a secret)
            bearer_format="JWT",
        )
