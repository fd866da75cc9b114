"""PV-5: the shop's brand (live settings) for every shopper page, refusals included."""

from django.http import HttpRequest

from basketops.business import business_setting

SHOP_SETTINGS = (
    "SHOP_NAME",
    "SHOP_URL",
    "SHOP_LOGO_URL",
    "SHOP_COLOUR",
    "SHOP_TEXT_COLOUR",
    "SHOP_CONTACT_EMAIL",
    "SHOP_CONTACT_PHONE",
)


def shop(request: HttpRequest) -> dict:
    """``shop.name``, ``shop.url``, ... read when a template asks (admin pages never do)."""
    return {"shop": ShopBrand()}


class ShopBrand:
    """Each value read once per page, on first use, from the live settings."""

    def __init__(self):
        self._values: dict[str, str] = {}

    def __getattr__(self, name: str) -> str:
        key = f"SHOP_{name.upper()}"
        if key not in SHOP_SETTINGS:
            raise AttributeError(name)
        if key not in self._values:
            self._values[key] = business_setting(key)
        return self._values[key]
