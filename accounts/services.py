"""Writes for accounts: registration, roles, profile, password, login sessions and tokens.

HTML views and API views both call these, so each rule lives once.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.errors import (
    DuplicateUser,
    InvalidCredentials,
    LockedOut,
    LoginSlowedDown,
    SessionNotFound,
    SessionRevoked,
    TokenInvalid,
    TokenReused,
    WrongPassword,
)
from accounts.lockout import (
    lockout_clear,
    lockout_retry_after,
    login_attempts_left,
    login_pause_minutes,
    login_slowdown,
    password_check,
)
from accounts.models import ROLE_FLAGS, AdminAuditEntry, LoginSession, Profile, Role, User
from accounts.tokens import (
    PASSWORD_CLAIM,
    SESSION_CLAIM,
    SessionRefreshToken,
    TokenPair,
    parse_uuid,
    password_fingerprint_matches,
    token_pair_issue,
)
from accounts.validators import validate_email_domain, validate_username
from lightsb_site.rate_limit import counters_clear_for_user
from stats.models import UsageStats

logger = logging.getLogger(__name__)

USER_AGENT_MAX = 255
PROFILE_FIELDS = ("full_name", "position", "date_of_birth")


# --- Users -----------------------------------------------------------------------------------
def _duplicate_field(*, username: str, email: str) -> str | None:
    if User.objects.filter(username__iexact=username).exists():
        return "username"
    if User.objects.filter(email__iexact=email).exists():
        return "email"
    return None


def user_registration_errors(*, username: str, email: str, password: str) -> dict[str, list[str]]:
    """Every rule a registration breaks, per field, so a form can show them all in one round."""
    errors: dict[str, list[str]] = {}
    checks = (
        ("username", username, (validate_username,)),
        ("email", email, (validate_email, validate_email_domain)),
    )
    for field, value, validators in checks:
        for check in validators:
            try:
                check(value)
            except ValidationError as exc:
                errors[field] = list(exc.messages)
                break
    try:
        validate_password(password, user=User(username=username, email=email))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    return errors


def user_register(*, username: str, email: str, password: str) -> User:
    """Create a user with an empty profile and zeroed statistics, all or nothing.

    Raises ``ValidationError`` (per field) for a bad username, email or weak password and
    ``DuplicateUser`` when the username or email is taken (also when a concurrent
    registration wins the race: the database constraints on Lower(...) decide).
    """
    username = (username or "").strip()
    email = User.objects.normalize_email((email or "").strip()).lower()
    errors = user_registration_errors(username=username, email=email, password=password)
    if errors:
        raise ValidationError(errors)
    field: str | None

    field = _duplicate_field(username=username, email=email)
    if field:
        raise DuplicateUser(field=field)
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, password=password)
            Profile.objects.create(user=user)
            UsageStats.objects.create(user=user)
    except IntegrityError as exc:
        field = _duplicate_field(username=username, email=email)
        if field is None:
            raise
        raise DuplicateUser(field=field) from exc
    return user


def user_ensure_related(*, user: User) -> None:
    """Give users made outside registration (createsuperuser, admin) a profile and stats."""
    Profile.objects.get_or_create(user=user)
    UsageStats.objects.get_or_create(user=user)


def user_set_role(*, user: User, role: str) -> User:
    """Change the role and Django's staff/superuser flags together (a DB check enforces it)."""
    if role not in ROLE_FLAGS:
        raise ValidationError({"role": [f"Unknown role {role!r}."]})
    user.role = Role(role)
    user.is_staff, user.is_superuser = ROLE_FLAGS[role]
    user.save(update_fields=["role", "is_staff", "is_superuser", "updated_at"])
    return user


