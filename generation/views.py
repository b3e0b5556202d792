"""HTML pages of the generation app: thin views over the same services as the API.

The generator works as a plain form post; ``static/js/generator.js`` improves it (drag and
drop, preview, progress bar) by posting the same form with an ``Idempotency-Key`` and polling
the job's progress by that key while the request runs.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.throttles import throttle_hit
from generation import archives, limits, selectors, services, uploads
from generation.errors import FAILURE_ADVICE, FaceNotUsable
from generation.estimate import estimate_faces
from generation.forms import (
    SHARE_DAYS_OPTIONS,
    GenerateForm,
    HistoryFilterForm,
    RerunForm,
    ShareForm,
)
from generation.limits import DEFAULT_JOURNEY_FRAMES, DEFAULT_VARIATION
from generation.models import Batch, Generation, Status
from generation.responses import image_response, requested_width, zip_response
from generation.services.sharing import DEFAULT_SHARE_DAYS
from lightsb_site.api_errors import DomainError
from lightsb_site.auth import AuthenticatedHttpRequest
from lightsb_site.rate_limit import rate_limit_headers, throttled_message

HISTORY_PAGE_SIZE = 12
# A new share link's address, kept in the session from the POST to the page that shows it
# once (only its hash is stored; nobody can see it again).
NEW_SHARE_LINK_SESSION_KEY = "generation_new_share_link"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _status_payload(generation: Generation) -> dict[str, Any]:
    return {
        **selectors.generation_progress(generation),
        "url": reverse("generation:detail", args=[generation.pk]),
        "cancel_url": reverse("generation:cancel", args=[generation.pk]),
    }


def _generator_context(form: GenerateForm) -> dict[str, Any]:
    # The page checks a photo's size before uploading it, against the server's one limit.
    return {
        "form": form,
        "max_upload_bytes": limits.max_upload_bytes(),
        "max_upload_text": limits.upload_size_text(),
        "batch_max": limits.max_batch_photos(),
    }


def _show_error(form: GenerateForm, error: DomainError) -> None:
    if isinstance(error, services.InvalidGenerationParameters) and form.errors:
        return  # the form shows its own field errors
    form.add_error(None, error.message)
    # A batch says which photo failed and why, under the file field.
    for line in error.extra.get("fields", {}).get("file", []):
        form.add_error("file", line)


@login_required
def generator(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method != "POST":
        # The page starts from the person's remembered settings (the defaults otherwise).
        form = GenerateForm(initial=selectors.preferences_form_initial(user=request.user))
        return render(request, "generation/generator.html", _generator_context(form))
    status = 400
    form = GenerateForm(request.POST, request.FILES)
    try:
        uploads.check_content_length(
            request.META.get("CONTENT_LENGTH"), files=limits.max_batch_photos()
        )
        if not form.is_valid():
            if "file" in form.errors and not request.FILES.get("file"):
                raise uploads.FileMissing()
            # {field: [message, ...]} as in the API, so the page can mark each field.
            raise services.InvalidGenerationParameters(
                fields={field: list(errors) for field, errors in form.errors.items()}
            )
        data = form.cleaned_data
        if len(data["file"]) > 1:
            return _create_batch(request, data)
        generation, _ = services.generation_create(
            owner=request.user,
            upload=data["file"][0],
            direction=data["direction"],
            variants=data["variants"],
            strength=data["strength"],
            variation=DEFAULT_VARIATION if data["variation"] is None else data["variation"],
            seed=data["seed"],
            face_index=data["face"],
            journey_frames=DEFAULT_JOURNEY_FRAMES if data["journey"] else 0,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip()[:255] or None,
        )
    except DomainError as error:
        status = error.status
        if _wants_json(request):
            return JsonResponse(error.as_dict(), status=status)
        _show_error(form, error)
        return render(request, "generation/generator.html", _generator_context(form), status=status)
    if data["remember"]:
        services.preferences_save(
            user=request.user,
            direction=generation.direction,
            variants=generation.variants,
            strength=generation.strength,
            variation=generation.variation,
            journey_frames=generation.journey_frames,
        )
    try:
        generation.refresh_from_db()
    except Generation.DoesNotExist as error:  # deleted meanwhile, from another tab
        raise Http404("This generation was deleted.") from error
    if _wants_json(request):
        return JsonResponse(_status_payload(generation), status=201)
    return redirect("generation:detail", pk=generation.pk)


def _settings_of(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "direction": data["direction"],
        "variants": data["variants"],
        "strength": data["strength"],
        "variation": DEFAULT_VARIATION if data["variation"] is None else data["variation"],
        "seed": data["seed"],
        "face_index": data["face"],
        "journey_frames": DEFAULT_JOURNEY_FRAMES if data["journey"] else 0,
    }


def _create_batch(request: AuthenticatedHttpRequest, data: dict[str, Any]) -> HttpResponse:
    """Several photos: one job each, then the batch page (errors go up to the generator)."""
    batch, _ = services.batch_create(
        owner=request.user,
        files=data["file"],
        idempotency_key=request.headers.get("Idempotency-Key", "").strip()[:255] or None,
        **_settings_of(data),
    )
    if data["remember"]:
        chosen = _settings_of(data)
        services.preferences_save(
            user=request.user,
            direction=chosen["direction"],
            variants=chosen["variants"],
            strength=chosen["strength"],
            variation=chosen["variation"],
            journey_frames=chosen["journey_frames"],
        )
    if _wants_json(request):
        return JsonResponse(_batch_payload(batch), status=201)
    return redirect("generation:batch", pk=batch.pk)


def _batch_payload(batch: Batch) -> dict[str, Any]:
    generations = selectors.batch_generations(batch)
    return {
        **selectors.batch_progress(batch, generations),
        "url": reverse("generation:batch", args=[batch.pk]),
        "cancel_url": reverse("generation:batch-cancel", args=[batch.pk]),
        "rejected": batch.rejected,
    }


@login_required
@require_GET
def batch_progress_by_key(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Progress of the batch created with this idempotency key (polled while the post runs)."""
    batch = selectors.batch_get_by_idempotency_key(
        owner=request.user, key=request.GET.get("key", "").strip()
    )
    if batch is None:
        return JsonResponse({"status": "pending", "percent": 0, "finished": False})
    return JsonResponse(_batch_payload(batch))


