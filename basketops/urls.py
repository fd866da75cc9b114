from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from abandonment.webhooks import anymail_urlpatterns
from baskets.api.errors import api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # The basket routes first: the token polls of a basket and its status are the API's
    # hottest requests, and every pattern tried before theirs is paid on each of them
    # (``tests/test_urls.py`` shows that no other route is shadowed by this order).
    path("api/", include("baskets.urls")),
    path("api/", include("completion.urls")),
    path("api/", include("shopper_data.urls")),
    path("api/", include("recovery.api_urls")),
    path("api/", include("shopdata.urls")),
    # API-3: any other address under /api/ is a JSON 404 too (e.g. a line ID that is not a
    # whole number), never the site's HTML page. Last, after every app's API routes.
    re_path(r"^api/", api_not_found, name="api-not-found"),
    # PV-2: the e-mail service's tracking webhook (bounces, complaints), signed per service.
    path("anymail/", include(anymail_urlpatterns())),
    path("", include("payments.urls")),
    path("", include("operations.urls")),
    path("", include("recovery.urls")),
]

# A middleware's error (the token fast read's, the session's) that is a database outage
# answers 503 with Retry-After; anything else is Django's own 500.
handler500 = "basketops.outage.server_error"