def admin_audit_record(
    *,
    request: HttpRequest,
    target: User,
    action: str,
    changed_fields: Iterable[str] = (),
) -> AdminAuditEntry:
    """Append who (the signed-in staff member) did what to which account, from where.

    The usernames are copied so the entry still reads after either account is deleted.
    """
    actor = request.user if isinstance(request.user, User) else None
    entry = AdminAuditEntry.objects.create(
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        target=target,
        target_username=target.get_username(),
        action=action,
        changed_fields=sorted(changed_fields),
        ip=request.META.get("REMOTE_ADDR") or None,
    )
    logger.info(
        "admin %s by %s",
        action,
        request.user.pk,
        extra={"user_id": str(target.pk), "code": f"admin_{action}"},
    )
    return entry


def profile_update(*, user: User, data: Mapping[str, Any]) -> Profile:
    """Update any of full_name, position, date_of_birth; validate before writing anything."""
    profile, _ = Profile.objects.get_or_create(user=user)
    for field in PROFILE_FIELDS:
        if field in data:
            value = data[field]
            if field in ("full_name", "position"):
                value = (value or "").strip()
            setattr(profile, field, value)
    profile.full_clean(exclude=["user"])
    profile.save()
    return profile


def user_change_password(
    *,
    user: User,
    old_password: str,
    new_password: str,
    keep_session_id: uuid.UUID | None = None,
) -> User:
    """Set a new password and end every login session (API tokens and browsers).

    ``keep_session_id`` spares one session: the browser that changed the password stays
    logged in (its view then follows the new session key with ``browser_session_rekey``).
    """
    password_check(user=user, password=old_password)
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": list(exc.messages)}) from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password", "updated_at"])
        sessions = LoginSession.objects.filter(user=user)
        if keep_session_id is not None:
            sessions = sessions.exclude(id=keep_session_id)
        _revoke(sessions.values("id"), LoginSession.RevokeReason.PASSWORD)
    return user


def user_delete(*, user: User) -> None:
    """Delete an account and everything it owns, all or nothing.

    Generations go first through the generation service, which removes their image files
    (after the commit); deleting the user then cascades to the profile, the statistics and
    the login sessions, so every outstanding access or refresh token fails with 401. The
    browsers' Django sessions are deleted too, so no browser stays logged in as nobody.

    Nothing about the person is left behind: simplejwt's outstanding-token rows (which it
    would only unlink), django-axes' attempt and access logs (username, address, browser),
    the rate-limit counters kept for the account and, after the commit, its media folder.
    The media data key is destroyed first: a copy of a file that escapes the deletion (a
    backup, a failed delete on object storage) can no longer be decrypted.
    """
    from generation.encryption import media_key_destroy
    from generation.services import generation_delete_all

    with transaction.atomic():
        # Waits for (and then excludes) a generation being created for this user right now.
        User.objects.select_for_update().filter(pk=user.pk).first()
        media_key_destroy(owner_id=user.pk)
        _delete_django_sessions(_browser_session_keys(LoginSession.objects.filter(user=user)))
        generation_delete_all(owner=user)
        OutstandingToken.objects.filter(user=user).delete()  # cascades to BlacklistedToken
        _delete_lockout_records(user)
        counters_clear_for_user(user.pk)
        owner_id = user.pk
        user.delete()
        transaction.on_commit(lambda: _delete_owner_folder(owner_id))


def _delete_lockout_records(user: User) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    # Lockout keys are the lower-cased username (accounts.lockout), or what was typed when
    # it matched no account yet (the email address, before registration).
    names = {user.username.lower(), user.email.lower()}
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__in=names).delete()


def _delete_owner_folder(owner_id: uuid.UUID) -> None:
    """Remove whatever is left under the account's media prefix (empty folders included)."""
    from generation.storage import owner_folder

    folder = owner_folder(owner_id=owner_id)
    try:
        shutil.rmtree(default_storage.path(folder), ignore_errors=True)
        return
    except NotImplementedError:  # object storage: no folders, delete what the prefix holds
        pass
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            directories, files = default_storage.listdir(current)
        except Exception:
            logger.warning("could not list %s", current, exc_info=True)
            continue
        pending.extend(f"{current}/{name}" for name in directories)
        for name in files:
            try:
                default_storage.delete(f"{current}/{name}")
            except Exception:
                logger.warning("could not delete %s/%s", current, name, exc_info=True)


