"""Admin: metadata only (no images in lists, for privacy); deleting also removes the files."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from generation import services
from generation.models import Generation, GenerationResult


class GenerationResultInline(admin.TabularInline):
    model = GenerationResult
    fields = ("variant_index", "face_index", "seed")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Generation | None = None) -> bool:
        return False


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "owner",
        "status",
        "direction",
        "variants",
        "faces_found",
        "error_code",
        "attempts",
        "processing_time",
        "created_at",
    )
    list_filter = (
        "status",
        "direction",
        "error_code",
        ("owner", admin.RelatedOnlyFieldListFilter),
        "created_at",
    )
    search_fields = ("id", "owner__username", "owner__email", "error_code")
    date_hierarchy = "created_at"
    list_select_related = ("owner",)
    inlines = [GenerationResultInline]
    readonly_fields = [
        "processing_time" if field.name == "processing_seconds" else field.name
        for field in Generation._meta.fields
    ]
    exclude = ()

    @admin.display(description="processing seconds", ordering="processing_seconds")
    def processing_time(self, obj: Generation) -> str:
        # The raw float reads as 1.4898304610001105; a tenth of a second is what matters.
        if obj.processing_seconds is None:
            return "—"
        return f"{obj.processing_seconds:.1f}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Generation | None = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Generation) -> None:
        services.generation_delete(generation=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Generation]) -> None:
        services.generations_delete(
            generations=list(queryset.prefetch_related("results", "journey"))
        )
