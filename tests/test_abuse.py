"""The ten abuse cases of issue 11, each played the way the attacker did, against real components.

Concurrency (atomic counters, parallel refreshes) runs on PostgreSQL; the parallel-refresh case
lives with the other token tests (accounts/tests/test_tokens.py).
"""

from __future__ import annotations

import base64
import io
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import User
from generation import storage
from generation.models import Generation

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
PROXY = "10.0.0.2"
ATTACKER = "198.51.100.66"
HOME = "203.0.113.50"


def generate(client, data: bytes, **fields):
    fields.setdefault("direction", "male_to_female")
    payload = {"file": SimpleUploadedFile("me.jpg", data, content_type="image/jpeg"), **fields}
    return client.post("/api/generate", payload, format="multipart")


@pytest.fixture
def queued_jobs(queued_only, media_root):
    """Jobs stay queued (no engine run); returns the private media folder."""
    return media_root


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]


def via_proxy(client_address: str) -> dict[str, str]:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{client_address}"}


# --- 1. One small upload exhausts a worker ----------------------------------------------------
def test_1_a_job_over_the_work_cap_is_refused_with_400_before_anything_is_stored(
    auth_api_client, portrait_jpeg, queued_jobs, settings
):
    settings.GENERATION_MAX_JOB_PIXELS = 5_000_000  # the 512x512 portrait x 24 = 6.3 MP

    response = generate(auth_api_client, portrait_jpeg, variants=8, journey=16)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "job_too_large"
    assert "at most 5 MP" in body["message"]
    assert "choose fewer variants" in body["message"]
    assert Generation.objects.count() == 0
    assert not any(path.is_file() for path in queued_jobs.rglob("*"))
    # Within the cap the same photo is accepted.
    assert generate(auth_api_client, portrait_jpeg, variants=8, journey=8).status_code == 202


def test_1_the_html_form_shows_the_same_work_cap_message(
    auth_client, portrait_jpeg, queued_jobs, settings
):
    settings.GENERATION_MAX_JOB_PIXELS = 2_000_000  # 0.26 MP x (8 variants + 8 journey frames)
    upload = SimpleUploadedFile("me.jpg", portrait_jpeg, content_type="image/jpeg")

    response = auth_client.post(
        "/generate/",
        {
            "file": upload,
            "direction": "male_to_female",
            "variants": 8,
            "strength": 1.0,
            "journey": "on",
        },
    )

    assert response.status_code == 400
    assert "one job may ask for at most 2 MP" in response.content.decode()
    assert Generation.objects.count() == 0


# --- 2. The daily quota resets when you delete your history -----------------------------------
def test_2_deleting_the_history_does_not_reset_the_daily_quota(
    auth_api_client, portrait_jpeg, queued_jobs, settings
):
    settings.GENERATION_DAILY_LIMIT = 2
    assert [generate(auth_api_client, portrait_jpeg).status_code for _ in range(3)] == [
        202,
        202,
        429,
    ]

    assert auth_api_client.delete("/api/generations").status_code == 200
    again = generate(auth_api_client, portrait_jpeg)

    assert again.status_code == 429
    assert again.json()["code"] == "daily_limit_reached"


# --- 3. Throttles keyed on a client-supplied X-Forwarded-For, and not atomic -------------------
def register(client, number: int, **meta):
    return client.post(
        "/api/auth/register",
        {
            "username": f"bot{number}",
            "email": f"bot{number}@example.com",
            "password": "a-long-enough-secret-77",
            "password_confirm": "a-long-enough-secret-77",
        },
        format="json",
        **meta,
    )


def test_3_rotating_x_forwarded_for_does_not_escape_the_register_throttle(throttle_rates):
    throttle_rates(register="3/hour")
    client = APIClient()

    statuses = [
        register(client, n, REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(5)
    ]

    assert statuses == [201, 201, 201, 429, 429]


def test_3_behind_a_trusted_proxy_only_the_address_the_proxy_saw_counts(
    throttle_rates, behind_proxy
):
    throttle_rates(register="2/hour")
    client = APIClient()
    # The attacker writes its own X-Forwarded-For; the proxy appends the address it saw.
    spoofed = [
        register(
            client, n, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}"
        ).status_code
        for n in range(3)
    ]
    other_client = register(client, 9, **via_proxy(HOME))

    assert spoofed == [201, 201, 429]
    assert other_client.status_code == 201