@login_required
@require_GET
def batch(request: AuthenticatedHttpRequest, pk: UUID) -> HttpResponse:
    found = selectors.batch_get(owner=request.user, batch_id=pk)
    generations = selectors.batch_generations(found)
    context = {
        "batch": found,
        "progress": selectors.batch_progress(found, generations),
        "items": [
            {
                "generation": generation,
                "file_name": selectors.batch_file_name(found, generation),
                "advice": FAILURE_ADVICE.get(generation.error_code, ""),
            }
            for generation in generations
        ],
    }
    return render(request, "generation/batch.html", context)


@login_required
@require_GET
def batch_status(request: AuthenticatedHttpRequest, pk: UUID) -> JsonResponse:
    return JsonResponse(_batch_payload(selectors.batch_get(owner=request.user, batch_id=pk)))


@login_required
@require_GET
def batch_archive(request: AuthenticatedHttpRequest, pk: UUID) -> HttpResponseBase:
    found = selectors.batch_get(owner=request.user, batch_id=pk)
    try:
        return zip_response(*archives.batch_archive(batch=found))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("generation:batch", pk=found.pk)


@login_required
@require_POST
def batch_cancel(request: AuthenticatedHttpRequest, pk: UUID) -> HttpResponse:
    found = selectors.batch_get(owner=request.user, batch_id=pk)
    if services.batch_cancel(batch=found):
        messages.info(request, "The batch's unfinished photos were canceled.")
    return redirect("generation:batch", pk=found.pk)


