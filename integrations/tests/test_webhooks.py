"""Signed webhooks: the secret, the SSRF guard, deliveries to a real local receiver with
retries, the documented verification snippet, and who sees what."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import ssl
import time
from pathlib import Path
from uuid import uuid4

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from generation import services as generation_services
from generation.models import Direction, Generation
from integrations import webhook_urls
from integrations.models import DeliveryStatus, GenerationWebhook, WebhookDelivery, WebhookSecret
from integrations.services import api_key_create
from integrations.tests.receiver import running_receiver
from integrations.webhook_signing import signature, unseal
from integrations.webhook_urls import (
    WebhookAddressRefused,
    WebhookUrlInvalid,
    check_webhook_url,
)
from integrations.webhooks import webhook_delivery_attempt, webhook_secret_rotate
from tests.support import DATABASE, DUMMY, IMMEDIATE

DOC = Path(django_settings.BASE_DIR) / "docs" / "api-integrators.md"
FAST_RETRIES = [0.05, 0.1, 0.1, 0.1]


def key_client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def upload_with_webhook(client: APIClient, photo: bytes, webhook: str):
    payload = {
        "file": SimpleUploadedFile("me.jpg", photo, content_type="image/jpeg"),
        "direction": Direction.MALE_TO_FEMALE,
        "webhook": webhook,
    }
    return client.post("/api/generate", payload, format="multipart")


def documented_verifier():
    """The Python block of docs/api-integrators.md that defines verify_lightsb_webhook."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    [source] = [block for block in blocks if "def verify_lightsb_webhook" in block]
    namespace: dict = {}
    exec(compile(source, str(DOC), "exec"), namespace)  # noqa: S102 (our own documentation)
    return namespace["verify_lightsb_webhook"]


def wait_for_status(delivery: WebhookDelivery, status: str, *, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status == status:
            return delivery
        time.sleep(0.05)
    raise AssertionError(f"delivery stayed {delivery.status} after {delivery.attempts} attempts")


@pytest.fixture
def fast_retries(settings):
    settings.WEBHOOK_RETRY_DELAYS = FAST_RETRIES
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def production_webhooks(settings):
    """The production rule: https to public addresses only."""
    settings.WEBHOOK_ALLOW_LOOPBACK = False


def public(host: str, port: int) -> list[str]:
    return ["93.184.216.34"]


# --- The URL guard (no database) -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1:8443/hook",
        "https://[::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://192.168.1.20/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://localhost/hook",  # a name that resolves to 127.0.0.1
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused_in_production(url):
    with pytest.raises(WebhookAddressRefused) as refused:
        check_webhook_url(url, allow_loopback=False)

    assert refused.value.code == "webhook_address_refused"


def test_one_private_address_among_a_names_addresses_refuses_the_name():
    with pytest.raises(WebhookAddressRefused):
        check_webhook_url(
            "https://hooks.example.com/x",
            allow_loopback=False,
            resolver=lambda host, port: ["93.184.216.34", "10.1.2.3"],
        )


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",
        "ftp://hooks.example.com/x",
        "https://user:pass@hooks.example.com/x",
        "https:///no-host",
        "https://hooks.example.com:99999/x",
        "not a url",
        "https://hooks.example.com/" + "x" * 2000,
    ],
)
def test_urls_that_are_not_https_to_a_plain_host_are_invalid(url):
    with pytest.raises(WebhookUrlInvalid) as invalid:
        check_webhook_url(url, allow_loopback=False, resolver=public)

    assert invalid.value.code == "webhook_url_invalid"


def test_a_public_https_url_gives_the_address_to_connect_to():
    target = check_webhook_url(
        "https://hooks.example.com:8443/in?team=7", allow_loopback=False, resolver=public
    )

    assert (target.scheme, target.host, target.port) == ("https", "hooks.example.com", 8443)
    assert (target.address, target.path) == ("93.184.216.34", "/in?team=7")
    assert target.host_header == "hooks.example.com:8443"


