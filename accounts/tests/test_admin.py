from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import Profile, User
from accounts.services import user_set_role
from stats.models import UsageStats
from stats.services import usage_stats_record

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="accounts.backends.EmailOrUsernameBackend")
    return client


def test_ordinary_users_cannot_open_the_admin(auth_client):
    response = auth_client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_lists_searches_and_filters_users(admin_user, user, other_user):
    client = admin_client(admin_user)

    listing = client.get("/admin/accounts/user/")
    search = client.get("/admin/accounts/user/?q=ALICE@")
    by_role = client.get("/admin/accounts/user/?role__exact=admin")
    by_active = client.get("/admin/accounts/user/?is_active__exact=1")
    by_date = client.get("/admin/accounts/user/?created_at__gte=2000-01-01")

    assert listing.status_code == 200
    assert [u.username for u in search.context["cl"].result_list] == ["alice"]
    assert [u.username for u in by_role.context["cl"].result_list] == ["root"]
    assert by_active.context["cl"].result_count == 3
    assert by_date.context["cl"].result_count == 3


def test_user_page_shows_profile_inline_and_read_only_stats(admin_user, user):
    usage_stats_record(user=user, images_count=3, processing_seconds=2.5)
    client = admin_client(admin_user)

    response = client.get(f"/admin/accounts/user/{user.id}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="profile-0-full_name"' in html
    assert "usage_stats-0-usage_count" not in html  # shown, but not as an input
    assert "2.5" in html


def test_admin_saves_profile_and_role_together(admin_user, user):
    client = admin_client(admin_user)
    profile = Profile.objects.get(user=user)
    stats = UsageStats.objects.get(user=user)

    response = client.post(
        f"/admin/accounts/user/{user.id}/change/",
        {
            "username": "alice",
            "email": "alice@example.com",
            "role": "staff",
            "is_active": "on",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "1",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-id": profile.id,
            "profile-0-user": user.id,
            "profile-0-full_name": "Alice Admin-Edited",
            "profile-0-position": "",
            "profile-0-date_of_birth": "",
            "usage_stats-TOTAL_FORMS": "1",
            "usage_stats-INITIAL_FORMS": "1",
            "usage_stats-MIN_NUM_FORMS": "0",
            "usage_stats-MAX_NUM_FORMS": "1",
            "usage_stats-0-id": stats.id,
            "usage_stats-0-user": user.id,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (user.role, user.is_staff, user.is_superuser) == ("staff", True, False)
    assert Profile.objects.get(user=user).full_name == "Alice Admin-Edited"


def test_admin_can_add_a_user_who_gets_profile_and_stats(admin_user):
    client = admin_client(admin_user)

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newbie",
            "email": "NewBie@example.com",
            "role": "user",
            "usable_password": "true",
            "password1": "plum-orchard-1987",
            "password2": "plum-orchard-1987",
            "profile-TOTAL_FORMS": "0",
            "profile-INITIAL_FORMS": "0",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "usage_stats-TOTAL_FORMS": "0",
            "usage_stats-INITIAL_FORMS": "0",
            "usage_stats-MIN_NUM_FORMS": "0",
            "usage_stats-MAX_NUM_FORMS": "1",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="newbie")
    assert user.email == "newbie@example.com"
    assert Profile.objects.filter(user=user).exists()
    assert UsageStats.objects.filter(user=user).exists()


def test_staff_can_view_users_but_cannot_hand_out_roles_or_touch_admins(
    staff_user, user, admin_user
):
    client = admin_client(staff_user)

    Profile.objects.filter(user=user).update(full_name="Alice Visible")
    page = client.get(f"/admin/accounts/user/{user.id}/change/")
    admin_page = client.get(f"/admin/accounts/user/{admin_user.id}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="role"' not in html
    assert "Alice Visible" in html  # the profile inline is there for staff too
    assert "usage statistics (read-only" in html.lower()
    assert admin_page.status_code == 403
    assert client.get("/admin/accounts/user/add/").status_code == 403


def test_admin_shows_login_sessions_read_only(admin_user, user, api_login):
    api_login(user)
    client = admin_client(admin_user)

    assert client.get("/admin/accounts/loginsession/").status_code == 200
    assert client.get("/admin/accounts/loginsession/add/").status_code == 403


def test_set_role_keeps_django_flags_in_step(user):
    user_set_role(user=user, role="admin")
    assert (user.is_staff, user.is_superuser) == (True, True)

    user_set_role(user=user, role="user")
    user.refresh_from_db()
    assert (user.role, user.is_staff, user.is_superuser) == ("user", False, False)

    with pytest.raises(ValidationError):
        user_set_role(user=user, role="emperor")


def test_the_database_refuses_a_role_that_disagrees_with_the_flags(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(id=user.id).update(is_superuser=True)
