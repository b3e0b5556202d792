"""Password reset by email, end to end through a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import LoginSession

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "walnut-harbour-2031"


def test_a_user_resets_the_password_with_the_link_from_the_mail(
    smtp_inbox, user, password, auth_api_client
):
    sessions_before = LoginSession.objects.filter(user=user, revoked_at__isnull=True).count()
    client = Client()

    sent = client.post("/accounts/password/reset/", {"email": "ALICE@example.com"})

    assert sent.status_code == 302 and sent["Location"] == "/accounts/password/reset/sent/"
    assert len(smtp_inbox.messages) == 1
    recipients, mail = smtp_inbox.messages[0]
    assert recipients == ["alice@example.com"]
    assert mail["Subject"] == "Reset your LightSB password"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.get_content())
    assert link is not None

    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done["Location"] == "/accounts/password/reset/complete/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(password)
    assert sessions_before >= 1
    assert not LoginSession.objects.filter(user=user, revoked_at__isnull=True).exists()
    again = client.get(link.group(1), follow=True)
    assert "This link no longer works" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(smtp_inbox):
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.com"})

    assert response["Location"] == "/accounts/password/reset/sent/"
    assert smtp_inbox.messages == []


def test_the_login_page_links_to_the_reset():
    assert 'href="/accounts/password/reset/"' in Client().get("/accounts/login/").content.decode()


def test_mail_goes_to_the_console_by_default_and_over_smtp_when_a_host_is_set(tmp_path):
    from lightsb_site.tests.test_make_run import settings_under

    assert settings_under({}, tmp_path)["email"].endswith("console.EmailBackend")
    smtp = settings_under({"EMAIL_HOST": "smtp.example.com"}, tmp_path)["email"]
    assert smtp == "django.core.mail.backends.smtp.EmailBackend"
