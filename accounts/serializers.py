"""Small input/output serializers for the accounts API."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import LoginSession, Profile, User


class RegisterInput(serializers.Serializer):
    username = serializers.CharField(max_length=30)
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    password_confirm = serializers.CharField(max_length=4096, trim_whitespace=False)

    def validate(self, attrs):
        if attrs["password"] != attrs["password_confirm"]:
            raise serializers.ValidationError({"password_confirm": ["The passwords do not match."]})
        return attrs


class RegisterOutput(serializers.Serializer):
    user_id = serializers.UUIDField(source="id")
    username = serializers.CharField()
    email = serializers.EmailField()


class UserOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "role", "created_at"]


class LoginInput(serializers.Serializer):
    identifier = serializers.CharField(max_length=254, help_text="Email address or username.")
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    remember_me = serializers.BooleanField(default=False)


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    access_expires_at = serializers.DateTimeField()
    refresh_expires_at = serializers.DateTimeField()
    session_id = serializers.UUIDField()


class LoginOutput(TokenPairOutput):
    user = UserOutput()


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField(
        required=False,
        max_length=4096,
        help_text="Refresh token; optional when the refresh cookie is sent.",
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


class RevokeAllOutput(serializers.Serializer):
    revoked = serializers.IntegerField()


class ProfileSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    position = serializers.CharField(max_length=100, allow_blank=True, required=False)
    date_of_birth = serializers.DateField(allow_null=True, required=False)


class ProfileOutput(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ["full_name", "position", "date_of_birth", "updated_at"]


class AccountDeleteInput(serializers.Serializer):
    # Not required here: the service gives the one message for a missing or wrong password.
    password = serializers.CharField(
        required=False, allow_blank=True, max_length=4096, trim_whitespace=False
    )
