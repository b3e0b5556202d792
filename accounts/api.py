"""JSON API for accounts: thin views over accounts.services and accounts.selectors."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.authentication import SessionBoundJWTAuthentication
from accounts.errors import RefreshTokenMissing
from accounts.serializers import (
    AccountDeleteInput,
    LoginInput,
    LoginOutput,
    ProfileOutput,
    ProfileSerializer,
    RefreshInput,
    RegisterInput,
    RegisterOutput,
    RevokeAllOutput,
    SessionOutput,
    TokenPairOutput,
    UserOutput,
)
from accounts.throttles import ScopedThrottle
from accounts.tokens import SESSION_CLAIM, parse_uuid
from lightsb_site.auth import api_user

ERROR = OpenApiResponse(description="Error: {code, message, fields?}")


def _current_session_id(request: Request) -> str | None:
    token = request.auth
    # A simplejwt token here (SessionBoundJWTAuthentication), not DRF's own Token model.
    return str(token.get(SESSION_CLAIM)) if token is not None else None  # type: ignore[union-attr]


def _set_refresh_cookie(response: Response, issued: services.IssuedSession) -> None:
    response.set_cookie(
        settings.REFRESH_COOKIE_NAME,
        issued.tokens.refresh,
        expires=issued.tokens.refresh_expires_at,
        path=settings.REFRESH_COOKIE_PATH,
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Strict",
    )


def _token_body(issued: services.IssuedSession) -> dict:
    return {
        "access": issued.tokens.access,
        "refresh": issued.tokens.refresh,
        "access_expires_at": issued.tokens.access_expires_at,
        "refresh_expires_at": issued.tokens.refresh_expires_at,
        "session_id": issued.session.id,
    }


class PublicAPIView(APIView):
    """Endpoints a visitor calls before having a token; a stale token must not get in the way."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    # Acts only where a view names a throttle_scope; atomic counters per client address.
    throttle_classes = [ScopedThrottle]


class RegisterView(PublicAPIView):
    throttle_scope = "register"

    @extend_schema(
        request=RegisterInput,
        responses={201: RegisterOutput, 400: ERROR, 409: ERROR, 429: ERROR},
        summary="Create an account",
    )
    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(
            username=data.validated_data["username"],
            email=data.validated_data["email"],
            password=data.validated_data["password"],
        )
        return Response(RegisterOutput(user).data, status=status.HTTP_201_CREATED)


class LoginView(PublicAPIView):
    throttle_scope = "login"

    @extend_schema(
        request=LoginInput,
        responses={200: LoginOutput, 400: ERROR, 401: ERROR, 429: ERROR},
        summary="Log in with email or username; sets the refresh cookie too",
    )
    def post(self, request: Request) -> Response:
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.session_login(
            request=request._request,  # django-axes keeps its lockout state on the HttpRequest
            identifier=data.validated_data["identifier"],
            password=data.validated_data["password"],
            remember_me=data.validated_data["remember_me"],
        )
        body = {**_token_body(issued), "user": issued.session.user}
        response = Response(LoginOutput(body).data)
        _set_refresh_cookie(response, issued)
        return response


def _presented_refresh(request: Request) -> str | None:
    data = RefreshInput(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data.get("refresh") or request.COOKIES.get(settings.REFRESH_COOKIE_NAME)


class RefreshView(PublicAPIView):
    throttle_scope = "refresh"

    @extend_schema(
        request=RefreshInput,
        responses={200: TokenPairOutput, 400: ERROR, 401: ERROR, 429: ERROR},
        summary="Rotate the refresh token (body or cookie) and get a new pair",
    )
    def post(self, request: Request) -> Response:
        raw = _presented_refresh(request)
        if not raw:
            raise RefreshTokenMissing()
        issued = services.session_refresh(raw_refresh=raw)
        response = Response(TokenPairOutput(_token_body(issued)).data)
        _set_refresh_cookie(response, issued)
        return response


class LogoutView(PublicAPIView):
    @extend_schema(
        request=RefreshInput,
        responses={204: None, 400: ERROR},
        summary="End the current login session and clear the refresh cookie",
    )
    def post(self, request: Request) -> Response:
        raw = _presented_refresh(request)
        session_id = services.session_id_from_refresh(raw) if raw else None
        if session_id is None:
            try:
                authenticated = SessionBoundJWTAuthentication().authenticate(request)
            except exceptions.AuthenticationFailed:
                authenticated = None  # an expired or revoked token: nothing left to end
            if authenticated is not None:
                session_id = parse_uuid(authenticated[1].get(SESSION_CLAIM))
        services.session_logout(user=None, session_id=session_id)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response.delete_cookie(
            settings.REFRESH_COOKIE_NAME, path=settings.REFRESH_COOKIE_PATH, samesite="Strict"
        )
        return response


class SessionListView(APIView):
    @extend_schema(responses={200: SessionOutput(many=True), 401: ERROR}, summary="Active sessions")
    def get(self, request: Request) -> Response:
        sessions = selectors.session_list_active(user=api_user(request))
        context = {"current_session_id": _current_session_id(request)}
        return Response(SessionOutput(sessions, many=True, context=context).data)


class SessionDetailView(APIView):
    @extend_schema(responses={204: None, 401: ERROR, 404: ERROR}, summary="Revoke one session")
    def delete(self, request: Request, session_id) -> Response:
        services.session_revoke(user=api_user(request), session_id=session_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionRevokeAllView(APIView):
    @extend_schema(
        request=None,
        responses={200: RevokeAllOutput, 401: ERROR},
        summary="Revoke every session, this one included",
    )
    def post(self, request: Request) -> Response:
        revoked = services.session_revoke_all(user=api_user(request))
        return Response({"revoked": revoked})


class UserView(APIView):
    # DELETE checks the password again: its failures are limited per account by the service
    # (password_check), like the HTML form.

    @extend_schema(responses={200: UserOutput, 401: ERROR}, summary="The caller's account")
    def get(self, request: Request) -> Response:
        return Response(UserOutput(request.user).data)

    # OpenAPI 3.0 has no request body for DELETE (drf-spectacular drops it), so the body is
    # described in words.
    @extend_schema(
        request=None,
        responses={204: None, 400: ERROR, 401: ERROR, 429: ERROR},
        summary="Delete the caller's account and everything it owns",
        description=(
            'Send the password again as a JSON body: `{"password": "..."}`. Deletes every '
            "generation with its images, the profile, the statistics and every login session "
            "(tokens stop working at once: 401). A missing or wrong password: 400 `invalid` "
            "with `fields.password`. Download your data first with `GET /api/generations/export`."
        ),
    )
    def delete(self, request: Request) -> Response:
        data = AccountDeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_delete_confirmed(
            user=api_user(request), password=data.validated_data.get("password")
        )
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response.delete_cookie(
            settings.REFRESH_COOKIE_NAME, path=settings.REFRESH_COOKIE_PATH, samesite="Strict"
        )
        return response


class ProfileView(APIView):
    @extend_schema(responses={200: ProfileOutput, 401: ERROR}, summary="The caller's profile")
    def get(self, request: Request) -> Response:
        return Response(ProfileOutput(selectors.profile_get(user=api_user(request))).data)

    @extend_schema(
        request=ProfileSerializer,
        responses={200: ProfileOutput, 400: ERROR, 401: ERROR},
        summary="Change any of full_name, position, date_of_birth",
    )
    def patch(self, request: Request) -> Response:
        data = ProfileSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        profile = services.profile_update(user=api_user(request), data=data.validated_data)
        return Response(ProfileOutput(profile).data)
