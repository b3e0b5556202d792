"""Log in with either the email address or the username, in any letter case."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class EmailOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = username if username is not None else kwargs.get("identifier")
        if identifier is None or password is None:
            return None
        identifier = str(identifier).strip()
        user_model = get_user_model()
        user = (
            user_model._default_manager.filter(
                Q(username__iexact=identifier) | Q(email__iexact=identifier)
            ).first()
            if identifier
            else None
        )
        if user is None:
            # Hash anyway so an unknown account answers in about the time a wrong password
            # takes; otherwise response time would reveal which accounts exist.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
