"""Web-sized copies: the WebP pictures pages show instead of the full-size JPEGs.

Results get their copies when they are saved (``run``); results stored before copies existed
get them from :func:`generation_make_web_copies` (the ``make_web_copies`` command). Until then
pages fall back to the full image, so nothing breaks either way.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from PIL import Image

from generation import storage
from generation.images import WEB_WIDTHS, make_web_copies
from generation.models import Generation, GenerationResult, Status

logger = logging.getLogger(__name__)

Store = Callable[[str, bytes, str], str]


def web_copies_store(image: Image.Image, *, store: Store) -> dict[str, str]:
    """Make and store the copies of one picture; returns ``{"<width>": storage name}``."""
    return {
        str(width): store(f"web{width}", data, "webp")
        for width, data in make_web_copies(image).items()
    }


@dataclass(frozen=True)
class Decoded:
    picture: Image.Image  # at least as wide as the widest copy, or the full picture
    width: int  # of the stored picture
    height: int


def open_for_web_copies(data: bytes) -> Decoded:
    """A stored JPEG decoded only as large as the widest copy needs (JPEG draft mode)."""
    picture = Image.open(io.BytesIO(data))
    width, height = picture.size
    widest = max(WEB_WIDTHS)
    if width > widest:
        picture.draft("RGB", (widest, max(1, height * widest // width)))
    return Decoded(picture.convert("RGB"), width, height)


def generation_make_web_copies(*, generation: Generation) -> int:
    """Store the missing copies of a finished job's input and results; returns files written.

    A job deleted meanwhile keeps nothing: copies whose row is gone are removed again.
    """
    if generation.status != Status.SUCCEEDED:
        return 0
    written = 0

    def store(kind: str, data: bytes, extension: str) -> str:
        return storage.store(
            owner_id=generation.owner_id,
            generation_id=generation.pk,
            kind=kind,
            data=data,
            extension=extension,
        )

    if not generation.input_web_copies and generation.input_image:
        copies = web_copies_store(
            open_for_web_copies(storage.read(generation.input_image)).picture, store=store
        )
        if copies:
            kept = Generation.objects.filter(pk=generation.pk, input_web_copies={}).update(
                input_web_copies=copies
            )
            written += _keep_or_delete(copies, kept=bool(kept))
    for result in generation.results.all():
        if result.web_copies or not result.composite:
            continue
        composite = open_for_web_copies(storage.read(result.composite))
        copies = web_copies_store(composite.picture, store=store)
        kept = GenerationResult.objects.filter(pk=result.pk, web_copies={}).update(
            web_copies=copies, width=composite.width, height=composite.height
        )
        written += _keep_or_delete(copies, kept=bool(kept))
    return written


def _keep_or_delete(copies: dict[str, str], *, kept: bool) -> int:
    if kept:
        return len(copies)
    storage.delete_files(copies.values())
    return 0


def generation_backfill_web_copies() -> tuple[int, int]:
    """Give every finished job stored before web copies existed its copies.

    Returns (jobs looked at, files written). A job whose files are gone is skipped.
    """
    jobs = (
        Generation.objects.filter(status=Status.SUCCEEDED)
        .filter(Q(input_web_copies={}) | Q(results__web_copies={}))
        .distinct()
        .prefetch_related("results")
    )
    seen = written = 0
    for generation in jobs.iterator(chunk_size=100):
        seen += 1
        try:
            written += generation_make_web_copies(generation=generation)
        except FileNotFoundError:
            logger.warning("generation %s: a stored image is gone, no web copies", generation.pk)
    return seen, written
