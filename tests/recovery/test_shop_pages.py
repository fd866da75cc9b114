"""The shopper pages are the shop's (PV-5): its languages, its brand, a way back to it."""

import shutil
import subprocess
from pathlib import Path

import pytest
from constance import config
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from baskets.models import Basket, Status
from recovery.models import ApplicationText
from tests.support.clients import api_client
from tests.support.factories import basket_in_status
from tests.support.recovery import basket_with_line, recover

LANGUAGES = ("en", "da", "nl", "de")
# One text of the confirmation page and of the unknown-GUID answer, per language.
CONFIRM_TITLE = {
    "en": "Take up this basket?",
    "da": "Vil du fortsætte med denne kurv?",
    "nl": "Verdergaan met deze winkelmand?",
    "de": "Mit diesem Warenkorb weitermachen?",
}
NOT_AVAILABLE = {
    "en": "is not available. It may have been deleted",
    "da": "er ikke tilgængelig. Den kan være slettet",
    "nl": "is niet beschikbaar. Mogelijk is deze verwijderd",
    "de": "ist nicht verfügbar. Er wurde möglicherweise gelöscht",
}
CHECKOUT = {
    "en": "Continue to checkout",
    "da": "Gå til kassen",
    "nl": "Verder naar afrekenen",
    "de": "Weiter zur Kasse",
}
# makemessages as the README gives it; the shipped catalogues.
MAKEMESSAGES = {
    "locale": ["da", "nl", "de"],
    "ignore_patterns": ["tests/*", "benchmarks/*", "var/*", "docs/*"],
    "no_obsolete": True,
    "add_location": "file",
    "verbosity": 0,
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_speak_the_baskets_language_before_the_browsers(client, language):
    """SPEC: PV-5 — the storefront's language for the basket wins over Accept-Language;
    the page says which (lang, Content-Language)."""
    basket = basket_with_line(language=language)
    url = f"/basket/recover/{basket.guid}/"

    shown = client.get(url, HTTP_ACCEPT_LANGUAGE="nl;q=1, en;q=0.5" if language != "nl" else "de")
    client.post(url)
    page = client.get("/basket/", HTTP_ACCEPT_LANGUAGE="de" if language != "de" else "da")

    for response, text in ((shown, CONFIRM_TITLE[language]), (page, CHECKOUT[language])):
        html = response.content.decode()
        assert f'<html lang="{language}">' in html
        assert response["Content-Language"] == language
        assert text in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_without_a_basket_language_the_browsers_decides_even_on_refusals(language):
    """SPEC: PV-5 AC-7 — Accept-Language, on the unknown-GUID answer too (which never
    uses the basket's language: it would tell that the basket exists)."""
    hidden = basket_with_line(customer=True, language="da" if language != "da" else "de")
    unknown = "f45c73dd-3003-460c-8ba8-54876d9c02f8"

    answers = [
        Client().get(f"/basket/recover/{guid}/", HTTP_ACCEPT_LANGUAGE=f"{language}, en;q=0.1")
        for guid in (unknown, hidden.guid)
    ]

    for response in answers:
        html = response.content.decode()
        assert response.status_code == 404
        assert f'<html lang="{language}">' in html and NOT_AVAILABLE[language] in html
        assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_a_refusal_of_a_basket_the_visitor_may_open_speaks_its_language(client):
    """SPEC: PV-5 RL-7 — an ordered basket's refusal in the basket's language."""
    basket = basket_in_status(Status.COMPLETED, language="de")
    response = client.get(f"/basket/recover/{basket.guid}/", HTTP_ACCEPT_LANGUAGE="da")
    assert response.status_code == 410
    assert '<html lang="de">' in response.content.decode()
    assert "bereits als Bestellung abgeschlossen" in response.content.decode()


@pytest.mark.django_db
def test_staff_edit_a_text_per_language(client):
    """SPEC: PV-5 RL-7 — the Danish text staff wrote for Danish pages; other languages
    keep theirs."""
    unknown = "f45c73dd-3003-460c-8ba8-54876d9c02f8"
    ApplicationText.objects.create(
        key="basket_NotAvailable", language="da", text="Kurven [BasketGuid] findes ikke."
    )
    danish = client.get(f"/basket/recover/{unknown}/", HTTP_ACCEPT_LANGUAGE="da")
    english = client.get(f"/basket/recover/{unknown}/", HTTP_ACCEPT_LANGUAGE="en")
    assert f"Kurven {unknown} findes ikke." in danish.content.decode()
    assert "may have been deleted" in english.content.decode()


@pytest.mark.django_db
def test_the_storefront_sends_the_language_at_create_or_with_the_checkout_details():
    """SPEC: PV-5 API-2 — one of en, da, nl, de; anything else is a 400 that changes
    nothing."""
    storefront = api_client("storefront")
    created = storefront.post("/api/baskets/", {"language": "da"}, format="json")
    assert created.status_code == 201, created.content
    guid = created.json()["guid"]
    assert Basket.objects.get(guid=guid).language == "da"

    changed = storefront.patch(f"/api/baskets/{guid}/checkout/", {"language": "nl"}, format="json")
    refused = storefront.patch(f"/api/baskets/{guid}/checkout/", {"language": "xx"}, format="json")
    refused_create = storefront.post("/api/baskets/", {"language": "fr"}, format="json")

    assert changed.status_code == 200
    assert refused.status_code == refused_create.status_code == 400
    assert Basket.objects.get(guid=guid).language == "nl"
    assert Basket.objects.count() == 1


@pytest.mark.django_db
def test_every_page_carries_the_shops_live_brand_and_a_way_back(client, settings):
    """SPEC: PV-5 — name, logo, colours, contact and shop URL from the live settings, on
    the basket page, the confirmation and each refusal; checkout with no
    SHOP_CHECKOUT_URL goes to the shop URL with the GUID."""
    settings.SHOP_CHECKOUT_URL = ""
    config.SHOP_NAME = "Nordic Tea"
    config.SHOP_URL = "https://tea.example/"
    config.SHOP_LOGO_URL = "https://tea.example/logo.png"
    config.SHOP_COLOUR = "#123456"
    config.SHOP_CONTACT_EMAIL = "help@tea.example"
    config.SHOP_CONTACT_PHONE = "+45 12 34 56 78"
    basket = basket_with_line()
    pages = {
        "confirm": client.get(f"/basket/recover/{basket.guid}/"),
        "unknown": client.get("/basket/recover/f45c73dd-3003-460c-8ba8-54876d9c02f8/"),
        "malformed": client.get("/basket/recover/nope/"),
        "handover-used": client.get("/basket/handover/nope/"),
        "unsubscribe-invalid": client.get("/basket/reminders/unsubscribe/nope/"),
    }
    recover(client, basket)
    pages["basket"] = client.get("/basket/")

    for name, response in pages.items():
        html = response.content.decode()
        assert 'id="back-to-shop" href="https://tea.example/"' in html, name
        assert '<img src="https://tea.example/logo.png" alt="Nordic Tea">' in html, name
        assert "background: #123456" in html, name
        assert 'href="mailto:help@tea.example"' in html and 'href="tel:+4512345678"' in html
    assert [response.status_code for response in pages.values()] == [200, 404, 400, 404, 400, 200]
    assert (
        f'id="continue-to-checkout" class="button" href="https://tea.example/?basket={basket.guid}"'
        in pages["basket"].content.decode()
    )


@pytest.mark.django_db
def test_a_colour_that_is_not_a_colour_is_refused_in_the_admin(admin_client):
    """SPEC: PV-5 — colours go into the pages' style: only #rrggbb is saved."""
    form = admin_client.get("/admin/constance/config/").context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value not in (False, None)}
    data["SHOP_COLOUR"] = "red;} body{display:none"
    response = admin_client.post("/admin/constance/config/", data)
    assert response.status_code == 200
    assert config.SHOP_COLOUR == settings.SHOP_COLOUR


def test_makemessages_leaves_no_empty_msgstr_and_the_mo_files_are_compiled(
    tmp_path, settings, monkeypatch
):
    """SPEC: PV-5 — every shopper text is translated in da, nl and de (no empty or fuzzy
    msgstr after makemessages), and the committed .mo files are those of the .po files."""
    root = Path(settings.BASE_DIR)
    monkeypatch.chdir(root)
    shipped = root / "locale"
    shutil.copytree(shipped, tmp_path / "locale")
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]
    call_command("makemessages", **MAKEMESSAGES)

    for language in MAKEMESSAGES["locale"]:
        catalogue = tmp_path / "locale" / language / "LC_MESSAGES" / "django.po"
        statistics = subprocess.run(
            ["msgfmt", "--statistics", "-o", "/dev/null", str(catalogue)],
            capture_output=True, text=True, check=True,
        ).stderr
        assert "untranslated" not in statistics and "fuzzy" not in statistics, statistics
        compiled = tmp_path / f"{language}.mo"
        po = shipped / language / "LC_MESSAGES" / "django.po"
        subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)], check=True)
        assert compiled.read_bytes() == (po.with_suffix(".mo")).read_bytes(), language
