"""Small input/output serializers for the accounts API."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from accounts.models import LoginSession, Profile, User


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A new account",
            value={
                "username": "ada",
                "email": "ada@example.com",
                "password": "correct-horse-battery-42",
                "password_confirm": "correct-horse-battery-42",
            },
            request_only=True,
        )
    ]
)
class RegisterInput(serializers.Serializer):
    username = serializers.CharField(max_length=30)
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    password_confirm = serializers.CharField(max_length=4096, trim_whitespace=False)

    def validate(self, attrs):
        if attrs["password"] != attrs["password_confirm"]:
            raise serializers.ValidationError({"password_confirm": ["The passwords do not match."]})
        return attrs


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Created",
            value={
                "user_id": "3f1c2b9e-6d4a-4e8b-9a57-0c2d8e4f1a23",
                "username": "ada",
                "email": "ada@example.com",
            },
            response_only=True,
        )
    ]
)
class RegisterOutput(serializers.Serializer):
    user_id = serializers.UUIDField(source="id")
    username = serializers.CharField()
    email = serializers.EmailField()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "The account",
            value={
                "id": "3f1c2b9e-6d4a-4e8b-9a57-0c2d8e4f1a23",
                "username": "ada",
                "email": "ada@example.com",
                "role": "user",
                "created_at": "2026-11-30T08:15:00Z",
            },
            response_only=True,
        )
    ]
)
class UserOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "role", "created_at"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Log in with a username",
            value={
                "identifier": "ada",
                "password": "correct-horse-battery-42",
                "remember_me": False,
            },
            request_only=True,
        )
    ]
)
class LoginInput(serializers.Serializer):
    identifier = serializers.CharField(max_length=254, help_text="Email address or username.")
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    remember_me = serializers.BooleanField(default=False)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A new token pair",
            value={
                "access": "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiLi4uIn0.c2lnbmF0dXJl",
                "refresh": "eyJhbGciOiJIUzI1NiJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl",
                "access_expires_at": "2026-12-01T09:45:00Z",
                "refresh_expires_at": "2026-12-08T09:30:00Z",
                "session_id": "8b0e7c52-41d9-4f3a-b6e2-95a1d7c3e804",
            },
            response_only=True,
        )
    ]
)
class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    access_expires_at = serializers.DateTimeField()
    refresh_expires_at = serializers.DateTimeField()
    session_id = serializers.UUIDField()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Logged in",
            value={
                "access": "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiLi4uIn0.c2lnbmF0dXJl",
                "refresh": "eyJhbGciOiJIUzI1NiJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl",
                "access_expires_at": "2026-12-01T09:45:00Z",
                "refresh_expires_at": "2026-12-08T09:30:00Z",
                "session_id": "8b0e7c52-41d9-4f3a-b6e2-95a1d7c3e804",
                "user": {
                    "id": "3f1c2b9e-6d4a-4e8b-9a57-0c2d8e4f1a23",
                    "username": "ada",
                    "email": "ada@example.com",
                    "role": "user",
                    "created_at": "2026-11-30T08:15:00Z",
                },
            },
            response_only=True,
        )
    ]
)
class LoginOutput(TokenPairOutput):
    user = UserOutput()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "The refresh token in the body",
            value={"refresh": "eyJhbGciOiJIUzI1NiJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl"},
            request_only=True,
        )
    ]
)
class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField(
        required=False,
        max_length=4096,
        help_text="Refresh token; optional when the refresh cookie is sent.",
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "This session",
            value={
                "id": "8b0e7c52-41d9-4f3a-b6e2-95a1d7c3e804",
                "kind": "api",
                "created_at": "2026-12-01T09:30:00Z",
                "last_used_at": "2026-12-01T09:40:00Z",
                "expires_at": "2026-12-08T09:30:00Z",
                "user_agent": "curl/8.5.0",
                "ip": "203.0.113.7",
                "remember_me": False,
                "current": True,
            },
            response_only=True,
        )
    ]
)
class SessionOutput(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = LoginSession
        fields = [
            "id",
            "kind",
            "created_at",
            "last_used_at",
            "expires_at",
            "user_agent",
            "ip",
            "remember_me",
            "current",
        ]

    def get_current(self, session: LoginSession) -> bool:
        return str(session.id) == self.context.get("current_session_id")


@extend_schema_serializer(
    examples=[OpenApiExample("Every session ended", value={"revoked": 3}, response_only=True)]
)
class RevokeAllOutput(serializers.Serializer):
    revoked = serializers.IntegerField()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Change the name and position",
            value={"full_name": "Ada Lovelace", "position": "Analyst"},
            request_only=True,
        )
    ]
)
class ProfileSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    position = serializers.CharField(max_length=100, allow_blank=True, required=False)
    date_of_birth = serializers.DateField(allow_null=True, required=False)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "The profile",
            value={
                "full_name": "Ada Lovelace",
                "position": "Analyst",
                "date_of_birth": "1990-12-10",
                "updated_at": "2026-12-01T09:50:00Z",
            },
            response_only=True,
        )
    ]
)
class ProfileOutput(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ["full_name", "position", "date_of_birth", "updated_at"]


class AccountDeleteInput(serializers.Serializer):
    # Not required here: the service gives the one message for a missing or wrong password.
    password = serializers.CharField(
        required=False, allow_blank=True, max_length=4096, trim_whitespace=False
    )
