"""Every response carries an X-Request-ID, and log lines written during the request carry it."""

from __future__ import annotations

import json
import logging

import pytest

from lightsb_site.log import JsonFormatter, request_id_var


def test_a_response_gets_a_fresh_request_id(client):
    first = client.get("/about/")["X-Request-ID"]
    second = client.get("/about/")["X-Request-ID"]

    assert len(first) == 32
    assert first != second


def test_a_well_formed_incoming_request_id_is_kept(client):
    response = client.get("/about/", HTTP_X_REQUEST_ID="edge-7f3a.42")

    assert response["X-Request-ID"] == "edge-7f3a.42"


@pytest.mark.parametrize("incoming", ["two words", 'quote"injection', "x" * 65, "line\nbreak", ""])
def test_a_malformed_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/about/", HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


def test_api_errors_carry_the_request_id_too(client):
    response = client.get("/api/no-such-endpoint/")

    assert response.status_code == 404
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_log_lines_written_during_a_request_carry_its_id(client, settings, tmp_path):
    # A readiness failure logs a warning from inside the request: a line we can catch.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.GENERATION_WEIGHTS_DIR = str(tmp_path / "missing")
    seen: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(JsonFormatter().format(record))

    handler = Capture()
    logger = logging.getLogger("lightsb_site.health")
    logger.addHandler(handler)
    try:
        response = client.get("/readyz", HTTP_X_REQUEST_ID="trace-me-1")
    finally:
        logger.removeHandler(handler)

    assert response.status_code == 503
    assert response["X-Request-ID"] == "trace-me-1"
    lines = [json.loads(line) for line in seen]
    assert [line["check"] for line in lines] == ["model"]
    assert {line["request_id"] for line in lines} == {"trace-me-1"}


def test_the_request_id_does_not_leak_into_the_next_request(client):
    client.get("/about/", HTTP_X_REQUEST_ID="only-for-this-one")

    assert request_id_var.get() is None
