from django.urls import path

from integrations import api

urlpatterns = [
    path("keys", api.ApiKeyListApi.as_view(), name="api-key-list"),
    path("keys/<uuid:pk>", api.ApiKeyDetailApi.as_view(), name="api-key-detail"),
    path("webhooks/secret", api.WebhookSecretApi.as_view(), name="webhook-secret"),
    path("webhooks/deliveries", api.WebhookDeliveryListApi.as_view(), name="webhook-delivery-list"),
    path(
        "webhooks/deliveries/<uuid:pk>/redeliver",
        api.WebhookRedeliverApi.as_view(),
        name="webhook-delivery-redeliver",
    ),
]
