"""Generate a corpus of hostile (and unusual-but-valid) uploads for ``/api/generate``.

Every item says what the service must do with it:

- ``reject``: a 4xx JSON error ``{code, message}`` with one of the listed codes; no file and no
  job row may remain;
- ``accept``: a valid photo in an unusual shape (greyscale, alpha, CMYK, 16-bit, odd EXIF...)
  that must be taken, not refused;
- ``either``: the outcome is legitimately one or the other (a hostile file *name* on a valid
  photo, which the multipart parser may drop), but never a server error, and a refusal must
  leave nothing behind.

The files are written under safe names; the name sent to the server (``upload_name``, which may
contain ``../``, NUL or CRLF) lives in the manifest only.

    python bench/hostile_corpus.py /tmp/corpus      # writes the files and manifest.json
"""

from __future__ import annotations

import io
import json
import os
import random
import struct
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

REJECT = "reject"
ACCEPT = "accept"
EITHER = "either"

# Codes of generation/uploads.py and the request-size guards in front of it.
INVALID = ("invalid_image",)
UNSUPPORTED = ("unsupported_format",)
TOO_LARGE_IMAGE = ("image_too_large",)
TOO_LARGE_FILE = ("file_too_large", "payload_too_large")
UNUSABLE = ("invalid_image", "unsupported_format", "image_too_large")

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class CorpusItem:
    label: str  # short, unique, safe as a file name
    upload_name: str  # the file name the client sends (hostile on purpose)
    expect: str  # REJECT, ACCEPT or EITHER
    codes: tuple[str, ...] = ()  # accepted error codes when rejected
    status: int | None = None  # the exact status of a rejection, when it is certain
    has_face: bool = False  # accepted and a portrait: the real engine should succeed on it
    content_type: str = "image/jpeg"  # what the client claims (never trusted)
    file: str = field(default="", compare=False)  # path on disk, set when written


# --- Building blocks -----------------------------------------------------------------------


def portrait(size: int = 512) -> Image.Image:
    """The astronaut photo of scikit-image (a real, front-facing portrait)."""
    from skimage import data

    image = Image.fromarray(data.astronaut())
    return image if size == image.width else image.resize((size, size))


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def raw_png(
    width: int,
    height: int,
    *,
    bit_depth: int,
    colour_type: int,
    rows: Iterator[bytes] | None = None,
    extra_chunks: tuple[bytes, ...] = (),
    interlace: int = 0,
) -> bytes:
    """A PNG written chunk by chunk, so headers can say what real encoders never would.

    ``rows`` yields the unfiltered scanlines; by default every row is zeros. The IDAT stream is
    compressed incrementally, so a bomb of hundreds of megabytes costs no memory to write.
    """
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    row_bytes = (width * channels * bit_depth + 7) // 8
    compressor = zlib.compressobj(9)
    chunks = []
    if rows is None:
        zero_row = b"\x00" * (row_bytes + 1)
        for _ in range(height):
            chunks.append(compressor.compress(zero_row))
    else:
        for row in rows:
            chunks.append(compressor.compress(b"\x00" + row))
    chunks.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, interlace)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + b"".join(extra_chunks)
        + png_chunk(b"IDAT", b"".join(chunks))
        + png_chunk(b"IEND", b"")
    )


def png_with_header_size(data: bytes, width: int, height: int) -> bytes:
    """A real PNG whose IHDR claims another size (CRC recomputed so it still parses)."""
    assert data[12:16] == b"IHDR"
    ihdr = bytearray(data[16:29])
    ihdr[0:8] = struct.pack(">II", width, height)
    return data[:8] + png_chunk(b"IHDR", bytes(ihdr)) + data[33:]


