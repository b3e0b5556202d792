"""JSON API of the generation app: thin views over services and selectors."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.throttles import ScopedThrottle
from generation import archives, selectors, services, uploads
from generation.errors import DailyLimitReached
from generation.estimate import estimate_faces
from generation.limits import (
    DEFAULT_JOURNEY_FRAMES,
    DEFAULT_STRENGTH,
    DEFAULT_VARIANTS,
    DEFAULT_VARIATION,
    MAX_FACES,
    MAX_JOURNEY_FRAMES,
    MAX_SEED,
    MAX_VARIANTS,
    MAX_VARIATION,
    MIN_JOURNEY_FRAMES,
    max_batch_photos,
    upload_size_text,
)
from generation.models import Batch, Direction, Generation, Status
from generation.responses import image_response, zip_response
from generation.services.sharing import MAX_SHARE_DAYS
from integrations import scopes, webhooks
from integrations import selectors as integrations_selectors
from integrations import services as integrations_services
from integrations.errors import ApiKeyLimitReached
from integrations.models import ApiKey
from lightsb_site.auth import api_user
from lightsb_site.rate_limit import rate_limit_remember

# --- Schema examples (tests/test_schema_examples.py keeps one on every operation) --------------
EXAMPLE_ID = "5b7d3c1e-2f4a-4c6b-8e9d-0a1b2c3d4e5f"
_BASE = f"https://lightsb.example.com/api/generations/{EXAMPLE_ID}"
EXAMPLE_FACE = {
    "index": 0,
    "box": [212, 140, 468, 396],
    "size_px": 256,
    "estimate": {"child": 0.03, "female": 0.91},
    "turned": False,
}
EXAMPLE_GENERATION: dict[str, Any] = {
    "id": EXAMPLE_ID,
    "status": "succeeded",
    "direction": "adult_to_child",
    "variants": 2,
    "strength": 1.0,
    "variation": 1.0,
    "seed": None,
    "seed_used": 918273,
    "face": None,
    "journey_frames": 0,
    "faces_found": 1,
    "faces": [EXAMPLE_FACE],
    "hint": None,
    "model_version": "lightsb-v2",
    "progress": {"stage": "done", "percent": 100},
    "timings": {"detect": 0.41, "align": 0.05, "encode": 1.2, "transport": 0.3, "composite": 2.9},
    "processing_seconds": 4.8,
    "error": None,
    "attempts": 1,
    "created_at": "2026-12-01T09:30:00Z",
    "started_at": "2026-12-01T09:30:01Z",
    "finished_at": "2026-12-01T09:30:06Z",
    "url": _BASE,
    "input_url": f"{_BASE}/input",
    "archive_url": f"{_BASE}/archive",
    "results": [
        {
            "index": index,
            "face": 0,
            "seed": 918273 + index,
            "url": f"{_BASE}/results/{index}",
            "crop_url": f"{_BASE}/results/{index}?kind=crop",
        }
        for index in range(2)
    ],
    "journey": [],
    "journey_animation_url": None,
}
EXAMPLE_QUEUED: dict[str, Any] = {
    **EXAMPLE_GENERATION,
    "status": "queued",
    "seed_used": None,
    "model_version": "",
    "faces_found": None,
    "faces": [],
    "progress": {"stage": "", "percent": 0},
    "timings": {},
    "processing_seconds": None,
    "attempts": 0,
    "started_at": None,
    "finished_at": None,
    "archive_url": None,
    "results": [],
}
EXAMPLE_ESTIMATE = {
    "model_version": "lightsb-v2",
    "faces": [
        {
            **EXAMPLE_FACE,
            "hints": {
                "adult_to_child": None,
                "child_to_adult": None,
                "male_to_female": {
                    "code": "direction_already_met",
                    "message": "This face already looks female (91% sure): try female to male.",
                    "suggested_direction": "female_to_male",
                },
                "female_to_male": None,
            },
        }
    ],
}
EXAMPLE_SHARE_LINK = {
    "id": "c4e2a9f0-7b13-4d58-a6e1-3f9b2d0c8e71",
    "generation_id": EXAMPLE_ID,
    "variant_index": 0,
    "with_before": True,
    "created_at": "2026-12-01T10:00:00Z",
    "expires_at": "2026-12-08T10:00:00Z",
    "revoked_at": None,
}


ErrorSerializer = inline_serializer(
    name="GenerationError",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "retry_after": serializers.IntegerField(required=False),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
    },
)


def _errors(*statuses: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Invalid input (bad parameters or an unusable image).",
        401: "Not authenticated.",
        404: "Not found (or not yours).",
        409: "Conflict with the job's current state.",
        413: f"File larger than {upload_size_text()}.",
        422: "No usable face in the photo (no_face_detected, face_too_small).",
        429: "Daily limit reached or too many requests; see retry_after.",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in statuses
    }


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 0, "maximum": MAX_JOURNEY_FRAMES},
            {"type": "boolean"},
        ]
    }
)
class JourneyField(serializers.Field):
    """Journey frames: 0 (none), MIN..MAX_JOURNEY_FRAMES, or a boolean (true = the default)."""

    default_error_messages = {
        "invalid": (
            f"Use 0, a number from {MIN_JOURNEY_FRAMES} to {MAX_JOURNEY_FRAMES}, true or false."
        ),
    }

    def to_internal_value(self, data: object) -> int:
        text = str(data).strip().lower()
        if text in ("true", "yes", "on"):
            return DEFAULT_JOURNEY_FRAMES
        if text in ("", "false", "no", "off"):
            return 0
        try:
            frames = int(text)
        except ValueError:
            self.fail("invalid")
        if frames != 0 and not MIN_JOURNEY_FRAMES <= frames <= MAX_JOURNEY_FRAMES:
            self.fail("invalid")
        return frames

    def to_representation(self, value: int) -> int:
        return value


class GenerateInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            f"JPEG, PNG or WEBP photo, at most {upload_size_text()}, "
            f"{settings.GENERATION_MAX_PIXELS / 1e6:g} MP."
        )
    )
    direction = serializers.ChoiceField(choices=Direction.choices)
    variants = serializers.IntegerField(
        min_value=1, max_value=MAX_VARIANTS, default=DEFAULT_VARIANTS
    )
    strength = serializers.FloatField(min_value=0.0, max_value=1.0, default=DEFAULT_STRENGTH)
    variation = serializers.FloatField(
        min_value=0.0,
        max_value=MAX_VARIATION,
        default=DEFAULT_VARIATION,
        help_text="How far the variants spread: 0 close together, 1 the bridge's own spread.",
    )
    seed = serializers.IntegerField(
        min_value=0, max_value=MAX_SEED, required=False, allow_null=True, default=None
    )
    face = serializers.IntegerField(
        min_value=0,
        max_value=MAX_FACES - 1,
        required=False,
        allow_null=True,
        default=None,
        help_text=f"Only this face (0 = largest). Leave out for every face (at most {MAX_FACES}).",
    )
    journey = JourneyField(required=False, default=0)
    webhook = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "An https URL to POST the job's summary to when it ends, signed with your webhook "
            "secret (make one first). See docs/api-integrators.md."
        ),
    )


class ResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    face = serializers.IntegerField()
    seed = serializers.IntegerField()
    url = serializers.URLField()
    crop_url = serializers.URLField(allow_null=True)


class FaceProbabilitiesSerializer(serializers.Serializer):
    child = serializers.FloatField(help_text="Probability that the face is a child's.")
    female = serializers.FloatField(help_text="Probability that the face is female.")


class DirectionHintSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    suggested_direction = serializers.ChoiceField(choices=Direction.choices)


class FaceSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    box = serializers.ListField(child=serializers.IntegerField(), min_length=4, max_length=4)
    size_px = serializers.IntegerField()
    estimate = FaceProbabilitiesSerializer(
        allow_null=True,
        required=False,
        help_text="The engine's reading of the input face (probabilities).",
    )
    turned = serializers.BooleanField(
        required=False, help_text="A turned face gets a proportionally smaller edit."
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A finished job",
            value=EXAMPLE_GENERATION,
            response_only=True,
            status_codes=["200", "201"],
        )
    ]
)
class GenerationOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Status.choices)
    direction = serializers.ChoiceField(choices=Direction.choices)
    variants = serializers.IntegerField()
    strength = serializers.FloatField()
    variation = serializers.FloatField()
    seed = serializers.IntegerField(allow_null=True)
    seed_used = serializers.IntegerField(allow_null=True)
    face = serializers.IntegerField(allow_null=True)
    journey_frames = serializers.IntegerField()
    faces_found = serializers.IntegerField(allow_null=True)
    faces = FaceSerializer(many=True)
    hint = DirectionHintSerializer(
        allow_null=True,
        help_text="Set when the face already looks like the direction's target.",
    )
    model_version = serializers.CharField(help_text="The engine version that made the results.")
    progress = inline_serializer(
        name="GenerationProgress",
        fields={"stage": serializers.CharField(), "percent": serializers.IntegerField()},
    )
    timings = serializers.DictField(child=serializers.FloatField())
    processing_seconds = serializers.FloatField(allow_null=True)
    error = inline_serializer(
        name="GenerationFailure",
        fields={"code": serializers.CharField(), "message": serializers.CharField()},
        allow_null=True,
    )
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.URLField()
    input_url = serializers.URLField()
    archive_url = serializers.URLField(allow_null=True)
    results = ResultSerializer(many=True)
    journey = serializers.ListField(child=serializers.URLField())
    journey_animation_url = serializers.URLField(allow_null=True)


def generation_payload(generation: Generation, request: HttpRequest) -> dict[str, Any]:
    """The API's view of one job, with absolute URLs of its images."""

    def absolute(name: str, *args: Any, query: str = "") -> str:
        return request.build_absolute_uri(reverse(f"api:{name}", args=args) + query)

    pk = generation.pk
    results = selectors.result_links(generation, absolute)
    return {
        **selectors.generation_summary(generation),
        "progress": {"stage": generation.stage, "percent": generation.percent},
        "attempts": generation.attempts,
        "created_at": generation.created_at,
        "started_at": generation.started_at,
        "finished_at": generation.finished_at,
        "url": absolute("generation-detail", pk),
        "input_url": absolute("generation-input", pk),
        "archive_url": absolute("generation-archive", pk) if results else None,
        "results": results,
        "journey": [
            absolute("generation-journey", pk, frame.index) for frame in generation.journey.all()
        ],
        "journey_animation_url": (
            absolute("generation-journey-animation", pk) if generation.journey_animation else None
        ),
    }