def test_3_a_429_carries_retry_after_and_ratelimit_headers(throttle_rates):
    throttle_rates(login="2/min")
    client = APIClient()
    for _ in range(2):
        client.post("/api/auth/login", {"identifier": "x", "password": "y"}, format="json")

    response = client.post("/api/auth/login", {"identifier": "x", "password": "y"}, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["RateLimit-Limit"] == "2"
    assert response["RateLimit-Remaining"] == "0"
    assert response["RateLimit-Reset"] == response["Retry-After"]
    assert response["RateLimit-Policy"] == "2;w=60"


def test_3_the_login_page_is_throttled_like_the_api(throttle_rates, user):
    throttle_rates(login="2/min")
    client = Client()
    statuses = [
        client.post("/accounts/login/", {"identifier": "nobody", "password": "x"}).status_code
        for _ in range(3)
    ]

    assert statuses[-1] == 429
    assert statuses[:2] == [400, 400]


def _parallel(count: int, action) -> list:
    barrier = threading.Barrier(count)
    results: list = []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait()
            value = action()
            with lock:
                results.append(value)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_3_parallel_hits_on_the_database_counter_are_all_counted():
    from accounts.models import RateCounter
    from lightsb_site import rate_limit

    if connection.vendor != "postgresql":
        pytest.skip("concurrency is exercised on PostgreSQL (set DATABASE_URL)")

    counts = _parallel(12, lambda: rate_limit.counter_hit("register:addr:192.0.2.1", 3600)[0])

    assert sorted(counts) == list(range(1, 13))
    assert RateCounter.objects.get(key="register:addr:192.0.2.1").count == 12


@pytest.mark.django_db(transaction=True)
def test_3_twelve_parallel_registrations_let_exactly_the_limit_through(live_server, throttle_rates):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is exercised on PostgreSQL (set DATABASE_URL)")
    import requests

    throttle_rates(register="5/hour")
    numbers = iter(range(100))
    lock = threading.Lock()

    def post():
        with lock:
            number = next(numbers)
        return requests.post(
            f"{live_server.url}/api/auth/register",
            json={
                "username": f"racer{number}",
                "email": f"racer{number}@example.com",
                "password": "a-long-enough-secret-77",
                "password_confirm": "a-long-enough-secret-77",
            },
            timeout=60,
        ).status_code

    statuses = _parallel(12, post)

    assert sorted(statuses) == [201] * 5 + [429] * 7
    assert User.objects.count() == 5


def test_3_the_redis_counter_is_atomic_too(settings):
    import redis

    from lightsb_site import rate_limit

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.REDIS_URL = url
    key = f"test:addr:{os.getpid()}:{threading.get_ident()}"
    rate_limit.counter_clear(key)
    try:
        counts = _parallel(12, lambda: rate_limit.counter_hit(key, 60))
    finally:
        rate_limit.counter_clear(key)

    assert sorted(count for count, _ in counts) == list(range(1, 13))
    assert all(1 <= reset <= 60 for _, reset in counts)


# --- 4. Anyone can lock anyone out --------------------------------------------------------------
def api_login(client, identifier, password, address):
    return client.post(
        "/api/auth/login",
        {"identifier": identifier, "password": password},
        format="json",
        **via_proxy(address),
    )


def test_4_an_attacker_behind_the_proxy_cannot_lock_the_real_user_out(
    behind_proxy, staff_user, password
):
    attacker = APIClient()
    statuses = [
        api_login(attacker, "staffer", "wrong-password-1", ATTACKER).status_code for _ in range(6)
    ]
    assert statuses[-2:] == [429, 429]

    api = api_login(APIClient(), "staffer", password, HOME)
    page = Client().post(
        "/accounts/login/", {"identifier": "staffer", "password": password}, **via_proxy(HOME)
    )
    admin = Client().post(
        "/admin/login/?next=/admin/",
        {"username": "staffer", "password": password, "next": "/admin/"},
        **via_proxy(HOME),
    )

    assert api.status_code == 200
    assert page.status_code == 302
    assert admin.status_code == 302 and admin["Location"] == "/admin/"
    assert AccessAttempt.objects.get().ip_address == ATTACKER
    assert api.json()["user"]["username"] == "staffer"


def test_4_a_wrong_password_says_how_many_attempts_are_left(api_client, user):
    first = api_client.post(
        "/api/auth/login", {"identifier": "alice", "password": "nope-nope-1"}, format="json"
    )
    page = Client().post("/accounts/login/", {"identifier": "alice", "password": "nope-nope-2"})

    assert first.status_code == 401
    assert first.json()["attempts_left"] == 4
    assert (
        "4 attempts left before logging in from this address is paused" in (first.json()["message"])
    )
    assert "3 attempts left" in page.content.decode()


def test_4_failures_from_many_addresses_slow_failing_addresses_but_not_a_fresh_one(
    behind_proxy, user, password, settings
):
    settings.LOGIN_SLOWDOWN_AFTER = 5
    client = APIClient()
    for address in ("192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.2", "192.0.2.3"):
        assert api_login(client, "alice", "bad-guess-123", address).status_code == 401

    slowed = api_login(client, "alice", "bad-guess-123", "192.0.2.3")
    fresh = api_login(client, "alice", password, HOME)

    admin = Client().post(
        "/admin/login/", {"username": "alice", "password": password}, **via_proxy("192.0.2.3")
    )

    assert slowed.status_code == 429
    assert slowed.json()["code"] == "login_slowed_down"
    assert "Wait" in admin.content.decode() and "before trying again" in admin.content.decode()
    assert 1 <= int(slowed["Retry-After"]) <= settings.LOGIN_SLOWDOWN_MAX_SECONDS
    assert fresh.status_code == 200


# --- 5. A staff account can set the password of any other account ------------------------------
def staff_admin_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="accounts.backends.EmailOrUsernameBackend")
    return client


