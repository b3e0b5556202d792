"""Admin: users with their profile and (read-only) statistics; login sessions read-only.

The admin login goes through django.contrib.auth.authenticate, so the django-axes lockout
(first backend in AUTHENTICATION_BACKENDS) guards it exactly like the site's own login.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.errors import LoginSlowedDown
from accounts.lockout import login_slowdown
from accounts.models import AdminAuditEntry, LoginSession, Profile, User
from accounts.services import admin_audit_record, user_delete, user_ensure_related
from stats.models import UsageStats


class AdminLoginForm(AdminAuthenticationForm):
    """The admin login, slowed down like the site's own (accounts.lockout.login_slowdown)."""

    def clean(self):
        request = self.request
        wait = login_slowdown(request, self.cleaned_data.get("username") or "") if request else 0
        if wait:
            raise ValidationError(LoginSlowedDown(retry_after=wait).message, code="slowed_down")
        return super().clean()


admin.site.login_form = AdminLoginForm


def _is_staff(request) -> bool:
    return request.user.is_active and request.user.is_staff


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["full_name", "position", "date_of_birth"]

    # Whoever may edit the user (see UserAdmin._may_manage) may edit the profile with it.
    def has_view_permission(self, request, obj=None) -> bool:
        return _is_staff(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_staff(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return _is_staff(request)


class UsageStatsInline(admin.StackedInline):
    model = UsageStats
    can_delete = False
    fields = ("usage_count", "images_count", "avg_processing_seconds", "last_used_at")
    readonly_fields = fields
    verbose_name = "usage statistics (read-only: written by generation jobs)"

    def has_view_permission(self, request, obj=None) -> bool:
        return _is_staff(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class UserCreateForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["username", "email", "role"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = ["username", "email", "role", "is_active"]

    email = forms.EmailField(max_length=254)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    inlines = [ProfileInline, UsageStatsInline]
    list_display = ["username", "email", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active", "created_at"]
    search_fields = ["username", "email"]
    ordering = ["-created_at"]
    readonly_fields = ["created_at", "updated_at", "last_login"]
    # Staff and superuser flags are not editable: the role sets both (see User.clean).
    fieldsets = [
        (None, {"fields": ["username", "email", "password"]}),
        ("Access", {"fields": ["role", "is_active"]}),
        ("Dates", {"fields": ["created_at", "updated_at", "last_login"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "email",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        )
    ]
    filter_horizontal = ()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("role")  # only admins hand out roles
        return fields

    def _may_manage(self, request, obj) -> bool:
        if not _is_staff(request):
            return False
        # Staff look after ordinary users (and their own account); other staff and admins are
        # only for admins, so one staff account cannot take over another.
        if obj is None or request.user.is_superuser or obj.pk == request.user.pk:
            return True
        return not obj.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is not None and _is_staff(request) and not obj.is_superuser:
            return True  # staff may see colleagues, not change them
        return self._may_manage(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_manage(request, obj)

    def user_change_password(self, request, id, form_url=""):
        """Only an admin may set another account's password (then log in as its owner)."""
        target = self.get_object(request, id)
        if target is None or not self._may_set_password(request, target):
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            admin_audit_record(
                request=request, target=target, action=AdminAuditEntry.Action.PASSWORD
            )
        return response

    @staticmethod
    def _may_set_password(request, target) -> bool:
        return _is_staff(request) and (request.user.is_superuser or target.pk == request.user.pk)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        admin_audit_record(
            request=request,
            target=obj,
            action=AdminAuditEntry.Action.CHANGE if change else AdminAuditEntry.Action.CREATE,
            changed_fields=sorted(form.changed_data),
        )

    def has_module_permission(self, request) -> bool:
        return _is_staff(request)

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        user_ensure_related(user=form.instance)

    # Through the service, so an account deleted here takes its image files and browser
    # sessions with it (a plain cascade would leave the files behind).
    def delete_model(self, request, obj) -> None:
        admin_audit_record(request=request, target=obj, action=AdminAuditEntry.Action.DELETE)
        user_delete(user=obj)

    def delete_queryset(self, request, queryset) -> None:
        for user in queryset:
            admin_audit_record(request=request, target=user, action=AdminAuditEntry.Action.DELETE)
            user_delete(user=user)


@admin.register(AdminAuditEntry)
class AdminAuditEntryAdmin(admin.ModelAdmin):
    """Read-only for admins: the record of who changed which account, and how."""

    list_display = ["created_at", "actor_username", "action", "target_username", "ip"]
    list_filter = ["action", "created_at"]
    search_fields = ["actor_username", "target_username"]
    readonly_fields = [field.name for field in AdminAuditEntry._meta.fields]

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LoginSession)
class LoginSessionAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "kind",
        "created_at",
        "last_used_at",
        "ip",
        "remember_me",
        "revoked_at",
    ]
    list_filter = ["kind", "remember_me", "revoke_reason", "created_at"]
    search_fields = ["user__username", "user__email", "ip"]
    readonly_fields = [field.name for field in LoginSession._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
