from __future__ import annotations

from django import forms

from integrations.scopes import ALL_SCOPES


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in ALL_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        initial=["generate", "read"],
    )
    daily_limit = forms.IntegerField(
        min_value=1,
        max_value=1_000_000,
        required=False,
        help_text="Empty: only your account's daily quota.",
    )
