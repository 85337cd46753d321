"""统一身份入口: the sign-in pages for both portals, mounted at /accounts/."""

from django.urls import path

from . import auth_views

app_name = "core"
urlpatterns = [
    path("login/", auth_views.login_view, name="login"),
    path("logout/", auth_views.logout_view, name="logout"),
    path("second-factor/", auth_views.second_factor_view, name="second_factor"),
    path("two-factor/setup/", auth_views.totp_setup_view, name="totp_setup"),
    path("password/change/", auth_views.password_change_view, name="password_change"),
]
