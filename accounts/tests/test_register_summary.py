"""A refused registration says which fields to fix and puts the cursor on the first of them;
the passwords are not sent back to the page (they are typed again, for security)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "plum-orchard-1987"


def post(**fields: str) -> str:
    data = {
        "username": "xavier",
        "email": "xavier@example.com",
        "password": GOOD_PASSWORD,
        "password_confirm": GOOD_PASSWORD,
        **fields,
    }
    return Client().post("/accounts/register/", data).content.decode()


def autofocused(html: str) -> list[str]:
    return re.findall(
        r'<input[^>]*\bautofocus\b[^>]*\bname="([a-z_]+)"|'
        r'<input[^>]*\bname="([a-z_]+)"[^>]*\bautofocus\b',
        html,
    )


def focused_names(html: str) -> list[str]:
    return [first or second for first, second in autofocused(html)]


def test_the_summary_links_to_every_field_to_fix():
    html = post(username="a", email="bad")

    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "Please fix 2 fields" in summary
    assert '<a href="#id_username">Username</a>' in summary
    assert '<a href="#id_email">Email</a>' in summary
    assert "type them again" in summary


def test_the_first_wrong_field_gets_the_focus_not_the_username_always():
    assert focused_names(post(email="bad")) == ["email"]
    assert focused_names(post(username="a", email="bad")) == ["username"]


def test_a_password_problem_puts_the_cursor_in_the_password_field():
    html = post(password="short", password_confirm="short")

    assert focused_names(html) == ["password"]
    assert '<a href="#id_password">Password</a>' in html


def test_passwords_are_never_sent_back_to_the_page():
    html = post(username="a")

    assert GOOD_PASSWORD not in html


def test_a_fresh_form_starts_at_the_username_without_a_summary():
    html = Client().get("/accounts/register/").content.decode()

    assert focused_names(html) == ["username"]
    assert "error-summary" not in html