def user_delete_confirmed(*, user: User, password: str | None) -> None:
    """Delete the account once its password has been given again.

    Raises ``ValidationError`` on the ``password`` field when it is missing or wrong, so a
    stolen access token or an unattended browser is not enough to delete an account, and
    ``PasswordChecksLocked`` (429) after too many wrong ones.
    """
    if not password:
        raise ValidationError({"password": ["Enter your password to delete the account."]})
    try:
        password_check(user=user, password=password, message="The password is incorrect.")
    except WrongPassword as error:
        raise ValidationError({"password": [error.message]}) from error
    user_delete(user=user)


# --- Logging in ------------------------------------------------------------------------------
def credentials_check(*, request: HttpRequest, identifier: str, password: str) -> User:
    """Check an email-or-username and password, behind the django-axes lockout.

    Raises ``LockedOut`` (with retry_after) once the (identifier, IP) pair is locked,
    ``LoginSlowedDown`` while the account's failures over many addresses ask this (failing)
    address to wait, and ``InvalidCredentials`` with the attempts left otherwise; the same
    answers whether or not the account exists.
    """
    wait = login_slowdown(request, identifier or "")
    if wait:
        raise LoginSlowedDown(retry_after=wait)
    user = authenticate(request, username=identifier or "", password=password or "")
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise LockedOut(retry_after=lockout_retry_after(request, {"username": identifier}))
        raise InvalidCredentials(
            attempts_left=login_attempts_left(request, identifier or ""),
            pause_minutes=login_pause_minutes(),
        )
    return user


def client_details(request: HttpRequest) -> tuple[str, str | None]:
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]
    ip = request.META.get("REMOTE_ADDR") or None
    return user_agent, ip


@dataclass(frozen=True)
class IssuedSession:
    session: LoginSession
    tokens: TokenPair


def session_start(*, request: HttpRequest, user: User, remember_me: bool) -> IssuedSession:
    """Open a login session for ``user`` and sign its first token pair."""
    user_agent, ip = client_details(request)
    now = timezone.now()
    session_id = uuid.uuid4()
    with transaction.atomic():
        tokens = token_pair_issue(user=user, session_id=session_id, remember_me=remember_me)
        session = LoginSession.objects.create(
            id=session_id,
            user=user,
            last_used_at=now,
            expires_at=tokens.refresh_expires_at,
            user_agent=user_agent,
            ip=ip,
            remember_me=remember_me,
            refresh_jti=tokens.jti,
        )
    # What Django's user_logged_in receivers would do, minus django-axes' access log, which
    # would create a cookie-backed Django session for a token client that never uses it.
    update_last_login(User, user)
    lockout_clear(request=request, user=user)
    return IssuedSession(session=session, tokens=tokens)


def session_login(
    *, request: HttpRequest, identifier: str, password: str, remember_me: bool
) -> IssuedSession:
    user = credentials_check(request=request, identifier=identifier, password=password)
    return session_start(request=request, user=user, remember_me=remember_me)


def _browser_session_keys(sessions: Any) -> list[str]:
    return list(
        sessions.filter(kind=LoginSession.Kind.BROWSER)
        .exclude(session_key="")
        .values_list("session_key", flat=True)
    )


def _delete_django_sessions(session_keys: Iterable[str]) -> None:
    # Through the configured session engine, so this works for database and cache sessions.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in session_keys:
        store(session_key=key).delete()


def _revoke(session_ids: Any, reason: str) -> int:
    """Mark sessions revoked; a browser session also loses its Django session (logged out)."""
    with transaction.atomic():
        targets = LoginSession.objects.filter(id__in=session_ids, revoked_at__isnull=True)
        # Same database (with the default session engine): the logout commits with the revoke.
        _delete_django_sessions(_browser_session_keys(targets))
        return targets.update(revoked_at=timezone.now(), revoke_reason=reason)


