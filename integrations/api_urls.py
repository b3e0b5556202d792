from django.urls import path

from integrations import api

urlpatterns = [
    path("keys", api.ApiKeyListApi.as_view(), name="api-key-list"),
    path("keys/<uuid:pk>", api.ApiKeyDetailApi.as_view(), name="api-key-detail"),
]
