"""Batches: several photos at once, one generation each, one progress, one zip."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from generation import services
from generation.models import Batch, Direction, Generation, Status
from integrations.models import ApiKey
from integrations.services import api_key_create
from stats.models import UsageRecord
from tests.support import stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_only")]


def photo(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def page_post(client, files, **fields):
    fields.setdefault("direction", Direction.ADULT_TO_CHILD)
    fields.setdefault("variants", 1)
    fields.setdefault("strength", 1.0)
    return client.post(reverse("generation:generator"), {"file": files, **fields})


def api_post(client, files, **fields):
    fields.setdefault("direction", Direction.ADULT_TO_CHILD)
    fields.setdefault("variants", 1)
    return client.post(
        reverse("api:generation-batch"), {"files": files, **fields}, format="multipart"
    )


def three_photos(astronaut_jpeg):
    return [photo(astronaut_jpeg, f"portrait-{number}.jpg") for number in (1, 2, 3)]


# --- The page -----------------------------------------------------------------------------------


def test_the_generator_lets_a_person_choose_several_photos(auth_client):
    html = auth_client.get(reverse("generation:generator")).content.decode()

    assert 'type="file"' in html
    assert " multiple" in html
    assert 'data-batch-max="10"' in html


def test_several_photos_make_one_batch_of_jobs_with_the_same_settings(
    auth_client, user, astronaut_jpeg
):
    response = page_post(auth_client, three_photos(astronaut_jpeg), variants=2, seed=11)

    batch = Batch.objects.get(owner=user)
    assert response.status_code == 302
    assert response["Location"] == reverse("generation:batch", args=[batch.pk])
    jobs = list(batch.generations.order_by("batch_position"))
    assert [job.batch_position for job in jobs] == [0, 1, 2]
    assert {(job.direction, job.variants, job.seed) for job in jobs} == {
        (Direction.ADULT_TO_CHILD, 2, 11)
    }
    assert batch.file_names == ["portrait-1.jpg", "portrait-2.jpg", "portrait-3.jpg"]
    assert UsageRecord.objects.filter(user=user).count() == 3


def test_one_photo_still_makes_a_single_generation(auth_client, user, astronaut_jpeg):
    response = page_post(auth_client, [photo(astronaut_jpeg, "me.jpg")])

    generation = Generation.objects.get(owner=user)
    assert response["Location"] == reverse("generation:detail", args=[generation.pk])
    assert generation.batch is None
    assert not Batch.objects.exists()


def test_the_batch_page_shows_one_progress_for_all_its_photos(auth_client, user, astronaut_jpeg):
    page_post(auth_client, three_photos(astronaut_jpeg))
    batch = Batch.objects.get(owner=user)

    html = auth_client.get(reverse("generation:batch", args=[batch.pk])).content.decode()
    status = auth_client.get(reverse("generation:batch-progress", args=[batch.pk])).json()

    assert html.count('id="job-progress"') == 1
    assert 'http-equiv="refresh"' in html  # without JavaScript it reloads itself
    for number in (1, 2, 3):
        assert f"portrait-{number}.jpg" in html
    for job in batch.generations.all():
        assert reverse("generation:detail", args=[job.pk]) in html
    assert (status["total"], status["done"], status["finished"]) == (3, 0, False)
    assert status["stage_label"] == "0 of 3 photos done, the rest waiting for a free worker"


def test_a_bad_photo_does_not_lose_the_good_ones_and_the_page_says_which_and_why(
    auth_client, user, astronaut_jpeg
):
    files = [
        photo(astronaut_jpeg, "good.jpg"),
        photo(b"this is not a picture", "notes.jpg"),
        photo(astronaut_jpeg, "also-good.jpg"),
    ]
    response = page_post(auth_client, files)

    batch = Batch.objects.get(owner=user)
    assert batch.generations.count() == 2
    assert batch.file_names == ["good.jpg", "also-good.jpg"]
    assert batch.rejected == [
        {
            "file_name": "notes.jpg",
            "code": "unsupported_format",
            "message": "Only JPEG, PNG and WEBP photos are accepted.",
        }
    ]
    html = auth_client.get(response["Location"]).content.decode()
    assert "notes.jpg" in html
    assert "Only JPEG, PNG and WEBP photos are accepted." in html


def test_when_every_photo_is_bad_nothing_is_created_and_each_file_is_named(
    auth_client, user, media_root
):
    files = [photo(b"nope", "a.jpg"), photo(b"", "b.jpg")]
    response = page_post(auth_client, files)

    html = response.content.decode()
    assert response.status_code == 400
    assert "None of the chosen photos could be used." in html
    assert "a.jpg: Only JPEG, PNG and WEBP photos are accepted." in html
    assert "b.jpg" in html
    assert not Batch.objects.exists() and not Generation.objects.exists()
    assert stored_files(media_root) == []


def test_more_photos_than_the_limit_are_refused_before_anything_is_stored(
    auth_client, settings, astronaut_jpeg, media_root
):
    settings.GENERATION_BATCH_MAX = 2

    response = page_post(auth_client, three_photos(astronaut_jpeg))

    assert response.status_code == 400
    assert "Choose at most 2 photos at once (3 were chosen)." in response.content.decode()
    assert not Generation.objects.exists()
    assert stored_files(media_root) == []


def test_the_page_answers_json_for_the_script_and_finds_the_batch_by_its_key(
    auth_client, user, astronaut_jpeg
):
    response = auth_client.post(
        reverse("generation:generator"),
        {
            "file": three_photos(astronaut_jpeg),
            "direction": "adult_to_child",
            "variants": 1,
            "strength": 1.0,
        },
        headers={"Accept": "application/json", "Idempotency-Key": "batch-key-1"},
    )
    by_key = auth_client.get(reverse("generation:batch-progress-by-key"), {"key": "batch-key-1"})

    batch = Batch.objects.get(owner=user)
    assert response.status_code == 201
    assert response.json()["url"] == reverse("generation:batch", args=[batch.pk])
    assert by_key.json()["id"] == str(batch.pk)
    assert by_key.json()["total"] == 3


def test_canceling_a_batch_cancels_its_unfinished_jobs(auth_client, user, astronaut_jpeg):
    page_post(auth_client, three_photos(astronaut_jpeg))
    batch = Batch.objects.get(owner=user)

    auth_client.post(reverse("generation:batch-cancel", args=[batch.pk]))

    assert set(batch.generations.values_list("status", flat=True)) == {Status.CANCELED}


# --- Privacy ----------------------------------------------------------------------------------


def test_another_persons_batch_is_not_found_on_every_page_and_endpoint(
    auth_client, other_user, astronaut_jpeg, upload, auth_api_client
):
    batch, _ = services.batch_create(
        owner=other_user,
        files=[upload(astronaut_jpeg, "a.jpg"), upload(astronaut_jpeg, "b.jpg")],
        direction="adult_to_child",
    )
    for name in ("batch", "batch-progress", "batch-archive"):
        assert auth_client.get(reverse(f"generation:{name}", args=[batch.pk])).status_code == 404
    assert auth_client.post(reverse("generation:batch-cancel", args=[batch.pk])).status_code == 404
    for name in ("batch-detail", "batch-zip"):
        response = auth_api_client.get(reverse(f"api:{name}", args=[batch.pk]))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert (
        auth_client.get(reverse("generation:batch-progress-by-key"), {"key": ""}).json()["status"]
        == "pending"
    )


def test_the_batch_pages_ask_anonymous_visitors_to_log_in(client, user, astronaut_jpeg, upload):
    batch, _ = services.batch_create(
        owner=user, files=[upload(astronaut_jpeg, "a.jpg")], direction="adult_to_child"
    )
    response = client.get(reverse("generation:batch", args=[batch.pk]))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --- Quota and cost -----------------------------------------------------------------------------


def test_a_batch_over_the_daily_quota_is_refused_whole(
    auth_client, user, settings, astronaut_jpeg, upload, media_root
):
    settings.GENERATION_DAILY_LIMIT = 3
    services.generation_create(
        owner=user, upload=upload(astronaut_jpeg), direction="adult_to_child"
    )

    response = page_post(auth_client, three_photos(astronaut_jpeg))

    html = response.content.decode()
    assert response.status_code == 429
    assert (
        "These 3 photos would go over the limit of 3 generations in 24 hours: 2 are left." in html
    )
    assert Generation.objects.filter(owner=user).count() == 1
    assert not Batch.objects.exists()
    assert len(stored_files(media_root)) == 2  # the first job's input and thumbnail only


def test_a_batch_that_fits_the_quota_exactly_is_accepted(
    auth_client, user, settings, astronaut_jpeg
):
    settings.GENERATION_DAILY_LIMIT = 3

    assert page_post(auth_client, three_photos(astronaut_jpeg)).status_code == 302
    assert Generation.objects.filter(owner=user).count() == 3


def test_every_photo_is_checked_against_the_work_limit_of_one_job(
    auth_client, user, settings, astronaut_jpeg
):
    small = Image.new("RGB", (64, 64), (200, 180, 170))
    buffer = io.BytesIO()
    small.save(buffer, "JPEG")
    settings.GENERATION_MAX_JOB_PIXELS = 64 * 64 * 2  # the small photo fits, the astronaut not

    page_post(
        auth_client, [photo(buffer.getvalue(), "small.jpg"), photo(astronaut_jpeg, "big.jpg")]
    )

    batch = Batch.objects.get(owner=user)
    assert batch.file_names == ["small.jpg"]
    assert [item["code"] for item in batch.rejected] == ["job_too_large"]


# --- API --------------------------------------------------------------------------------------


def test_the_api_creates_a_batch_and_reports_it(auth_api_client, user, astronaut_jpeg):
    response = api_post(
        auth_api_client, [*three_photos(astronaut_jpeg), photo(b"junk", "junk.jpg")]
    )

    body = response.json()
    assert response.status_code == 201
    batch = Batch.objects.get(owner=user)
    assert body["id"] == str(batch.pk)
    assert response["Location"] == body["url"]
    assert [item["file_name"] for item in body["generations"]] == [
        "portrait-1.jpg",
        "portrait-2.jpg",
        "portrait-3.jpg",
    ]
    assert {item["id"] for item in body["generations"]} == {
        str(pk) for pk in batch.generations.values_list("pk", flat=True)
    }
    assert body["rejected"][0]["file_name"] == "junk.jpg"
    assert body["rejected"][0]["code"] == "unsupported_format"
    assert (body["total"], body["finished"], body["zip_url"]) == (3, False, None)

    again = auth_api_client.get(reverse("api:batch-detail", args=[batch.pk]))
    assert again.json()["generations"] == body["generations"]


def test_the_api_refuses_a_batch_without_photos_with_a_stable_code(auth_api_client):
    response = auth_api_client.post(
        reverse("api:generation-batch"), {"direction": "adult_to_child"}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "file_missing"


def test_the_api_refuses_too_many_photos(auth_api_client, settings, astronaut_jpeg):
    settings.GENERATION_BATCH_MAX = 2

    response = api_post(auth_api_client, three_photos(astronaut_jpeg))

    assert response.status_code == 400
    assert response.json()["code"] == "too_many_photos"
    assert response.json()["max_photos"] == 2


def test_the_api_refuses_a_batch_over_the_quota_with_the_quota_error(
    auth_api_client, settings, astronaut_jpeg
):
    settings.GENERATION_DAILY_LIMIT = 2

    response = api_post(auth_api_client, three_photos(astronaut_jpeg))

    assert response.status_code == 429
    assert response.json()["code"] == "daily_limit_reached"
    assert int(response["Retry-After"]) >= 1
    assert not Generation.objects.exists()


def test_an_api_key_counts_every_photo_of_a_batch(api_client, user, astronaut_jpeg):
    key, secret = api_key_create(owner=user, name="bot", scopes=["generate", "read"], daily_limit=4)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")

    first = api_post(api_client, three_photos(astronaut_jpeg))
    second = api_post(api_client, three_photos(astronaut_jpeg))

    assert first.status_code == 201
    assert second.status_code == 429
    assert second.json()["code"] == "api_key_limit_reached"
    assert ApiKey.objects.get(pk=key.pk).uses.count() == 3
    assert Generation.objects.count() == 3


def test_replaying_an_idempotency_key_returns_the_same_batch(auth_api_client, astronaut_jpeg):
    headers = {"HTTP_IDEMPOTENCY_KEY": "same-batch"}
    first = auth_api_client.post(
        reverse("api:generation-batch"),
        {"files": three_photos(astronaut_jpeg), "direction": "adult_to_child"},
        format="multipart",
        **headers,
    )
    second = auth_api_client.post(
        reverse("api:generation-batch"),
        {"files": three_photos(astronaut_jpeg), "direction": "adult_to_child"},
        format="multipart",
        **headers,
    )

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Generation.objects.count() == 3


# --- The zip ----------------------------------------------------------------------------------


def test_the_zip_holds_every_finished_photos_results_as_valid_jpegs(
    auth_client, auth_api_client, user, astronaut_jpeg, upload
):
    batch, _ = services.batch_create(
        owner=user,
        files=[upload(astronaut_jpeg, "Holiday photo.JPG"), upload(astronaut_jpeg, "second.jpg")],
        direction="adult_to_child",
        variants=2,
        seed=3,
    )
    jobs = list(batch.generations.order_by("batch_position"))
    services.generation_run(generation_id=jobs[0].pk)
    services.generation_cancel(generation=jobs[1])

    page_zip = auth_client.get(reverse("generation:batch-archive", args=[batch.pk]))
    api_zip = auth_api_client.get(reverse("api:batch-zip", args=[batch.pk]))

    assert page_zip.status_code == api_zip.status_code == 200
    assert page_zip["Content-Type"] == "application/zip"
    assert f"lightsb-batch-{str(batch.pk)[:8]}.zip" in page_zip["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(page_zip.streaming_content)))
    names = sorted(archive.namelist())
    assert names == [
        "01-Holiday-photo/generation.json",
        "01-Holiday-photo/input.jpg",
        "01-Holiday-photo/variant-0-face.jpg",
        "01-Holiday-photo/variant-0.jpg",
        "01-Holiday-photo/variant-1-face.jpg",
        "01-Holiday-photo/variant-1.jpg",
        "batch.json",
    ]
    for name in names:
        if name.endswith(".jpg"):
            image = Image.open(io.BytesIO(archive.read(name)))
            assert image.format == "JPEG"
            image.verify()
    index = json.loads(archive.read("batch.json"))
    assert [(item["file_name"], item["status"]) for item in index["photos"]] == [
        ("Holiday photo.JPG", "succeeded"),
        ("second.jpg", "canceled"),
    ]


def test_the_zip_waits_until_a_photo_has_results(
    auth_client, auth_api_client, user, astronaut_jpeg, upload
):
    batch, _ = services.batch_create(
        owner=user, files=[upload(astronaut_jpeg, "a.jpg")], direction="adult_to_child"
    )

    page = auth_client.get(reverse("generation:batch-archive", args=[batch.pk]))
    api = auth_api_client.get(reverse("api:batch-zip", args=[batch.pk]))

    assert page.status_code == 302
    assert api.status_code == 409
    assert api.json()["code"] == "not_ready"


# --- Deleting ---------------------------------------------------------------------------------


def test_deleting_everything_also_deletes_the_batches_and_their_file_names(
    user, astronaut_jpeg, upload
):
    services.batch_create(
        owner=user, files=[upload(astronaut_jpeg, "me.jpg")], direction="adult_to_child"
    )

    services.generation_delete_all(owner=user)

    assert not Batch.objects.exists()


def test_the_retention_purge_removes_batches_left_without_jobs(user, astronaut_jpeg, upload):
    batch, _ = services.batch_create(
        owner=user, files=[upload(astronaut_jpeg, "me.jpg")], direction="adult_to_child"
    )
    services.generation_cancel(generation=batch.generations.get())

    services.generation_purge_expired(days=0, now=timezone.now() + timedelta(seconds=1))

    assert not Batch.objects.exists()


def test_the_history_links_each_job_of_a_batch_to_its_batch(auth_client, user, astronaut_jpeg):
    page_post(auth_client, three_photos(astronaut_jpeg))
    batch = Batch.objects.get(owner=user)

    html = auth_client.get(reverse("generation:history")).content.decode()

    assert html.count(reverse("generation:batch", args=[batch.pk])) == 3


# --- Request size ---------------------------------------------------------------------------


def noise_png(seed: int) -> bytes:
    """About 7 MB that no compressor can shrink: two of them pass 11 MB together."""
    pixels = np.random.default_rng(seed).integers(0, 256, (1550, 1550, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def test_a_batch_may_be_larger_than_one_photo_but_each_photo_keeps_its_limit(
    auth_api_client, user, settings
):
    first, second = noise_png(1), noise_png(2)
    assert len(first) + len(second) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = api_post(
        auth_api_client,
        [
            SimpleUploadedFile("a.png", first, content_type="image/png"),
            SimpleUploadedFile("b.png", second, content_type="image/png"),
        ],
    )

    assert response.status_code == 201, response.content
    assert Batch.objects.get(owner=user).generations.count() == 2


def test_a_body_larger_than_a_full_batch_is_refused_before_it_is_read(auth_api_client, settings):
    too_big = settings.GENERATION_BATCH_MAX * (settings.LIGHTSB_MAX_UPLOAD_BYTES + 64 * 1024)
    too_big += 2 * 1024 * 1024

    response = auth_api_client.post(
        reverse("api:generation-batch"),
        {"direction": "adult_to_child"},
        format="multipart",
        CONTENT_LENGTH=str(too_big),
    )

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_the_single_photo_api_keeps_its_own_body_limit(auth_api_client, settings):
    response = auth_api_client.post(
        reverse("api:generate"),
        {"direction": "adult_to_child"},
        format="multipart",
        CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
    )

    assert response.status_code == 413


def test_a_batch_remembers_its_settings_like_a_single_photo(auth_client, user, astronaut_jpeg):
    from accounts.models import GeneratorPreferences

    page_post(
        auth_client,
        three_photos(astronaut_jpeg),
        direction=Direction.MALE_TO_FEMALE,
        variants=3,
        remember="on",
    )

    preferences = GeneratorPreferences.objects.get(user=user)
    assert (preferences.direction, preferences.variants) == (Direction.MALE_TO_FEMALE, 3)
