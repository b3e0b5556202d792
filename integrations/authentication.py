"""DRF authentication with ``Authorization: Api-Key <key>``, checked against the view's scopes."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from integrations.models import ApiKey

HEADER_TYPE = "Api-Key"


def required_scope(view: Any, method: str) -> str | None:
    scopes = getattr(view, "api_key_scopes", None) or {}
    return scopes.get(method.upper())


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """401 ``api_key_invalid`` for an unknown or revoked key (at once: no cache);
    403 ``scope_missing`` when the key lacks the scope the operation needs, and
    403 ``api_key_not_allowed`` on operations keys cannot use (account, keys, sessions)."""

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        from integrations.services import api_key_authenticate

        header = request.META.get("HTTP_AUTHORIZATION", "")
        parts = header.split(None, 1)
        if len(parts) != 2 or parts[0].lower() != HEADER_TYPE.lower():
            return None
        key = api_key_authenticate(raw_key=parts[1].strip())
        if key is None or not key.owner.is_active:
            raise exceptions.AuthenticationFailed(
                {"code": "api_key_invalid", "message": "The API key is unknown or revoked."}
            )
        view = (request.parser_context or {}).get("view")
        scope = required_scope(view, request.method or "GET")
        if scope is None:
            raise exceptions.PermissionDenied(
                {
                    "code": "api_key_not_allowed",
                    "message": "This operation needs a login (JWT), not an API key.",
                }
            )
        if not key.has_scope(scope):
            raise exceptions.PermissionDenied(
                {"code": "scope_missing", "message": f"This API key lacks the '{scope}' scope."}
            )
        return key.owner, key

    def authenticate_header(self, request: Request) -> str:
        return HEADER_TYPE
