"""Every error under /api/ is JSON {code, message}; everywhere else it is an HTML page."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.urls("lightsb_site.tests.error_urls")]


def assert_json_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]


def test_400_malformed_json_is_json():
    response = APIClient().post("/api/auth/login", "{not json", content_type="application/json")

    assert_json_error(response, 400, "parse_error")


def test_400_suspicious_request_under_api_is_json():
    response = Client(raise_request_exception=False).get("/api/test/suspicious")

    assert_json_error(response, 400, "bad_request")


def test_401_without_token_is_json():
    assert_json_error(APIClient().get("/api/user"), 401, "not_authenticated")


def test_403_under_api_is_json():
    response = Client(raise_request_exception=False).get("/api/test/forbidden")

    assert_json_error(response, 403, "permission_denied")


def test_403_csrf_failure_is_a_page_outside_the_api():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"identifier": "x", "password": "y"})

    assert response.status_code == 403
    assert "Reload the page" in response.content.decode()


def test_404_unknown_api_url_is_json():
    assert_json_error(Client().get("/api/does-not-exist"), 404, "not_found")


def test_405_wrong_method_is_json():
    assert_json_error(APIClient().get("/api/auth/login"), 405, "method_not_allowed")


def test_413_oversized_body_is_json(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = APIClient().post("/api/test/boom", {"blob": "x" * 2000}, format="json")

    assert_json_error(response, 413, "payload_too_large")


def test_413_oversized_body_outside_the_api_is_a_page(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = Client().post("/accounts/login/", {"identifier": "x" * 2000})

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")


def test_415_unsupported_media_type_is_json():
    response = APIClient().post("/api/auth/login", "<xml/>", content_type="application/xml")

    assert_json_error(response, 415, "unsupported_media_type")


def test_429_throttled_is_json_with_retry_after(throttle_rates):
    throttle_rates(refresh="1/min")
    client = APIClient()
    client.post("/api/auth/refresh", {}, format="json")
    response = client.post("/api/auth/refresh", {}, format="json")

    assert_json_error(response, 429, "throttled")
    assert response.json()["retry_after"] >= 1
    assert "Retry-After" in response


def test_500_in_an_api_view_is_json():
    response = APIClient(raise_request_exception=False).get("/api/test/boom")

    assert_json_error(response, 500, "server_error")
    assert "kaboom" not in response.content.decode()


def test_500_in_a_plain_view_under_api_is_json():
    response = Client(raise_request_exception=False).get("/api/test/plain-boom")

    assert_json_error(response, 500, "server_error")


@pytest.mark.parametrize(
    ("url", "status"),
    [("/test/boom", 500), ("/test/forbidden", 403), ("/test/suspicious", 400), ("/nope/", 404)],
)
def test_errors_outside_the_api_are_html_pages(url, status):
    response = Client(raise_request_exception=False).get(url)

    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert "<!doctype html>" in response.content.decode().lower()


@pytest.mark.urls("lightsb_site.urls")
def test_unknown_api_url_is_json_even_in_debug_mode(settings):
    settings.DEBUG = True

    assert_json_error(Client().get("/api/nothing/here"), 404, "not_found")


@pytest.mark.urls("lightsb_site.urls")
def test_swagger_ui_and_schema_are_served():
    client = Client()

    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")
    assert docs.status_code == script.status_code == 200
    assert "swagger-ui" in docs.content.decode()
    assert "/api/schema/" in script.content.decode()


def test_a_nonsense_content_length_is_not_a_crash():
    response = Client().get("/api/does-not-exist", CONTENT_LENGTH="lots")

    assert_json_error(response, 404, "not_found")
