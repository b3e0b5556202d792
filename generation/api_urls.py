from django.urls import path

from generation import api, preferences_api

urlpatterns = [
    path("generate", api.GenerateApi.as_view(), name="generate"),
    path("estimate", api.EstimateApi.as_view(), name="estimate"),
    path("preferences", preferences_api.PreferencesApi.as_view(), name="preferences"),
    path("generations", api.GenerationListApi.as_view(), name="generation-list"),
    path("generations/batch", api.BatchCreateApi.as_view(), name="generation-batch"),
    path("batches/<uuid:pk>", api.BatchDetailApi.as_view(), name="batch-detail"),
    path("batches/<uuid:pk>/zip", api.BatchZipApi.as_view(), name="batch-zip"),
    path("generations/export", api.GenerationExportApi.as_view(), name="generation-export"),
    path("generations/<uuid:pk>", api.GenerationDetailApi.as_view(), name="generation-detail"),
    path("generations/<uuid:pk>/share-links", api.ShareLinkListApi.as_view(), name="share-links"),
    path("share-links/<uuid:link_id>", api.ShareLinkRevokeApi.as_view(), name="share-link"),
    path(
        "generations/<uuid:pk>/cancel", api.GenerationCancelApi.as_view(), name="generation-cancel"
    ),
    path(
        "generations/<uuid:pk>/results/<int:index>",
        api.GenerationResultApi.as_view(),
        name="generation-result",
    ),
    path("generations/<uuid:pk>/input", api.GenerationInputApi.as_view(), name="generation-input"),
    path(
        "generations/<uuid:pk>/journey.webp",
        api.GenerationJourneyAnimationApi.as_view(),
        name="generation-journey-animation",
    ),
    path(
        "generations/<uuid:pk>/journey/<int:index>",
        api.GenerationJourneyApi.as_view(),
        name="generation-journey",
    ),
    path(
        "generations/<uuid:pk>/archive",
        api.GenerationArchiveApi.as_view(),
        name="generation-archive",
    ),
]
