"""Admin: staff see metadata (never images) and deleting there removes the files too."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from generation import services
from generation.models import Generation
from tests.support import stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_only")]


@pytest.fixture
def admin_client(admin_user):
    from django.test import Client

    client = Client()
    client.force_login(admin_user, backend="accounts.backends.EmailOrUsernameBackend")
    return client


def job(owner, photo: bytes, **options) -> Generation:
    upload = SimpleUploadedFile("me.jpg", photo, "image/jpeg")
    return services.generation_create(
        owner=owner, upload=upload, direction="adult_to_child", **options
    )[0]


def test_the_list_shows_metadata_with_filters_but_no_images(admin_client, user, astronaut_jpeg):
    generation = job(user, astronaut_jpeg)
    Generation.objects.filter(pk=generation.pk).update(error_code="no_face_detected")

    response = admin_client.get(
        reverse("admin:generation_generation_changelist") + "?error_code=no_face_detected"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert str(generation.pk) in html
    assert "/image/" not in html and "generations/" not in html  # no image links or names
    detail = admin_client.get(reverse("admin:generation_generation_change", args=[generation.pk]))
    assert detail.status_code == 200
    assert "Adult → child" in detail.content.decode()
    assert admin_client.get(reverse("admin:generation_generation_add")).status_code == 403


def test_deleting_in_the_admin_removes_rows_and_files(
    admin_client, user, astronaut_jpeg, media_root, django_capture_on_commit_callbacks
):
    first = job(user, astronaut_jpeg)
    second = job(user, astronaut_jpeg)
    third = job(user, astronaut_jpeg)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:generation_generation_delete", args=[first.pk]), {"post": "yes"}
        )
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:generation_generation_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [str(second.pk), str(third.pk)],
                "post": "yes",
            },
        )

    assert not Generation.objects.exists()
    assert stored_files(media_root) == []


def test_the_list_shows_processing_seconds_rounded(admin_client, user, astronaut_jpeg):
    generation = job(user, astronaut_jpeg)
    Generation.objects.filter(pk=generation.pk).update(processing_seconds=1.4898304610001105)

    html = admin_client.get(reverse("admin:generation_generation_changelist")).content.decode()

    assert ">1.5<" in html and "1.48983" not in html