def _serialize(generation: Generation, request: HttpRequest) -> dict[str, Any]:
    return GenerationOutputSerializer(generation_payload(generation, request)).data


IMAGE_RESPONSE = {
    (200, "image/jpeg"): OpenApiTypes.BINARY,
    304: OpenApiResponse(description="Not modified: the If-None-Match ETag still holds."),
}
DOWNLOAD_PARAMETER = OpenApiParameter(
    "download", OpenApiTypes.BOOL, description="Send as an attachment (Content-Disposition)."
)


class EstimateInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The photo to read (JPEG, PNG or WEBP).")


class PhotoFaceSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    box = serializers.ListField(child=serializers.IntegerField(), min_length=4, max_length=4)
    size_px = serializers.IntegerField()
    turned = serializers.BooleanField()
    estimate = FaceProbabilitiesSerializer()
    hints = serializers.DictField(
        child=DirectionHintSerializer(allow_null=True),
        help_text="Per direction: a suggestion when the face already looks like its target.",
    )


class EstimateOutputSerializer(serializers.Serializer):
    model_version = serializers.CharField()
    faces = PhotoFaceSerializer(many=True)


class EstimateApi(APIView):
    api_key_scopes = scopes.GENERATE_ONLY
    throttle_classes = [ScopedThrottle]
    throttle_scope = "estimate"

    @extend_schema(
        operation_id="generation_estimate",
        summary="Read the faces of a photo before generating: age group, sex, direction hints",
        request={"multipart/form-data": EstimateInputSerializer},
        responses={200: EstimateOutputSerializer, **_errors(400, 401, 413, 422, 429)},
        examples=[
            OpenApiExample(
                "A portrait",
                value={"file": "(the photo's bytes)"},
                request_only=True,
                media_type="multipart/form-data",
            ),
            OpenApiExample("One adult face", value=EXAMPLE_ESTIMATE, response_only=True),
        ],
        tags=["generation"],
    )
    def post(self, request: Request) -> Response:
        uploads.check_content_length(request.META.get("CONTENT_LENGTH"))
        serializer = EstimateInputSerializer(data=request.data)
        if not serializer.is_valid():
            raise uploads.FileMissing()
        sanitized = uploads.sanitize_upload(serializer.validated_data["file"])
        return Response(estimate_faces(image=sanitized.image))