# --- Browser logins --------------------------------------------------------------------------
# The HTML pages log in with Django sessions. Each such login is also a LoginSession row, so
# it is listed with the API sessions and ended by revoke-all, a password change or deletion.
BROWSER_SESSION_FIELD = "lightsb_login_session"


def browser_session_start(*, request: HttpRequest, user: User, remember_me: bool) -> LoginSession:
    """Record a browser login; call it right after ``django.contrib.auth.login`` and
    ``set_expiry`` (login gives the Django session its new key)."""
    # Logging in again in a logged-in browser: the new row takes over this Django session, so
    # the earlier one is only marked ended (deleting the session would log this browser out).
    LoginSession.objects.filter(
        id=browser_session_current_id(request),  # type: ignore[misc]  # None matches no row
        user=user,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now(), revoke_reason=LoginSession.RevokeReason.LOGOUT)
    if request.session.session_key is None:  # engines that only assign a key on save
        request.session.save()
    user_agent, ip = client_details(request)
    session = LoginSession.objects.create(
        user=user,
        kind=LoginSession.Kind.BROWSER,
        session_key=request.session.session_key or "",  # saved above, so never empty
        last_used_at=timezone.now(),
        expires_at=request.session.get_expiry_date(),
        user_agent=user_agent,
        ip=ip,
        remember_me=remember_me,
    )
    request.session[BROWSER_SESSION_FIELD] = str(session.id)
    return session


def browser_session_current_id(request: HttpRequest) -> uuid.UUID | None:
    """The LoginSession of this browser, if it logged in through our pages."""
    return parse_uuid(request.session.get(BROWSER_SESSION_FIELD))


def browser_session_rekey(*, request: HttpRequest) -> None:
    """Follow a new Django session key (after ``update_session_auth_hash`` cycled it)."""
    session_id = browser_session_current_id(request)
    if session_id is None:
        return
    if request.session.session_key is None:
        request.session.save()
    LoginSession.objects.filter(
        id=session_id,
        user=request.user,  # type: ignore[misc]  # only called for a logged-in browser
        kind=LoginSession.Kind.BROWSER,
    ).update(session_key=request.session.session_key, last_used_at=timezone.now())


def browser_session_end(*, request: HttpRequest) -> None:
    """Mark this browser's login ended (call before ``django.contrib.auth.logout``)."""
    if not request.user.is_authenticated:
        return
    session_logout(user=request.user, session_id=browser_session_current_id(request))