def test_development_allows_http_to_loopback_but_still_refuses_private_addresses():
    target = check_webhook_url("http://127.0.0.1:9000/hook", allow_loopback=True)

    assert target.address == "127.0.0.1"
    with pytest.raises(WebhookAddressRefused):
        check_webhook_url("http://10.0.0.1/hook", allow_loopback=True)
    with pytest.raises(WebhookUrlInvalid):
        check_webhook_url("http://hooks.example.com/", allow_loopback=True, resolver=public)


def test_a_host_that_does_not_resolve_is_invalid():
    def nowhere(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(WebhookUrlInvalid, match="does not resolve"):
        check_webhook_url("https://nowhere.invalid/", allow_loopback=False, resolver=nowhere)


def test_the_signature_is_an_hmac_of_the_timestamp_and_the_body():
    expected = hmac.new(b"whsec_abc", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()

    assert signature(secret="whsec_abc", timestamp=1700000000, body='{"a":1}') == f"v1={expected}"


# --- The signing secret --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_secret_is_shown_once_through_the_api_and_stored_sealed(auth_api_client, user):
    created = auth_api_client.post("/api/webhooks/secret")

    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    row = WebhookSecret.objects.get(owner=user)
    assert secret.encode() not in bytes(row.sealed_secret)
    assert unseal(bytes(row.sealed_secret), owner_id=user.pk) == secret
    shown = auth_api_client.get("/api/webhooks/secret").json()
    assert shown["configured"] is True
    assert "secret" not in shown and secret.startswith(shown["prefix"])

    rotated = auth_api_client.post("/api/webhooks/secret").json()["secret"]
    row.refresh_from_db()
    assert rotated != secret
    assert unseal(bytes(row.sealed_secret), owner_id=user.pk) == rotated


@pytest.mark.django_db
def test_a_sealed_secret_copied_to_another_account_does_not_open(user, other_user):
    row, _ = webhook_secret_rotate(owner=user)

    with pytest.raises(Exception, match="no master key"):
        unseal(bytes(row.sealed_secret), owner_id=other_user.pk)


@pytest.mark.django_db
def test_an_api_key_cannot_read_or_make_the_secret(user):
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate", "read", "delete"])

    response = key_client(raw_key).post("/api/webhooks/secret")

    assert response.status_code == 403
    assert response.json()["code"] == "api_key_not_allowed"
    assert not WebhookSecret.objects.exists()


@pytest.mark.django_db
def test_the_keys_page_makes_the_secret_and_shows_it_once(auth_client, user):
    made = auth_client.post("/integrations/keys/webhook-secret/")

    assert made.status_code == 200
    secret = made.context["new_webhook_secret"]
    assert secret.startswith("whsec_") and secret in made.content.decode()
    again = auth_client.get("/integrations/keys/").content.decode()
    assert secret not in again
    assert secret[:10] in again


# --- Creating a job with a webhook ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("queued_only", "production_webhooks")
@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://10.0.0.1/hook", "webhook_address_refused"),
        ("https://169.254.169.254/latest/meta-data/", "webhook_address_refused"),
        ("https://localhost:8443/hook", "webhook_address_refused"),
        ("http://127.0.0.1:8000/hook", "webhook_url_invalid"),
        ("http://93.184.216.34/hook", "webhook_url_invalid"),
    ],
)
def test_production_refuses_private_addresses_and_plain_http_and_makes_no_job(
    user, astronaut_jpeg, url, code
):
    webhook_secret_rotate(owner=user)
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate", "read"])

    response = upload_with_webhook(key_client(raw_key), astronaut_jpeg, url)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert "webhook" in response.json()["fields"]
    assert not Generation.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("queued_only")
def test_a_webhook_needs_a_signing_secret_first(user, astronaut_jpeg):
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate"])

    response = upload_with_webhook(key_client(raw_key), astronaut_jpeg, "http://127.0.0.1:9/x")

    assert response.status_code == 400
    assert response.json()["code"] == "webhook_secret_missing"
    assert not Generation.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("queued_only")
