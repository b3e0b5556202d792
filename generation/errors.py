"""Domain errors of the generation app (each with a stable ``code``) and the advice shown
next to a failed job. Imports nothing from the rest of the app, so every module may use it."""

from __future__ import annotations

from typing import Any

from lightsb_site.api_errors import DomainError


class InvalidGenerationParameters(DomainError):
    code = "invalid_parameters"
    status = 400
    message = "Some settings of the request are not valid."


class DailyLimitReached(DomainError):
    code = "daily_limit_reached"
    status = 429
    message = "You have reached today's limit of generations. Try again later."


class IdempotencyKeyReused(DomainError):
    """An ``Idempotency-Key`` sent again with a different photo or different settings."""

    code = "idempotency_key_reused"
    status = 409
    message = (
        "This Idempotency-Key was already used for a different request (another photo or other "
        "settings). Use a new key for a new job."
    )


class GenerationNotCancelable(DomainError):
    code = "not_cancelable"
    status = 409
    message = "This generation has already finished, so it can no longer be canceled."


class GenerationGone(DomainError):
    """The job (or its owner's account) was deleted while this request was working on it."""

    code = "not_found"
    status = 404
    message = "This generation no longer exists; it was deleted."


class JobTooLarge(DomainError):
    """Photo pixels x (variants + journey frames) over GENERATION_MAX_JOB_PIXELS."""

    code = "job_too_large"
    status = 400
    message = "This job asks for too much work at once."


class BatchTooLarge(DomainError):
    """More photos in one batch than GENERATION_BATCH_MAX."""

    code = "too_many_photos"
    status = 400
    message = "Too many photos at once."


class BatchNothingUsable(DomainError):
    """Every photo of a batch was refused; ``fields["file"]`` says why, one line per file."""

    code = "no_usable_photo"
    status = 400
    message = "None of the chosen photos could be used."


class GenerationNotReady(DomainError):
    code = "not_ready"
    status = 409
    message = "This generation has no results yet."


class StorageUnavailable(DomainError):
    """The file storage refused a write (disk full, quota, an unreachable bucket)."""

    code = "storage_unavailable"
    status = 503
    message = "We can't store photos right now (no storage space left). Please try again later."

    def __init__(self, message: str | None = None, **extra: Any):
        super().__init__(message, retry_after=60, **extra)


# --- Uploads -------------------------------------------------------------------------------


class UploadError(DomainError):
    code = "invalid_upload"
    status = 400
    message = "The file could not be used."


class FileMissing(UploadError):
    code = "file_missing"
    message = "Choose a photo to upload (JPEG, PNG or WEBP)."


class FileTooLarge(UploadError):
    code = "file_too_large"
    status = 413


class UnsupportedFormat(UploadError):
    code = "unsupported_format"
    message = "Only JPEG, PNG and WEBP photos are accepted."


class ImageTooLarge(UploadError):
    code = "image_too_large"


class InvalidImageFile(UploadError):
    code = "invalid_image"
    message = "The file is damaged or not a complete image. Try exporting the photo again."


# What the person can do about each failure, shown next to the engine's message.
FAILURE_ADVICE: dict[str, str] = {
    "no_face_detected": (
        "Use a well-lit, front-facing photo where the face is clearly visible and not covered."
    ),
    "face_too_small": "Crop the photo closer to the face, or use a higher-resolution photo.",
    "invalid_image": "Export the photo again as JPEG or PNG and upload the new file.",
    "invalid_settings": (
        "Leave the face number empty to translate every face, or pick one that the photo has."
    ),
    "worker_lost": "This was a problem on our side. Please run the generation again.",
    "internal_error": "This was a problem on our side. Please run the generation again.",
    "storage_unavailable": "Our storage is full at the moment. Please try again a little later.",
}


class FaceNotUsable(DomainError):
    """The engine could not read a face in the photo (its own code: no_face_detected,
    face_too_small, invalid_image)."""

    code = "no_face_detected"
    status = 422
    message = "We couldn't find a face in that photo."
