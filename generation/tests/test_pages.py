"""HTML pages around queued jobs: the plain (no-JS) form, history, privacy, charts, dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from generation import services
from generation.models import Direction, Generation, Status
from tests.support import stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_only")]


def form_post(client, data: bytes, headers=None, **fields):
    fields.setdefault("direction", Direction.ADULT_TO_CHILD)
    fields.setdefault("variants", 4)
    fields.setdefault("strength", 1.0)
    payload = {"file": SimpleUploadedFile("me.jpg", data, content_type="image/jpeg"), **fields}
    return client.post(reverse("generation:generator"), payload, headers=headers or {})


def queued(user, astronaut_jpeg, **options):
    options.setdefault("direction", Direction.ADULT_TO_CHILD)
    upload = SimpleUploadedFile("me.jpg", astronaut_jpeg, content_type="image/jpeg")
    return services.generation_create(owner=user, upload=upload, **options)[0]


def test_the_generator_asks_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("generation:generator"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_generator_page_offers_the_four_directions_and_works_without_javascript(auth_client):
    response = auth_client.get(reverse("generation:generator"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    for direction in Direction.values:
        assert f'value="{direction}"' in html
    assert 'type="range"' in html
    assert "js/generator.js" in html


def test_a_plain_form_post_creates_a_job_and_redirects_to_it(auth_client, user, astronaut_jpeg):
    response = form_post(auth_client, astronaut_jpeg, journey="on", seed=5)

    generation = Generation.objects.get(owner=user)
    assert response.status_code == 302
    assert response["Location"] == reverse("generation:detail", args=[generation.pk])
    assert (generation.journey_frames, generation.seed) == (8, 5)
    page = auth_client.get(response["Location"])
    assert b"Waiting for a free worker" in page.content
    assert b'http-equiv="refresh"' in page.content  # the no-JS page refreshes itself


def test_a_bad_upload_shows_the_form_again_with_the_reason(auth_client, media_root):
    response = form_post(auth_client, b"this is not a photo")

    assert response.status_code == 400
    assert b"Only JPEG, PNG and WEBP" in response.content
    assert not Generation.objects.exists()
    assert stored_files(media_root) == []


def test_a_form_without_a_file_says_so(auth_client):
    response = auth_client.post(reverse("generation:generator"), {"direction": "adult_to_child"})

    assert response.status_code == 400
    assert b"Choose a photo" in response.content


def test_invalid_settings_show_field_errors(auth_client, astronaut_jpeg):
    response = form_post(auth_client, astronaut_jpeg, variants=20)

    assert response.status_code == 400
    assert b"errorlist" in response.content


def test_the_scripted_post_gets_json_and_progress_is_readable_by_key(
    auth_client, astronaut_jpeg, user
):
    headers = {"Accept": "application/json", "Idempotency-Key": "browser-key-1"}
    response = form_post(auth_client, astronaut_jpeg, headers=headers)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "queued"
    progress = auth_client.get(reverse("generation:progress-by-key") + "?key=browser-key-1")
    assert progress.json()["id"] == body["id"]
    by_id = auth_client.get(reverse("generation:progress", args=[body["id"]]))
    assert by_id.json()["url"] == body["url"]
    missing = auth_client.get(reverse("generation:progress-by-key") + "?key=other")
    assert missing.json() == {"status": "pending", "percent": 0, "finished": False}


def test_a_scripted_post_gets_errors_as_json(auth_client, settings, astronaut_jpeg):
    settings.GENERATION_DAILY_LIMIT = 0

    response = form_post(auth_client, astronaut_jpeg, headers={"Accept": "application/json"})

    assert response.status_code == 429
    assert response.json()["code"] == "daily_limit_reached"


def test_history_lists_my_jobs_with_filters_and_pages(
    auth_client, user, other_user, astronaut_jpeg
):
    for _ in range(13):
        queued(user, astronaut_jpeg)
    child = queued(user, astronaut_jpeg, direction=Direction.CHILD_TO_ADULT)
    theirs = queued(other_user, astronaut_jpeg)

    first = auth_client.get(reverse("generation:history"))
    second = auth_client.get(reverse("generation:history") + "?page=2")
    filtered = auth_client.get(
        reverse("generation:history") + "?direction=child_to_adult&status=queued"
    )

    assert first.context["page"].paginator.count == 14
    assert len(first.context["page"].object_list) == 12
    assert len(second.context["page"].object_list) == 2
    assert b'loading="lazy"' in first.content
    assert list(filtered.context["page"].object_list) == [child]
    assert str(theirs.pk).encode() not in first.content + second.content


def test_someone_elses_pages_and_images_are_not_found(auth_client, other_user, astronaut_jpeg):
    theirs = queued(other_user, astronaut_jpeg)

    for url in (
        reverse("generation:detail", args=[theirs.pk]),
        reverse("generation:progress", args=[theirs.pk]),
        reverse("generation:image", args=[theirs.pk, "input"]),
        reverse("generation:image", args=[theirs.pk, "thumbnail"]),
        reverse("generation:archive", args=[theirs.pk]),
    ):
        assert auth_client.get(url).status_code == 404, url
    for url in (
        reverse("generation:cancel", args=[theirs.pk]),
        reverse("generation:delete", args=[theirs.pk]),
        reverse("generation:rerun", args=[theirs.pk]),
    ):
        assert auth_client.post(url).status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.status == Status.QUEUED


def test_images_are_served_to_their_owner_only(auth_client, user, astronaut_jpeg):
    mine = queued(user, astronaut_jpeg)
    url = reverse("generation:image", args=[mine.pk, "input"])

    response = auth_client.get(url + "?download=1")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert Client().get(url).status_code == 302  # anonymous: log in first
    assert auth_client.get(reverse("generation:image", args=[mine.pk, "bogus"])).status_code == 404


def test_canceling_and_deleting_from_the_pages(
    auth_client, user, astronaut_jpeg, media_root, django_capture_on_commit_callbacks
):
    generation = queued(user, astronaut_jpeg)

    auth_client.post(reverse("generation:cancel", args=[generation.pk]))
    generation.refresh_from_db()
    assert generation.status == Status.CANCELED
    page = auth_client.get(reverse("generation:detail", args=[generation.pk]))
    assert b"was canceled" in page.content

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(reverse("generation:delete", args=[generation.pk]))
    assert response.status_code == 302
    assert not Generation.objects.exists()
    assert stored_files(media_root) == []


def test_a_failed_job_page_explains_what_to_try(auth_client, user, astronaut_jpeg):
    generation = queued(user, astronaut_jpeg)
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.FAILED,
        error_code="no_face_detected",
        error_message="We couldn't find a face. Try a front-facing photo.",
    )

    page = auth_client.get(reverse("generation:detail", args=[generation.pk])).content.decode()

    assert "We couldn&#x27;t find a face" in page
    assert "What to try" in page
    assert "no_face_detected" in page


def test_delete_all_needs_a_confirmation(
    auth_client, user, astronaut_jpeg, django_capture_on_commit_callbacks
):
    queued(user, astronaut_jpeg)

    auth_client.post(reverse("generation:delete-all"))
    assert Generation.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.post(reverse("generation:delete-all"), {"confirm": "yes"})
    assert Generation.objects.count() == 0


def test_export_downloads_a_zip(auth_client, user, astronaut_jpeg):
    queued(user, astronaut_jpeg)

    response = auth_client.get(reverse("generation:export"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="lightsb-export.zip"'


def test_rerun_of_a_finished_job_queues_a_new_one_on_the_same_photo(
    auth_client, user, astronaut_jpeg
):
    source = queued(user, astronaut_jpeg)
    Generation.objects.filter(pk=source.pk).update(status=Status.SUCCEEDED, seed_used=77)

    response = auth_client.post(
        reverse("generation:rerun", args=[source.pk]), {"same_seed": "on", "strength": "0.5"}
    )

    new = Generation.objects.exclude(pk=source.pk).get()
    assert response["Location"] == reverse("generation:detail", args=[new.pk])
    assert (new.seed, new.strength, new.direction) == (77, 0.5, source.direction)
    assert new.input_image != source.input_image
    auth_client.post(reverse("generation:rerun", args=[source.pk]), {})
    assert Generation.objects.latest("created_at").seed is None  # "new variants": a new seed


def test_rerun_respects_the_daily_limit(auth_client, user, astronaut_jpeg, settings):
    source = queued(user, astronaut_jpeg)
    settings.GENERATION_DAILY_LIMIT = 1

    response = auth_client.post(reverse("generation:rerun", args=[source.pk]), follow=True)

    assert b"limit of 1 generations" in response.content
    assert Generation.objects.count() == 1


def test_my_statistics_show_generation_charts(auth_client, user, astronaut_jpeg):
    generation = queued(user, astronaut_jpeg)
    Generation.objects.filter(pk=generation.pk).update(processing_seconds=2.5)

    page = auth_client.get(reverse("stats:mine")).content.decode()

    assert page.count("<svg") == 2
    assert "1 generation(s)" in page
    assert "2.5 s on average" in page
    assert ">0.5<" not in page  # a count axis has whole-number ticks only


def test_my_statistics_without_generations_say_so(auth_client):
    page = auth_client.get(reverse("stats:mine")).content.decode()

    assert "No generations in the last 30 days" in page


def test_the_dashboard_is_for_staff_only(auth_client, staff_client, user, astronaut_jpeg):
    done = queued(user, astronaut_jpeg)
    failed = queued(user, astronaut_jpeg)
    queued(user, astronaut_jpeg)
    Generation.objects.filter(pk=done.pk).update(status=Status.SUCCEEDED, processing_seconds=2.0)
    Generation.objects.filter(pk=failed.pk).update(
        status=Status.FAILED, error_code="no_face_detected"
    )

    assert auth_client.get(reverse("generation:dashboard")).status_code == 302
    response = staff_client.get(reverse("generation:dashboard"))

    figures = response.context["figures"]
    assert response.status_code == 200
    assert (figures["total"], figures["queue_depth"], figures["p50_seconds"]) == (3, 1, 2.0)
    assert figures["failures"] == [{"error_code": "no_face_detected", "count": 1}]
    assert b"no_face_detected" in response.content


def test_percentiles_interpolate_between_measurements():
    from generation.selectors import percentile

    assert percentile([], 0.5) is None
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile([float(n) for n in range(1, 101)], 0.95) == pytest.approx(95.05)


def test_usage_by_day_fills_days_without_jobs(user, astronaut_jpeg):
    from generation.selectors import generation_usage_by_day

    generation = queued(user, astronaut_jpeg)
    Generation.objects.filter(pk=generation.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )

    usage = generation_usage_by_day(owner=user, days=7)

    assert len(usage) == 7
    assert [item.count for item in usage] == [0, 0, 0, 0, 1, 0, 0]


def _failed(user, astronaut_jpeg) -> Generation:
    generation = queued(user, astronaut_jpeg)
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.FAILED,
        error_code="no_face_detected",
        error_message="We couldn't find a face in this photo.",
    )
    return generation


def test_a_failed_job_offers_a_new_photo_but_not_new_variants(auth_client, user, astronaut_jpeg):
    generation = _failed(user, astronaut_jpeg)

    page = auth_client.get(reverse("generation:detail", args=[generation.pk])).content.decode()

    assert "Try another photo" in page
    assert "New variants" not in page and "Same seed again" not in page


def test_history_shows_the_human_message_not_the_code(auth_client, user, astronaut_jpeg):
    _failed(user, astronaut_jpeg)

    page = auth_client.get(reverse("generation:history")).content.decode()

    assert "We couldn&#x27;t find a face in this photo." in page
    assert "no_face_detected" not in page


def test_history_filters_have_labels(auth_client, user, astronaut_jpeg):
    queued(user, astronaut_jpeg)

    page = auth_client.get(reverse("generation:history")).content.decode()

    assert '<label for="id_direction"' in page and '<label for="id_status"' in page


def test_result_pages_have_titles_of_their_own(auth_client, user, astronaut_jpeg):
    first = queued(user, astronaut_jpeg)
    second = queued(user, astronaut_jpeg)
    Generation.objects.filter(pk=second.pk).update(
        created_at=first.created_at + timedelta(seconds=5)
    )

    def title(generation: Generation) -> str:
        page = auth_client.get(reverse("generation:detail", args=[generation.pk])).content.decode()
        return page.split("<title>")[1].split("</title>")[0]

    assert title(first) != title(second)
    assert title(first).startswith("Adult → child")


def test_a_scripted_post_with_bad_settings_names_each_field(auth_client, astronaut_jpeg):
    response = form_post(
        auth_client, astronaut_jpeg, headers={"Accept": "application/json"}, variants=9, seed=-5
    )

    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"variants", "seed"}
    assert all(isinstance(message, str) for messages in fields.values() for message in messages)


def test_the_generator_knows_the_upload_limit_and_offers_cancel(auth_client, settings):
    settings.LIGHTSB_MAX_UPLOAD_BYTES = 3 * 1024 * 1024

    page = auth_client.get(reverse("generation:generator")).content.decode()

    assert f'data-max-upload-bytes="{3 * 1024 * 1024}"' in page
    assert 'data-max-upload-text="3 MB"' in page
    assert 'id="cancel-button"' in page


def test_progress_tells_the_page_where_to_cancel(auth_client, user, astronaut_jpeg):
    generation = queued(user, astronaut_jpeg)

    progress = auth_client.get(reverse("generation:progress", args=[generation.pk])).json()

    assert progress["cancel_url"] == reverse("generation:cancel", args=[generation.pk])


def test_the_generator_puts_photo_and_generate_first_and_folds_the_rest(auth_client):
    page = auth_client.get(reverse("generation:generator")).content.decode()

    assert 'capture="user"' in page
    assert page.index('name="file"') < page.index('id="generate-button"')
    assert page.index('id="generate-button"') < page.index('<details class="advanced">')
    assert page.index('<details class="advanced">') < page.index('name="variants"')
    assert page.index('name="journey"') < page.index("</details>")


def test_the_advanced_settings_open_when_one_of_them_is_wrong(auth_client, astronaut_jpeg):
    page = form_post(auth_client, astronaut_jpeg, variants=20).content.decode()

    assert '<details class="advanced" open>' in page
