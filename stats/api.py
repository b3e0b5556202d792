"""GET /api/stats: the caller's own usage statistics."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations import scopes
from lightsb_site.auth import api_user
from stats.selectors import usage_summary


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A regular user",
            value={
                "usage_count": 12,
                "images_count": 40,
                "last_used_at": "2026-12-01T09:30:00Z",
                "avg_processing_seconds": 6.4,
            },
            response_only=True,
        )
    ]
)
class UsageStatsOutput(serializers.Serializer):
    usage_count = serializers.IntegerField()
    images_count = serializers.IntegerField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    avg_processing_seconds = serializers.FloatField()


class StatsView(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        responses={200: UsageStatsOutput, 401: OpenApiResponse(description="Not logged in")},
        summary="The caller's usage statistics",
    )
    def get(self, request: Request) -> Response:
        return Response(UsageStatsOutput(usage_summary(user=api_user(request))).data)