def test_5_staff_cannot_set_another_accounts_password_or_edit_other_staff(
    staff_user, make_user, user
):
    colleague = make_user(username="colleague", role="staff")
    client = staff_admin_client(staff_user)

    user_password = client.post(
        f"/admin/accounts/user/{user.id}/password/",
        {"password1": "taken-over-123456", "password2": "taken-over-123456"},
    )
    colleague_password = client.get(f"/admin/accounts/user/{colleague.id}/password/")
    colleague_edit = client.post(
        f"/admin/accounts/user/{colleague.id}/change/",
        {"username": "colleague", "email": "evil@example.com", "is_active": "on"},
    )

    assert user_password.status_code == 403
    assert colleague_password.status_code == 403
    assert colleague_edit.status_code == 403
    user.refresh_from_db()
    colleague.refresh_from_db()
    assert not user.check_password("taken-over-123456")
    assert colleague.email == "colleague@example.com"


def test_5_an_admin_sets_a_password_and_the_change_is_audited(admin_user, user):
    from accounts.models import AdminAuditEntry

    client = staff_admin_client(admin_user)

    response = client.post(
        f"/admin/accounts/user/{user.id}/password/",
        {"password1": "reset-by-admin-123", "password2": "reset-by-admin-123"},
        REMOTE_ADDR=HOME,
    )

    assert response.status_code == 302
    entry = AdminAuditEntry.objects.get()
    assert (entry.actor_username, entry.target_username, entry.action, entry.ip) == (
        "root",
        "alice",
        "password",
        HOME,
    )


