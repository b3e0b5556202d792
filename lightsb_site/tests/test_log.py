"""The JSON log formatter: one parseable object a line, ids in, personal data and bytes out."""

from __future__ import annotations

import json
import logging
import sys

from lightsb_site.log import ContextFilter, JsonFormatter, bind_generation, request_id_var


def record(message: str, *args, name: str = "generation.services", **extra) -> logging.LogRecord:
    item = logging.LogRecord(name, logging.INFO, __file__, 1, message, args or None, None)
    for key, value in extra.items():
        setattr(item, key, value)
    return item


def formatted(item: logging.LogRecord) -> dict:
    return json.loads(JsonFormatter().format(item))


def test_a_line_is_one_json_object_with_level_logger_and_message():
    line = formatted(record("job %s finished", "42"))

    assert line["level"] == "INFO"
    assert line["logger"] == "generation.services"
    assert line["message"] == "job 42 finished"
    assert line["time"].endswith("+00:00")


def test_the_current_request_and_generation_ids_are_added():
    token = request_id_var.set("req-1")
    try:
        with bind_generation("5d1c"):
            line = formatted(record("stage done"))
    finally:
        request_id_var.reset(token)

    assert line["request_id"] == "req-1"
    assert line["generation_id"] == "5d1c"


def test_generation_id_is_gone_after_the_block():
    with bind_generation("5d1c"):
        pass

    assert "generation_id" not in formatted(record("later"))


def test_whitelisted_extra_fields_are_kept_and_others_dropped():
    line = formatted(
        record(
            "job failed",
            direction="male_to_female",
            code="no_face_detected",
            email="someone@example.com",
            username="someone",
        )
    )

    assert line["direction"] == "male_to_female"
    assert line["code"] == "no_face_detected"
    assert "email" not in line
    assert "username" not in line
    assert "someone" not in json.dumps(line)


def test_image_bytes_in_arguments_are_replaced_by_their_length():
    line = formatted(record("upload %s", b"\x89PNG\r\n\x1a\n" + b"\0" * 100))

    assert line["message"] == "upload <108 bytes>"


def test_an_overlong_message_is_cut():
    line = formatted(record("x" * 10_000))

    assert len(line["message"]) <= 4001


def test_an_exception_is_logged_with_its_type_and_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        item = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())

    line = formatted(item)

    assert line["error"] == "RuntimeError"
    assert "RuntimeError: boom" in line["traceback"]


def test_a_gunicorn_access_record_keeps_only_safe_fields():
    atoms = {
        "m": "POST",
        "U": "/api/generations/",
        "s": "201",
        "M": 35,
        "B": 512,
        "h": "203.0.113.9",
        "q": "email=someone@example.com",
        "{x-request-id}o": "abc123",
        "{http_cookie}e": "sessionid=secret",
    }
    item = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(m)s", None, None)
    item.args = atoms  # gunicorn passes the atoms mapping as the record's args

    line = formatted(item)

    assert line["message"] == "request"
    assert line["method"] == "POST"
    assert line["path"] == "/api/generations/"
    assert line["status_code"] == 201
    assert line["duration_ms"] == 35
    assert line["request_id"] == "abc123"
    text = json.dumps(line)
    assert "203.0.113.9" not in text
    assert "someone@example.com" not in text
    assert "secret" not in text


def test_the_context_filter_fills_ids_for_the_plain_format():
    item = record("hello")
    ContextFilter().filter(item)

    assert item.request_id == "-"
    assert item.generation_id == "-"
    assert "request_id" not in formatted(item)
