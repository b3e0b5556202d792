"""Zip archives of jobs: one job's results, or everything a person owns (the export)."""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from collections.abc import Mapping
from typing import IO, Any

from accounts.models import User
from accounts.selectors import account_export
from generation import storage
from generation.errors import GenerationNotReady
from generation.models import Batch, Generation, Status
from generation.selectors import (
    batch_file_name,
    batch_generations,
    generation_list,
    generation_summary,
    preferences_export,
    share_links_export,
)
from lightsb_site.formatting import isoformat_or_none

EXPORT_FILENAME = "lightsb-export.zip"
# In-memory up to this size, then spilled to a temporary file.
ARCHIVE_SPOOL_BYTES = 16 * 1024 * 1024


def generation_metadata(generation: Generation) -> dict[str, Any]:
    """A JSON-ready description of a job (for archives)."""
    return {
        **generation_summary(generation),
        "faces": generation.faces,
        "created_at": isoformat_or_none(generation.created_at),
        "started_at": isoformat_or_none(generation.started_at),
        "finished_at": isoformat_or_none(generation.finished_at),
        "results": [
            {"variant": result.variant_index, "face": result.face_index, "seed": result.seed}
            for result in generation.results.all()
        ],
    }


def _add_generation(archive: zipfile.ZipFile, generation: Generation, prefix: str) -> None:
    archive.writestr(
        f"{prefix}generation.json", json.dumps(generation_metadata(generation), indent=2)
    )
    entries = [("input.jpg", generation.input_image)]
    for result in generation.results.all():
        entries.append((f"variant-{result.variant_index}.jpg", result.composite))
        if result.crop:
            entries.append((f"variant-{result.variant_index}-face.jpg", result.crop))
    for frame in generation.journey.all():
        entries.append((f"journey/frame-{frame.index:02d}.jpg", frame.image))
    for arcname, name in entries:
        try:
            # JPEG is already compressed; storing avoids burning CPU for nothing.
            archive.writestr(f"{prefix}{arcname}", storage.read(name), zipfile.ZIP_STORED)
        except (FileNotFoundError, OSError):
            continue


def generation_archive(
    *,
    generations: list[Generation],
    single: bool,
    account: Mapping[str, Any] | None = None,
) -> IO[bytes]:
    """A zip of the jobs' metadata and images, rewound and ready to stream.

    ``account`` (the account's own data) is written as ``account.json`` when given.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=ARCHIVE_SPOOL_BYTES)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if account is not None:
            archive.writestr("account.json", json.dumps(account, indent=2, ensure_ascii=False))
        for generation in generations:
            prefix = "" if single else f"{generation.created_at:%Y%m%d-%H%M%S}-{generation.pk}/"
            _add_generation(archive, generation, prefix)
        if not single:
            archive.writestr(
                "index.json",
                json.dumps([generation_metadata(item) for item in generations], indent=2),
            )
    spool.seek(0)
    return spool


def generation_export(*, owner: User) -> IO[bytes]:
    """Everything a person owns as one zip: ``account.json`` (account, profile, statistics,
    login sessions, generator preferences, share links without their tokens), ``index.json``
    and one folder per generation with its images."""
    generations = list(generation_list(owner=owner).prefetch_related("journey"))
    account = {
        **account_export(user=owner),
        "generator_preferences": preferences_export(user=owner),
        "share_links": share_links_export(owner=owner),
    }
    return generation_archive(generations=generations, single=False, account=account)


def generation_results_archive(*, generation: Generation) -> tuple[IO[bytes], str]:
    """One finished job's zip and its file name; ``GenerationNotReady`` before it succeeded."""
    if generation.status != Status.SUCCEEDED:
        raise GenerationNotReady()
    archive = generation_archive(generations=[generation], single=True)
    return archive, f"lightsb-{str(generation.pk)[:8]}.zip"


def _folder_name(position: int, file_name: str) -> str:
    """``01-holiday`` for the first photo, ``holiday.jpg``: safe on every file system."""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name[1:] else file_name
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:60] or "photo"
    return f"{position + 1:02d}-{stem}"


def batch_archive(*, batch: Batch) -> tuple[IO[bytes], str]:
    """The results of a batch's finished jobs as one zip, and its file name.

    One folder per photo that succeeded (its input, variants, face crops, journey and
    ``generation.json``) and ``batch.json`` saying how every photo went, the refused ones too.
    ``GenerationNotReady`` while no photo has results.
    """
    generations = batch_generations(batch)
    succeeded = [item for item in generations if item.status == Status.SUCCEEDED]
    if not succeeded:
        raise GenerationNotReady("No photo of this batch has results yet.")
    photos = []
    spool = tempfile.SpooledTemporaryFile(max_size=ARCHIVE_SPOOL_BYTES)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for generation in generations:
            file_name = batch_file_name(batch, generation)
            folder = _folder_name(generation.batch_position or 0, file_name)
            if generation.status == Status.SUCCEEDED:
                _add_generation(archive, generation, f"{folder}/")
            photos.append(
                {
                    "file_name": file_name,
                    "folder": f"{folder}/" if generation.status == Status.SUCCEEDED else None,
                    **generation_metadata(generation),
                }
            )
        index = {
            "id": str(batch.pk),
            "created_at": isoformat_or_none(batch.created_at),
            "photos": photos,
            "rejected": batch.rejected,
        }
        archive.writestr("batch.json", json.dumps(index, indent=2, ensure_ascii=False))
    spool.seek(0)
    return spool, f"lightsb-batch-{str(batch.pk)[:8]}.zip"