def test_a_job_without_a_webhook_makes_no_delivery(user, astronaut_jpeg):
    webhook_secret_rotate(owner=user)
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate"])
    job = upload_with_webhook(key_client(raw_key), astronaut_jpeg, "").json()

    generation_services.generation_cancel(generation=Generation.objects.get(pk=job["id"]))

    assert not WebhookDelivery.objects.exists()


# --- Deliveries to a real receiver ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fast_retries")
def test_a_receiver_that_fails_twice_gets_the_third_attempt_signed_as_documented(
    settings, user, astronaut_jpeg, media_root
):
    secret = webhook_secret_rotate(owner=user)[1]
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate", "read"])
    client = key_client(raw_key)
    with running_receiver(plan=[500, 500]) as receiver:
        settings.TASKS = DUMMY  # the job stays queued; canceling it ends it through finish()
        job = upload_with_webhook(client, astronaut_jpeg, receiver.url).json()
        settings.TASKS = IMMEDIATE
        canceled = client.post(f"/api/generations/{job['id']}/cancel")
        assert canceled.status_code == 200, canceled.content

        arrivals = receiver.wait_for(3)
        delivery = wait_for_status(WebhookDelivery.objects.get(), DeliveryStatus.DELIVERED)

    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (3, 200, "")
    assert delivery.delivered_at is not None
    assert {arrival.headers["LightSB-Webhook-Id"] for arrival in arrivals} == {str(delivery.pk)}
    assert {arrival.body for arrival in arrivals} == {delivery.body.encode()}
    assert arrivals[0].path == "/hooks/lightsb"
    body = json.loads(arrivals[-1].body)
    assert body["event"] == "generation.finished"
    assert (body["id"], body["status"], body["direction"]) == (
        job["id"],
        "canceled",
        job["direction"],
    )
    assert body["url"] == f"http://testserver/api/generations/{job['id']}"
    verify = documented_verifier()
    assert all(verify(secret, arrival.headers, arrival.body) for arrival in arrivals)
    assert not verify(secret, arrivals[-1].headers, arrivals[-1].body + b" ")
    assert not verify("whsec_someone-else", arrivals[-1].headers, arrivals[-1].body)


@pytest.mark.django_db(transaction=True)
def test_the_documented_snippet_refuses_an_old_timestamp(settings, user):
    verify = documented_verifier()
    old = int(time.time()) - 3600
    body = b'{"event":"generation.finished"}'
    headers = {
        "LightSB-Webhook-Timestamp": str(old),
        "LightSB-Webhook-Signature": signature(secret="whsec_x", timestamp=old, body=body.decode()),
    }

    assert not verify("whsec_x", headers, body)


@pytest.mark.django_db(transaction=True)
def test_a_delivery_that_never_succeeds_fails_after_the_last_attempt(
    settings, user, astronaut_jpeg, media_root
):
    settings.WEBHOOK_RETRY_DELAYS = [0.05, 0.05]
    webhook_secret_rotate(owner=user)
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate"])
    with running_receiver(then=503) as receiver:
        settings.TASKS = DUMMY
        job = upload_with_webhook(key_client(raw_key), astronaut_jpeg, receiver.url).json()
        settings.TASKS = IMMEDIATE
        generation_services.generation_cancel(generation=Generation.objects.get(pk=job["id"]))

        delivery = wait_for_status(WebhookDelivery.objects.get(), DeliveryStatus.FAILED)
        time.sleep(0.3)  # no fourth attempt follows

    assert delivery.attempts == 3
    assert len(receiver.received) == 3
    assert delivery.last_status_code == 503
    assert "HTTP 503" in delivery.last_error


