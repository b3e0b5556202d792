from django.urls import path

from generation import views

app_name = "generation"
urlpatterns = [
    path("", views.generator, name="generator"),
    path("progress", views.progress_by_key, name="progress-by-key"),
    path("estimate", views.estimate, name="estimate"),
    path("batch/progress", views.batch_progress_by_key, name="batch-progress-by-key"),
    path("batch/<uuid:pk>/", views.batch, name="batch"),
    path("batch/<uuid:pk>/progress", views.batch_status, name="batch-progress"),
    path("batch/<uuid:pk>/archive.zip", views.batch_archive, name="batch-archive"),
    path("batch/<uuid:pk>/cancel/", views.batch_cancel, name="batch-cancel"),
    path("preferences/reset/", views.preferences_reset, name="preferences-reset"),
    path("history/", views.history, name="history"),
    path("history/delete-all/", views.delete_all, name="delete-all"),
    path("history/export.zip", views.export, name="export"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/progress", views.progress, name="progress"),
    path("<uuid:pk>/archive.zip", views.archive, name="archive"),
    path("<uuid:pk>/cancel/", views.cancel, name="cancel"),
    path("<uuid:pk>/rerun/", views.rerun, name="rerun"),
    path("<uuid:pk>/delete/", views.delete, name="delete"),
    path("<uuid:pk>/share/", views.share_create, name="share"),
    path("<uuid:pk>/share/<uuid:link_id>/revoke/", views.share_revoke, name="share-revoke"),
    path("<uuid:pk>/image/<str:kind>/", views.image, name="image"),
    path("<uuid:pk>/image/<str:kind>/<int:index>/", views.image, name="image"),
]
