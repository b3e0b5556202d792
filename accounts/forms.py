"""HTML forms: field shapes only; the rules themselves live in accounts.services."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation

from accounts.validators import validate_date_of_birth, validate_full_name


def _new_password_field(*, label: str | None = None, with_help: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=4096,
        help_text=password_validation.password_validators_help_text_html() if with_help else "",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def _require_same_password(form: forms.Form, first: str, second: str) -> None:
    cleaned = form.cleaned_data
    if cleaned.get(first) and cleaned.get(second) and cleaned[first] != cleaned[second]:
        form.add_error(second, "The passwords do not match.")


class RegisterForm(forms.Form):
    username = forms.CharField(
        max_length=30,
        help_text="3-30 characters: letters, digits, '.', '-' or '_'.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = _new_password_field(with_help=True)
    password_confirm = _new_password_field(label="Repeat the password")

    def clean(self):
        cleaned = super().clean()
        _require_same_password(self, "password", "password_confirm")
        return cleaned

    def fields_to_fix(self) -> list[forms.BoundField]:
        """The fields with an error, in the page's order (the error summary links to each)."""
        return [self[name] for name in self.fields if name in self.errors]

    def focus_first_error(self) -> None:
        """Put the cursor where the person has to act first: the first field with an error, or
        the password when only the form as a whole was refused. Passwords are never sent back
        to the page (a browser cache or a shoulder could keep them), so they must be typed
        again anyway."""
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        wrong = self.fields_to_fix()
        target = wrong[0].name if wrong else "password"
        self.fields[target].widget.attrs["autofocus"] = True


class LoginForm(forms.Form):
    identifier = forms.CharField(
        label="Email or username",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    remember_me = forms.BooleanField(
        required=False,
        label="Remember me for 30 days",
        help_text="Leave unchecked on a shared computer: you are logged out when the browser "
        "closes.",
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        max_length=150,
        required=False,
        validators=[validate_full_name],
        help_text="Letters of any alphabet, spaces, hyphens and apostrophes.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    position = forms.CharField(
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    date_of_birth = forms.DateField(
        required=False,
        validators=[validate_date_of_birth],
        help_text="Optional.",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="Current password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password = _new_password_field(label="New password", with_help=True)
    new_password_confirm = _new_password_field(label="Repeat the new password")

    def clean(self):
        cleaned = super().clean()
        _require_same_password(self, "new_password", "new_password_confirm")
        return cleaned


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        max_length=4096,
        help_text="To make sure it is really you.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )


def apply_validation_error(form: forms.Form, error) -> None:
    """Put a service's ValidationError (per field) onto the form's fields."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