class GenerateApi(APIView):
    api_key_scopes = scopes.GENERATE_ONLY

    @extend_schema(
        operation_id="generation_create",
        summary="Upload a portrait and generate its variants",
        request={"multipart/form-data": GenerateInputSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description=(
                    "Optional, at most 255 printable characters, unique per request you mean "
                    "(a UUID is a good choice). Sending the same key again with the same photo "
                    "and settings returns the first job with 200 instead of making a new one "
                    "(no quota is used), for as long as that job exists; a new key answers "
                    "201/202. The same key with another photo or other settings is refused "
                    "with 409 `idempotency_key_reused`. Retry a timed-out upload with the same "
                    "key and you never pay for one job twice."
                ),
            )
        ],
        responses={
            200: OpenApiResponse(
                GenerationOutputSerializer, description="Replay: the job of this key."
            ),
            201: OpenApiResponse(
                GenerationOutputSerializer,
                description="Created and already finished (immediate task backend).",
            ),
            202: OpenApiResponse(
                GenerationOutputSerializer,
                description="Queued; poll the Location header until it finishes.",
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "idempotency_key_reused: the Idempotency-Key was first sent with another "
                    "photo or other settings (`fields` names what differs)."
                ),
            ),
            **_errors(400, 401, 413, 429),
        },
        examples=[
            OpenApiExample(
                "Two variants of an adult as a child",
                value={
                    "file": "(the photo's bytes)",
                    "direction": "adult_to_child",
                    "variants": 2,
                    "strength": 1.0,
                },
                request_only=True,
                media_type="multipart/form-data",
            ),
            OpenApiExample(
                "Queued", value=EXAMPLE_QUEUED, response_only=True, status_codes=["202"]
            ),
            OpenApiExample(
                "Finished at once, or replayed",
                value=EXAMPLE_GENERATION,
                response_only=True,
                status_codes=["200", "201"],
            ),
        ],
        tags=["generation"],
    )
    def post(self, request: Request) -> Response:
        # Before anything reads the body: refuse an oversized upload from its header.
        uploads.check_content_length(request.META.get("CONTENT_LENGTH"))
        idempotency_key = request.headers.get("Idempotency-Key", "").strip() or None
        if idempotency_key and (len(idempotency_key) > 255 or not idempotency_key.isprintable()):
            raise services.InvalidGenerationParameters(
                "The Idempotency-Key header must be at most 255 printable characters."
            )
        serializer = GenerateInputSerializer(data=request.data)
        if not serializer.is_valid():
            if "file" in serializer.errors and not request.FILES.get("file"):
                raise uploads.FileMissing()
            serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["webhook"]:  # before any lock: it resolves the host name
            webhooks.webhook_url_check(owner=api_user(request), url=data["webhook"])
        key = request.auth if isinstance(request.auth, ApiKey) else None
        try:
            generation, created = self._create(request, data, key, idempotency_key)
        except (DailyLimitReached, ApiKeyLimitReached) as refusal:
            _remember_quotas(request, key=key, refusal=refusal)
            raise
        _remember_quotas(request, key=key)
        generation = selectors.generation_get(owner=api_user(request), generation_id=generation.pk)
        body = _serialize(generation, request)
        headers = {"Location": body["url"]}
        if not created:
            return Response(body, status=status.HTTP_200_OK, headers=headers)
        if generation.is_finished:
            return Response(body, status=status.HTTP_201_CREATED, headers=headers)
        return Response(body, status=status.HTTP_202_ACCEPTED, headers=headers)

    @staticmethod
    def _create(
        request: Request, data: dict[str, Any], key: ApiKey | None, idempotency_key: str | None
    ) -> tuple[Generation, bool]:
        with transaction.atomic():
            replay = idempotency_key is not None and (
                selectors.generation_get_by_idempotency_key(
                    owner=api_user(request), key=idempotency_key
                )
                is not None
            )
            if key is not None and not replay:
                integrations_services.api_key_check_limit(key=key)
            generation, created = services.generation_create(
                owner=api_user(request),
                upload=data["file"],
                direction=data["direction"],
                variants=data["variants"],
                strength=data["strength"],
                variation=data["variation"],
                seed=data["seed"],
                face_index=data["face"],
                journey_frames=data["journey"],
                idempotency_key=idempotency_key,
            )
            if key is not None and created:  # a replay costs the key nothing
                integrations_services.api_key_record_use(key=key)
            if data["webhook"] and created:
                webhooks.webhook_attach(
                    generation=generation,
                    url=data["webhook"],
                    base_url=request.build_absolute_uri("/"),
                )
        return generation, created


