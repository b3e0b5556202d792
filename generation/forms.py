"""Forms of the HTML pages (the API has its own serializers; both call the same services)."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy

from generation.limits import (
    DEFAULT_STRENGTH,
    DEFAULT_VARIANTS,
    DEFAULT_VARIATION,
    MAX_FACES,
    MAX_SEED,
    MAX_VARIANTS,
    MAX_VARIATION,
    max_batch_photos,
    upload_size_text,
)
from generation.models import Direction, Status
from generation.services.sharing import DEFAULT_SHARE_DAYS, SHARE_DAYS_CHOICES


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """One or more photos; cleans to a list (a batch when it holds more than one)."""

    def clean(self, data: object, initial: object = None) -> list[object]:
        items = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not items:
            return [super().clean(None, initial)]  # "This field is required."
        cleaned = []
        for item in items:
            cleaned.append(super().clean(item, initial))
        return cleaned


def _file_help_text() -> str:
    return (
        f"JPEG, PNG or WEBP, up to {upload_size_text()} each. A front-facing portrait works "
        f"best. Choose up to {max_batch_photos()} photos to translate them all at once."
    )


class GenerateForm(forms.Form):
    file = PhotosField(
        label="Photo",
        # An empty file is refused by the upload check with its own code, per photo.
        allow_empty_file=True,
        help_text=lazy(_file_help_text, str)(),
        # capture="user": phones offer the front camera (a selfie) next to the gallery.
        widget=MultiplePhotoInput(
            attrs={
                "accept": "image/jpeg,image/png,image/webp",
                "capture": "user",
                "multiple": True,
            }
        ),
    )
    direction = forms.ChoiceField(
        choices=Direction.choices, initial=Direction.ADULT_TO_CHILD, widget=forms.RadioSelect
    )
    variants = forms.IntegerField(min_value=1, max_value=MAX_VARIANTS, initial=DEFAULT_VARIANTS)
    strength = forms.FloatField(
        min_value=0.0,
        max_value=1.0,
        initial=DEFAULT_STRENGTH,
        widget=forms.NumberInput(attrs={"type": "range", "step": "0.05", "min": 0, "max": 1}),
        help_text="How far to go: 0 keeps the photo, 1 goes all the way.",
    )
    variation = forms.FloatField(
        min_value=0.0,
        max_value=MAX_VARIATION,
        initial=DEFAULT_VARIATION,
        required=False,
        widget=forms.NumberInput(
            attrs={"type": "range", "step": "0.1", "min": 0, "max": MAX_VARIATION}
        ),
        help_text="How different the variants are from each other: 0 close, 2 far apart.",
    )
    seed = forms.IntegerField(
        min_value=0,
        max_value=MAX_SEED,
        required=False,
        help_text="Optional. The same seed gives the same variants again.",
    )
    face = forms.IntegerField(
        min_value=0,
        max_value=MAX_FACES - 1,
        required=False,
        label="Face number",
        help_text="Optional. Leave empty for every face; 0 is the largest face.",
    )
    journey = forms.BooleanField(
        required=False, label="Also show the journey (frames from the photo to the result)"
    )
    remember = forms.BooleanField(
        required=False,
        initial=True,
        label="Remember these settings for next time",
        help_text="Reset them from your profile page.",
    )


class HistoryFilterForm(forms.Form):
    direction = forms.ChoiceField(
        choices=[("", "All directions"), *Direction.choices], required=False
    )
    status = forms.ChoiceField(choices=[("", "All statuses"), *Status.choices], required=False)


class RerunForm(forms.Form):
    same_seed = forms.BooleanField(required=False)
    direction = forms.ChoiceField(
        choices=Direction.choices,
        required=False,
        widget=forms.Select(attrs={"id": "rerun-direction"}),
    )
    strength = forms.FloatField(min_value=0.0, max_value=1.0, required=False)


# What the result page's Share control offers, as (days, label).
SHARE_DAYS_OPTIONS = [(days, f"{days} day{'s' if days > 1 else ''}") for days in SHARE_DAYS_CHOICES]


class ShareForm(forms.Form):
    """One result page's "Share" control (a variant, how long, with or without the before)."""

    variant = forms.IntegerField(min_value=0, max_value=MAX_VARIANTS - 1)
    days = forms.TypedChoiceField(
        choices=SHARE_DAYS_OPTIONS,
        coerce=int,
        initial=DEFAULT_SHARE_DAYS,
    )
    with_before = forms.BooleanField(required=False)
