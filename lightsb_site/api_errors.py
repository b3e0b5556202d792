"""One place that turns every API error into ``{code, message, fields?}`` JSON."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

# Stable codes for DRF's own exceptions.
_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
    exceptions.ValidationError: "invalid",
}


class DomainError(Exception):
    """A business-rule failure with a stable code, raised by services.

    The API handler renders it as JSON with ``status``; HTML views show ``message``.
    """

    code = "error"
    status = 400
    message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, code: str | None = None, **extra: Any):
        self.message = message or self.message
        if code:
            self.code = code
        self.extra = extra
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


def _flatten_fields(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(key): [str(item) for item in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return {"non_field_errors": [str(detail)]}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


def _answered_before_drf(exc: Exception) -> Response | None:
    """Errors that need none of DRF's handling: ours, and a refused request body."""
    if isinstance(exc, DomainError):
        response = Response(exc.as_dict(), status=exc.status)
        if "retry_after" in exc.extra:
            response["Retry-After"] = str(int(exc.extra["retry_after"]))
        return response
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("payload_too_large", "The request body is too large."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):
        return Response(
            error_body("bad_request", "The request could not be understood."),
            status=status.HTTP_400_BAD_REQUEST,
        )
    return None


def _as_drf_exception(exc: Exception) -> Exception:
    """Django's own exceptions as the DRF ones that mean the same."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _unhandled(exc: Exception) -> Response:
    if isinstance(exc, DatabaseError):
        logger.warning("database unavailable: %s", exc.__class__.__name__)
        return Response(
            error_body("service_unavailable", "The service is busy; try again shortly."),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    logger.exception("unhandled API error", exc_info=exc)
    return Response(
        error_body("server_error", "Something went wrong on our side."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    early = _answered_before_drf(exc)
    if early is not None:
        return early
    exc = _as_drf_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return _unhandled(exc)

    code = "error"
    for klass, klass_code in _DRF_CODES.items():
        if isinstance(exc, klass):
            code = klass_code
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            "invalid", "Some fields are invalid.", fields=_flatten_fields(exc.detail)
        )
        return response
    detail = getattr(exc, "detail", None)
    if isinstance(detail, dict) and "code" in detail and "message" in detail:
        response.data = {key: value for key, value in detail.items()}
        return response
    message = str(detail) if detail is not None else str(exc)
    body = error_body(code, message)
    if isinstance(exc, exceptions.Throttled):
        _throttled(exc, body, response, context)
    response.data = body
    return response


def _throttled(
    exc: exceptions.Throttled, body: dict[str, Any], response: Response, context: dict[str, Any]
) -> None:
    from lightsb_site.rate_limit import RATE_LIMIT_ATTRIBUTE, rate_limit_headers, throttled_message

    request = context.get("request")
    hit = getattr(getattr(request, "_request", None), RATE_LIMIT_ATTRIBUTE, None)
    if hit is None:
        wait = getattr(exc, "wait", None)
        if wait is not None:
            body["retry_after"] = int(wait) + 1
        return
    body["message"] = throttled_message(hit)
    body["retry_after"] = hit.reset_seconds
    for name, value in rate_limit_headers(hit).items():
        response[name] = value


def json_error(code: str, message: str, status_code: int, **extra: Any) -> JsonResponse:
    """Error response for code paths outside DRF (middleware, handlers)."""
    return JsonResponse(error_body(code, message, **extra), status=status_code)
