"""The HTTP responses that carry a job's files, shared by the HTML pages and the API."""

from __future__ import annotations

import hashlib
from typing import IO

from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified

from generation.images import WEB_WIDTHS
from generation.selectors import StoredImage, open_stored

# A stored name is random and never written twice, so the bytes behind it never change: the
# name is as good as a content address. Private: browsers only, never a shared cache.
IMAGE_CACHE_CONTROL = "private, max-age=31536000, immutable"


def image_etag(name: str) -> str:
    """A strong validator for a stored image (its name never gets other bytes)."""
    return '"' + hashlib.sha256(name.encode()).hexdigest()[:32] + '"'


def requested_width(value: str | None, *, download: bool = False) -> int | None:
    """The web-sized copy a page asks for with ``?w=``; a download is always full size.

    Only the stored widths exist; any other value is a 404, like a missing image.
    """
    if not value or download:
        return None
    if not value.isdigit() or int(value) not in WEB_WIDTHS:
        raise Http404("No such image size.")
    return int(value)


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = {value.strip().removeprefix("W/") for value in if_none_match.split(",")}
    return etag in candidates or "*" in candidates


def image_response(
    image: StoredImage, *, download: bool, if_none_match: str = ""
) -> FileResponse | HttpResponse:
    """The image, or 304 when the browser already holds it (nothing is read or decrypted)."""
    etag = image_etag(image.name)
    if if_none_match and _matches(if_none_match, etag):
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        not_modified["Cache-Control"] = IMAGE_CACHE_CONTROL
        return not_modified
    response = FileResponse(
        open_stored(image.name),
        content_type=image.content_type,
        as_attachment=download,
        filename=image.filename,
    )
    response["Cache-Control"] = IMAGE_CACHE_CONTROL
    response["ETag"] = etag
    return response


def zip_response(archive: IO[bytes], filename: str) -> FileResponse:
    return FileResponse(
        archive, content_type="application/zip", as_attachment=True, filename=filename
    )
