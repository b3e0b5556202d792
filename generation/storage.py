"""Where a job's files live and how they are written, deleted and swept.

Every file of one job sits in ``generations/<owner>/<job>/`` under a random name, so a sweep of
that folder finds even the files of a worker killed in the middle of saving.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Iterable
from uuid import UUID

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from generation import encryption
from generation.errors import StorageUnavailable

logger = logging.getLogger(__name__)


def owner_folder(*, owner_id: UUID | str) -> str:
    """Where every file of one person lives (removed with the account)."""
    return f"generations/{owner_id}"


def generation_folder(*, owner_id: UUID | str, generation_id: UUID | str) -> str:
    """Where every file of one job lives."""
    return f"{owner_folder(owner_id=owner_id)}/{generation_id}"


def storage_name(
    *, owner_id: UUID | str, generation_id: UUID | str, kind: str, extension: str = "jpg"
) -> str:
    """A random, unguessable name in the job's folder under the owner's prefix."""
    folder = generation_folder(owner_id=owner_id, generation_id=generation_id)
    return f"{folder}/{kind}-{uuid.uuid4().hex}.{extension}"


def store(
    *,
    owner_id: UUID | str,
    generation_id: UUID | str,
    kind: str,
    data: bytes,
    extension: str = "jpg",
) -> str:
    """Write one file of a job; raises ``StorageUnavailable`` when the storage refuses it."""
    name = storage_name(
        owner_id=owner_id, generation_id=generation_id, kind=kind, extension=extension
    )
    sealed = encryption.encrypt(data, owner_id=owner_id)
    try:
        return default_storage.save(name, ContentFile(sealed))
    except OSError as error:
        # A failed write (ENOSPC) can leave a partial file under the name it was given; names
        # are random UUIDs, so that name is ours alone and safe to remove.
        delete_files([name])
        raise StorageUnavailable() from error


def owner_of(name: str) -> str:
    """The owner's id from a stored name (``generations/<owner>/<job>/<file>``)."""
    parts = name.split("/")
    if len(parts) < 3 or parts[0] != "generations":
        raise ValueError(f"not a generation file: {name}")
    return parts[1]


def read(name: str) -> bytes:
    """The plain bytes of a stored file.

    Raises ``FileNotFoundError`` when the file is gone or its owner's key has been destroyed.
    """
    with default_storage.open(name, "rb") as handle:
        sealed = handle.read()
    try:
        return encryption.decrypt(sealed, owner_id=owner_of(name))
    except (encryption.MediaKeyUnavailable, ValueError) as error:
        raise FileNotFoundError(name) from error


def delete_files(names: Iterable[str]) -> None:
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:  # a missing or unreachable file must not block the rest
            logger.warning("could not delete stored file %s", name, exc_info=True)


def sweep_folders(folders: Iterable[str]) -> None:
    """Remove whatever is left in the jobs' folders (e.g. files of a worker killed mid-save)."""
    for folder in folders:
        try:
            _, files = default_storage.listdir(folder)
        except (FileNotFoundError, NotImplementedError):
            continue
        except Exception:
            logger.warning("could not list %s", folder, exc_info=True)
            continue
        delete_files(f"{folder}/{name}" for name in files)
        with contextlib.suppress(NotImplementedError, OSError):
            os.rmdir(default_storage.path(folder))  # local storage keeps empty folders
