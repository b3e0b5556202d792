"""Helpers shared by every test suite (the fixtures that use them are in the root conftest)."""

from __future__ import annotations

import io
import re
import socket
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from PIL import Image

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def encode(image: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every message it receives (see the ``smtp_inbox`` fixture)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, mail))
        return "250 Message accepted for delivery"

    def last_link(self, pattern: str) -> str:
        """The first match of ``pattern`` (one group) in the newest mail's body."""
        match = re.search(pattern, self.messages[-1][1].get_content())
        assert match is not None, self.messages[-1][1].get_content()
        return match.group(1)
