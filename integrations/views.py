"""The API keys page: create (the key shown once), list with last use, revoke."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from integrations import selectors, services
from integrations.errors import TooManyApiKeys
from integrations.forms import ApiKeyForm
from lightsb_site.auth import AuthenticatedHttpRequest


@login_required
def api_keys(request: AuthenticatedHttpRequest) -> HttpResponse:
    owner = request.user
    new_key: str | None = None
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, new_key = services.api_key_create(
                owner=owner,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                daily_limit=form.cleaned_data["daily_limit"],
            )
            form = ApiKeyForm()
        except TooManyApiKeys as error:
            form.add_error(None, error.message)
    keys = selectors.api_keys_of(owner=owner)
    return render(
        request, "integrations/api_keys.html", {"form": form, "keys": keys, "new_key": new_key}
    )


@login_required
@require_POST
def api_key_revoke(request: AuthenticatedHttpRequest, pk: UUID) -> HttpResponse:
    key = services.api_key_revoke(owner=request.user, key_id=pk)
    messages.success(request, f"The key “{key.name}” is revoked.")
    return redirect("integrations:api_keys")
