"""Users and their profiles."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.validators import validate_date_of_birth, validate_full_name, validate_username
from generation.limits import DEFAULT_STRENGTH, DEFAULT_VARIANTS, DEFAULT_VARIATION
from generation.ml.limits import DIRECTIONS


class Role(models.TextChoices):
    USER = "user", "User"
    STAFF = "staff", "Staff"
    ADMIN = "admin", "Admin"


# The role is the source of truth; Django's flags must always agree with it (checked by the
# database), so code that changes one goes through accounts.services.user_set_role.
ROLE_FLAGS: dict[str, tuple[bool, bool]] = {
    Role.USER: (False, False),
    Role.STAFF: (True, False),
    Role.ADMIN: (True, True),
}


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(username__iexact=username)

    def _create(self, username: str, email: str, password: str | None, role: str) -> User:
        is_staff, is_superuser = ROLE_FLAGS[role]
        user = self.model(
            username=username,
            email=self.normalize_email(email).lower(),
            role=role,
            is_staff=is_staff,
            is_superuser=is_superuser,
        )
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, username: str, email: str, password: str | None = None, **extra) -> User:
        return self._create(username, email, password, extra.get("role", Role.USER))

    def create_superuser(self, username: str, email: str, password: str | None = None, **extra):
        return self._create(username, email, password, Role.ADMIN)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(
        max_length=30,
        validators=[validate_username],
        help_text="3-30 characters: letters, digits, dots, hyphens and underscores.",
    )
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.USER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=(
                    Q(role=Role.USER, is_staff=False, is_superuser=False)
                    | Q(role=Role.STAFF, is_staff=True, is_superuser=False)
                    | Q(role=Role.ADMIN, is_staff=True, is_superuser=True)
                ),
                name="accounts_user_role_matches_flags",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        self.is_staff, self.is_superuser = ROLE_FLAGS[self.role]

    @property
    def date_joined(self):
        return self.created_at


class Profile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    full_name = models.CharField(max_length=150, blank=True, validators=[validate_full_name])
    position = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True, validators=[validate_date_of_birth])
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.user.username}"


class GeneratorPreferences(models.Model):
    """The settings the generator page starts from: the last ones used on it (unless the person
    opted out) or those saved through the API. No row means the service's defaults."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="generator_preferences"
    )
    # A generation.models.Direction value; the generation services validate every field.
    direction = models.CharField(max_length=20, default=DIRECTIONS[0])
    variants = models.PositiveSmallIntegerField(default=DEFAULT_VARIANTS)
    strength = models.FloatField(default=DEFAULT_STRENGTH)
    variation = models.FloatField(default=DEFAULT_VARIATION)
    journey_frames = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "generator preferences"

    def __str__(self) -> str:
        return f"Generator preferences of {self.user_id}"


class LoginSession(models.Model):
    """One login: an API token family or a browser's Django session.

    API (``kind=api``): every refresh token rotated from the login shares this row;
    ``refresh_jti`` names the only refresh token that may still be exchanged, and presenting
    an older one means it was copied, so the whole session is revoked.

    Browser (``kind=browser``): a login through the HTML pages; ``session_key`` names its
    Django session, which is deleted when the row is revoked, so "revoke all" also logs out
    every browser.
    """

    class Kind(models.TextChoices):
        API = "api", "API tokens"
        BROWSER = "browser", "Browser"

    class RevokeReason(models.TextChoices):
        LOGOUT = "logout", "Logged out"
        USER = "user", "Revoked by the user"
        REVOKE_ALL = "revoke_all", "All sessions revoked"
        REUSE = "reuse", "Refresh token reused"
        PASSWORD = "password_changed", "Password changed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.API)
    session_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    user_agent = models.CharField(max_length=255, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    remember_me = models.BooleanField(default=False)
    refresh_jti = models.CharField(max_length=64, blank=True)
    # The token spent by the last rotation and when: presented again within
    # REFRESH_REUSE_GRACE_SECONDS (a double click, two tabs) it gets the same successor.
    previous_refresh_jti = models.CharField(max_length=64, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=20, choices=RevokeReason.choices, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="accounts_ls_user_revoked")]

    def __str__(self) -> str:
        return f"Session {self.id} of {self.user_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class RateCounter(models.Model):
    """A fixed-window counter of lightsb_site.rate_limit (used when no Redis is configured).

    Written only by that module's single-statement upsert; ``expires_at`` is Unix time.
    """

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.FloatField()

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class AdminAuditEntry(models.Model):
    """Who changed which account in the admin, what, and when. Append-only."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        PASSWORD = "password", "Password set"
        DELETE = "delete", "Deleted"

    actor = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="admin_actions"
    )
    actor_username = models.CharField(max_length=30)
    target = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="admin_audit"
    )
    target_username = models.CharField(max_length=30)
    action = models.CharField(max_length=10, choices=Action.choices)
    changed_fields = models.JSONField(default=list, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "admin audit entries"

    def __str__(self) -> str:
        return f"{self.actor_username} {self.action} {self.target_username}"