def _remember_quotas(
    request: Request, *, key: ApiKey | None, refusal: Exception | None = None
) -> None:
    """The daily quota (and the API key's own limit) in the answer's RateLimit fields."""
    hits = [
        selectors.generation_daily_quota(
            owner=api_user(request), allowed=not isinstance(refusal, DailyLimitReached)
        )
    ]
    if key is not None:
        key_hit = integrations_selectors.api_key_daily_quota(
            key=key, allowed=not isinstance(refusal, ApiKeyLimitReached)
        )
        if key_hit is not None:
            hits.append(key_hit)
    for hit in hits:
        rate_limit_remember(request._request, hit)


# An APIView is not a generic view, so drf-spectacular cannot see the pagination by itself.
PaginatedGenerationSerializer = inline_serializer(
    name="PaginatedGenerationList",
    fields={
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": GenerationOutputSerializer(many=True),
    },
)


def _choice_field(choices: type[Direction] | type[Status]) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices.choices,
        required=False,
        allow_blank=True,
        error_messages={"invalid_choice": f"Choose one of: {', '.join(choices.values)}."},
    )


class GenerationListFilterSerializer(serializers.Serializer):
    """The list's query: optional direction and status (empty = any)."""

    direction = _choice_field(Direction)
    status = _choice_field(Status)


class GenerationPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class GenerationListApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        operation_id="generation_list",
        summary="List your generations (newest first)",
        parameters=[
            OpenApiParameter("direction", OpenApiTypes.STR, enum=Direction.values),
            OpenApiParameter("status", OpenApiTypes.STR, enum=Status.values),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: PaginatedGenerationSerializer, **_errors(400, 401, 404)},
        examples=[
            OpenApiExample(
                "One page",
                value={
                    "count": 21,
                    "next": "https://lightsb.example.com/api/generations?page=2",
                    "previous": None,
                    "results": [EXAMPLE_GENERATION],
                },
                response_only=True,
            )
        ],
        tags=["generation"],
    )
    def get(self, request: Request) -> Response:
        filters = GenerationListFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            raise services.InvalidGenerationParameters(fields=filters.errors)
        queryset = selectors.generation_list(
            owner=api_user(request),
            direction=filters.validated_data.get("direction") or None,
            status=filters.validated_data.get("status") or None,
        )
        paginator = GenerationPagination()
        page = paginator.paginate_queryset(queryset.prefetch_related("journey"), request, view=self)
        return paginator.get_paginated_response([_serialize(item, request) for item in page or []])

    @extend_schema(
        operation_id="generation_delete_all",
        summary="Delete all your generations and their images",
        request=None,
        responses={
            200: inline_serializer(
                name="DeletedCount", fields={"deleted": serializers.IntegerField()}
            ),
            **_errors(401),
        },
        examples=[OpenApiExample("Three deleted", value={"deleted": 3}, response_only=True)],
        tags=["generation"],
    )
    def delete(self, request: Request) -> Response:
        deleted = services.generation_delete_all(owner=api_user(request))
        return Response({"deleted": deleted})


class GenerationExportApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        operation_id="generation_export",
        summary="Download everything you own: a zip with JSON metadata and all images",
        description=(
            "`account.json` (account, profile, usage statistics, login sessions, generator "
            "preferences, share links without their tokens), "
            "`index.json` (every generation's metadata) and one folder per generation with "
            "its input, results, face crops and journey frames."
        ),
        responses={(200, "application/zip"): OpenApiTypes.BINARY, **_errors(401)},
        tags=["generation"],
    )
    def get(self, request: Request) -> FileResponse:
        return zip_response(
            archives.generation_export(owner=api_user(request)), archives.EXPORT_FILENAME
        )


class GenerationDetailApi(APIView):
    api_key_scopes = scopes.READ_AND_DELETE

    @extend_schema(
        operation_id="generation_retrieve",
        summary="One generation: status, progress, results with URLs",
        responses={200: GenerationOutputSerializer, **_errors(401, 404)},
        tags=["generation"],
    )
    def get(self, request: Request, pk: UUID) -> Response:
        generation = selectors.generation_get(owner=api_user(request), generation_id=pk)
        return Response(_serialize(generation, request))

    @extend_schema(
        operation_id="generation_destroy",
        summary="Delete a generation and its images",
        responses={204: None, **_errors(401, 404)},
        tags=["generation"],
    )
    def delete(self, request: Request, pk: UUID) -> Response:
        generation = selectors.generation_get(owner=api_user(request), generation_id=pk)
        services.generation_delete(generation=generation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GenerationCancelApi(APIView):
    api_key_scopes = scopes.GENERATE_ONLY

    @extend_schema(
        operation_id="generation_cancel",
        summary="Cancel a generation (queued: at once; running: at the next stage)",
        request=None,
        responses={200: GenerationOutputSerializer, **_errors(401, 404, 409)},
        tags=["generation"],
    )
    def post(self, request: Request, pk: UUID) -> Response:
        generation = selectors.generation_get(owner=api_user(request), generation_id=pk)
        generation = services.generation_cancel(generation=generation)
        return Response(_serialize(generation, request))


class GenerationResultApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        operation_id="generation_result",
        summary="One result image (the photo with the face replaced, or the face crop)",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=["composite", "crop"]),
            DOWNLOAD_PARAMETER,
        ],
        responses={**IMAGE_RESPONSE, **_errors(401, 404)},
        tags=["generation"],
    )
    def get(self, request: Request, pk: UUID, index: int) -> FileResponse | HttpResponse:
        generation = selectors.generation_get(owner=api_user(request), generation_id=pk)
        kind = "crop" if request.query_params.get("kind") == "crop" else "composite"
        image = selectors.generation_image(generation=generation, kind=kind, index=index)
        return image_response(
            image,
            download=_wants_download(request),
            if_none_match=request.headers.get("If-None-Match", ""),
        )


class GenerationInputApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        operation_id="generation_input",
        summary="The uploaded photo as stored (orientation applied, metadata removed)",
        parameters=[DOWNLOAD_PARAMETER],
        responses={**IMAGE_RESPONSE, **_errors(401, 404)},
        tags=["generation"],
    )
    def get(self, request: Request, pk: UUID) -> FileResponse | HttpResponse:
        generation = selectors.generation_get(owner=api_user(request), generation_id=pk)
        image = selectors.generation_image(generation=generation, kind="input")
        return image_response(
            image,
            download=_wants_download(request),
            if_none_match=request.headers.get("If-None-Match", ""),
        )


class GenerationJourneyApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        operation_id="generation_journey_frame",
        summary="One frame of the journey from the photo to variant 0",
        parameters=[DOWNLOAD_PARAMETER],
        responses={**IMAGE_RESPONSE, **_errors(401, 404)},
        tags=["generation"],
    )
    def get(self, request: Request, pk: UUID, index: int) -> FileResponse | HttpResponse:
        generation = selectors.generation_get(owner=api_user(request), generation_id=pk)
        image = selectors.generation_image(generation=generation, kind="journey", index=index)
        return image_response(
            image,
            download=_wants_download(request),
            if_none_match=request.headers.get("If-None-Match", ""),
        )


class GenerationJourneyAnimationApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        operation_id="generation_journey_animation",
        summary="The journey as a looping animated WebP (photo to variant 0 and back)",
        parameters=[DOWNLOAD_PARAMETER],
        responses={(200, "image/webp"): OpenApiTypes.BINARY, **_errors(401, 404)},
        tags=["generation"],
    )
    def get(self, request: Request, pk: UUID) -> FileResponse | HttpResponse:
        generation = selectors.generation_get(owner=api_user(request), generation_id=pk)
        image = selectors.generation_image(generation=generation, kind="animation")
        return image_response(
            image,
            download=_wants_download(request),
            if_none_match=request.headers.get("If-None-Match", ""),
        )


class GenerationArchiveApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        operation_id="generation_archive",
        summary="All images of one generation with its JSON metadata, as a zip",
        responses={(200, "application/zip"): OpenApiTypes.BINARY, **_errors(401, 404, 409)},
        tags=["generation"],
    )
    def get(self, request: Request, pk: UUID) -> FileResponse:
        generation = selectors.generation_get(owner=api_user(request), generation_id=pk)
        return zip_response(*archives.generation_results_archive(generation=generation))


def _wants_download(request: Request) -> bool:
    return request.query_params.get("download", "").lower() in ("1", "true", "yes")


# --- Batches ---------------------------------------------------------------------------------
class BatchInputSerializer(GenerateInputSerializer):
    file = None  # type: ignore[assignment]
    files = serializers.ListField(
        child=serializers.FileField(),
        allow_empty=True,
        help_text=(
            f"The photos (send the field once per photo, at most {max_batch_photos()}): JPEG, "
            f"PNG or WEBP, each at most {upload_size_text()}."
        ),
    )


class BatchPhotoSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    file_name = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    percent = serializers.IntegerField()
    error = inline_serializer(
        name="BatchPhotoFailure",
        fields={"code": serializers.CharField(), "message": serializers.CharField()},
        allow_null=True,
    )
    url = serializers.URLField()


class BatchRejectedPhotoSerializer(serializers.Serializer):
    file_name = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


