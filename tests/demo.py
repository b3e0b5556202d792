"""Demo content for the accessibility suite and docs/make_screenshots.py: a member with a
profile, a finished generation of a public-domain portrait, a failed one, a batch of three
crops of the portrait, a share link, an API key and a staff member. Everything goes through
the real services.

The portrait is scikit-image's astronaut (Eileen Collins, NASA, public domain); never a photo
from a face data set.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image

from tests.support import encode

DEMO_PASSWORD = "correct-horse-battery-42"


@dataclass(frozen=True)
class Demo:
    member: object  # accounts.models.User (imported lazily: this module loads before Django)
    staff: object
    generation_id: str
    failed_generation_id: str
    batch_id: str
    share_token: str
    reset_uidb64: str
    reset_token: str


def astronaut_jpeg() -> bytes:
    from skimage import data

    return encode(Image.fromarray(data.astronaut()), "JPEG", quality=92)


def _finished(generation_id) -> None:
    """Run the job here unless the task backend already ran it on commit."""
    from generation.models import Generation, Status
    from generation.services import generation_run

    generation_run(generation_id=generation_id)
    generation = Generation.objects.get(pk=generation_id)
    assert generation.status in (Status.SUCCEEDED, Status.FAILED), generation.status


def demo_create(*, username: str = "ada", staff_username: str = "grace") -> Demo:
    """Create the demo people and their content; returns what the pages need in their URLs."""
    from django.contrib.auth.tokens import default_token_generator

    from accounts.services import profile_update, user_register, user_set_role
    from generation.services import batch_create, generation_create, share_link_create
    from integrations.scopes import ALL_SCOPES
    from integrations.services import api_key_create

    member = user_register(
        username=username, email=f"{username}@example.com", password=DEMO_PASSWORD
    )
    profile_update(
        user=member,
        data={
            "full_name": "Ada Lovelace",
            "position": "Analyst",
            "date_of_birth": datetime.date(1990, 12, 10),
        },
    )
    staff = user_register(
        username=staff_username, email=f"{staff_username}@example.com", password=DEMO_PASSWORD
    )
    user_set_role(user=staff, role="staff")

    generation, _ = generation_create(
        owner=member,
        upload=SimpleUploadedFile("astronaut.jpg", astronaut_jpeg(), content_type="image/jpeg"),
        direction="adult_to_child",
        variants=3,
        seed=7,
        journey_frames=4,
    )
    _finished(generation.pk)
    blank = encode(Image.new("RGB", (320, 240), (120, 170, 230)), "JPEG")
    failed, _ = generation_create(
        owner=member,
        upload=SimpleUploadedFile("sky.jpg", blank, content_type="image/jpeg"),
        direction="female_to_male",
        variants=1,
    )
    _finished(failed.pk)
    portrait = Image.open(io.BytesIO(astronaut_jpeg()))
    batch, _ = batch_create(
        owner=member,
        files=[
            SimpleUploadedFile(name, encode(image, "JPEG"), content_type="image/jpeg")
            for name, image in (
                ("astronaut.jpg", portrait),
                ("astronaut-cropped.jpg", portrait.crop((64, 0, 448, 384))),
                ("astronaut-small.jpg", portrait.resize((464, 464))),
            )
        ],
        direction="adult_to_child",
        variants=1,
        seed=7,
    )
    for job in batch.generations.all():
        _finished(job.pk)
    _, share_token = share_link_create(owner=member, generation_id=generation.pk, with_before=True)
    api_key_create(owner=member, name="Photo booth", scopes=list(ALL_SCOPES))
    return Demo(
        member=member,
        staff=staff,
        generation_id=str(generation.pk),
        failed_generation_id=str(failed.pk),
        batch_id=str(batch.pk),
        share_token=share_token,
        reset_uidb64=urlsafe_base64_encode(force_bytes(member.pk)),
        reset_token=default_token_generator.make_token(member),
    )
