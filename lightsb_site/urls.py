"""Root URL configuration: pages, the JSON API under /api/, its OpenAPI schema and the admin."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from generation import share_views
from lightsb_site import health, metrics, views
from lightsb_site.csp import relaxed_styles

api_patterns: list[URLPattern | URLResolver] = [
    path("", include("accounts.api_urls")),
    path("", include("stats.api_urls")),
    path("", include("generation.api_urls")),
    path("", include("integrations.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads its script from a URL instead of inline, as the CSP requires.
    path(
        "docs/",
        relaxed_styles(SpectacularSwaggerSplitView.as_view(url_name="api:api-schema")),
        name="api-docs",
    ),
    # Last: any other /api/ address is a JSON 404, also with DEBUG on (Django's debug 404
    # page would otherwise answer in HTML). CSRF-exempt: a DELETE to an unknown address is a
    # 404, not a 403 about a form (the API authenticates with tokens, not cookies).
    re_path(r"^", csrf_exempt(views.page_not_found), name="api-not-found"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("privacy/", views.retention, name="retention"),
    path("accounts/", include("accounts.urls")),
    path("stats/", include("stats.urls")),
    path("generate/", include("generation.urls")),
    path("integrations/", include("integrations.urls")),
    path("s/<str:token>/", share_views.share_page, name="share"),
    path("s/<str:token>/image/<str:kind>/", share_views.share_image, name="share-image"),
    path("admin/", admin.site.urls),
    path("api/", include((api_patterns, "api"))),
    # Probes are answered by health.ProbeMiddleware; the routes keep them reachable without it.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]

handler400 = "lightsb_site.views.bad_request"
handler403 = "lightsb_site.views.permission_denied"
handler404 = "lightsb_site.views.page_not_found"
handler500 = "lightsb_site.views.server_error"