def test_5_staff_edits_of_ordinary_users_are_audited_with_the_fields(staff_user, user):
    from accounts.models import AdminAuditEntry

    client = staff_admin_client(staff_user)
    page = client.get(f"/admin/accounts/user/{user.id}/change/")
    assert page.status_code == 200

    response = client.post(
        f"/admin/accounts/user/{user.id}/change/",
        {
            "username": "alice",
            "email": "alice.new@example.com",
            "is_active": "on",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "1",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-id": str(user.profile.id),
            "profile-0-user": str(user.id),
            "profile-0-full_name": "",
            "profile-0-position": "",
            "profile-0-date_of_birth": "",
            "usage_stats-TOTAL_FORMS": "1",
            "usage_stats-INITIAL_FORMS": "1",
            "usage_stats-MIN_NUM_FORMS": "0",
            "usage_stats-MAX_NUM_FORMS": "1",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AdminAuditEntry.objects.get()
    assert (entry.actor_username, entry.action, entry.changed_fields) == (
        "staffer",
        "change",
        ["email"],
    )


# --- 6. Deleting while the upload request still runs answered 500 ------------------------------
@pytest.mark.django_db(transaction=True)
def test_6_a_job_deleted_while_its_upload_request_runs_answers_404(
    auth_api_client, portrait_jpeg, queued_jobs, monkeypatch
):
    from generation.services import create

    enqueue = create.generation_enqueue

    def enqueue_then_delete_from_another_tab(*, generation_id):
        enqueue(generation_id=generation_id)
        transaction.on_commit(lambda: Generation.objects.filter(pk=generation_id).delete())

    monkeypatch.setattr(create, "generation_enqueue", enqueue_then_delete_from_another_tab)
    auth_api_client.raise_request_exception = False

    response = generate(auth_api_client, portrait_jpeg)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_6_an_account_deleted_while_its_upload_request_runs_answers_404(
    auth_api_client, user, portrait_jpeg, queued_jobs, monkeypatch
):
    from accounts.services import user_delete
    from generation import uploads

    sanitize = uploads.sanitize_upload

    def sanitize_while_the_account_is_deleted(upload):
        clean = sanitize(upload)
        user_delete(user=User.objects.get(pk=user.pk))
        return clean

    monkeypatch.setattr(uploads, "sanitize_upload", sanitize_while_the_account_is_deleted)
    auth_api_client.raise_request_exception = False

    response = generate(auth_api_client, portrait_jpeg)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Generation.objects.count() == 0
    assert not any(path.is_file() for path in queued_jobs.rglob("*"))


# --- 7. Unlimited password guessing on the password and delete forms ---------------------------
def test_7_the_password_change_form_stops_guessing_after_five_wrong_passwords(
    auth_client, user, password
):
    def attempt(old):
        return auth_client.post(
            "/accounts/password/",
            {
                "old_password": old,
                "new_password": "brand-new-secret-99",
                "new_password_confirm": "brand-new-secret-99",
            },
        )

    wrong = [attempt(f"guess-{n}-xyz") for n in range(5)]
    right = attempt(password)

    assert [response.status_code for response in wrong] == [400, 400, 400, 400, 429]
    assert "4 attempts left" in wrong[0].content.decode()
    assert right.status_code == 429
    user.refresh_from_db()
    assert user.check_password(password)


def test_7_the_delete_form_and_api_stop_guessing_after_five_wrong_passwords(
    auth_client, user, password, api_login
):
    pages = [
        auth_client.post("/accounts/delete/", {"password": f"guess-{n}"}).status_code
        for n in range(3)
    ]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_login(user)['access']}")
    apis = [api.delete("/api/user", {"password": f"guess-{n}"}, format="json") for n in range(2)]
    right = api.delete("/api/user", {"password": password}, format="json")

    assert pages == [400, 400, 400]
    assert apis[0].status_code == 400
    assert "1 attempt left" in apis[0].json()["fields"]["password"][0]
    assert apis[1].status_code == 429
    assert apis[1].json()["code"] == "locked_out"
    assert right.status_code == 429
    assert User.objects.filter(pk=user.pk).exists()


# --- 8. Data left after account deletion ---------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_8_deleting_the_account_leaves_no_tokens_lockout_records_counters_or_folders(
    user, password, api_login, portrait_jpeg, queued_jobs
):
    from accounts.models import RateCounter

    Client().post("/accounts/login/", {"identifier": "alice", "password": password})
    tokens = api_login(user)
    Client().post("/accounts/login/", {"identifier": "alice", "password": "wrong-one-1"})
    assert AccessLog.objects.filter(username="alice").exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert generate(api, portrait_jpeg).status_code == 202
    assert api.delete("/api/user", {"password": "not-it"}, format="json").status_code == 400
    user_id = user.pk
    assert OutstandingToken.objects.filter(user_id=user_id).exists()
    assert AccessAttempt.objects.filter(username="alice").exists()
    assert RateCounter.objects.filter(key__contains=f":user:{user_id}").exists()
    assert (queued_jobs / "generations" / str(user_id)).is_dir()

    response = api.delete("/api/user", {"password": password}, format="json")

    assert response.status_code == 204
    assert not OutstandingToken.objects.filter(jti__in=[tokens_jti(tokens)]).exists()
    assert not OutstandingToken.objects.filter(user__isnull=True).exists()
    assert not AccessAttempt.objects.filter(username="alice").exists()
    assert not AccessLog.objects.filter(username="alice").exists()
    assert not RateCounter.objects.filter(key__contains=f":user:{user_id}").exists()
    assert not (queued_jobs / "generations" / str(user_id)).exists()