@pytest.mark.django_db
@pytest.mark.usefixtures("queued_only")
def test_the_address_is_checked_again_at_delivery_time(settings, monkeypatch, user, astronaut_jpeg):
    """DNS rebinding: a name public at creation that points at the metadata service later."""
    webhook_secret_rotate(owner=user)
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate"])
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    monkeypatch.setattr(webhook_urls, "resolve_host", public)
    job = upload_with_webhook(key_client(raw_key), astronaut_jpeg, "https://hooks.example.com/")
    assert job.status_code == 202, job.content
    generation_services.generation_cancel(generation=Generation.objects.get(pk=job.json()["id"]))
    delivery = WebhookDelivery.objects.get()

    monkeypatch.setattr(webhook_urls, "resolve_host", lambda host, port: ["169.254.169.254"])
    outcome = webhook_delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome == DeliveryStatus.FAILED
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.last_error.startswith("webhook_address_refused")


@pytest.mark.django_db
def test_with_the_database_backend_each_attempt_is_a_task_and_a_retry_waits_its_delay(
    settings, user, astronaut_jpeg, media_root, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.WEBHOOK_RETRY_DELAYS = [60.0]
    webhook_secret_rotate(owner=user)
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate"])
    settings.TASKS = DUMMY
    with running_receiver(plan=[500]) as receiver:
        job = upload_with_webhook(key_client(raw_key), astronaut_jpeg, receiver.url).json()
        settings.TASKS = DATABASE
        generation_services.generation_cancel(generation=Generation.objects.get(pk=job["id"]))
        delivery = WebhookDelivery.objects.get()
        [first] = DBTaskResult.objects.filter(task_path="integrations.tasks.deliver_webhook")
        assert first.args_kwargs["args"] == [str(delivery.pk)]

        webhook_delivery_attempt(delivery_id=delivery.pk)  # what a db_worker does with it

    delivery.refresh_from_db()
    retry = DBTaskResult.objects.filter(task_path="integrations.tasks.deliver_webhook").exclude(
        id=first.id
    )
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert retry.count() == 1
    wait = (retry.get().run_after - delivery.last_attempt_at).total_seconds()
    assert 59 <= wait <= 61
    assert len(receiver.received) == 1


# --- Who sees what -------------------------------------------------------------------------


def make_delivery(owner, generation) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        owner=owner,
        generation=generation,
        event="generation.finished",
        url="https://hooks.example.com/",
        body="{}",
        status=DeliveryStatus.FAILED,
        attempts=5,
        last_status_code=500,
    )


@pytest.mark.django_db
def test_the_owner_lists_their_deliveries_and_nobody_else_sees_them(
    user, other_user, make_generation, api_login
):
    mine = make_delivery(user, make_generation(owner=user))
    theirs_job = make_generation(owner=other_user)
    make_delivery(other_user, theirs_job)
    _, raw_key = api_key_create(owner=user, name="reader", scopes=["read"])
    client = key_client(raw_key)

    listed = client.get("/api/webhooks/deliveries").json()
    of_their_job = client.get(f"/api/webhooks/deliveries?generation={theirs_job.pk}").json()
    of_my_job = client.get(f"/api/webhooks/deliveries?generation={mine.generation_id}").json()

    assert [item["id"] for item in listed["results"]] == [str(mine.pk)]
    assert listed["results"][0]["status"] == "failed"
    assert listed["results"][0]["last_status_code"] == 500
    assert of_their_job["count"] == 0
    assert of_my_job["count"] == 1
    bad = client.get("/api/webhooks/deliveries?generation=not-a-uuid")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_filter"


