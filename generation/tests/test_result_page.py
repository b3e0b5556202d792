"""The result page shows the face: a before/after close-up, every variant's face large enough to
compare, and the journey as an animation to play and download (WebP or GIF)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from generation import services, storage
from generation.models import Generation, Status
from generation.services.run import generation_run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_only")]


def finished(user, photo: bytes, **options) -> Generation:
    options.setdefault("direction", "adult_to_child")
    options.setdefault("variants", 3)
    options.setdefault("seed", 5)
    upload = SimpleUploadedFile("me.jpg", photo, content_type="image/jpeg")
    generation = services.generation_create(owner=user, upload=upload, **options)[0]
    generation_run(generation_id=generation.pk)
    generation.refresh_from_db()
    assert generation.status == Status.SUCCEEDED, generation.error_message
    return generation


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def with_journey(user, astronaut_jpeg) -> Generation:
    return finished(user, astronaut_jpeg, journey_frames=4)


def test_a_finished_job_stores_the_inputs_close_up_of_the_same_face(with_journey):
    before = Image.open(io.BytesIO(storage.read(with_journey.before_crop)))
    after = Image.open(io.BytesIO(storage.read(with_journey.results.first().crop)))

    assert before.size == after.size
    # Same square, different face: close but not equal.
    difference = sum(
        abs(a - b) for a, b in zip(before.getpixel((5, 5)), after.getpixel((5, 5)), strict=True)
    )
    assert difference < 30  # the corner lies outside the edit's feather
    assert before.tobytes() != after.tobytes()
    assert with_journey.before_crop in with_journey.file_names()


def test_the_result_page_has_a_face_wipe_with_labels_and_a_labelled_slider(
    auth_client, with_journey
):
    html = auth_client.get(reverse("generation:detail", args=[with_journey.pk])).content.decode()

    assert 'id="face-wipe"' in html
    assert ">Before</figcaption>" in html and ">After</figcaption>" in html
    assert 'type="range"' in html and 'aria-label="Wipe between your face before and after"' in html
    assert reverse("generation:image", args=[with_journey.pk, "face-before"]) in html
    # Without JavaScript both close-ups are plain images side by side (no script needed).
    assert html.count('class="wipe-panel') == 2


def test_the_before_close_up_is_served_to_its_owner_only(
    auth_client, client, other_user, with_journey
):
    url = reverse("generation:image", args=[with_journey.pk, "face-before"])

    response = auth_client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(body_of(response))).size == (512, 512)
    client.force_login(other_user, backend="accounts.backends.EmailOrUsernameBackend")
    assert client.get(url).status_code == 404


def test_every_variants_face_links_to_its_full_size_close_up_and_a_dialog_is_ready(
    auth_client, with_journey
):
    html = auth_client.get(reverse("generation:detail", args=[with_journey.pk])).content.decode()

    for index in range(3):
        crop_url = reverse("generation:image", args=[with_journey.pk, "crop", index])
        assert f'href="{crop_url}" class="face-zoom"' in html
    assert '<dialog class="face-dialog" id="face-dialog"' in html
    assert "Previous" in html and "Next" in html and "Close" in html


def test_the_journey_plays_with_a_still_for_reduced_motion_and_two_downloads(
    auth_client, with_journey
):
    html = auth_client.get(reverse("generation:detail", args=[with_journey.pk])).content.decode()
    animation = reverse("generation:image", args=[with_journey.pk, "animation"])
    gif = reverse("generation:image", args=[with_journey.pk, "gif"])

    assert f'<img src="{animation}"' in html
    assert 'media="(prefers-reduced-motion: reduce)"' in html
    assert f'href="{animation}?download=1" download>Animated WebP</a>' in html
    assert f'href="{gif}?download=1" download>GIF</a>' in html


def test_the_animation_downloads_as_an_animated_webp(auth_client, with_journey):
    response = auth_client.get(
        reverse("generation:image", args=[with_journey.pk, "animation"]) + "?download=1"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Content-Disposition"].startswith("attachment")
    assert ".webp" in response["Content-Disposition"]
    webp = Image.open(io.BytesIO(body_of(response)))
    assert webp.format == "WEBP" and webp.n_frames > 1


def test_the_gif_is_made_once_on_first_download_and_animates(auth_client, with_journey):
    url = reverse("generation:image", args=[with_journey.pk, "gif"]) + "?download=1"

    first = auth_client.get(url)
    with_journey.refresh_from_db()
    stored_name = with_journey.journey_gif
    second = auth_client.get(url)
    with_journey.refresh_from_db()

    assert first.status_code == 200
    assert first["Content-Type"] == "image/gif"
    assert first["Content-Disposition"].startswith("attachment")
    assert (
        'filename="lightsb-' in first["Content-Disposition"]
        and ".gif" in first["Content-Disposition"]
    )
    gif = Image.open(io.BytesIO(body_of(first)))
    assert gif.format == "GIF" and gif.n_frames > 1
    assert stored_name and with_journey.journey_gif == stored_name  # not made twice
    assert body_of(second)[:6] in (b"GIF87a", b"GIF89a")
    assert stored_name in with_journey.file_names()  # deleted with the job


def test_the_gif_of_someone_elses_job_is_not_found_and_not_made(client, other_user, with_journey):
    client.force_login(other_user, backend="accounts.backends.EmailOrUsernameBackend")

    response = client.get(reverse("generation:image", args=[with_journey.pk, "gif"]))

    assert response.status_code == 404
    with_journey.refresh_from_db()
    assert with_journey.journey_gif == ""


def test_a_job_without_a_journey_has_no_gif(auth_client, user, astronaut_jpeg):
    generation = finished(user, astronaut_jpeg, variants=1)

    html = auth_client.get(reverse("generation:detail", args=[generation.pk])).content.decode()

    assert "journey-player" not in html
    url = reverse("generation:image", args=[generation.pk, "gif"])
    assert auth_client.get(url).status_code == 404


def test_a_full_disk_while_making_the_gif_is_a_clear_503(auth_client, with_journey, monkeypatch):
    def refuse(**kwargs):
        raise services.StorageUnavailable()

    monkeypatch.setattr(storage, "store", refuse)

    response = auth_client.get(reverse("generation:image", args=[with_journey.pk, "gif"]))

    assert response.status_code == 503
    with_journey.refresh_from_db()
    assert with_journey.journey_gif == ""
