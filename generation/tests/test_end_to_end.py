"""End to end with the real engine on a real portrait (skimage's astronaut): the API and the
pages, results, downloads, failures, faces, journeys, cancel, statistics and privacy."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from generation import services
from generation.models import Generation, Status
from tests.support import DUMMY, IMMEDIATE, encode, stored_files

pytestmark = pytest.mark.slow


def api_post(client, photo: bytes, **fields):
    fields.setdefault("direction", "adult_to_child")
    payload = {"file": SimpleUploadedFile("portrait.jpg", photo, "image/jpeg"), **fields}
    return client.post("/api/generate", payload, format="multipart")


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def as_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture
def run_now(settings):
    settings.TASKS = IMMEDIATE


@pytest.mark.django_db(transaction=True)
def test_the_api_returns_201_with_four_variants_pasted_into_the_photo(
    run_now, auth_api_client, user, astronaut_jpeg, media_root
):
    response = api_post(auth_api_client, astronaut_jpeg, variants=4, seed=1234)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "succeeded", body["error"]
    assert body["progress"] == {"stage": "done", "percent": 100}
    assert body["faces_found"] == 1
    assert body["seed_used"] == 1234
    assert [result["seed"] for result in body["results"]] == [1234, 1235, 1236, 1237]
    assert {"detect", "transport", "composite", "total"} <= set(body["timings"])
    assert body["processing_seconds"] > 0
    assert body["attempts"] == 1

    original = as_image(astronaut_jpeg).convert("RGB")
    composites = []
    for result in body["results"]:
        image = as_image(content(auth_api_client.get(result["url"])))
        assert image.size == original.size
        composites.append(np.asarray(image.convert("RGB"), dtype=np.int16))
        crop = as_image(content(auth_api_client.get(result["crop_url"])))
        assert crop.width == crop.height
    difference_from_photo = np.abs(composites[0] - np.asarray(original, dtype=np.int16)).mean()
    assert difference_from_photo > 0.5  # the face was changed
    assert np.abs(composites[0] - composites[1]).mean() > 0.1  # the variants differ

    user.usage_stats.refresh_from_db()
    assert (user.usage_stats.usage_count, user.usage_stats.images_count) == (1, 4)
    assert user.usage_stats.avg_processing_seconds == pytest.approx(body["processing_seconds"])
    names = [str(path.relative_to(media_root)) for path in stored_files(media_root)]
    assert all(name.startswith(f"generations/{user.pk}/") for name in names)


@pytest.mark.django_db(transaction=True)
def test_downloads_and_the_archive_hold_every_image_and_the_metadata(
    run_now, auth_api_client, astronaut_jpeg
):
    body = api_post(auth_api_client, astronaut_jpeg, variants=2, journey=3).json()
    assert body["status"] == "succeeded", body["error"]

    download = auth_api_client.get(body["results"][0]["url"] + "?download=1")
    assert download["Content-Disposition"].startswith("attachment")
    assert len(body["journey"]) == 3
    assert content(auth_api_client.get(body["journey"][2]))[:3] == b"\xff\xd8\xff"
    archive = zipfile.ZipFile(io.BytesIO(content(auth_api_client.get(body["archive_url"]))))

    names = set(archive.namelist())
    assert {"generation.json", "input.jpg", "variant-0.jpg", "variant-1.jpg"} <= names
    assert {f"journey/frame-{index:02d}.jpg" for index in range(3)} <= names
    metadata = json.loads(archive.read("generation.json"))
    assert metadata["id"] == body["id"]
    assert [item["seed"] for item in metadata["results"]] == [
        body["seed_used"],
        body["seed_used"] + 1,
    ]


@pytest.mark.django_db(transaction=True)
def test_the_same_seed_gives_the_same_pictures(run_now, auth_api_client, astronaut_jpeg):
    first = api_post(auth_api_client, astronaut_jpeg, variants=1, seed=99).json()
    second = api_post(auth_api_client, astronaut_jpeg, variants=1, seed=99).json()

    assert content(auth_api_client.get(first["results"][0]["url"])) == content(
        auth_api_client.get(second["results"][0]["url"])
    )


@pytest.mark.django_db(transaction=True)
def test_a_photo_without_a_face_fails_with_advice(run_now, auth_api_client, user, blank_jpeg):
    response = api_post(auth_api_client, blank_jpeg)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "no_face_detected"
    assert "couldn't find a face" in body["error"]["message"]
    assert "px wide" in body["error"]["message"]
    assert body["results"] == []
    user.usage_stats.refresh_from_db()
    assert (user.usage_stats.usage_count, user.usage_stats.images_count) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_a_face_too_small_fails_with_its_own_code(run_now, auth_api_client, astronaut_array):
    # The astronaut's face, shrunk to about 40 px, in the corner of a large empty picture.
    small = Image.fromarray(astronaut_array).resize((160, 160))
    canvas = Image.new("RGB", (900, 700), (200, 200, 200))
    canvas.paste(small, (20, 20))

    body = api_post(auth_api_client, encode(canvas)).json()

    assert body["status"] == "failed"
    assert body["error"]["code"] in {"face_too_small", "no_face_detected"}
    assert "px" in body["error"]["message"]


@pytest.mark.django_db(transaction=True)
def test_every_face_is_translated_or_only_the_chosen_one(run_now, auth_api_client, astronaut_array):
    pair = np.concatenate([astronaut_array, astronaut_array[:, ::-1]], axis=1)
    photo = encode(Image.fromarray(pair))

    both = api_post(auth_api_client, photo, variants=1, seed=5).json()
    one = api_post(auth_api_client, photo, variants=1, seed=5, face=1).json()
    missing = api_post(auth_api_client, photo, variants=1, seed=5, face=7).json()

    assert both["status"] == "succeeded", both["error"]
    assert both["faces_found"] == 2
    assert one["status"] == "succeeded", one["error"]
    assert one["results"][0]["face"] == 1
    both_image = np.asarray(
        as_image(content(auth_api_client.get(both["results"][0]["url"]))), dtype=np.int16
    )
    one_image = np.asarray(
        as_image(content(auth_api_client.get(one["results"][0]["url"]))), dtype=np.int16
    )
    original = np.asarray(as_image(photo), dtype=np.int16)
    half = original.shape[1] // 2
    # With only face 1 chosen, one half of the picture keeps its original face.
    untouched = min(
        np.abs(one_image[:, :half] - original[:, :half]).mean(),
        np.abs(one_image[:, half:] - original[:, half:]).mean(),
    )
    assert untouched < np.abs(both_image - original).mean()
    assert missing["status"] == "failed"
    assert missing["error"]["code"] == "invalid_settings"
    assert "this photo has 2" in missing["error"]["message"]


@pytest.mark.django_db
def test_a_running_job_stops_at_its_next_stage_when_canceled(
    settings, user, astronaut_jpeg, media_root
):
    settings.TASKS = DUMMY
    upload = SimpleUploadedFile("me.jpg", astronaut_jpeg, "image/jpeg")
    generation, _ = services.generation_create(
        owner=user, upload=upload, direction="male_to_female"
    )
    attempt = services.generation_claim(generation_id=generation.pk, worker_id="test")
    services.generation_cancel(generation=generation)  # arrives while it runs

    outcome = services.generation_execute(generation_id=generation.pk, attempt=attempt)

    generation.refresh_from_db()
    assert outcome == Status.CANCELED
    assert generation.status == Status.CANCELED
    assert generation.results.count() == 0
    assert not [path for path in stored_files(media_root) if "/result-" in str(path)]
    user.usage_stats.refresh_from_db()
    assert user.usage_stats.usage_count == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="threads sharing a database need PostgreSQL"
)
def test_canceling_from_another_request_stops_a_job_in_flight(settings, user, astronaut_jpeg):
    settings.TASKS = DUMMY
    upload = SimpleUploadedFile("me.jpg", astronaut_jpeg, "image/jpeg")
    generation, _ = services.generation_create(
        owner=user, upload=upload, direction="male_to_female", variants=8, journey_frames=16
    )
    outcome: list[str] = []

    def work() -> None:
        try:
            outcome.append(services.generation_run(generation_id=generation.pk))
        finally:
            connections.close_all()

    worker = threading.Thread(target=work)
    worker.start()
    deadline = time.monotonic() + 60
    while Generation.objects.get(pk=generation.pk).status != Status.RUNNING:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    services.generation_cancel(generation=generation)
    worker.join(timeout=120)

    generation.refresh_from_db()
    assert outcome == [Status.CANCELED]
    assert generation.status == Status.CANCELED
    assert generation.results.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_person_uses_the_pages_from_upload_to_delete(
    run_now, auth_client, user, astronaut_jpeg, media_root
):
    # The plain form (no JavaScript): upload, redirected to the finished job.
    response = auth_client.post(
        reverse("generation:generator"),
        {
            "file": SimpleUploadedFile("me.jpg", astronaut_jpeg, "image/jpeg"),
            "direction": "adult_to_child",
            "variants": 4,
            "strength": 1.0,
            "journey": "on",
        },
    )
    generation = Generation.objects.get(owner=user)
    assert response["Location"] == reverse("generation:detail", args=[generation.pk])
    assert generation.status == Status.SUCCEEDED, generation.error_message

    page = auth_client.get(response["Location"]).content.decode()
    assert page.count('class="card variant"') == 4
    assert "Before and after" in page
    assert "Download all (zip)" in page
    assert page.count('alt="Journey step') == 8
    download = auth_client.get(
        reverse("generation:image", args=[generation.pk, "composite", 3]) + "?download=1"
    )
    assert download.status_code == 200
    assert as_image(content(download)).size == (512, 512)
    zipped = auth_client.get(reverse("generation:archive", args=[generation.pk]))
    assert len(zipfile.ZipFile(io.BytesIO(content(zipped))).namelist()) >= 1 + 1 + 4

    history = auth_client.get(reverse("generation:history")).content.decode()
    assert str(generation.pk) in history
    thumbnail = auth_client.get(reverse("generation:image", args=[generation.pk, "thumbnail"]))
    assert max(as_image(content(thumbnail)).size) <= 320

    rerun = auth_client.post(reverse("generation:rerun", args=[generation.pk]), {"same_seed": "on"})
    again = Generation.objects.exclude(pk=generation.pk).get()
    assert rerun["Location"] == reverse("generation:detail", args=[again.pk])
    assert again.seed_used == generation.seed_used
    same = auth_client.get(reverse("generation:image", args=[again.pk, "composite", 0]))
    first = auth_client.get(reverse("generation:image", args=[generation.pk, "composite", 0]))
    assert content(same) == content(first)

    auth_client.post(reverse("generation:delete", args=[generation.pk]))
    auth_client.post(reverse("generation:delete", args=[again.pk]))
    assert not Generation.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db(transaction=True)
def test_another_person_can_never_reach_a_finished_generation(
    run_now, auth_api_client, auth_client, other_user, api_login, astronaut_jpeg, make_user
):
    from django.test import Client

    body = api_post(auth_api_client, astronaut_jpeg, variants=2, journey=2).json()
    assert body["status"] == "succeeded", body["error"]
    pk = body["id"]
    intruder_api = APIClient()
    intruder_api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_login(other_user)['access']}")
    intruder_web = Client()
    intruder_web.force_login(other_user, backend="accounts.backends.EmailOrUsernameBackend")

    api_reads = [
        f"/api/generations/{pk}",
        f"/api/generations/{pk}/input",
        f"/api/generations/{pk}/results/0",
        f"/api/generations/{pk}/results/1?kind=crop",
        f"/api/generations/{pk}/journey/0",
        f"/api/generations/{pk}/archive",
    ]
    for url in api_reads:
        response = intruder_api.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert intruder_api.post(f"/api/generations/{pk}/cancel").status_code == 404
    assert intruder_api.delete(f"/api/generations/{pk}").status_code == 404
    export = zipfile.ZipFile(io.BytesIO(content(intruder_api.get("/api/generations/export"))))
    assert json.loads(export.read("index.json")) == []
    intruder_api.delete("/api/generations")  # "delete all" deletes only their own

    web_reads = [
        reverse("generation:detail", args=[pk]),
        reverse("generation:progress", args=[pk]),
        reverse("generation:archive", args=[pk]),
        reverse("generation:image", args=[pk, "composite", 0]),
        reverse("generation:image", args=[pk, "crop", 0]),
        reverse("generation:image", args=[pk, "input"]),
        reverse("generation:image", args=[pk, "thumbnail"]),
        reverse("generation:image", args=[pk, "journey", 1]),
    ]
    for url in web_reads:
        assert intruder_web.get(url).status_code == 404, url
        assert auth_client.get(url).status_code == 200, url
    for url in (
        reverse("generation:cancel", args=[pk]),
        reverse("generation:rerun", args=[pk]),
        reverse("generation:delete", args=[pk]),
    ):
        assert intruder_web.post(url).status_code == 404, url

    assert Generation.objects.get(pk=pk).results.count() == 2
    assert auth_api_client.get(f"/api/generations/{pk}/results/1").status_code == 200


def test_the_engine_adapter_reports_the_loaded_model():
    from generation import engine

    info = engine.warm_up()

    assert info == engine.get_engine().info()
    assert engine.get_engine() is engine.get_engine()  # one engine per process
