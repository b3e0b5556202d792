from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/register", api.RegisterView.as_view(), name="auth-register"),
    path("auth/login", api.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", api.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", api.LogoutView.as_view(), name="auth-logout"),
    path("auth/sessions", api.SessionListView.as_view(), name="auth-sessions"),
    path(
        "auth/sessions/revoke-all",
        api.SessionRevokeAllView.as_view(),
        name="auth-sessions-revoke-all",
    ),
    path(
        "auth/sessions/<uuid:session_id>",
        api.SessionDetailView.as_view(),
        name="auth-session-detail",
    ),
    path("user", api.UserView.as_view(), name="user"),
    path("profile", api.ProfileView.as_view(), name="profile"),
]
