"""Shared pytest fixtures for every app's tests."""

from __future__ import annotations

import itertools
import os

# Settings already treat a pytest process as a test run; this passes it on to subprocesses
# that tests start (gunicorn, manage.py).
os.environ.setdefault("LIGHTSB_TESTING", "1")

import pytest
from django.core.cache import cache
from django.core.management import call_command

DEFAULT_PASSWORD = "correct-horse-battery-42"
_sequence = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The database cache (throttles, shared by gunicorn workers) needs its table."""
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """Throttle counters must not leak from one test into the next."""
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames
        for name in ("db", "transactional_db", "django_db_reset_sequences")
    )
    if uses_db:
        request.getfixturevalue("db")
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_storage_probe():
    """/readyz remembers a successful storage probe for a while; each test starts afresh."""
    from lightsb_site.health import forget_storage_probe

    forget_storage_probe()
    yield
    forget_storage_probe()


@pytest.fixture
def throttle_rates(settings):
    """Set some DEFAULT_THROTTLE_RATES for one test: ``throttle_rates(login="3/min")``."""

    def set_rates(**rates: str) -> None:
        framework = dict(settings.REST_FRAMEWORK)
        framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], **rates}
        settings.REST_FRAMEWORK = framework

    return set_rates


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def make_user(db):
    """Factory: a registered user (with profile and stats) via the real service."""
    from accounts.services import user_register, user_set_role

    def make(
        *,
        username: str | None = None,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        role: str = "user",
    ):
        number = next(_sequence)
        username = username or f"user{number}"
        email = email or f"{username}@example.com"
        user = user_register(username=username, email=email, password=password)
        if role != "user":
            user_set_role(user=user, role=role)
        return user

    return make


@pytest.fixture
def user(make_user):
    return make_user(username="alice", email="alice@example.com")


@pytest.fixture
def other_user(make_user):
    return make_user(username="bob", email="bob@example.com")


@pytest.fixture
def staff_user(make_user):
    return make_user(username="staffer", email="staff@example.com", role="staff")


@pytest.fixture
def admin_user(make_user):
    return make_user(username="root", email="root@example.com", role="admin")


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server (aiosmtpd) on loopback that Django sends mail to; yields its inbox.

    Also reaches the live server of the browser tests: it runs in this process."""
    from aiosmtpd.controller import Controller

    from tests.support import Inbox, free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def auth_client(user):
    """Django test client with ``user`` logged in through a browser session."""
    from django.test import Client

    client = Client()
    client.force_login(user, backend="accounts.backends.EmailOrUsernameBackend")
    return client


@pytest.fixture
def staff_client(staff_user):
    from django.test import Client

    client = Client()
    client.force_login(staff_user, backend="accounts.backends.EmailOrUsernameBackend")
    return client


@pytest.fixture
def api_login(db):
    """Log ``user`` in through the real API and return the token body."""

    def login(user, *, client=None, password: str = DEFAULT_PASSWORD, remember_me=False):
        from rest_framework.test import APIClient

        client = client or APIClient()
        response = client.post(
            "/api/auth/login",
            {"identifier": user.username, "password": password, "remember_me": remember_me},
            format="json",
        )
        assert response.status_code == 200, response.content
        return response.json()

    return login


@pytest.fixture
def auth_api_client(user, api_login):
    """APIClient carrying a fresh access token for ``user``."""
    from rest_framework.test import APIClient

    client = APIClient()
    tokens = api_login(user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    client.tokens = tokens
    return client


# --- Files, photos and generation jobs (shared by every suite) ------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    """A private, empty local storage folder for this test (autouse in generation/tests)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


@pytest.fixture
def queued_only(settings):
    """Jobs are enqueued but nothing runs them (to observe the queued state)."""
    from tests.support import DUMMY

    settings.TASKS = DUMMY


@pytest.fixture
def immediate(settings):
    from tests.support import IMMEDIATE

    settings.TASKS = IMMEDIATE


@pytest.fixture(scope="session")
def astronaut_array():
    from skimage import data

    return data.astronaut()


@pytest.fixture(scope="session")
def astronaut_jpeg(astronaut_array) -> bytes:
    """The astronaut of scikit-image: a real front-facing portrait."""
    from PIL import Image

    from tests.support import encode

    return encode(Image.fromarray(astronaut_array), "JPEG", quality=92)


@pytest.fixture(scope="session")
def portrait_jpeg(astronaut_jpeg) -> bytes:
    return astronaut_jpeg


@pytest.fixture(scope="session")
def blank_jpeg() -> bytes:
    """A plain sky-blue picture: a valid photo with no face in it."""
    from PIL import Image

    from tests.support import encode

    return encode(Image.new("RGB", (320, 240), (120, 170, 230)), "JPEG")


@pytest.fixture
def upload():
    """Factory: an uploaded file as Django hands it to a view."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
        return SimpleUploadedFile(name, data, content_type=content_type)

    return make


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit hooks (the immediate backend's job) inside a test transaction."""

    def runner():
        return django_capture_on_commit_callbacks(execute=True)

    return runner


@pytest.fixture
def make_generation(db, media_root, settings, astronaut_jpeg, upload):
    """Factory: a job created through the real service, queued; ``run=True`` runs the real
    engine on it in this process and checks that it succeeded."""
    from generation import services
    from generation.models import Status
    from tests.support import DUMMY

    settings.TASKS = DUMMY

    def make(
        *,
        owner,
        photo: bytes | None = None,
        direction: str = "adult_to_child",
        variants: int = 2,
        seed: int | None = 3,
        run: bool = False,
    ):
        generation, _ = services.generation_create(
            owner=owner,
            upload=upload(photo or astronaut_jpeg, "me.jpg"),
            direction=direction,
            variants=variants,
            seed=seed,
        )
        if run:
            services.generation_run(generation_id=generation.pk)
            generation.refresh_from_db()
            assert generation.status == Status.SUCCEEDED, generation.error_message
        return generation

    return make
