"""The HTTP responses that carry a job's files, shared by the HTML pages and the API."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse

from generation.selectors import StoredImage, open_stored

# Images never change under a name, but they are private: browsers only.
IMAGE_CACHE_CONTROL = "private, max-age=3600"


def image_response(image: StoredImage, *, download: bool) -> FileResponse:
    response = FileResponse(
        open_stored(image.name),
        content_type="image/jpeg",
        as_attachment=download,
        filename=image.filename,
    )
    response["Cache-Control"] = IMAGE_CACHE_CONTROL
    return response


def zip_response(archive: IO[bytes], filename: str) -> FileResponse:
    return FileResponse(
        archive, content_type="application/zip", as_attachment=True, filename=filename
    )
