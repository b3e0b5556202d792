"""Root URL configuration: pages, the JSON API under /api/, its OpenAPI schema and the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from lightsb_site import views

api_patterns = [
    path("", include("accounts.api_urls")),
    path("", include("stats.api_urls")),
    path("", include("generation.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("accounts/", include("accounts.urls")),
    path("stats/", include("stats.urls")),
    path("generate/", include("generation.urls")),
    path("admin/", admin.site.urls),
    path("api/", include((api_patterns, "api"))),
]

handler400 = "lightsb_site.views.bad_request"
handler403 = "lightsb_site.views.permission_denied"
handler404 = "lightsb_site.views.page_not_found"
handler500 = "lightsb_site.views.server_error"