@login_required
@require_POST
def preferences_reset(request: AuthenticatedHttpRequest) -> HttpResponse:
    if services.preferences_reset(user=request.user):
        messages.success(request, "The generator starts from the default settings again.")
    else:
        messages.info(request, "The generator already starts from the default settings.")
    return redirect("accounts:profile")


@login_required
@require_GET
def progress_by_key(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Progress of the job created with this idempotency key (polled while the post runs)."""
    generation = selectors.generation_get_by_idempotency_key(
        owner=request.user, key=request.GET.get("key", "").strip()
    )
    if generation is None:
        # The upload is still on its way (or was refused; the post itself says why).
        return JsonResponse({"status": "pending", "percent": 0, "finished": False})
    return JsonResponse(_status_payload(generation))


@login_required
@require_POST
def estimate(request: AuthenticatedHttpRequest) -> JsonResponse:
    """The engine's reading of a chosen photo (faces, age group, sex, direction hints), so the
    page can suggest a fitting direction before anything is uploaded for good."""
    hit = throttle_hit(request, "estimate")
    if not hit.allowed:
        return JsonResponse(
            {"code": "throttled", "message": throttled_message(hit)},
            status=429,
            headers=rate_limit_headers(hit),
        )
    try:
        uploads.check_content_length(request.META.get("CONTENT_LENGTH"))
        sanitized = uploads.sanitize_upload(request.FILES.get("file"))
        return JsonResponse(estimate_faces(image=sanitized.image))
    except FaceNotUsable as error:
        # Advice, not a failure: the page says at once that this photo will not work.
        return JsonResponse({"faces": [], "notice": error.as_dict()})
    except DomainError as error:
        return JsonResponse(error.as_dict(), status=error.status)


@login_required
@require_GET
def progress(request: AuthenticatedHttpRequest, pk: UUID) -> JsonResponse:
    generation = selectors.generation_get(owner=request.user, generation_id=pk)
    return JsonResponse(_status_payload(generation))


@login_required
@require_GET
def detail(request: AuthenticatedHttpRequest, pk: UUID) -> HttpResponse:
    generation = selectors.generation_get(owner=request.user, generation_id=pk)
    context = {
        "generation": generation,
        "results": list(generation.results.all()),
        "journey": list(generation.journey.all()),
        "advice": FAILURE_ADVICE.get(generation.error_code, ""),
        "rerun_form": RerunForm(initial={"direction": generation.direction}),
        **_share_context(request, generation),
    }
    return render(request, "generation/detail.html", context)


def _share_context(request: AuthenticatedHttpRequest, generation: Generation) -> dict[str, Any]:
    new_link = request.session.pop(NEW_SHARE_LINK_SESSION_KEY, None)
    if not new_link or new_link.get("generation") != str(generation.pk):
        new_link = None
    return {
        "new_share_link": new_link,
        "share_links": list(
            services.share_link_list(
                owner=request.user, generation_id=generation.pk, active_only=True
            )
        ),
        "share_days": SHARE_DAYS_OPTIONS,
        "default_share_days": DEFAULT_SHARE_DAYS,
    }


def _share_section(generation: Generation) -> str:
    return reverse("generation:detail", args=[generation.pk]) + "#share"


@login_required
@require_POST
def share_create(request: AuthenticatedHttpRequest, pk: UUID) -> HttpResponse:
    generation = selectors.generation_get(owner=request.user, generation_id=pk)
    form = ShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick a variant and how long the link should work.")
        return redirect(_share_section(generation))
    try:
        link, token = services.share_link_create(
            owner=request.user,
            generation_id=generation.pk,
            variant_index=form.cleaned_data["variant"],
            with_before=form.cleaned_data["with_before"],
            days=form.cleaned_data["days"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_share_section(generation))
    request.session[NEW_SHARE_LINK_SESSION_KEY] = {
        "generation": str(generation.pk),
        "url": request.build_absolute_uri(reverse("share", args=[token])),
        "variant": link.variant_index + 1,
        "days": form.cleaned_data["days"],
    }
    return redirect(_share_section(generation))


@login_required
@require_POST
def share_revoke(request: AuthenticatedHttpRequest, pk: UUID, link_id: UUID) -> HttpResponse:
    generation = selectors.generation_get(owner=request.user, generation_id=pk)
    services.share_link_revoke(owner=request.user, link_id=link_id, generation_id=generation.pk)
    messages.success(request, "The link was revoked: it no longer opens.")
    return redirect(_share_section(generation))


@login_required
@require_GET
def image(
    request: AuthenticatedHttpRequest, pk: UUID, kind: str, index: int = 0
) -> HttpResponseBase:
    if kind not in selectors.FILE_KINDS:
        raise Http404("No such image.")
    download = request.GET.get("download") == "1"
    width = requested_width(request.GET.get("w"), download=download)
    generation = selectors.generation_get(owner=request.user, generation_id=pk)
    if kind == "gif":
        try:
            services.generation_journey_gif(generation=generation)
        except services.StorageUnavailable as error:
            return HttpResponse(error.message, status=error.status, content_type="text/plain")
    stored = selectors.generation_image(generation=generation, kind=kind, index=index, width=width)
    return image_response(
        stored, download=download, if_none_match=request.headers.get("If-None-Match", "")
    )


@login_required
@require_GET
def archive(request: AuthenticatedHttpRequest, pk: UUID) -> HttpResponseBase:
    generation = selectors.generation_get(owner=request.user, generation_id=pk)
    try:
        return zip_response(*archives.generation_results_archive(generation=generation))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("generation:detail", pk=generation.pk)


@login_required
@require_POST
def cancel(request: AuthenticatedHttpRequest, pk: UUID) -> HttpResponse:
    generation = selectors.generation_get(owner=request.user, generation_id=pk)
    try:
        generation = services.generation_cancel(generation=generation)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if generation.status == Status.CANCELED:
            messages.success(request, "The generation was canceled.")
        else:
            messages.info(request, "Stopping the generation at its next step…")
    return redirect("generation:detail", pk=generation.pk)


@login_required
@require_POST
def rerun(request: AuthenticatedHttpRequest, pk: UUID) -> HttpResponse:
    source = selectors.generation_get(owner=request.user, generation_id=pk)
    form = RerunForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Those settings are not valid.")
        return redirect("generation:detail", pk=source.pk)
    try:
        generation = services.generation_rerun(
            source=source,
            owner=request.user,
            same_seed=form.cleaned_data["same_seed"],
            direction=form.cleaned_data["direction"] or None,
            strength=form.cleaned_data["strength"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("generation:detail", pk=source.pk)
    return redirect("generation:detail", pk=generation.pk)


@login_required
@require_POST
def delete(request: AuthenticatedHttpRequest, pk: UUID) -> HttpResponse:
    generation = selectors.generation_get(owner=request.user, generation_id=pk)
    services.generation_delete(generation=generation)
    messages.success(request, "The generation and its images were deleted.")
    return redirect("generation:history")


@login_required
def history(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = HistoryFilterForm(request.GET or None)
    direction = status = None
    if filters.is_valid():
        direction = filters.cleaned_data["direction"] or None
        status = filters.cleaned_data["status"] or None
    queryset = selectors.generation_list(owner=request.user, direction=direction, status=status)
    page = Paginator(queryset, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters if filters.is_bound else HistoryFilterForm(),
        "query": query.urlencode(),
    }
    return render(request, "generation/history.html", context)


@login_required
@require_POST
def delete_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm that everything should be deleted.")
        return redirect("generation:history")
    deleted = services.generation_delete_all(owner=request.user)
    messages.success(request, f"Deleted {deleted} generation(s) and their images.")
    return redirect("generation:history")


@login_required
@require_GET
def export(request: AuthenticatedHttpRequest) -> FileResponse:
    return zip_response(archives.generation_export(owner=request.user), archives.EXPORT_FILENAME)


@staff_member_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request, "generation/dashboard.html", {"figures": selectors.generation_dashboard()}
    )
