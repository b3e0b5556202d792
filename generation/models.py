"""Generation jobs and their outputs.

A ``Generation`` is one request to translate one portrait; it is executed by a background task
(claimed by exactly one worker through a conditional UPDATE) and produces one
``GenerationResult`` per variant plus optional ``JourneyFrame`` rows. Files live in Django's
default storage under a per-user prefix; rows only hold their names.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from generation.limits import (
    DEFAULT_STRENGTH,
    DEFAULT_VARIANTS,
    DEFAULT_VARIATION,
    MAX_VARIANTS,
    MAX_VARIATION,
)


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


FINISHED_STATUSES = (Status.SUCCEEDED, Status.FAILED, Status.CANCELED)


class Stage(models.TextChoices):
    """Where a job is; the labels are what the generator page shows (it keeps no copy)."""

    NONE = "", "Waiting for a free worker"
    STARTING = "starting", "Starting"
    # The engine's own stages, reported through its progress callback.
    DETECT = "detect", "Finding faces"
    ALIGN = "align", "Aligning faces"
    ENCODE = "encode", "Encoding"
    TRANSPORT = "transport", "Translating"
    DECODE = "decode", "Decoding"
    COMPOSITE = "composite", "Pasting into your photo"
    SAVING = "saving", "Saving the results"
    # Terminal: "done" is also the engine's last progress report before saving.
    DONE = "done", "Finishing"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


def stage_label(stage: str) -> str:
    """The label of a stage name, also of one a newer engine reports and we do not know yet."""
    try:
        return str(Stage(stage).label)
    except ValueError:
        return "Working"


class Direction(models.TextChoices):
    # The values are generation.ml.limits.DIRECTIONS (a test keeps them equal); the labels are
    # the service's.
    ADULT_TO_CHILD = "adult_to_child", "Adult → child"
    CHILD_TO_ADULT = "child_to_adult", "Child → adult"
    MALE_TO_FEMALE = "male_to_female", "Male → female"
    FEMALE_TO_MALE = "female_to_male", "Female → male"


class Batch(models.Model):
    """Several photos sent at once with the same settings; each became its own Generation.

    ``file_names`` holds the names the photos had on the person's device, by position (the
    jobs' ``batch_position``); ``rejected`` the photos that were refused, with why
    (``{"file_name", "code", "message"}``), so the batch page can say which file failed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="batches"
    )
    direction = models.CharField(max_length=20, choices=Direction.choices)
    file_names = models.JSONField(default=list, blank=True)
    rejected = models.JSONField(default=list, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "batches"
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="batch_idempotency_key_unique_per_owner",
            )
        ]

    def __str__(self) -> str:
        return f"batch of {len(self.file_names)} · {self.id}"


def web_copy_names(copies: dict[str, str] | None) -> list[str]:
    """The storage names in a ``{"<width>": name}`` map of web-sized copies."""
    return [name for name in (copies or {}).values() if isinstance(name, str) and name]


def web_copy_name(copies: dict[str, str] | None, width: int) -> str:
    """The stored copy of exactly this width, or "" when there is none."""
    name = (copies or {}).get(str(width), "")
    return name if isinstance(name, str) else ""