EXAMPLE_BATCH = {
    "id": "0c5e2a7b-9d41-4e3a-b6f2-7a8d9e0f1a2b",
    "direction": "adult_to_child",
    "created_at": "2026-12-02T09:30:00Z",
    "finished": False,
    "percent": 40,
    "total": 2,
    "succeeded": 0,
    "failed": 0,
    "url": "https://lightsb.example/api/batches/0c5e2a7b-9d41-4e3a-b6f2-7a8d9e0f1a2b",
    "zip_url": None,
    "generations": [
        {
            "id": EXAMPLE_ID,
            "file_name": "holiday.jpg",
            "status": "running",
            "percent": 80,
            "error": None,
            "url": f"https://lightsb.example/api/generations/{EXAMPLE_ID}",
        },
        {
            "id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
            "file_name": "portrait.png",
            "status": "queued",
            "percent": 0,
            "error": None,
            "url": "https://lightsb.example/api/generations/9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
        },
    ],
    "rejected": [
        {
            "file_name": "notes.pdf",
            "code": "unsupported_format",
            "message": "Only JPEG, PNG and WEBP photos are accepted.",
        }
    ],
}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Two photos on their way, one refused",
            value=EXAMPLE_BATCH,
            response_only=True,
            status_codes=["200", "201"],
        )
    ]
)
class BatchOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    direction = serializers.ChoiceField(choices=Direction.choices)
    created_at = serializers.DateTimeField()
    finished = serializers.BooleanField(help_text="True once every photo's job has finished.")
    percent = serializers.IntegerField()
    total = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    url = serializers.URLField()
    zip_url = serializers.URLField(
        allow_null=True, help_text="All results as one zip, once at least one photo succeeded."
    )
    generations = BatchPhotoSerializer(many=True)
    rejected = BatchRejectedPhotoSerializer(many=True, help_text="Photos that could not be used.")


def _serialize_batch(batch: Batch, request: HttpRequest) -> dict[str, Any]:
    generations = selectors.batch_generations(batch)
    progress = selectors.batch_progress(batch, generations)
    payload = {
        **progress,
        "direction": batch.direction,
        "created_at": batch.created_at,
        "url": request.build_absolute_uri(reverse("api:batch-detail", args=[batch.pk])),
        "zip_url": (
            request.build_absolute_uri(reverse("api:batch-zip", args=[batch.pk]))
            if progress["succeeded"]
            else None
        ),
        "generations": [
            {
                "id": generation.pk,
                "file_name": selectors.batch_file_name(batch, generation),
                "status": generation.status,
                "percent": generation.percent,
                "error": selectors.generation_progress(generation)["error"],
                "url": request.build_absolute_uri(
                    reverse("api:generation-detail", args=[generation.pk])
                ),
            }
            for generation in generations
        ],
        "rejected": batch.rejected,
    }
    return BatchOutputSerializer(payload).data


class BatchCreateApi(APIView):
    api_key_scopes = scopes.GENERATE_ONLY

    @extend_schema(
        operation_id="batch_create",
        summary="Upload several portraits at once: one generation each, the same settings",
        description=(
            "Each usable photo becomes its own generation; a photo that cannot be used is "
            "listed in `rejected` with its error code and does not stop the others. Every "
            "usable photo counts on the daily limit: a batch that does not fit is refused "
            "whole (429) and nothing is created."
        ),
        request={"multipart/form-data": BatchInputSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Send the same key again to get the same batch instead of a new one.",
            )
        ],
        responses={
            200: OpenApiResponse(
                BatchOutputSerializer, description="Replay: the batch of this key."
            ),
            201: OpenApiResponse(BatchOutputSerializer, description="Created; poll its url."),
            **_errors(400, 401, 413, 429),
        },
        examples=[
            OpenApiExample(
                "Two photos, one variant each",
                value={
                    "files": ["(the first photo's bytes)", "(the second photo's bytes)"],
                    "direction": "adult_to_child",
                    "variants": 1,
                },
                request_only=True,
                media_type="multipart/form-data",
            ),
            OpenApiExample(
                "Two photos on their way, one refused",
                value=EXAMPLE_BATCH,
                response_only=True,
                status_codes=["200", "201"],
            ),
        ],
        tags=["generation"],
    )
    def post(self, request: Request) -> Response:
        uploads.check_content_length(request.META.get("CONTENT_LENGTH"), files=max_batch_photos())
        idempotency_key = request.headers.get("Idempotency-Key", "").strip() or None
        if idempotency_key and (len(idempotency_key) > 255 or not idempotency_key.isprintable()):
            raise services.InvalidGenerationParameters(
                "The Idempotency-Key header must be at most 255 printable characters."
            )
        serializer = BatchInputSerializer(data=request.data)
        if not serializer.is_valid():
            if "files" in serializer.errors and not request.FILES.getlist("files"):
                raise uploads.FileMissing(
                    "Choose one or more photos to upload (JPEG, PNG or WEBP)."
                )
            serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key = request.auth if isinstance(request.auth, ApiKey) else None

        def check_key(count: int) -> None:
            if key is not None:
                integrations_services.api_key_check_limit(key=key, count=count)

        with transaction.atomic():
            batch, created = services.batch_create(
                owner=api_user(request),
                files=data["files"],
                direction=data["direction"],
                variants=data["variants"],
                strength=data["strength"],
                variation=data["variation"],
                seed=data["seed"],
                face_index=data["face"],
                journey_frames=data["journey"],
                idempotency_key=idempotency_key,
                before_create=check_key,
            )
            if key is not None and created:
                integrations_services.api_key_record_use(key=key, count=len(batch.file_names))
        body = _serialize_batch(batch, request)
        return Response(
            body,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": body["url"]},
        )


class BatchDetailApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        operation_id="batch_retrieve",
        summary="One batch: progress of all its photos, their generations, the zip's URL",
        responses={200: BatchOutputSerializer, **_errors(401, 404)},
        tags=["generation"],
    )
    def get(self, request: Request, pk: UUID) -> Response:
        batch = selectors.batch_get(owner=api_user(request), batch_id=pk)
        return Response(_serialize_batch(batch, request))


class BatchZipApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        operation_id="batch_zip",
        summary="The results of every finished photo of a batch, as one zip",
        responses={(200, "application/zip"): OpenApiTypes.BINARY, **_errors(401, 404, 409)},
        tags=["generation"],
    )
    def get(self, request: Request, pk: UUID) -> FileResponse:
        batch = selectors.batch_get(owner=api_user(request), batch_id=pk)
        return zip_response(*archives.batch_archive(batch=batch))


# --- Share links ------------------------------------------------------------------------------
@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Before and after for a week",
            value={"variant_index": 0, "with_before": True, "days": 7},
            request_only=True,
        )
    ]
)
class ShareLinkInputSerializer(serializers.Serializer):
    variant_index = serializers.IntegerField(min_value=0, default=0)
    with_before = serializers.BooleanField(
        default=False, help_text="Show the original photo beside the result."
    )
    days = serializers.IntegerField(min_value=1, max_value=MAX_SHARE_DAYS, default=7)


@extend_schema_serializer(
    examples=[OpenApiExample("A live link", value=EXAMPLE_SHARE_LINK, response_only=True)]
)
class ShareLinkOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    generation_id = serializers.UUIDField()
    variant_index = serializers.IntegerField()
    with_before = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Made; the URL is shown this once",
            value={
                **EXAMPLE_SHARE_LINK,
                "url": "https://lightsb.example.com/s/q3V9zKx1bL0mN4pR7tW2yA5cE8fH6jD1gS0uI9oP3kM/",
            },
            response_only=True,
        )
    ]
)
class ShareLinkCreatedSerializer(ShareLinkOutputSerializer):
    url = serializers.URLField(help_text="The public link; shown this once (stored hashed).")


class ShareLinkListApi(APIView):
    @extend_schema(
        operation_id="share_link_list",
        summary="The share links of one generation",
        responses={200: ShareLinkOutputSerializer(many=True), **_errors(401, 404)},
        tags=["sharing"],
    )
    def get(self, request: Request, pk: UUID) -> Response:
        generation = selectors.generation_get(owner=api_user(request), generation_id=pk)
        links = services.share_link_list(owner=api_user(request), generation_id=generation.pk)
        return Response(ShareLinkOutputSerializer(links, many=True).data)

    @extend_schema(
        operation_id="share_link_create",
        summary="Make a public link to one result (or the before/after pair)",
        request=ShareLinkInputSerializer,
        responses={201: ShareLinkCreatedSerializer, **_errors(400, 401, 404, 409)},
        tags=["sharing"],
    )
    def post(self, request: Request, pk: UUID) -> Response:
        data = ShareLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link, token = services.share_link_create(
            owner=api_user(request), generation_id=pk, **data.validated_data
        )
        payload = dict(ShareLinkOutputSerializer(link).data)
        payload["url"] = request.build_absolute_uri(reverse("share", args=[token]))
        return Response(payload, status=status.HTTP_201_CREATED)


class ShareLinkRevokeApi(APIView):
    @extend_schema(
        operation_id="share_link_revoke",
        summary="Revoke a share link (it answers 404 at once)",
        request=None,
        responses={204: None, **_errors(401, 404)},
        tags=["sharing"],
    )
    def delete(self, request: Request, link_id: UUID) -> Response:
        services.share_link_revoke(owner=api_user(request), link_id=link_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
