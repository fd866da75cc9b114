from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from abandonment.webhooks import anymail_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # baskets.urls ends with API-3's catch-all JSON 404, so the other apps' API routes come
    # first or they would never be reached.
    path("api/", include("completion.urls")),
    path("api/", include("shopper_data.urls")),
    path("api/", include("recovery.api_urls")),
    path("api/", include("shopdata.urls")),
    path("api/", include("baskets.urls")),
    # PV-2: the e-mail service's tracking webhook (bounces, complaints), signed per service.
    path("anymail/", include(anymail_urlpatterns())),
    path("", include("payments.urls")),
    path("", include("operations.urls")),
    path("", include("recovery.urls")),
]
