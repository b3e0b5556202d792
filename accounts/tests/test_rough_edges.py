"""First-time-user rough edges (issue #12): each one a behaviour a page shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import Profile, User
from accounts.validators import validate_email_domain, validate_full_name

pytestmark = pytest.mark.django_db

SITE_CSS = Path(settings.BASE_DIR) / "static" / "css" / "site.css"


def test_registration_shows_every_field_error_in_one_round():
    response = Client().post(
        "/accounts/register/",
        {"username": "a", "email": "bad", "password": "short", "password_confirm": "short"},
    )

    errors = response.context["form"].errors
    assert {"username", "email", "password"} <= set(errors)
    assert not User.objects.exists()


def test_registration_refuses_an_email_without_a_dotted_domain():
    response = Client().post(
        "/accounts/register/",
        {
            "username": "xavier",
            "email": "x@localhost",
            "password": "plum-orchard-1987",
            "password_confirm": "plum-orchard-1987",
        },
    )

    assert "full domain" in " ".join(response.context["form"].errors["email"])
    assert not User.objects.exists()


def test_the_api_refuses_an_email_without_a_dotted_domain(api_client):
    response = api_client.post(
        "/api/auth/register",
        {
            "username": "xavier",
            "email": "x@localhost",
            "password": "plum-orchard-1987",
            "password_confirm": "plum-orchard-1987",
        },
        format="json",
    )

    assert response.status_code == 400
    assert not User.objects.exists()


@pytest.mark.parametrize("address", ["x@localhost", "x@example.", "x@.com", "x"])
def test_an_email_domain_needs_a_dot_between_labels(address):
    with pytest.raises(ValidationError):
        validate_email_domain(address)


@pytest.mark.parametrize("name", ["J. R. R. Tolkien", "Martin Luther King Jr."])
def test_names_with_full_stops_are_accepted(auth_client, user, name):
    validate_full_name(name)
    response = auth_client.post("/accounts/profile/edit/", {"full_name": name})

    assert response.status_code == 302
    assert Profile.objects.get(user=user).full_name == name


def test_a_name_of_full_stops_only_is_still_refused():
    with pytest.raises(ValidationError):
        validate_full_name(". .")


def test_staff_see_the_dashboard_link_and_users_do_not(staff_client, auth_client):
    assert 'href="/generate/dashboard/"' in staff_client.get("/").content.decode()
    assert "/dashboard/" not in auth_client.get("/").content.decode()


def test_the_hidden_attribute_wins_over_classes_that_set_display():
    css = SITE_CSS.read_text()

    assert re.search(r"\[hidden\]\s*{\s*display:\s*none\s*!important", css)


def test_the_sign_up_button_keeps_white_text_in_the_header():
    css = SITE_CSS.read_text()

    assert re.search(r"\.nav-links a\.button[^{]*{\s*color:\s*#fff", css)
