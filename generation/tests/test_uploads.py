"""Upload validation: size, type by content, bombs, corruption, orientation, metadata."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from generation import storage, uploads
from tests.support import encode


def _exif_with_gps_and_orientation(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "SecretCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (55.0, 45.0, 21.0)
    gps[3] = "E"
    gps[4] = (37.0, 37.0, 4.0)
    return exif


def test_it_accepts_a_jpeg_and_returns_clean_rgb_pixels(astronaut_jpeg):
    clean = uploads.sanitize_image_bytes(astronaut_jpeg)

    assert clean.image.mode == "RGB"
    assert (clean.width, clean.height) == (512, 512)
    assert Image.open(io.BytesIO(clean.data)).format == "JPEG"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_it_accepts_png_and_webp_identified_by_content(fmt, astronaut_array):
    data = encode(Image.fromarray(astronaut_array), fmt)

    assert uploads.sniff_format(data[:16]) == fmt
    assert Image.open(io.BytesIO(uploads.sanitize_image_bytes(data).data)).format == "JPEG"


def test_it_identifies_the_format_from_the_bytes_not_the_name(upload, astronaut_array):
    png = encode(Image.fromarray(astronaut_array), "PNG")

    assert uploads.sniff_format(png[:16]) == "PNG"
    assert uploads.sanitize_upload(upload(png, "x.jpg")).width == 512


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a" + b"\x00" * 100,
        b"%PDF-1.7 not an image at all",
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
    ],
    ids=["gif", "pdf", "svg"],
)
def test_it_rejects_other_formats_even_when_named_like_a_photo(upload, data):
    with pytest.raises(uploads.UnsupportedFormat) as caught:
        uploads.sanitize_upload(upload(data, "portrait.jpg"))

    assert caught.value.code == "unsupported_format"
    assert caught.value.status == 400


def test_it_rejects_a_gif_even_though_pillow_could_read_it():
    gif = encode(Image.new("RGB", (64, 64), (0, 0, 0)), "GIF")

    with pytest.raises(uploads.UnsupportedFormat):
        uploads.sanitize_image_bytes(gif)


def test_it_rejects_files_over_ten_megabytes_with_413(upload, settings):
    settings.LIGHTSB_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(uploads.FileTooLarge) as caught:
        uploads.sanitize_upload(upload(b"\xff\xd8\xff" + b"0" * 2000))

    assert caught.value.status == 413
    assert caught.value.code == "file_too_large"


def test_it_rejects_an_oversized_request_from_its_content_length_header():
    with pytest.raises(uploads.FileTooLarge):
        uploads.check_content_length(str(11 * 1024 * 1024))
    uploads.check_content_length(str(5 * 1024 * 1024))  # fine
    uploads.check_content_length("not a number")  # ignored; the body check still applies


def test_it_rejects_images_over_forty_megapixels_before_decoding_them(settings):
    settings.GENERATION_MAX_PIXELS = 100 * 100
    data = encode(Image.new("RGB", (101, 100)), "PNG")

    with pytest.raises(uploads.ImageTooLarge) as caught:
        uploads.sanitize_image_bytes(data)

    assert caught.value.code == "image_too_large"
    assert "megapixels" in caught.value.message


def _png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas (a decompression bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
        )

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_it_rejects_a_decompression_bomb_with_400():
    bomb = _png_header_claiming(50_000, 50_000)  # 2.5 gigapixels in a few hundred bytes

    with pytest.raises(uploads.ImageTooLarge) as caught:
        uploads.sanitize_image_bytes(bomb)

    assert caught.value.status == 400
    assert len(bomb) < 2000


def test_it_rejects_a_truncated_jpeg_with_a_clear_message(astronaut_jpeg):
    with pytest.raises(uploads.InvalidImageFile) as caught:
        uploads.sanitize_image_bytes(astronaut_jpeg[: len(astronaut_jpeg) // 2])

    assert caught.value.code == "invalid_image"
    assert "damaged" in caught.value.message


def test_it_rejects_a_corrupt_png():
    corrupt = _png_header_claiming(64, 64)[:-20] + b"garbage!" * 3

    with pytest.raises(uploads.InvalidImageFile):
        uploads.sanitize_image_bytes(corrupt)


def test_it_rejects_an_empty_file_and_a_missing_file(upload):
    with pytest.raises(uploads.InvalidImageFile):
        uploads.sanitize_upload(upload(b""))
    with pytest.raises(uploads.FileMissing) as caught:
        uploads.sanitize_upload(None)
    assert caught.value.code == "file_missing"


def test_it_applies_the_exif_orientation_to_the_pixels():
    # Left half red, right half blue, 200x100; orientation 6 means "rotate 90° clockwise".
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (100, 0, 200, 100))
    data = encode(image, "JPEG", exif=_exif_with_gps_and_orientation(6), quality=95)

    clean = uploads.sanitize_image_bytes(data)

    assert (clean.width, clean.height) == (100, 200)
    top = clean.image.getpixel((50, 20))
    bottom = clean.image.getpixel((50, 180))
    assert top[0] > 200 and top[2] < 60  # red now on top
    assert bottom[2] > 200 and bottom[0] < 60  # blue below


def test_it_strips_all_metadata_including_gps(astronaut_array):
    source = Image.fromarray(astronaut_array)
    data = encode(
        source,
        "JPEG",
        exif=_exif_with_gps_and_orientation(1),
        icc_profile=b"\x00" * 128,
        comment=b"taken at home",
    )
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the original has GPS

    stored = Image.open(io.BytesIO(uploads.sanitize_image_bytes(data).data))

    assert len(stored.getexif()) == 0
    assert not stored.getexif().get_ifd(0x8825)
    assert "icc_profile" not in stored.info
    assert "comment" not in stored.info
    assert b"SecretCam" not in uploads.sanitize_image_bytes(data).data


def test_it_flattens_transparency_onto_white():
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    clean = uploads.sanitize_image_bytes(encode(image, "PNG"))

    assert clean.image.getpixel((10, 10)) == (255, 255, 255)


def test_it_reads_sixteen_bit_greyscale_png():
    image = Image.new("I;16", (64, 64), 65535)
    clean = uploads.sanitize_image_bytes(encode(image, "PNG"))

    assert clean.image.mode == "RGB"
    assert clean.image.getpixel((5, 5))[0] > 240


def test_it_rejects_a_picture_too_small_to_hold_a_face():
    with pytest.raises(uploads.InvalidImageFile):
        uploads.sanitize_image_bytes(encode(Image.new("RGB", (8, 8)), "PNG"))


def test_storage_names_are_random_and_under_the_owners_prefix():
    first = storage.storage_name(owner_id="abc", generation_id="g1", kind="input")
    second = storage.storage_name(owner_id="abc", generation_id="g1", kind="input")

    assert first.startswith("generations/abc/g1/input-")
    assert first != second
