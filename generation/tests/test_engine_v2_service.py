"""The service around engine v2: variation, model version, the input estimate with its hint,
the journey animation, and the estimate endpoint that reads a photo before any job."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from generation.models import Generation, Status
from tests.support import IMMEDIATE

pytestmark = pytest.mark.slow


def upload(data: bytes, name: str = "portrait.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "image/jpeg")


@pytest.fixture
def run_now(settings):
    settings.TASKS = IMMEDIATE


@pytest.mark.django_db(transaction=True)
def test_a_job_records_variation_model_version_estimates_and_an_animated_journey(
    run_now, auth_api_client, astronaut_jpeg
):
    response = auth_api_client.post(
        "/api/generate",
        {
            "file": upload(astronaut_jpeg),
            "direction": "female_to_male",
            "variants": 2,
            "variation": 1.5,
            "journey": 4,
            "seed": 5,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["variation"] == 1.5
    assert body["model_version"].startswith("2.")
    face = body["faces"][0]
    assert 0 <= face["estimate"]["child"] <= 1 and 0 <= face["estimate"]["female"] <= 1
    assert body["hint"] is None  # the astronaut is an adult woman: female -> male fits
    animation = auth_api_client.get(body["journey_animation_url"])
    assert animation.status_code == 200
    assert animation["Content-Type"] == "image/webp"
    image = Image.open(io.BytesIO(b"".join(animation.streaming_content)))
    assert image.format == "WEBP" and image.n_frames == 6


@pytest.mark.django_db(transaction=True)
def test_a_direction_that_does_not_fit_the_face_is_flagged_with_a_suggestion(
    run_now, auth_api_client, astronaut_jpeg
):
    response = auth_api_client.post(
        "/api/generate",
        {"file": upload(astronaut_jpeg), "direction": "male_to_female", "variants": 1},
        format="multipart",
    )
    body = response.json()
    assert body["hint"]["code"] == "direction_already_met"
    assert body["hint"]["suggested_direction"] == "female_to_male"
    generation = Generation.objects.get(pk=body["id"])
    assert generation.status == Status.SUCCEEDED


@pytest.mark.django_db
def test_the_estimate_endpoint_reads_the_faces_and_suggests_directions(
    auth_api_client, astronaut_jpeg
):
    response = auth_api_client.post(
        "/api/estimate", {"file": upload(astronaut_jpeg)}, format="multipart"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["model_version"].startswith("2.")
    face = body["faces"][0]
    assert face["estimate"]["child"] < 0.5
    assert face["hints"]["female_to_male"] is None
    assert face["hints"]["male_to_female"]["suggested_direction"] == "female_to_male"
    assert Generation.objects.count() == 0  # reading a photo creates no job


@pytest.mark.django_db
def test_the_estimate_endpoint_explains_a_photo_without_a_face(auth_api_client, blank_jpeg):
    response = auth_api_client.post(
        "/api/estimate", {"file": upload(blank_jpeg)}, format="multipart"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "no_face_detected"
    missing = auth_api_client.post("/api/estimate", {}, format="multipart")
    assert missing.status_code == 400
    assert missing.json()["code"] == "file_missing"


@pytest.mark.django_db
def test_the_estimate_endpoint_needs_a_login(api_client, astronaut_jpeg):
    response = api_client.post(
        "/api/estimate", {"file": upload(astronaut_jpeg)}, format="multipart"
    )
    assert response.status_code == 401


@pytest.mark.django_db
def test_a_variation_out_of_range_is_a_field_error(auth_api_client, astronaut_jpeg):
    response = auth_api_client.post(
        "/api/generate",
        {"file": upload(astronaut_jpeg), "direction": "adult_to_child", "variation": 3},
        format="multipart",
    )
    assert response.status_code == 400
    assert "variation" in response.json()["fields"]


@pytest.mark.django_db
def test_the_generator_page_reads_a_chosen_photo_for_its_hint(auth_client, astronaut_jpeg):
    page = auth_client.get("/generate/")
    assert b'data-estimate-url="/generate/estimate"' in page.content
    assert b'id="variation-value"' in page.content
    response = auth_client.post("/generate/estimate", {"file": upload(astronaut_jpeg)})
    assert response.status_code == 200
    assert response.json()["faces"][0]["hints"]["male_to_female"]["suggested_direction"] == (
        "female_to_male"
    )
    refused = auth_client.post("/generate/estimate", {})
    assert refused.status_code == 400
    assert refused.json()["code"] == "file_missing"


@pytest.mark.django_db
def test_the_generator_page_says_before_upload_that_a_photo_has_no_face(auth_client):
    blank = Image.new("RGB", (320, 240), (128, 140, 150))
    buffer = io.BytesIO()
    blank.save(buffer, format="JPEG")
    response = auth_client.post(
        "/generate/estimate",
        {"file": SimpleUploadedFile("wall.jpg", buffer.getvalue(), content_type="image/jpeg")},
    )
    assert response.status_code == 200
    assert response.json()["faces"] == []
    assert response.json()["notice"]["code"] == "no_face_detected"