def session_refresh(*, raw_refresh: str) -> IssuedSession:
    """Rotate a refresh token: the presented one is spent, a new pair is returned.

    The swap is one locked read-and-update of the session row, so of N concurrent refreshes
    of one token exactly one rotates it; the others, arriving within
    ``REFRESH_REUSE_GRACE_SECONDS`` of that rotation, get the same successor refresh token
    (and a fresh access token), so a double click or two tabs do not end the session. A token
    that is validly signed but no longer the session's current one, presented later, was
    copied somewhere: the whole session is revoked (``TokenReused``).
    """
    try:
        token = SessionRefreshToken(raw_refresh)  # type: ignore[arg-type]  # simplejwt accepts the string
    except (TokenError, ValueError, TypeError, UnicodeError) as exc:
        raise TokenInvalid() from exc
    session_id = parse_uuid(token.get(SESSION_CLAIM))
    user_id = parse_uuid(token.get("user_id"))
    jti = token.get("jti")
    if session_id is None or user_id is None or not isinstance(jti, str):
        raise TokenInvalid()

    reused = False
    with transaction.atomic():
        session = (
            LoginSession.objects.select_for_update()
            .filter(id=session_id, user_id=user_id, kind=LoginSession.Kind.API)
            .first()
        )
        if session is None:
            raise TokenInvalid()
        if session.revoked_at is not None:
            raise SessionRevoked()
        if session.refresh_jti != jti and _within_reuse_grace(session, jti):
            return _successor_again(session)
        if session.refresh_jti != jti:
            reused = True
            session.revoked_at = timezone.now()
            session.revoke_reason = LoginSession.RevokeReason.REUSE
            session.save(update_fields=["revoked_at", "revoke_reason"])
        else:
            user = User.objects.get(id=user_id)
            if not user.is_active or not password_fingerprint_matches(
                user, token.get(PASSWORD_CLAIM)
            ):
                raise SessionRevoked()
            tokens = token_pair_issue(
                user=user, session_id=session.id, remember_me=session.remember_me
            )
            session.previous_refresh_jti = jti
            session.rotated_at = timezone.now()
            session.refresh_jti = tokens.jti
            session.last_used_at = timezone.now()
            session.expires_at = tokens.refresh_expires_at
            session.save(
                update_fields=[
                    "refresh_jti",
                    "previous_refresh_jti",
                    "rotated_at",
                    "last_used_at",
                    "expires_at",
                ]
            )
            spent = OutstandingToken.objects.filter(jti=jti).first()
            if spent is not None:
                BlacklistedToken.objects.get_or_create(token=spent)
    if reused:  # raised after the commit, so the revocation sticks
        raise TokenReused()
    return IssuedSession(session=session, tokens=tokens)


def _within_reuse_grace(session: LoginSession, jti: str) -> bool:
    if not session.previous_refresh_jti or session.rotated_at is None:
        return False
    grace = timedelta(seconds=settings.REFRESH_REUSE_GRACE_SECONDS)
    return session.previous_refresh_jti == jti and timezone.now() - session.rotated_at <= grace


def _successor_again(session: LoginSession) -> IssuedSession:
    """The pair of the rotation that just happened: its refresh token (kept by simplejwt's
    outstanding-token record) and a new access token signed from it."""
    successor = OutstandingToken.objects.filter(jti=session.refresh_jti).first()
    if successor is None or not successor.token:
        raise SessionRevoked()
    refresh = SessionRefreshToken(successor.token)  # type: ignore[arg-type]  # a string works
    access = refresh.access_token
    tokens = TokenPair(
        access=str(access),
        refresh=successor.token,
        jti=session.refresh_jti,
        access_expires_at=datetime_from_epoch(access["exp"]),
        refresh_expires_at=datetime_from_epoch(refresh["exp"]),
    )
    return IssuedSession(session=session, tokens=tokens)


def session_id_from_refresh(raw_refresh: str) -> uuid.UUID | None:
    """The session a (validly signed) refresh token belongs to, or None."""
    try:
        token = SessionRefreshToken(raw_refresh)  # type: ignore[arg-type]  # simplejwt accepts the string
    except (TokenError, ValueError, TypeError, UnicodeError):
        return None
    return parse_uuid(token.get(SESSION_CLAIM))


def session_logout(*, user: User | None, session_id: uuid.UUID | None) -> bool:
    """End one session; ``user`` (when known) must own it. Idempotent."""
    if session_id is None:
        return False
    sessions = LoginSession.objects.filter(id=session_id)
    if user is not None:
        sessions = sessions.filter(user=user)
    return _revoke(sessions.values("id"), LoginSession.RevokeReason.LOGOUT) > 0


def session_revoke(*, user: User, session_id: uuid.UUID) -> None:
    """Revoke one of ``user``'s sessions; another user's session is simply not found."""
    if not LoginSession.objects.filter(id=session_id, user=user).exists():
        raise SessionNotFound()
    _revoke([session_id], LoginSession.RevokeReason.USER)


def session_revoke_all(*, user: User, reason: str = LoginSession.RevokeReason.REVOKE_ALL) -> int:
    return _revoke(LoginSession.objects.filter(user=user).values("id"), reason)
