"""Images at rest are encrypted with a per-person data key wrapped by the master key."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command

from generation import encryption, storage
from generation.models import MediaKey

pytestmark = pytest.mark.django_db

JPEG_START = b"\xff\xd8\xff"


def stored_names(generation) -> list[str]:
    names = [generation.input_image, generation.thumbnail]
    for result in generation.results.all():
        names += [result.composite, result.crop]
    names += [frame.image for frame in generation.journey.all()]
    return [name for name in names if name]


def test_files_on_local_disk_are_ciphertext_and_read_back_as_jpeg(
    make_generation, user, media_root
):
    generation = make_generation(owner=user, run=True)

    names = stored_names(generation)
    assert len(names) >= 4
    for name in names:
        raw = (media_root / name).read_bytes()
        assert not raw.startswith(JPEG_START)
        assert raw.startswith(encryption.MAGIC)
        assert storage.read(name)[:3] == JPEG_START


def test_a_file_moved_under_another_persons_prefix_does_not_decrypt(
    make_generation, user, other_user, media_root
):
    generation = make_generation(owner=user)
    encryption.data_key(owner_id=other_user.pk, create=True)
    stolen = f"generations/{other_user.pk}/x/input-copy.jpg"
    (media_root / stolen).parent.mkdir(parents=True)
    (media_root / stolen).write_bytes((media_root / generation.input_image).read_bytes())

    with pytest.raises(FileNotFoundError):
        storage.read(stolen)


def test_a_destroyed_key_makes_a_leftover_copy_unreadable(make_generation, user, media_root):
    generation = make_generation(owner=user)
    leftover = (media_root / generation.input_image).read_bytes()

    encryption.media_key_destroy(owner_id=user.pk)
    (media_root / generation.input_image).write_bytes(leftover)

    with pytest.raises(FileNotFoundError):
        storage.read(generation.input_image)


def test_deleting_the_account_destroys_its_key(make_generation, user):
    from accounts.services import user_delete

    make_generation(owner=user)
    assert MediaKey.objects.filter(owner=user).exists()
    user_pk = user.pk

    user_delete(user=user)

    assert not MediaKey.objects.filter(owner_id=user_pk).exists()


def test_rotation_rewraps_keys_and_keeps_every_image_readable(
    make_generation, user, other_user, settings, media_root
):
    first = make_generation(owner=user, run=True)
    second = make_generation(owner=other_user)
    before = {name: (media_root / name).read_bytes() for name in stored_names(first)}
    wrapped_before = bytes(MediaKey.objects.get(owner=user).wrapped_key)
    old_master = settings.MEDIA_MASTER_KEYS[0]
    settings.MEDIA_MASTER_KEYS = [os.urandom(32), old_master]

    call_command("rotate_media_keys")

    assert bytes(MediaKey.objects.get(owner=user).wrapped_key) != wrapped_before
    settings.MEDIA_MASTER_KEYS = settings.MEDIA_MASTER_KEYS[:1]  # the old key is retired
    for name in stored_names(first) + stored_names(second):
        assert storage.read(name)[:3] == JPEG_START
    # Files were not re-encrypted.
    assert all((media_root / name).read_bytes() == raw for name, raw in before.items())


def test_without_the_master_key_a_data_key_cannot_be_unwrapped(make_generation, user, settings):
    generation = make_generation(owner=user)
    settings.MEDIA_MASTER_KEYS = [os.urandom(32)]

    with pytest.raises(FileNotFoundError):
        storage.read(generation.input_image)