def tokens_jti(tokens) -> str:
    from accounts.tokens import SessionRefreshToken

    return SessionRefreshToken(tokens["refresh"])["jti"]


# --- 10. Smaller ------------------------------------------------------------------------------
def _production_settings(**env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "DJANGO_SECRET_KEY", "TRUSTED_PROXIES")
    }
    environment.update(
        {
            "DJANGO_DEBUG": "false",
            "LIGHTSB_TESTING": "0",
            "PYTHONPATH": str(BASE_DIR),
            "MEDIA_MASTER_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            **env,
        }
    )
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SECURE_PROXY_SSL_HEADER if hasattr(settings, "
        "'SECURE_PROXY_SSL_HEADER') else None)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("key", ["change-me", "short-but-not-a-placeholder"])
def test_10_production_refuses_a_placeholder_or_short_secret_key(key):
    result = _production_settings(SECRET_KEY=key)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_10_production_trusts_the_proxy_ssl_header_only_with_a_proxy():
    key = "k" * 30 + "0123456789abcdefghijklmnopqrstuvwxyz"
    without_proxy = _production_settings(SECRET_KEY=key)
    with_proxy = _production_settings(SECRET_KEY=key, TRUSTED_PROXIES=PROXY)

    assert without_proxy.returncode == 0, without_proxy.stderr
    assert without_proxy.stdout.strip() == "None"
    assert with_proxy.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_10_a_direct_client_cannot_claim_https(settings, behind_proxy):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True

    direct = Client().get("/about/", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_PROTO="https")
    proxied = Client().get("/about/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")

    assert direct.status_code == 301 and direct["Location"].startswith("https://")
    assert proxied.status_code == 200


def test_10_readyz_probes_the_storage_once_for_several_polls(client, monkeypatch, media_root):
    from django.core.files.storage import FileSystemStorage

    saved: list[str] = []
    real_save = FileSystemStorage.save

    def counting_save(storage, name, content, *args, **kwargs):
        saved.append(name)
        return real_save(storage, name, content, *args, **kwargs)

    monkeypatch.setattr(FileSystemStorage, "save", counting_save)

    bodies = [client.get("/readyz").json()["checks"]["storage"] for _ in range(5)]

    assert bodies == ["ok"] * 5
    assert len(saved) == 1


def test_10_a_bad_host_header_is_one_warning_line(client, caplog):
    logger = logging.getLogger("django.security.DisallowedHost")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO):
            response = client.get("/", HTTP_HOST="evil.example")
    finally:
        logger.removeHandler(caplog.handler)

    records = [record for record in caplog.records if record.name == logger.name]
    assert response.status_code == 400
    assert len(records) == 1
    assert records[0].levelname == "WARNING"
    assert records[0].exc_info is None
    assert "\n" not in caplog.handler.format(records[0])
    assert "evil.example" in records[0].getMessage()


def test_10_an_mpo_phone_photo_is_accepted_as_its_first_frame(
    auth_api_client, portrait_jpeg, queued_jobs
):
    primary = Image.open(io.BytesIO(portrait_jpeg)).convert("RGB")
    depth_map = Image.new("RGB", primary.size, (0, 0, 0))
    buffer = io.BytesIO()
    primary.save(buffer, format="MPO", save_all=True, append_images=[depth_map])

    response = generate(auth_api_client, buffer.getvalue())

    assert response.status_code == 202, response.content
    generation = Generation.objects.get()
    assert (generation.input_width, generation.input_height) == primary.size
    stored = Image.open(io.BytesIO(storage.read(generation.input_image)))  # encrypted at rest
    assert stored.format == "JPEG"
    assert stored.getpixel((256, 200)) != (0, 0, 0)
