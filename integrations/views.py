"""The API keys page: create (the key shown once), list with last use, revoke; the webhook
signing secret (made or replaced, shown once) and the latest webhook deliveries."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from integrations import selectors, services, webhooks
from integrations.errors import TooManyApiKeys, WebhookDeliveryNotRedeliverable
from integrations.forms import ApiKeyForm
from lightsb_site.auth import AuthenticatedHttpRequest

DELIVERIES_ON_PAGE = 20


def _page(
    request: AuthenticatedHttpRequest,
    *,
    form: ApiKeyForm,
    new_key: str | None = None,
    new_webhook_secret: str | None = None,
) -> HttpResponse:
    owner = request.user
    context = {
        "form": form,
        "keys": selectors.api_keys_of(owner=owner),
        "new_key": new_key,
        "webhook_secret": selectors.webhook_secret_of(owner=owner),
        "new_webhook_secret": new_webhook_secret,
        "deliveries": selectors.webhook_deliveries_of(owner=owner)[:DELIVERIES_ON_PAGE],
    }
    return render(request, "integrations/api_keys.html", context)


@login_required
def api_keys(request: AuthenticatedHttpRequest) -> HttpResponse:
    new_key: str | None = None
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, new_key = services.api_key_create(
                owner=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                daily_limit=form.cleaned_data["daily_limit"],
            )
            form = ApiKeyForm()
        except TooManyApiKeys as error:
            form.add_error(None, error.message)
    return _page(request, form=form, new_key=new_key)


@login_required
@require_POST
def api_key_revoke(request: AuthenticatedHttpRequest, pk: UUID) -> HttpResponse:
    key = services.api_key_revoke(owner=request.user, key_id=pk)
    messages.success(request, f"The key “{key.name}” is revoked.")
    return redirect("integrations:api_keys")


@login_required
@require_POST
def webhook_secret_rotate(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Rendered, not redirected: the secret is shown in this answer only.
    _, secret = webhooks.webhook_secret_rotate(owner=request.user)
    return _page(request, form=ApiKeyForm(), new_webhook_secret=secret)


@login_required
@require_POST
def webhook_redeliver(request: AuthenticatedHttpRequest, pk: UUID) -> HttpResponse:
    try:
        webhooks.webhook_redeliver(owner=request.user, delivery_id=pk)
        messages.success(request, "The delivery is being sent again.")
    except WebhookDeliveryNotRedeliverable as error:
        messages.error(request, error.message)
    return redirect("integrations:api_keys")