class Generation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations"
    )
    # Set when the photo came in a batch; deleting the batch's other jobs leaves this one alone.
    batch = models.ForeignKey(
        Batch, on_delete=models.SET_NULL, null=True, blank=True, related_name="generations"
    )
    batch_position = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)

    # What was asked for.
    direction = models.CharField(max_length=20, choices=Direction.choices)
    variants = models.PositiveSmallIntegerField(
        default=DEFAULT_VARIANTS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_VARIANTS)],
    )
    strength = models.FloatField(
        default=DEFAULT_STRENGTH, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    variation = models.FloatField(
        default=DEFAULT_VARIATION,
        validators=[MinValueValidator(0.0), MaxValueValidator(MAX_VARIATION)],
        help_text="How far variants spread (1 = the bridge's own spread).",
    )
    seed = models.BigIntegerField(
        null=True, blank=True, help_text="Requested seed; empty = random."
    )
    face_index = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Only this face (0 = largest); empty = every face."
    )
    journey_frames = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")

    # The sanitised input (EXIF orientation applied, metadata stripped) and a small preview.
    input_image = models.CharField(max_length=255)
    input_width = models.PositiveIntegerField(default=0)
    input_height = models.PositiveIntegerField(default=0)
    thumbnail = models.CharField(max_length=255, blank=True)
    # WebP copies of the input for pages, ``{"<width>": storage name}`` (see web_copy_names).
    input_web_copies = models.JSONField(default=dict, blank=True)

    # What happened.
    seed_used = models.BigIntegerField(null=True, blank=True)
    model_version = models.CharField(max_length=40, blank=True)
    # The engine's advice when the face already looks like the target (see direction_hint).
    hint = models.JSONField(default=dict, blank=True)
    journey_animation = models.CharField(max_length=255, blank=True)
    # The same animation as a GIF, made from the WebP on its first download (not every
    # viewer plays an animated WebP).
    journey_gif = models.CharField(max_length=255, blank=True)
    # The input's close-up of the face the results' crops show, cut from the same square, so
    # the result page can wipe between them.
    before_crop = models.CharField(max_length=255, blank=True)
    faces_found = models.PositiveSmallIntegerField(null=True, blank=True)
    faces = models.JSONField(default=list, blank=True)
    stage = models.CharField(max_length=20, blank=True)  # a Stage value
    percent = models.PositiveSmallIntegerField(default=0)
    timings = models.JSONField(default=dict, blank=True)
    processing_seconds = models.FloatField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # Execution bookkeeping: who runs it, until when its lease holds, how often it was tried.
    attempts = models.PositiveSmallIntegerField(default=0)
    worker_id = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="generation_idempotency_key_unique_per_owner",
            ),
            models.CheckConstraint(
                condition=Q(variants__gte=1, variants__lte=MAX_VARIANTS),
                name="generation_variants_in_range",
            ),
            models.CheckConstraint(
                condition=Q(strength__gte=0.0, strength__lte=1.0),
                name="generation_strength_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="generation_owner_created"),
            models.Index(fields=["status", "lease_expires_at"], name="generation_status_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} · {self.status} · {self.id}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def stage_label(self) -> str:
        return stage_label(self.stage)

    @property
    def is_active(self) -> bool:
        return self.status in (Status.QUEUED, Status.RUNNING)

    def file_names(self) -> list[str]:
        """Every storage name this job owns (input, thumbnail, results, frames)."""
        names = [
            self.input_image,
            self.thumbnail,
            self.journey_animation,
            self.journey_gif,
            self.before_crop,
        ]
        names.extend(web_copy_names(self.input_web_copies))
        for result in self.results.all():
            names.extend([result.composite, result.crop])
            names.extend(web_copy_names(result.web_copies))
        names.extend(frame.image for frame in self.journey.all())
        return [name for name in names if name]


class GenerationResult(models.Model):
    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="results")
    variant_index = models.PositiveSmallIntegerField()
    # The face whose crop is stored (the chosen face, or the largest); the composite has every
    # selected face replaced.
    face_index = models.PositiveSmallIntegerField(default=0)
    seed = models.BigIntegerField()
    composite = models.CharField(max_length=255)
    crop = models.CharField(max_length=255, blank=True)
    # WebP copies of the composite for pages, ``{"<width>": storage name}``; empty on results
    # stored before they existed (pages then show the full image).
    web_copies = models.JSONField(default=dict, blank=True)
    # The composite's size (the engine may return a large photo smaller); 0 = not recorded.
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["variant_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "variant_index"], name="generation_result_unique_variant"
            )
        ]

    def __str__(self) -> str:
        return f"Variant {self.variant_index} of {self.generation_id}"

    @property
    def display_size(self) -> tuple[int, int]:
        """The composite's size, or the photo's for results that did not record it."""
        if self.width and self.height:
            return self.width, self.height
        return self.generation.input_width, self.generation.input_height

    @property
    def display_width(self) -> int:
        return self.display_size[0]

    @property
    def display_height(self) -> int:
        return self.display_size[1]

    @property
    def variant_label(self) -> str:
        """How pages name it (counting from 1)."""
        return f"Variant {self.variant_index + 1}"


class JourneyFrame(models.Model):
    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="journey")
    index = models.PositiveSmallIntegerField()
    image = models.CharField(max_length=255)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "index"], name="journey_frame_unique")
        ]

    def __str__(self) -> str:
        return f"Frame {self.index} of {self.generation_id}"


class MediaKey(models.Model):
    """One person's data key for their stored images, wrapped by the master key.

    Deleting this row makes every file of that person unreadable, copies included.
    """

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="media_key"
    )
    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"media key of {self.owner_id}"


class ShareLink(models.Model):
    """A public link to one result (or the before/after pair) of a generation.

    Only a SHA-256 of the token is stored; the token itself is shown to the owner once.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)
    variant_index = models.PositiveSmallIntegerField(default=0)
    with_before = models.BooleanField(
        default=False, help_text="Show the original photo beside the result."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"share link {self.pk} of {self.generation_id}"
