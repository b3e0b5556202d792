"""JSON API for API keys: create (the key shown once), list, revoke. Login (JWT) only."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations import selectors, services
from integrations.models import ApiKey
from integrations.scopes import ALL_SCOPES
from lightsb_site.auth import api_user

# The largest daily limit a key may carry (PostgreSQL's integer column holds it).
MAX_KEY_DAILY_LIMIT = 1_000_000

IntegrationsErrorSerializer = inline_serializer(
    name="IntegrationsError",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
    },
)


def _errors(*statuses: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Invalid input.",
        401: "Not authenticated.",
        403: "API keys cannot manage keys (api_key_not_allowed): log in.",
        404: "Not found (or not yours).",
        409: "Too many active keys.",
    }
    return {
        code: OpenApiResponse(IntegrationsErrorSerializer, description=descriptions[code])
        for code in statuses
    }


class ApiKeyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=list(ALL_SCOPES)), min_length=1
    )
    daily_limit = serializers.IntegerField(
        min_value=1, max_value=MAX_KEY_DAILY_LIMIT, required=False, allow_null=True
    )


EXAMPLE_KEY = {
    "id": "9d2f6a41-0c7e-4b35-8f12-6e4a3b9c7d50",
    "name": "my script",
    "prefix": "a1b2c3d4e5f6",
    "scopes": ["generate", "read"],
    "daily_limit": 50,
    "created_at": "2026-12-01T09:00:00Z",
    "last_used_at": "2026-12-01T09:30:00Z",
    "revoked_at": None,
}
KEY_EXAMPLE = OpenApiExample("A key in use", value=EXAMPLE_KEY, response_only=True)


@extend_schema_serializer(examples=[KEY_EXAMPLE])
class ApiKeyOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    daily_limit = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class ApiKeyCreatedSerializer(ApiKeyOutputSerializer):
    key = serializers.CharField(help_text="The whole key. Shown this once; store it now.")


def _body(key: ApiKey) -> dict[str, object]:
    return dict(ApiKeyOutputSerializer(key).data)


class ApiKeyListApi(APIView):
    @extend_schema(
        operation_id="api_keys_list",
        summary="Your API keys (never their secrets)",
        responses={200: ApiKeyOutputSerializer(many=True), **_errors(401, 403)},
        tags=["integrations"],
    )
    def get(self, request: Request) -> Response:
        keys = selectors.api_keys_of(owner=api_user(request))
        return Response([_body(key) for key in keys])

    @extend_schema(
        operation_id="api_keys_create",
        summary="Create an API key; the key is in the answer, once",
        request=ApiKeyInputSerializer,
        responses={201: ApiKeyCreatedSerializer, **_errors(400, 401, 403, 409)},
        examples=[
            OpenApiExample(
                "A read and generate key",
                value={"name": "my script", "scopes": ["generate", "read"], "daily_limit": 50},
                request_only=True,
            ),
            OpenApiExample(
                "Made; the key is shown this once",
                value={
                    **EXAMPLE_KEY,
                    "last_used_at": None,
                    "key": "lsb_a1b2c3d4e5f6.Xq7yZ0rTn3bV9wL2kP5sD8fG1hJ4mC6vB0nA3eR7tY",
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
        tags=["integrations"],
    )
    def post(self, request: Request) -> Response:
        serializer = ApiKeyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key, raw_key = services.api_key_create(
            owner=api_user(request),
            name=data["name"],
            scopes=data["scopes"],
            daily_limit=data.get("daily_limit"),
        )
        return Response({**_body(key), "key": raw_key}, status=status.HTTP_201_CREATED)


class ApiKeyDetailApi(APIView):
    @extend_schema(
        operation_id="api_keys_revoke",
        summary="Revoke an API key (401 from its next use on)",
        responses={200: ApiKeyOutputSerializer, **_errors(401, 403, 404)},
        tags=["integrations"],
    )
    def delete(self, request: Request, pk: UUID) -> Response:
        key = services.api_key_revoke(owner=api_user(request), key_id=pk)
        return Response(_body(key))
