"""Web-sized copies: WebP at display widths, encrypted, served with srcset, gone with the job."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from PIL import Image

from generation import storage
from generation.images import make_web_copies
from generation.models import Generation, GenerationResult
from tests.support import encode, stored_files

pytestmark = pytest.mark.django_db

LARGE_WIDTH, LARGE_HEIGHT = 1400, 1260


@pytest.fixture(scope="module")
def large_photo(astronaut_array) -> bytes:
    """The astronaut upscaled past both display widths, not square (the aspect must hold)."""
    picture = Image.fromarray(astronaut_array).resize((LARGE_WIDTH, LARGE_HEIGHT))
    return encode(picture, "JPEG", quality=90)


@pytest.fixture
def large_generation(make_generation, user, large_photo):
    return make_generation(owner=user, photo=large_photo, variants=1, run=True)


def picture(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_copies_are_never_upscaled_and_keep_the_aspect():
    assert make_web_copies(Image.new("RGB", (512, 300))) == {}
    only_small = make_web_copies(Image.new("RGB", (800, 600)))
    assert list(only_small) == [512]
    assert picture(only_small[512]).size == (512, 384)
    both = make_web_copies(Image.new("RGB", (3000, 2000)))
    assert {width: picture(data).size for width, data in both.items()} == {
        1024: (1024, 683),
        512: (512, 341),
    }
    assert all(picture(data).format == "WEBP" for data in both.values())


def test_a_stored_result_gets_encrypted_webp_copies_of_it_and_of_the_input(
    large_generation, media_root
):
    result = large_generation.results.get()
    for copies in (result.web_copies, large_generation.input_web_copies):
        assert set(copies) == {"512", "1024"}
        for width, name in copies.items():
            on_disk = (media_root / name).read_bytes()
            assert b"WEBP" not in on_disk[:16]  # ciphertext at rest
            plain = picture(storage.read(name))
            assert plain.format == "WEBP"
            assert plain.width == int(width)
            assert plain.height == round(LARGE_HEIGHT * int(width) / LARGE_WIDTH)


def test_a_page_asks_for_a_copy_with_w_and_it_is_cached_like_any_image(
    large_generation, auth_client
):
    url = f"/generate/{large_generation.pk}/image/composite/0/"

    small = auth_client.get(url + "?w=512")

    assert small.status_code == 200
    assert small["Content-Type"] == "image/webp"
    assert small["Cache-Control"] == "private, max-age=31536000, immutable"
    assert picture(body(small)).width == 512
    assert small["ETag"] != auth_client.get(url)["ETag"]
    again = auth_client.get(url + "?w=512", HTTP_IF_NONE_MATCH=small["ETag"])
    assert again.status_code == 304
    assert (
        picture(body(auth_client.get(url.replace("composite/0", "input") + "?w=1024"))).width
        == 1024
    )


def test_downloads_stay_full_size_jpeg_and_unknown_widths_are_404(large_generation, auth_client):
    url = f"/generate/{large_generation.pk}/image/composite/0/"

    download = auth_client.get(url + "?w=512&download=1")

    assert download["Content-Type"] == "image/jpeg"
    assert picture(body(download)).size == (LARGE_WIDTH, LARGE_HEIGHT)
    assert auth_client.get(url + "?w=300").status_code == 404
    assert auth_client.get(url + "?w=abc").status_code == 404


def test_another_person_cannot_fetch_a_copy(large_generation, other_user, client):
    client.force_login(other_user)
    url = f"/generate/{large_generation.pk}/image/composite/0/?w=512"
    assert client.get(url).status_code == 404


def test_the_result_page_offers_the_copies_in_srcset(large_generation, auth_client):
    html = auth_client.get(f"/generate/{large_generation.pk}/").content.decode()
    base = f"/generate/{large_generation.pk}/image/composite/0/"

    srcset = f"{base}?w=512 512w, {base}?w=1024 1024w, {base} {LARGE_WIDTH}w"
    assert f'srcset="{srcset}"' in html
    assert f'data-compare-srcset="{srcset}"' in html
    compare_after = re.search(r'<img [^>]*id="compare-after"[^>]*>', html).group(0)
    assert 'loading="lazy"' not in compare_after  # the first picture loads at once
    assert f'width="{LARGE_WIDTH}" height="{LARGE_HEIGHT}"' in compare_after
    variant = re.search(r'<a [^>]*class="variant-link"[^>]*>\s*(<img [^>]*>)', html).group(1)
    assert 'loading="lazy"' in variant and 'decoding="async"' in variant
    assert f'href="{base}?download=1"' in html  # the download is the full image


def test_the_history_offers_the_small_copy_on_dense_screens(large_generation, auth_client):
    html = auth_client.get("/generate/history/").content.decode()
    base = f"/generate/{large_generation.pk}/image"
    assert f'srcset="{base}/thumbnail/ 320w, {base}/composite/0/?w=512 512w"' in html


def test_a_result_stored_before_copies_existed_still_shows_in_full(large_generation, auth_client):
    result = large_generation.results.get()
    storage.delete_files(result.web_copies.values())
    GenerationResult.objects.filter(pk=result.pk).update(web_copies={})

    html = auth_client.get(f"/generate/{large_generation.pk}/").content.decode()
    response = auth_client.get(f"/generate/{large_generation.pk}/image/composite/0/?w=512")

    assert "composite/0/?w=512" not in html
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_the_backfill_command_stores_the_missing_copies(large_generation, media_root, capsys):
    result = large_generation.results.get()
    storage.delete_files([*result.web_copies.values(), *large_generation.input_web_copies.values()])
    GenerationResult.objects.filter(pk=result.pk).update(web_copies={})
    Generation.objects.filter(pk=large_generation.pk).update(input_web_copies={})
    before = len(stored_files(media_root))

    call_command("make_web_copies")

    assert "stored 4 web copies" in capsys.readouterr().out
    assert len(stored_files(media_root)) == before + 4
    result.refresh_from_db()
    assert picture(storage.read(result.web_copies["1024"])).width == 1024
    call_command("make_web_copies")
    assert "stored 0 web copies" in capsys.readouterr().out


def test_deleting_the_generation_deletes_its_copies(
    large_generation, auth_client, media_root, django_capture_on_commit_callbacks
):
    assert len(stored_files(media_root)) >= 2 + 2 + 2  # input and result, each with 2 copies

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(f"/generate/{large_generation.pk}/delete/")

    assert response.status_code == 302
    assert stored_files(media_root) == []


def test_the_share_page_offers_the_copies_too(large_generation, auth_api_client, client):
    created = auth_api_client.post(
        f"/api/generations/{large_generation.pk}/share-links", {"with_before": True}, format="json"
    ).json()
    page_path = created["url"][created["url"].index("/s/") :]

    html = client.get(page_path).content.decode()
    small = client.get(page_path + "image/after/?w=512")

    assert f'srcset="{page_path}image/after/?w=512 512w' in html
    assert f"{page_path}image/before/?w=1024 1024w" in html
    assert small["Content-Type"] == "image/webp"
    assert picture(body(small)).width == 512
