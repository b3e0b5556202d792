from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("keys/", views.api_keys, name="api_keys"),
    path("keys/<uuid:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("keys/webhook-secret/", views.webhook_secret_rotate, name="webhook_secret_rotate"),
    path(
        "keys/deliveries/<uuid:pk>/redeliver/",
        views.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
