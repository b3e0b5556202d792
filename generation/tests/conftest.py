"""Fixtures of the generation tests: private media folders, real photos, task backends."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Every test stores its files in its own folder (and the default local storage)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.fixture
def queued_only(settings):
    """Jobs are enqueued but nothing runs them (to observe the queued state)."""
    settings.TASKS = DUMMY


@pytest.fixture
def immediate(settings):
    settings.TASKS = IMMEDIATE


@pytest.fixture(scope="session")
def astronaut_array() -> np.ndarray:
    from skimage import data

    return data.astronaut()


def encode(image: Image.Image, fmt: str = "JPEG", **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def astronaut_jpeg(astronaut_array) -> bytes:
    return encode(Image.fromarray(astronaut_array), "JPEG", quality=92)


@pytest.fixture(scope="session")
def blank_jpeg() -> bytes:
    """A plain sky-blue picture: a valid photo with no face in it."""
    return encode(Image.new("RGB", (320, 240), (120, 170, 230)), "JPEG")


@pytest.fixture
def upload():
    """Factory: an uploaded file as Django hands it to a view."""

    def make(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
        return SimpleUploadedFile(name, data, content_type=content_type)

    return make


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit hooks (the immediate backend's job) inside a test transaction."""

    def runner():
        return django_capture_on_commit_callbacks(execute=True)

    return runner
