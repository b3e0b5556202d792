"""The JSON API around queued jobs: inputs, errors, listing, privacy, cancel, delete, schema.

Jobs stay queued here (dummy task backend); the engine runs in test_end_to_end.py.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from generation.models import Direction, Generation, Status
from tests.support import stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_only")]


def post(client, data: bytes, name: str = "me.jpg", headers=None, **fields):
    fields.setdefault("direction", Direction.MALE_TO_FEMALE)
    payload = {"file": SimpleUploadedFile(name, data, content_type="image/jpeg"), **fields}
    return client.post("/api/generate", payload, format="multipart", headers=headers or {})


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    return body


def test_posting_a_photo_queues_a_job_and_answers_202_with_its_location(
    auth_api_client, astronaut_jpeg
):
    response = post(
        auth_api_client, astronaut_jpeg, variants=2, strength=0.5, seed=3, journey="true"
    )

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == Status.QUEUED
    assert response["Location"].endswith(f"/api/generations/{body['id']}")
    assert (body["variants"], body["strength"], body["seed"], body["journey_frames"]) == (
        2,
        0.5,
        3,
        8,
    )
    assert body["results"] == []
    assert body["error"] is None


def test_a_request_without_a_token_is_refused(api_client, astronaut_jpeg):
    assert_error(post(api_client, astronaut_jpeg), 401, "not_authenticated")


def test_missing_file_is_a_clear_error(auth_api_client):
    response = auth_api_client.post("/api/generate", {"direction": "male_to_female"})

    assert_error(response, 400, "file_missing")


def test_bad_fields_are_reported_per_field(auth_api_client, astronaut_jpeg):
    response = post(auth_api_client, astronaut_jpeg, direction="up", variants=0, journey="lots")

    body = assert_error(response, 400, "invalid")
    assert set(body["fields"]) == {"direction", "variants", "journey"}
    assert Generation.objects.count() == 0


def test_a_non_image_is_rejected_and_nothing_is_kept(auth_api_client, media_root):
    response = post(auth_api_client, b"MZ\x90\x00 definitely an executable", "me.jpg")

    assert_error(response, 400, "unsupported_format")
    assert Generation.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_corrupt_photo_is_rejected_with_400(auth_api_client, astronaut_jpeg):
    response = post(auth_api_client, astronaut_jpeg[:5000])

    assert_error(response, 400, "invalid_image")


def test_an_oversized_upload_is_refused_with_413(auth_api_client, settings):
    settings.LIGHTSB_MAX_UPLOAD_BYTES = 50_000
    response = post(auth_api_client, b"\xff\xd8\xff" + b"\x00" * 200_000)

    assert_error(response, 413, "file_too_large")
    assert Generation.objects.count() == 0


def test_the_daily_limit_answers_429_with_retry_after(auth_api_client, astronaut_jpeg, settings):
    settings.GENERATION_DAILY_LIMIT = 1
    assert post(auth_api_client, astronaut_jpeg).status_code == 202

    response = post(auth_api_client, astronaut_jpeg)

    body = assert_error(response, 429, "daily_limit_reached")
    assert body["retry_after"] > 0
    assert int(response["Retry-After"]) == body["retry_after"]


def test_an_idempotency_key_replays_the_same_job(auth_api_client, astronaut_jpeg):
    first = post(auth_api_client, astronaut_jpeg, headers={"Idempotency-Key": "abc-123"})
    second = post(auth_api_client, astronaut_jpeg, headers={"Idempotency-Key": "abc-123"})

    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Generation.objects.count() == 1


def test_an_unusable_idempotency_key_is_refused(auth_api_client, astronaut_jpeg):
    response = post(auth_api_client, astronaut_jpeg, headers={"Idempotency-Key": "x" * 300})

    assert_error(response, 400, "invalid_parameters")


def test_the_list_shows_only_my_jobs_newest_first_and_filters(
    auth_api_client, astronaut_jpeg, other_user, api_login
):
    mine_old = post(auth_api_client, astronaut_jpeg, direction="adult_to_child").json()["id"]
    mine_new = post(auth_api_client, astronaut_jpeg, direction="child_to_adult").json()["id"]
    from rest_framework.test import APIClient

    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {api_login(other_user)['access']}")
    post(other, astronaut_jpeg)

    listing = auth_api_client.get("/api/generations").json()
    filtered = auth_api_client.get("/api/generations?direction=adult_to_child").json()
    by_status = auth_api_client.get("/api/generations?status=succeeded").json()
    paged = auth_api_client.get("/api/generations?page_size=1&page=2").json()

    assert [item["id"] for item in listing["results"]] == [mine_new, mine_old]
    assert listing["count"] == 2
    assert [item["id"] for item in filtered["results"]] == [mine_old]
    assert by_status["count"] == 0
    assert [item["id"] for item in paged["results"]] == [mine_old]


def test_a_bad_list_filter_is_an_error(auth_api_client):
    body = assert_error(
        auth_api_client.get("/api/generations?status=lost"), 400, "invalid_parameters"
    )
    assert "status" in body["fields"]


def test_a_queued_job_can_be_read_canceled_and_deleted(auth_api_client, astronaut_jpeg, media_root):
    job = post(auth_api_client, astronaut_jpeg).json()
    url = f"/api/generations/{job['id']}"

    assert auth_api_client.get(url).json()["progress"] == {"stage": "", "percent": 0}
    canceled = auth_api_client.post(f"{url}/cancel")
    assert canceled.status_code == 200
    assert canceled.json()["status"] == Status.CANCELED
    assert auth_api_client.post(f"{url}/cancel").status_code == 200  # idempotent
    assert_error(auth_api_client.get(f"{url}/archive"), 409, "not_ready")
    assert_error(auth_api_client.get(f"{url}/results/0"), 404, "not_found")
    assert auth_api_client.get(f"{url}/input").status_code == 200

    assert auth_api_client.delete(url).status_code == 204
    assert_error(auth_api_client.get(url), 404, "not_found")


def test_another_persons_job_is_invisible(auth_api_client, astronaut_jpeg, other_user, api_login):
    job = post(auth_api_client, astronaut_jpeg).json()
    from rest_framework.test import APIClient

    intruder = APIClient()
    intruder.credentials(HTTP_AUTHORIZATION=f"Bearer {api_login(other_user)['access']}")
    url = f"/api/generations/{job['id']}"

    for response in (
        intruder.get(url),
        intruder.get(f"{url}/input"),
        intruder.get(f"{url}/results/0"),
        intruder.get(f"{url}/archive"),
        intruder.post(f"{url}/cancel"),
        intruder.delete(url),
    ):
        assert_error(response, 404, "not_found")
    assert intruder.get("/api/generations").json()["count"] == 0
    assert Generation.objects.get(pk=job["id"]).status == Status.QUEUED


def test_delete_all_and_export_cover_only_my_jobs(
    auth_api_client, astronaut_jpeg, django_capture_on_commit_callbacks
):
    post(auth_api_client, astronaut_jpeg)
    post(auth_api_client, astronaut_jpeg)

    export = auth_api_client.get("/api/generations/export")
    assert export.status_code == 200
    assert export["Content-Type"] == "application/zip"
    import io
    import json
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content)))
    assert len(json.loads(archive.read("index.json"))) == 2
    assert sum(name.endswith("input.jpg") for name in archive.namelist()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_api_client.delete("/api/generations")
    assert response.json() == {"deleted": 2}
    assert Generation.objects.count() == 0


def test_the_openapi_schema_documents_every_endpoint_and_error(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/generate",
        "/api/generations",
        "/api/generations/export",
        "/api/generations/{id}",
        "/api/generations/{id}/cancel",
        "/api/generations/{id}/results/{index}",
        "/api/generations/{id}/archive",
    ):
        assert path in paths, path
    generate = paths["/api/generate"]["post"]
    assert {"201", "202", "400", "413", "429"} <= set(generate["responses"])
    assert "multipart/form-data" in generate["requestBody"]["content"]