def jpeg_with_header_size(data: bytes, width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF) claims another size."""
    out = bytearray(data)
    index = 2
    while index < len(out) - 4:
        if out[index] != 0xFF:
            index += 1
            continue
        marker = out[index + 1]
        length = struct.unpack(">H", out[index + 2 : index + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            out[index + 5 : index + 9] = struct.pack(">HH", height, width)
            return bytes(out)
        index += 2 + length
    raise ValueError("no SOF marker")


def webp_vp8x_canvas(width: int, height: int) -> bytes:
    """An extended WEBP header claiming a huge canvas, with no image data behind it."""
    flags = b"\x00\x00\x00\x00"
    canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    vp8x = b"VP8X" + struct.pack("<I", 10) + flags + canvas
    body = b"WEBP" + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def exif_bytes(tags: dict[int, object]) -> bytes:
    exif = Image.Exif()
    for tag, value in tags.items():
        exif[tag] = value
    return exif.tobytes()


def jpeg_with_app_segment(data: bytes, marker: int, payload: bytes) -> bytes:
    """Insert an APPn segment right after SOI."""
    segment = bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segment + data[2:]


# --- The corpus ----------------------------------------------------------------------------


def _items() -> Iterator[tuple[CorpusItem, Callable[[], bytes]]]:
    face = portrait()
    face_small = portrait(256)
    face_jpeg = encode(face, "JPEG", quality=90)
    face_png = encode(face_small, "PNG")
    face_webp = encode(face_small, "WEBP", quality=80)
    blank = Image.new("RGB", (320, 240), (120, 170, 230))

    def item(label, expect, build, *, name=None, codes=(), status=None, **extra):
        upload_name = name if name is not None else f"{label}.jpg"
        return CorpusItem(label, upload_name, expect, codes, status, **extra), build

    # Empty and nearly empty.
    # DRF's file field refuses an empty file itself: "invalid" with the reason under fields.file.
    yield item(
        "empty", REJECT, lambda: b"", codes=(*INVALID, "invalid", "file_missing"), status=400
    )
    yield item("one_zero_byte", REJECT, lambda: b"\x00", codes=UNSUPPORTED, status=400)
    yield item("kilobyte_of_zeros", REJECT, lambda: bytes(1024), codes=UNSUPPORTED, status=400)
    yield item("whitespace", REJECT, lambda: b" \n\t " * 64, codes=UNSUPPORTED, status=400)
    yield item("jpeg_magic_only", REJECT, lambda: b"\xff\xd8\xff", codes=INVALID, status=400)
    yield item("png_magic_only", REJECT, lambda: b"\x89PNG\r\n\x1a\n", codes=INVALID, status=400)
    yield item("riff_webp_magic_only", REJECT, lambda: b"RIFF\x00\x00\x00\x00WEBP", codes=INVALID)

    # Truncated files: every cut must be refused, never half-decoded.
    for fraction in (0.02, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9):
        cut = int(len(face_jpeg) * fraction)
        yield item(
            f"truncated_jpeg_{int(fraction * 100):02d}pct",
            REJECT,
            lambda cut=cut: face_jpeg[:cut],
            codes=INVALID,
            status=400,
        )
    for cut in (10, 100, 400):
        yield item(
            f"truncated_jpeg_{cut}_bytes", REJECT, lambda cut=cut: face_jpeg[:cut], codes=INVALID
        )
    for fraction in (0.1, 0.5, 0.9):
        cut = int(len(face_png) * fraction)
        yield item(
            f"truncated_png_{int(fraction * 100)}pct",
            REJECT,
            lambda cut=cut: face_png[:cut],
            codes=INVALID,
            status=400,
            name=f"truncated_{int(fraction * 100)}.png",
        )
    for fraction in (0.3, 0.8):
        cut = int(len(face_webp) * fraction)
        yield item(
            f"truncated_webp_{int(fraction * 100)}pct",
            REJECT,
            lambda cut=cut: face_webp[:cut],
            codes=INVALID,
            status=400,
            name=f"truncated_{int(fraction * 100)}.webp",
        )

    # Corrupt but complete-looking files.
    def flipped(data: bytes, seed: int) -> bytes:
        rng = random.Random(seed)
        out = bytearray(data)
        start = len(out) // 3
        for _ in range(2000):
            out[rng.randrange(start, len(out) - 2)] = rng.randrange(256)
        return bytes(out)

    yield item(
        "png_bad_crc",
        REJECT,
        lambda: face_png[:29] + b"\x00\x00\x00\x00" + face_png[33:],
        codes=INVALID,
        name="bad_crc.png",
    )
    yield item(
        "png_garbled_idat",
        REJECT,
        lambda: flipped(face_png, 3),
        codes=INVALID,
        status=400,
        name="garbled.png",
    )
    yield item(
        "jpeg_magic_then_php",
        REJECT,
        lambda: b"\xff\xd8\xff\xe0<?php system($_GET['c']); ?>",
        codes=INVALID,
        status=400,
    )
    for seed in range(6):
        rng = random.Random(seed)
        prefix = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"")[seed % 3]
        yield item(
            f"random_bytes_{seed}",
            REJECT,
            lambda rng=rng, prefix=prefix: prefix + rng.randbytes(4096),
            codes=UNUSABLE,
            status=400,
        )

    # Size limits: the file (413) and the pixels (400).
    yield item(
        "thirty_megabytes",
        REJECT,
        lambda: b"\xff\xd8\xff\xe0" + os.urandom(30 * MEGABYTE),
        codes=TOO_LARGE_FILE,
        status=413,
    )
    yield item(
        "ten_megabytes_and_one_kilobyte",
        REJECT,
        lambda: face_jpeg + os.urandom(10 * MEGABYTE + 1024 - len(face_jpeg)),
        codes=TOO_LARGE_FILE,
        status=413,
    )
    yield item(
        "jpeg_header_20000x20000",
        REJECT,
        lambda: jpeg_with_header_size(face_jpeg, 20000, 20000),
        codes=TOO_LARGE_IMAGE,
        status=400,
    )
    yield item(
        "jpeg_header_65535x65535",
        REJECT,
        lambda: jpeg_with_header_size(face_jpeg, 65535, 65535),
        codes=TOO_LARGE_IMAGE,
        status=400,
    )
    yield item(
        "jpeg_header_zero_width",
        REJECT,
        lambda: jpeg_with_header_size(face_jpeg, 0, 512),
        codes=INVALID + TOO_LARGE_IMAGE,
        status=400,
    )
    yield item(
        "png_header_20000x20000",
        REJECT,
        lambda: png_with_header_size(face_png, 20000, 20000),
        codes=TOO_LARGE_IMAGE,
        status=400,
        name="huge.png",
    )
    yield item(
        "png_header_2147483647_wide",
        REJECT,
        lambda: png_with_header_size(face_png, 2**31 - 1, 1),
        codes=TOO_LARGE_IMAGE + INVALID,
        status=400,
        name="wide.png",
    )
    yield item(
        "webp_canvas_16384x16384",
        REJECT,
        lambda: webp_vp8x_canvas(16384, 16384),
        codes=TOO_LARGE_IMAGE + INVALID,
        status=400,
        name="canvas.webp",
    )
    # Decompression bombs: tiny files that expand to hundreds of megabytes.
    yield item(
        "png_bomb_1bit_30000x30000",
        REJECT,
        lambda: raw_png(30000, 30000, bit_depth=1, colour_type=0),
        codes=TOO_LARGE_IMAGE,
        status=400,
        name="bomb.png",
    )
    yield item(
        "png_bomb_grey_7000x7000",
        REJECT,
        lambda: raw_png(7000, 7000, bit_depth=8, colour_type=0),
        codes=TOO_LARGE_IMAGE,
        status=400,
        name="bomb_grey.png",
    )
    yield item(
        "png_bomb_rgba_10000x10000",
        REJECT,
        lambda: raw_png(10000, 10000, bit_depth=8, colour_type=6),
        codes=TOO_LARGE_IMAGE,
        status=400,
        name="bomb_rgba.png",
    )
    yield item(
        "png_ztxt_bomb",
        EITHER,
        lambda: raw_png(
            64,
            64,
            bit_depth=8,
            colour_type=2,
            extra_chunks=(
                png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * 50 * MEGABYTE, 9)),
            ),
        ),
        codes=INVALID,
        name="ztxt.png",
    )
    yield item(
        "png_iccp_bomb",
        EITHER,
        lambda: raw_png(
            64,
            64,
            bit_depth=8,
            colour_type=2,
            extra_chunks=(
                png_chunk(b"iCCP", b"icc\x00\x00" + zlib.compress(b"\x00" * 50 * MEGABYTE, 9)),
            ),
        ),
        codes=INVALID,
        name="iccp.png",
    )

    # Not images, or not a format we take, whatever the name says.
    svg = (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(document.cookie)</script></svg>"
    )
    not_images = {
        "svg_named_jpg": svg,
        "php_named_jpg": b"<?php echo shell_exec($_GET['cmd']); ?>",
        "html_named_jpg": b"<!doctype html><script>alert(1)</script>",
        "javascript_named_jpg": b"fetch('/api/user').then(r => r.text()).then(alert)",
        "shell_script_named_jpg": b"#!/bin/sh\nrm -rf / --no-preserve-root\n",
        "xml_xxe_named_jpg": (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
        ),
        "pdf_named_jpg": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
        "zip_named_jpg": b"PK\x03\x04" + bytes(26) + b"PK\x05\x06" + bytes(18),
        "gzip_named_jpg": b"\x1f\x8b\x08\x00" + bytes(64),
        "elf_named_jpg": b"\x7fELF\x02\x01\x01" + bytes(57),
        "windows_exe_named_jpg": b"MZ" + bytes(62) + b"PE\x00\x00",
        "json_named_jpg": b'{"file": "not really"}',
        "gif_php_polyglot": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;<?php phpinfo(); ?>",
    }
    for label, payload in not_images.items():
        yield item(label, REJECT, lambda payload=payload: payload, codes=UNSUPPORTED, status=400)
    yield item(
        "svg_as_image_svg",
        REJECT,
        lambda: svg,
        codes=UNSUPPORTED,
        status=400,
        name="face.svg",
        content_type="image/svg+xml",
    )

    # Real images in formats we do not take.
    frames = [face_small.copy(), face_small.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    other_formats: dict[str, Callable[[], bytes]] = {
        "gif": lambda: encode(face_small, "GIF"),
        "gif_animated": lambda: encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        "tiff_raw": lambda: encode(face_small, "TIFF"),
        "tiff_lzw": lambda: encode(face_small, "TIFF", compression="tiff_lzw"),
        "tiff_packbits": lambda: encode(face_small, "TIFF", compression="packbits"),
        "tiff_jpeg": lambda: encode(face_small, "TIFF", compression="jpeg"),
        "tiff_float": lambda: encode(
            Image.fromarray(np.asarray(face_small.convert("L"), dtype=np.float32)), "TIFF"
        ),
        "bmp": lambda: encode(face_small, "BMP"),
        "ico": lambda: encode(face_small, "ICO"),
        "pcx": lambda: encode(face_small, "PCX"),
        "tga": lambda: encode(face_small, "TGA"),
        "ppm": lambda: encode(face_small, "PPM"),
        "jpeg2000": lambda: encode(face_small, "JPEG2000"),
        "dds": lambda: encode(face_small.convert("RGBA"), "DDS"),
        "qoi": lambda: encode(face_small, "QOI"),
    }
    for label, build in other_formats.items():
        yield item(label, REJECT, build, codes=UNSUPPORTED, status=400)

    # Too small to be a photo.
    yield item(
        "png_1x1",
        REJECT,
        lambda: encode(Image.new("RGB", (1, 1)), "PNG"),
        codes=INVALID,
        status=400,
        name="dot.png",
    )
    yield item(
        "jpeg_15x15",
        REJECT,
        lambda: encode(face.resize((15, 15)), "JPEG"),
        codes=INVALID,
        status=400,
    )

    # Valid photos in unusual shapes: these must be accepted.
    def grey16() -> bytes:
        values = np.asarray(face.convert("L"), dtype=np.uint16) * 257
        return raw_png(
            512,
            512,
            bit_depth=16,
            colour_type=0,
            rows=(row.astype(">u2").tobytes() for row in values),
        )

    def rgb48() -> bytes:
        values = np.asarray(face, dtype=np.uint16) * 257
        return raw_png(
            512,
            512,
            bit_depth=16,
            colour_type=2,
            rows=(row.astype(">u2").tobytes() for row in values),
        )

    def rgba() -> Image.Image:
        image = face.convert("RGBA")
        alpha = Image.new("L", face.size, 0)
        ImageDraw.Draw(alpha).ellipse((20, 0, 500, 512), fill=255)
        image.putalpha(alpha)
        return image

    def cmyk_adobe() -> bytes:
        return encode(face.convert("CMYK"), "JPEG", quality=90)

    def animated_webp() -> bytes:
        return encode(
            face_small, "WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0
        )

    def animated_png() -> bytes:
        return encode(face_small, "PNG", save_all=True, append_images=frames[1:], duration=100)

    unusual: dict[str, tuple[str, Callable[[], bytes], bool]] = {
        # label: (upload name, builder, has a face the engine should find)
        "greyscale_jpeg": ("grey.jpg", lambda: encode(face.convert("L"), "JPEG"), True),
        "greyscale_png": ("grey.png", lambda: encode(face.convert("L"), "PNG"), True),
        "greyscale_alpha_png": ("grey_alpha.png", lambda: encode(face.convert("LA"), "PNG"), True),
        "rgba_png": ("alpha.png", lambda: encode(rgba(), "PNG"), True),
        "rgba_webp": ("alpha.webp", lambda: encode(rgba(), "WEBP", quality=85), True),
        "cmyk_jpeg": ("cmyk.jpg", cmyk_adobe, True),
        "sixteen_bit_grey_png": ("grey16.png", grey16, True),
        "sixteen_bit_rgb_png": ("rgb48.png", rgb48, True),
        "palette_png": ("palette.png", lambda: encode(face.convert("P"), "PNG"), True),
        "palette_transparent_png": (
            "palette_t.png",
            lambda: encode(face.convert("P"), "PNG", transparency=0),
            False,
        ),
        "one_bit_png": ("bilevel.png", lambda: encode(face.convert("1"), "PNG"), False),
        "progressive_jpeg": (
            "progressive.jpg",
            lambda: encode(face, "JPEG", progressive=True, quality=85),
            True,
        ),
        "interlaced_png": (
            "interlaced.png",
            lambda: encode(face_small, "PNG", interlace=1),
            False,
        ),
        "lossless_webp": ("lossless.webp", lambda: encode(face, "WEBP", lossless=True), True),
        "animated_webp": ("animated.webp", animated_webp, False),
        "animated_png": ("animated.png", animated_png, False),
        "jpeg_with_icc_profile": (
            "icc.jpg",
            lambda: encode(face, "JPEG", icc_profile=b"\x00" * 3000),
            False,
        ),
        "jpeg_with_gps_exif": (
            "gps.jpg",
            lambda: encode(
                face,
                "JPEG",
                exif=exif_bytes(
                    {
                        0x010F: "Spy Camera",
                        0x0131: "secret-software",
                        0x8825: {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 1.0)},
                    }
                ),
            ),
            False,
        ),
        "jpeg_with_64k_comment": (
            "comment.jpg",
            lambda: jpeg_with_app_segment(face_jpeg, 0xFE, b"C" * 65000),
            False,
        ),
        "jpeg_with_zip_appended": (
            "polyglot.jpg",
            lambda: face_jpeg + b"PK\x03\x04<?php system($_GET['c']); ?>" + bytes(512),
            False,
        ),
        "png_with_php_text_chunk": (
            "text.png",
            lambda: raw_png(
                64,
                64,
                bit_depth=8,
                colour_type=2,
                extra_chunks=(png_chunk(b"tEXt", b"Comment\x00<?php phpinfo(); ?>"),),
            ),
            False,
        ),
        "png_claiming_jpeg_type": ("face.jpg", lambda: face_png, False),
        "jpeg_named_exe": ("face.exe", lambda: face_jpeg, False),
        "jpeg_16x16": ("tiny.jpg", lambda: encode(face.resize((16, 16)), "JPEG"), False),
        "panorama_8000x20": (
            "strip.png",
            lambda: encode(Image.new("RGB", (8000, 20)), "PNG"),
            False,
        ),
        "blank_no_face": ("sky.jpg", lambda: encode(blank, "JPEG"), False),
    }
    for label, (name, build, has_face) in unusual.items():
        yield item(label, ACCEPT, build, name=name, has_face=has_face)
    # EXIF orientation: every legal value, and illegal ones that must be ignored.
    for orientation in (1, 2, 3, 4, 5, 6, 7, 8, 0, 9, 65535):
        yield item(
            f"exif_orientation_{orientation}",
            ACCEPT,
            lambda orientation=orientation: encode(
                face, "JPEG", exif=exif_bytes({0x0112: orientation})
            ),
            has_face=orientation in (1, 0, 9, 65535),
        )

    # Hostile file names on a valid photo: the parser may drop the part ("file_missing") or
    # refuse the request ("parse_error"), but the name must never reach the storage.
    hostile_names = {
        "name_dot_dot_slash": "../../../../etc/passwd",
        "name_dot_dot_jpg": "../../outside.jpg",
        "name_backslashes": "..\\..\\windows\\win.ini",
        "name_absolute": "/etc/shadow",
        "name_nul_php": "photo\x00.php",
        "name_nul_only": "\x00",
        "name_dot_dot": "..",
        "name_empty": "",
        "name_crlf_header": "a.jpg\r\nContent-Type: text/html",
        "name_very_long": "a" * 1000 + ".jpg",
        "name_double_extension": "photo.jpg.php",
        "name_htaccess": ".htaccess",
        "name_windows_device": "CON.jpg",
        "name_unicode_rtl": "photo\u202egpj.exe",
        "name_non_latin": "фото-写真.jpg",
        "name_html": "<img src=x onerror=alert(1)>.jpg",
        "name_percent_encoded": "%2e%2e%2f%2e%2e%2fpwn.jpg",
        "name_shell": "$(reboot);`id`.jpg",
        "name_quotes": 'a".jpg',
    }
    for label, name in hostile_names.items():
        yield item(
            label, EITHER, lambda: face_jpeg, name=name, codes=("file_missing", "parse_error")
        )


def build_corpus(directory: Path | str) -> list[CorpusItem]:
    """Write every file of the corpus into ``directory`` and return the manifest."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    manifest: list[CorpusItem] = []
    for entry, build in _items():
        path = directory / f"{len(manifest):03d}_{entry.label}.bin"
        path.write_bytes(build())
        manifest.append(CorpusItem(**{**asdict(entry), "file": str(path)}))
    labels = [entry.label for entry in manifest]
    assert len(labels) == len(set(labels)), "corpus labels must be unique"
    (directory / "manifest.json").write_text(
        json.dumps([asdict(entry) for entry in manifest], indent=1)
    )
    return manifest


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    manifest = build_corpus(argv[1])
    counts = {kind: sum(entry.expect == kind for entry in manifest) for kind in (REJECT, ACCEPT)}
    print(
        f"{len(manifest)} files in {argv[1]}: {counts[REJECT]} to reject, "
        f"{counts[ACCEPT]} to accept, {len(manifest) - sum(counts.values())} either way"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
