"""Fixtures of the cross-cutting tests (hostile input, faults, load smoke, browser)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """A private, empty local storage folder for this test."""
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


def multipart_body(
    *, fields: dict[str, str], file_name: str, data: bytes, content_type: str
) -> tuple[bytes, str]:
    """A multipart/form-data body built by hand, so a file name can hold any byte (NUL, CR,
    quotes) exactly as a hostile client would send it."""
    boundary = f"----lightsb{uuid.uuid4().hex}"
    marker = f"--{boundary}".encode()
    parts = [
        marker + f'\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        marker
        + b'\r\nContent-Disposition: form-data; name="file"; filename="'
        + file_name.encode("utf-8", "surrogateescape")
        + b'"\r\nContent-Type: '
        + content_type.encode()
        + b"\r\n\r\n"
        + data
        + b"\r\n"
    )
    parts.append(marker + b"--\r\n")
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="session")
def portrait_jpeg() -> bytes:
    """The astronaut of scikit-image: a real front-facing portrait."""
    import io

    from PIL import Image
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()
