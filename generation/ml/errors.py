"""Typed engine errors. Each carries a stable ``code`` and a human ``message``."""

from __future__ import annotations

MIN_FACE_PX = 80


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""

    code = "engine_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidImage(EngineError):
    code = "invalid_image"

    def __init__(self, message: str = "We couldn't read that file as an image.") -> None:
        super().__init__(message)


class NoFaceFound(EngineError):
    code = "no_face_detected"

    def __init__(self, *, min_face_px: int = MIN_FACE_PX) -> None:
        self.min_face_px = min_face_px
        super().__init__(
            "We couldn't find a face. Try a front-facing photo where the face is at least "
            f"{min_face_px} px wide."
        )


class FaceTooSmall(EngineError):
    code = "face_too_small"

    def __init__(self, *, found_px: int, needed_px: int = MIN_FACE_PX) -> None:
        self.found_px = found_px
        self.needed_px = needed_px
        super().__init__(
            f"The face is too small ({found_px} px wide); it needs to be at least "
            f"{needed_px} px wide. Try a closer or larger photo."
        )


class TranslationCanceled(EngineError):
    code = "canceled"

    def __init__(self, message: str = "The translation was canceled.") -> None:
        super().__init__(message)


class InvalidSettings(EngineError):
    code = "invalid_settings"