@pytest.mark.django_db
@pytest.mark.usefixtures("queued_only")
def test_redeliver_sends_again_and_answers_404_for_another_persons_delivery(
    user, other_user, make_generation
):
    mine = make_delivery(user, make_generation(owner=user))
    theirs = make_delivery(other_user, make_generation(owner=other_user))
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate"])
    client = key_client(raw_key)

    again = client.post(f"/api/webhooks/deliveries/{mine.pk}/redeliver")
    pending = client.post(f"/api/webhooks/deliveries/{mine.pk}/redeliver")
    other = client.post(f"/api/webhooks/deliveries/{theirs.pk}/redeliver")
    missing = client.post(f"/api/webhooks/deliveries/{uuid4()}/redeliver")

    assert again.status_code == 202, again.content
    assert (again.json()["status"], again.json()["attempts"]) == ("pending", 0)
    assert pending.status_code == 409
    assert other.status_code == 404 and missing.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == DeliveryStatus.FAILED


@pytest.mark.django_db
def test_the_keys_page_lists_only_the_owners_deliveries(
    auth_client, user, other_user, make_generation
):
    mine = make_delivery(user, make_generation(owner=user))
    theirs = make_delivery(other_user, make_generation(owner=other_user))

    page = auth_client.get("/integrations/keys/")

    assert list(page.context["deliveries"]) == [mine]
    html = page.content.decode()
    assert "Latest webhook deliveries" in html and "HTTP 500" in html
    assert str(theirs.generation_id)[:6] not in html


@pytest.mark.django_db
def test_deleting_a_job_or_the_account_removes_its_webhook_rows(user, make_generation):
    generation = make_generation(owner=user)
    GenerationWebhook.objects.create(generation=generation, url="https://x.example/", base_url="/")
    make_delivery(user, generation)

    generation_services.generation_delete(generation=generation)

    assert not WebhookDelivery.objects.exists() and not GenerationWebhook.objects.exists()
    webhook_secret_rotate(owner=user)
    user.delete()
    assert not WebhookSecret.objects.exists()


# --- Single attempts -----------------------------------------------------------------------


def pending_delivery(owner, generation, url: str) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        owner=owner, generation=generation, event="generation.finished", url=url, body="{}"
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
@pytest.mark.usefixtures("queued_only")
def test_a_refused_connection_is_recorded_and_retried(user, make_generation):
    webhook_secret_rotate(owner=user)
    delivery = pending_delivery(
        user, make_generation(owner=user), f"http://127.0.0.1:{closed_port()}/hook"
    )

    outcome = webhook_delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome == DeliveryStatus.PENDING
    assert (delivery.attempts, delivery.last_status_code) == (1, None)
    assert delivery.last_error.startswith("ConnectionRefusedError")
    assert delivery.next_attempt_at is not None


@pytest.mark.django_db
@pytest.mark.usefixtures("queued_only")
def test_without_a_signing_secret_the_delivery_fails_at_once(user, make_generation):
    with running_receiver() as receiver:
        delivery = pending_delivery(user, make_generation(owner=user), receiver.url)

        outcome = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert outcome == DeliveryStatus.FAILED
    assert receiver.received == []


@pytest.mark.django_db
@pytest.mark.usefixtures("queued_only")
def test_an_ended_delivery_is_not_sent_again_by_a_stray_task(user, make_generation):
    webhook_secret_rotate(owner=user)
    with running_receiver() as receiver:
        delivery = pending_delivery(user, make_generation(owner=user), receiver.url)
        first = webhook_delivery_attempt(delivery_id=delivery.pk)
        second = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert (first, second) == (DeliveryStatus.DELIVERED, DeliveryStatus.DELIVERED)
    assert len(receiver.received) == 1
    assert webhook_delivery_attempt(delivery_id=uuid4()) == "gone"


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.mark.django_db
@pytest.mark.usefixtures("queued_only")
def test_an_https_receiver_with_an_untrusted_certificate_is_not_sent_the_body(
    user, make_generation, tmp_path
):
    webhook_secret_rotate(owner=user)
    cert_path, key_path = self_signed_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    with running_receiver(tls=context) as receiver:
        delivery = pending_delivery(user, make_generation(owner=user), receiver.url)

        outcome = webhook_delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert receiver.url.startswith("https://127.0.0.1:")
    assert outcome == DeliveryStatus.PENDING
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
    assert receiver.received == []
