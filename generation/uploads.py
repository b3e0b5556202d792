"""Validation and sanitising of uploaded portraits.

Everything here happens in memory, before anything is written: a rejected upload leaves no file
and no row. What is kept is a re-encoded copy made from the pixels alone (EXIF orientation
applied first), so no metadata of the original (EXIF, GPS, ICC, XMP, comments) survives.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageFile, ImageOps

from generation.errors import (
    FileMissing,
    FileTooLarge,
    ImageTooLarge,
    InvalidImageFile,
    UnsupportedFormat,
    UploadError,
)
from generation.images import encode_jpeg
from generation.limits import MIN_IMAGE_SIDE, max_upload_bytes, upload_size_text

__all__ = [
    "FileMissing",
    "FileTooLarge",
    "ImageTooLarge",
    "InvalidImageFile",
    "SanitizedImage",
    "UnsupportedFormat",
    "UploadError",
    "check_content_length",
    "sanitize_image_bytes",
    "sanitize_upload",
    "sniff_format",
]

# Formats accepted, identified by Pillow from the bytes, never from the name or the client's
# Content-Type. MPO is the multi-picture JPEG of many phone cameras (a photo plus a depth map or
# a second view); its first frame is the photo itself, and the only one used.
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP"})

# A truncated file must be an error, not a half-grey picture.
ImageFile.LOAD_TRUNCATED_IMAGES = False


@dataclass(frozen=True)
class SanitizedImage:
    image: Image.Image  # RGB, orientation applied, no metadata
    data: bytes  # JPEG encoding of ``image``

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


def _too_large() -> FileTooLarge:
    return FileTooLarge(f"The file is larger than {upload_size_text()}. Choose a smaller photo.")


def check_content_length(content_length: str | int | None, *, files: int = 1) -> None:
    """Reject an oversized request from its header, before the body is read.

    Multipart framing adds a little, so the allowance is the file limit plus 64 KiB, for each
    of the ``files`` the request may carry (a batch).
    """
    try:
        length = int(content_length or 0)
    except (TypeError, ValueError):
        return
    if length > files * (max_upload_bytes() + 64 * 1024):
        if files > 1:
            raise FileTooLarge(
                f"These photos are larger than {files} x {upload_size_text()} together. "
                "Choose fewer or smaller photos."
            )
        raise _too_large()


def sniff_format(head: bytes) -> str | None:
    """The image format from its magic bytes (JPEG, PNG, WEBP), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels only; transparency is laid on white."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits before converting.
        image = image.point(lambda value: value / 256).convert("L")
    return image.convert("RGB")


def sanitize_image_bytes(data: bytes) -> SanitizedImage:
    """Validate raw bytes as a photo and return a clean, metadata-free RGB copy."""
    if len(data) > max_upload_bytes():
        raise _too_large()
    if not data:
        raise InvalidImageFile("The file is empty. Choose a photo to upload.")
    if sniff_format(data[:16]) is None:
        raise UnsupportedFormat()

    max_pixels = int(settings.GENERATION_MAX_PIXELS)
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice that; any bomb is an error here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            opened = Image.open(io.BytesIO(data))
            if opened.format not in ACCEPTED_FORMATS:
                raise UnsupportedFormat()
            width, height = opened.size
            if width * height > max_pixels:
                raise ImageTooLarge(
                    f"The image has {width * height / 1e6:.0f} megapixels; at most "
                    f"{max_pixels / 1e6:.0f} are accepted. Resize it and try again."
                )
            opened.seek(0)  # an MPO's primary picture; a no-op for single-frame files
            opened.load()
            oriented = ImageOps.exif_transpose(opened)
            flat = _flatten(oriented)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageTooLarge(
                "The image expands to too many pixels to be processed safely."
            ) from error
        except UploadError:
            raise
        except (OSError, SyntaxError, ValueError, EOFError, Image.UnidentifiedImageError) as error:
            raise InvalidImageFile() from error

    # A fresh image built from the pixels alone carries no EXIF, ICC, XMP or text chunks.
    clean = Image.new("RGB", flat.size)
    clean.paste(flat)
    if clean.width < MIN_IMAGE_SIDE or clean.height < MIN_IMAGE_SIDE:
        raise InvalidImageFile(
            f"The image is too small; use a photo at least {MIN_IMAGE_SIDE} pixels on each side."
        )
    return SanitizedImage(image=clean, data=encode_jpeg(clean))


def sanitize_upload(upload: UploadedFile | None) -> SanitizedImage:
    """Validate an uploaded file (size first, then content) and return the clean copy."""
    if upload is None:
        raise FileMissing()
    if upload.size is not None and upload.size > max_upload_bytes():
        raise _too_large()
    upload.seek(0)
    data = upload.read(max_upload_bytes() + 1)
    return sanitize_image_bytes(data)
