"""HTML pages for accounts: thin views over accounts.services (Django sessions + CSRF)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.devices import device_label
from accounts.errors import (
    DuplicateUser,
    InvalidCredentials,
    LockedOut,
    LoginSlowedDown,
    PasswordChecksLocked,
    SessionNotFound,
    WrongPassword,
)
from accounts.forms import (
    AccountDeleteForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
    apply_validation_error,
)
from accounts.models import LoginSession
from accounts.throttles import throttle_hit, throttled_page
from lightsb_site.auth import AuthenticatedHttpRequest
from stats.selectors import usage_summary

BACKEND = "accounts.backends.EmailOrUsernameBackend"


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _add_service_errors(form: RegisterForm) -> None:
    """Add the service's rules to the form's own, so one round shows every error."""
    data = form.data
    errors = services.user_registration_errors(
        username=str(data.get("username", "")).strip(),
        email=str(data.get("email", "")).strip(),
        password=str(data.get("password", "")),
    )
    for field, field_errors in errors.items():
        fresh = [message for message in field_errors if message not in form.errors.get(field, [])]
        if fresh and field in form.fields and not form.has_error(field, "required"):
            form.add_error(field, fresh)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    if request.method == "POST" and not (hit := throttle_hit(request, "register")).allowed:
        return throttled_page(request, hit)
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and not form.is_valid():
        _add_service_errors(form)
    elif request.method == "POST":
        try:
            user = services.user_register(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except DuplicateUser as error:
            form.add_error(error.field, error.message)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            login(request, user, backend=BACKEND)
            request.session.set_expiry(0)
            services.browser_session_start(request=request, user=user, remember_me=False)
            messages.success(request, "Welcome! Your account is ready.")
            return redirect("accounts:profile")
    if form.errors:
        form.focus_first_error()
    return render(request, "accounts/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)
    if request.method == "POST" and not (hit := throttle_hit(request, "login")).allowed:
        return throttled_page(request, hit)
    form = LoginForm(request.POST or None)
    status = 200
    locked = False
    if request.method == "POST" and form.is_valid():
        try:
            user = services.credentials_check(
                request=request,
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
            )
        except LockedOut as error:
            form.add_error(None, error.message)
            status, locked = 429, True
        except LoginSlowedDown as error:
            form.add_error(None, error.message)
            status = 429
        except InvalidCredentials as error:
            form.add_error(None, error.message)
            status = 400
        else:
            login(request, user, backend=BACKEND)
            # Unchecked: a browser-session cookie, gone when the browser closes.
            remember = form.cleaned_data["remember_me"]
            request.session.set_expiry(settings.REMEMBER_ME_SECONDS if remember else 0)
            services.browser_session_start(request=request, user=user, remember_me=remember)
            return redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)
    context = {"form": form, "next": _safe_next(request) or ""}
    response = render(request, "accounts/login.html", context, status=status)
    if locked:
        response.lightsb_lockout_rendered = True  # type: ignore[attr-defined]  # read by lockout
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.browser_session_end(request=request)
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "profile": selectors.profile_get(user=request.user),
        "summary": usage_summary(user=request.user),
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = selectors.profile_get(user=request.user)
    initial = {
        "full_name": current.full_name,
        "position": current.position,
        "date_of_birth": current.date_of_birth,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:profile")
    status = 400 if form.errors else 200
    return render(request, "accounts/profile_edit.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    locked_status = None
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                keep_session_id=services.browser_session_current_id(request),
            )
        except WrongPassword as error:
            form.add_error("old_password", error.message)
        except PasswordChecksLocked as error:
            form.add_error(None, error.message)
            locked_status = 429
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            # Keep this browser logged in (under a new session key); the service ended every
            # other session, API tokens and other browsers alike.
            update_session_auth_hash(request, request.user)
            services.browser_session_rekey(request=request)
            messages.success(request, "Your password is changed. Other sessions were logged out.")
            return redirect("accounts:profile")
    status = locked_status or (400 if form.errors else 200)
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None)
    locked_status = None
    if request.method == "POST" and form.is_valid():
        try:
            services.user_delete_confirmed(
                user=request.user, password=form.cleaned_data["password"]
            )
        except PasswordChecksLocked as error:
            form.add_error(None, error.message)
            locked_status = 429
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            logout(request)
            messages.success(
                request, "Your account, your photos and all your data have been deleted."
            )
            return redirect("home")
    status = locked_status or (400 if form.errors else 200)
    return render(request, "accounts/account_delete.html", {"form": form}, status=status)


# --- Password reset by email: Django's token views, our templates ----------------------------
class PasswordReset(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The same throttle as registration: a reset mails a stranger's inbox.
        if not (hit := throttle_hit(request, "register")).allowed:
            return throttled_page(request, hit)
        return super().post(request, *args, **kwargs)


class PasswordResetSent(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        # Whoever knew the old password is logged out everywhere, API tokens included.
        services.session_revoke_all(user=form.user, reason=LoginSession.RevokeReason.PASSWORD)
        return response


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Sessions: every browser and API login, with revoke and "log out everywhere" -------------
@login_required
@require_http_methods(["GET"])
def sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = services.browser_session_current_id(request)
    rows = [
        {
            "session": session,
            "device": device_label(session.user_agent),
            "is_current": session.pk == current,
        }
        for session in selectors.session_list_active(user=request.user)
    ]
    return render(request, "accounts/sessions.html", {"rows": rows})


@login_required
@require_POST
def session_revoke(request: AuthenticatedHttpRequest, session_id: uuid.UUID) -> HttpResponse:
    is_current = session_id == services.browser_session_current_id(request)
    try:
        services.session_revoke(user=request.user, session_id=session_id)
    except SessionNotFound as error:
        raise Http404(error.message) from error
    if is_current:  # its Django session is gone: this browser is logged out
        logout(request)
        return redirect("accounts:login")
    messages.success(request, "The session was ended.")
    return redirect("accounts:sessions")


@login_required
@require_POST
def sessions_revoke_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.session_revoke_all(user=request.user)
    logout(request)
    messages.info(request, "You are logged out everywhere, this browser included.")
    return redirect("accounts:login")
