"""JSON API of the generator's remembered settings: GET (JWT or a key with ``read``), PUT and
DELETE (JWT only: a script should not change what the person's page starts from)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import GeneratorPreferences
from generation import selectors, services
from generation.api import ErrorSerializer, JourneyField
from generation.limits import MAX_VARIANTS, MAX_VARIATION
from generation.models import Direction
from integrations import scopes
from lightsb_site.auth import api_user


class PreferencesInputSerializer(serializers.Serializer):
    """Every field is optional: one left out keeps its current value."""

    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    variants = serializers.IntegerField(min_value=1, max_value=MAX_VARIANTS, required=False)
    strength = serializers.FloatField(min_value=0.0, max_value=1.0, required=False)
    variation = serializers.FloatField(min_value=0.0, max_value=MAX_VARIATION, required=False)
    journey = JourneyField(
        required=False, help_text="Journey frames: 0 (none), a frame count, or true/false."
    )


class PreferencesOutputSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=Direction.choices)
    variants = serializers.IntegerField()
    strength = serializers.FloatField()
    variation = serializers.FloatField()
    journey = serializers.IntegerField(help_text="Journey frames (0 = none).")
    saved = serializers.BooleanField(help_text="False: nothing kept, these are the defaults.")
    updated_at = serializers.DateTimeField(allow_null=True)


EXAMPLE_OUTPUT = {
    "direction": "adult_to_child",
    "variants": 4,
    "strength": 0.8,
    "variation": 1.0,
    "journey": 8,
    "saved": True,
    "updated_at": "2026-12-01T09:30:00Z",
}


def _body(preferences: GeneratorPreferences) -> dict[str, object]:
    return dict(
        PreferencesOutputSerializer(
            {
                "direction": preferences.direction,
                "variants": preferences.variants,
                "strength": preferences.strength,
                "variation": preferences.variation,
                "journey": preferences.journey_frames,
                "saved": preferences.pk is not None,
                "updated_at": preferences.updated_at if preferences.pk is not None else None,
            }
        ).data
    )


def _errors(*statuses: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Invalid settings (the rules of a job).",
        401: "Not authenticated.",
        403: "API keys may only read preferences (api_key_not_allowed).",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in statuses
    }


class PreferencesApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        operation_id="preferences_retrieve",
        summary="The settings the generator starts from (the defaults when none are kept)",
        responses={200: PreferencesOutputSerializer, **_errors(401, 403)},
        examples=[OpenApiExample("Saved settings", value=EXAMPLE_OUTPUT, response_only=True)],
        tags=["preferences"],
    )
    def get(self, request: Request) -> Response:
        return Response(_body(selectors.preferences_get(user=api_user(request))))

    @extend_schema(
        operation_id="preferences_update",
        summary="Save the settings the generator starts from (fields left out keep their value)",
        request=PreferencesInputSerializer,
        responses={200: PreferencesOutputSerializer, **_errors(400, 401, 403)},
        examples=[
            OpenApiExample(
                "Two gentle variants with a journey",
                value={"direction": "adult_to_child", "variants": 2, "strength": 0.6, "journey": 8},
                request_only=True,
            ),
            OpenApiExample("Saved settings", value=EXAMPLE_OUTPUT, response_only=True),
        ],
        tags=["preferences"],
    )
    def put(self, request: Request) -> Response:
        data = PreferencesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = api_user(request)
        current = selectors.preferences_get(user=user)
        given = data.validated_data
        preferences = services.preferences_save(
            user=user,
            direction=given.get("direction", current.direction),
            variants=given.get("variants", current.variants),
            strength=given.get("strength", current.strength),
            variation=given.get("variation", current.variation),
            journey_frames=given.get("journey", current.journey_frames),
        )
        return Response(_body(preferences))

    @extend_schema(
        operation_id="preferences_reset",
        summary="Forget the saved settings: the generator starts from the defaults again",
        request=None,
        responses={204: None, **_errors(401, 403)},
        tags=["preferences"],
    )
    def delete(self, request: Request) -> Response:
        services.preferences_reset(user=api_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
