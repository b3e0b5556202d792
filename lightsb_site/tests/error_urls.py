"""The real URLconf plus views that fail on purpose, for the error-handler tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from lightsb_site.urls import handler400, handler403, handler404, handler500  # noqa: F401
from lightsb_site.urls import urlpatterns as real_patterns


class Boom(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request):
        raise RuntimeError("kaboom")

    def post(self, request):
        return Response({"received": request.data})


def plain_boom(request):
    raise RuntimeError("kaboom")


def plain_forbidden(request):
    raise PermissionDenied


def plain_suspicious(request):
    raise SuspiciousOperation("odd")


urlpatterns = [
    path("api/test/boom", Boom.as_view()),
    path("api/test/plain-boom", plain_boom),
    path("api/test/forbidden", plain_forbidden),
    path("api/test/suspicious", plain_suspicious),
    path("test/boom", plain_boom),
    path("test/forbidden", plain_forbidden),
    path("test/suspicious", plain_suspicious),
    *real_patterns,
]
