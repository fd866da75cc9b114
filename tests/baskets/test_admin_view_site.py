"""The admin's "View site" link opens the shop."""

import pytest
from constance import config


@pytest.mark.django_db
def test_view_site_goes_to_the_live_shop_url(admin_client, settings):
    """SPEC: CB-1 — "View site" is the shop's home page (SHOP_URL), a live change included."""
    settings.SHOP_URL = "https://shop.example/"
    page = admin_client.get("/admin/").content.decode()
    assert 'href="https://shop.example/">View site</a>' in page

    config.SHOP_URL = "https://courses.example/"
    page = admin_client.get("/admin/").content.decode()
    assert 'href="https://courses.example/">View site</a>' in page
