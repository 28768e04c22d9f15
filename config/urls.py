from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path

from config.accounts import LogoutView
from config.api import api
from config.ops.metrics import metrics_view
from fulfillments import print_views
from fulfillments.api import ecom_router, stores_router
from fulfillments.home import views as home_views
from orders import views as order_views
from orders.api import router as orders_router

DOCS_VIEWS = {"openapi-json", "openapi-view"}

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"


def api_key_protected(patterns: list) -> list:
    """The API authenticates every endpoint by API key itself (see config/api.py), so the
    session login middleware must not redirect its requests to the login page."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            api_key_protected(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name not in DOCS_VIEWS:
            pattern.callback = login_not_required(pattern.callback)
    return patterns


# Mounted here rather than in config/api.py, which the routers' modules import: importing
# either of them first then never meets a half-initialised module.
api.add_router("/stores/v2/", orders_router)
api.add_router("/stores/v2/", stores_router)
api.add_router("/ecom/v1/fulfillments/", ecom_router)

api_urls, api_app_name, api_namespace = api.urls
api_key_protected(api_urls)

# Both APIs also answer at Wix's own paths (https://www.wixapis.com/stores/v2/...,
# /ecom/v1/fulfillments/...), so a Wix client whose base URL is the only change works
# unmodified. The same views, unnamed: reversing names stays under /api/.
WIX_PREFIXES = ("stores/v2/", "ecom/v1/fulfillments/")
wix_urls = [
    URLPattern(pattern.pattern, pattern.callback, pattern.default_args)
    for pattern in api_urls
    if isinstance(pattern, URLPattern) and str(pattern.pattern).startswith(WIX_PREFIXES)
]

urlpatterns = [
    path("", home_views.home, name="home"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/", (api_urls, api_app_name, api_namespace)),
    path("", include(wix_urls)),
    path("pack/", include("fulfillments.pack_urls")),
    path("orders/<int:number>/slip/", print_views.slip, name="slip"),
    path("orders/", include("orders.urls")),
    path("fulfillments/", include("fulfillments.urls")),
    path("webhooks/", include("orders.webhooks.urls")),
    path("settings/", order_views.store_settings_edit, name="store_settings"),
    path("metrics", metrics_view, name="metrics"),
]
