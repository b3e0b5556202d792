"""Typed access to the signed-in person, for views that only run for one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

if TYPE_CHECKING:
    from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a page behind ``login_required`` (only a type: Django builds the object)."""

    user: User


def api_user(request: Request) -> User:
    """The signed-in person of an API request (the default permission lets no one else in)."""
    from accounts.models import User

    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user
