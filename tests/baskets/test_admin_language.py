"""The admin in the staff member's language (English, Danish, Dutch, German): the grid,
the basket page and the locked-cart list and page read in the browser's language; stored
values and the API stay as they are."""

import pytest
from django.utils import translation

from baskets.models import Basket, Status
from tests.support.clients import api_client, staff_user
from tests.support.factories import BasketFactory, LineFactory, basket_in_status

GRID = "/admin/baskets/basket/"

# Words each page shows, per language: headers, sections, labels, buttons, actions.
GRID_WORDS = {
    "en": [
        "Created at",
        "Delete selected baskets",
        "Filter baskets",
        "Complete manage step",
        "Open baskets (no order yet)",
        "Active",
        "Export to CSV",
        "Apply",
        'title="Copy the full GUID"',
        ">copy</button>",
    ],
    "da": [
        "Oprettet",
        "Slet valgte kurve",
        "Filtrér kurve",
        "Afslut trin",
        "Åbne kurve (endnu ingen ordre)",
        "Aktiv",
        "Eksportér til CSV",
        "Anvend",
        'title="Kopiér det fulde GUID"',
        ">kopiér</button>",
    ],
    "nl": [
        "Aangemaakt op",
        "Geselecteerde winkelmanden verwijderen",
        "Winkelmanden filteren",
        "Afronden",
        "Open (nog geen bestelling)",
        "Actief",
        "Exporteren naar CSV",
        "Toepassen",
        'title="Volledige GUID kopiëren"',
        ">kopieer</button>",
    ],
    "de": [
        "Angelegt am",
        "Ausgewählte Warenkörbe löschen",
        "Warenkörbe filtern",
        "Abschließen",
        "Offen (ohne Bestellung)",
        "Aktiv",
        "Als CSV exportieren",
        "Anwenden",
        'title="Vollständige GUID kopieren"',
        ">kopieren</button>",
    ],
}
BASKET_PAGE_WORDS = {
    "en": ["Purchaser and booking", "Stage:", "Delete basket", "Recovery link", "Timeline"],
    "da": ["Køber og booking", "Trin:", "Slet kurv", "Gendannelseslink", "Tidslinje"],
    "nl": ["Koper en boeking", "Stap:", "Winkelmand verwijderen", "Herstellink", "Tijdlijn"],
    "de": [
        "Käufer und Buchung",
        "Schritt:",
        "Warenkorb löschen",
        "Wiederherstellungslink",
        "Verlauf",
    ],
}
LOCKED_LIST_WORDS = {
    "en": ["Locked carts", "Locked cart: Unlock", "Locked cart: Confirm order (paid)"],
    "da": ["Låste kurve", "Låst kurv: Lås op", "Låst kurv: Bekræft ordre (betalt)"],
    "nl": [
        "Vergrendelde winkelmanden",
        "Vergrendelde winkelmand: ontgrendelen",
        "Vergrendelde winkelmand: bestelling bevestigen (betaald)",
    ],
    "de": [
        "Gesperrte Warenkörbe",
        "Gesperrter Warenkorb: Entsperren",
        "Gesperrter Warenkorb: Bestellung bestätigen (bezahlt)",
    ],
}
LOCKED_PAGE_WORDS = {
    "en": [
        "Locked cart",
        "Card number",
        "Payment reference",
        "Confirm order",
        "Unlock",
        "The last locked cart in the list.",
    ],
    "da": [
        "Låst kurv",
        "Kortnummer",
        "Udbyderens svar",
        "Bekræft ordre",
        "Lås op",
        "Den sidste låste kurv på listen.",
    ],
    "nl": [
        "Vergrendelde winkelmand",
        "Kaartnummer",
        "Antwoord van de provider",
        "Bestelling bevestigen",
        "Ontgrendelen",
        "De laatste vergrendelde winkelmand",
    ],
    "de": [
        "Gesperrter Warenkorb",
        "Kartennummer",
        "Antwort des Anbieters",
        "Bestellung bestätigen",
        "Entsperren",
        "Der letzte gesperrte Warenkorb",
    ],
}
CONFIRMATION_WORDS = {
    "en": ["Unlock locked carts", "1 basket(s) selected:", "Yes, I'm sure", "No, take me back"],
    "da": ["Lås låste kurve op", "1 kurv(e) valgt:", "Ja, jeg er sikker", "Nej, tag mig tilbage"],
    "nl": [
        "Vergrendelde winkelmanden ontgrendelen",
        "1 winkelmand(en) geselecteerd:",
        "Ja, ik weet het zeker",
        "Nee, breng me terug",
    ],
    "de": [
        "Gesperrte Warenkörbe entsperren",
        "1 Warenkorb/Warenkörbe ausgewählt:",
        "Ja, ich bin sicher",
        "Nein, zurück",
    ],
}
LANGUAGES = list(GRID_WORDS)


@pytest.fixture
def administrator(client):
    client.force_login(staff_user("System administrator"))
    return client


def page(client, url: str, language: str, **query) -> str:
    response = client.get(url, query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language
    return response.content.decode()


def others(words: dict, language: str) -> set[str]:
    """The other languages' words (those this language writes differently)."""
    own = set(words[language])
    return {word for other, ws in words.items() if other != language for word in ws} - own


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_grid_reads_in_the_staff_members_language(administrator, language):
    """SPEC: CB-1 — headers, filters, actions and buttons in the browser's language."""
    BasketFactory()
    html = page(administrator, GRID, language, scope="all")
    for word in GRID_WORDS[language]:
        assert word in html, word
    for word in others(GRID_WORDS, language) - {"Active", "Aktiv"}:
        assert word not in html, word


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_basket_page_reads_in_the_staff_members_language(administrator, language):
    """SPEC: CB-2 — sections, header, buttons and the timeline in the browser's language."""
    basket = BasketFactory()
    html = page(administrator, f"{GRID}{basket.pk}/change/", language)
    for word in BASKET_PAGE_WORDS[language]:
        assert word in html, word
    for word in others(BASKET_PAGE_WORDS, language):
        assert word not in html, word
    # The stored values stay as they are.
    basket.refresh_from_db()
    assert basket.status == Status.ACTIVE


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_locked_cart_list_and_page_read_in_the_staff_members_language(administrator, language):
    """SPEC: LC-2, LC-3 — the locked-cart list's filter and actions, and the locked cart's
    panel, in the browser's language."""
    basket = basket_in_status(Status.LOCKED)
    html = page(administrator, GRID, language, cart="locked")
    for word in LOCKED_LIST_WORDS[language]:
        assert word in html, word
    html = page(administrator, f"{GRID}{basket.pk}/change/", language)
    for word in LOCKED_PAGE_WORDS[language]:
        assert word in html, word
    assert "Match these against the payment provider" in html or language != "en"
    asked = administrator.post(
        GRID,
        {"action": "unlock_locked_carts", "_selected_action": [basket.pk]},
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    for word in CONFIRMATION_WORDS[language]:
        assert word in asked, word


SHOP_ACCOUNT_HELP = {
    "en": "The login that owns the basket; empty for an anonymous shopper.",
    "da": "Det login, der ejer kurven; tomt for en anonym kunde.",
    "nl": "De login die eigenaar is van de winkelmand; leeg voor een anonieme klant.",
    "de": "Das Login, dem der Warenkorb gehört; leer bei einem anonymen Kunden.",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_baskets_field_help_reads_in_the_staff_members_language(language):
    """SPEC: CB-2 — the help of the basket's fields (the admin's forms show it) in each
    staff language."""
    with translation.override(language):
        help_texts = [str(field.help_text) for field in Basket._meta.fields if field.help_text]
    assert help_texts == [SHOP_ACCOUNT_HELP[language]]


@pytest.mark.django_db
def test_a_message_after_an_action_reads_in_the_staff_members_language(administrator):
    """SPEC: CB-5 — the grid's per-row step answers in the staff member's language."""
    response = administrator.post(
        f"{GRID}manage-booking/",
        {"manage_booking_basket": "0"},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    )
    assert "Diesen Warenkorb gibt es nicht; nichts wurde geändert." in response.content.decode()


@pytest.mark.django_db
def test_the_api_stays_english_whatever_the_browser_says():
    """SPEC: API-3, section 8 — the API's words and codes do not follow Accept-Language."""
    api = api_client("status")
    response = api.get(
        "/api/baskets/", {"guid": "123", "status": "active"}, HTTP_ACCEPT_LANGUAGE="da"
    )
    assert response.status_code == 400
    assert "Enter a valid GUID" in str(response.json()["errors"]["guid"])
    basket = BasketFactory()
    read = api.get(f"/api/baskets/{basket.guid}/", HTTP_ACCEPT_LANGUAGE="de").json()
    assert (read["status"], read["stage"]) == ("active", "basket")


# The grid's row checkbox (Django's own words), the basket page's shop-account place and the
# staff user form's roles field, per language.
SMALL_WORDS = {
    "en": (
        'aria-label="Select this object for an action - ',
        "(anonymous or deleted)",
        "Roles and API client groups",
        "Staff roles (what the user may do in the back office)",
    ),
    "da": (
        'aria-label="Vælg dette objekt for en handling - ',
        "(anonym eller slettet)",
        "Roller og API-klientgrupper",
        "Medarbejderroller (hvad brugeren må gøre i backoffice)",
    ),
    "nl": (
        'aria-label="Selecteer dit object voor een actie - ',
        "(anoniem of verwijderd)",
        "Rollen en API-clientgroepen",
        "Medewerkersrollen (wat de gebruiker in de backoffice mag doen)",
    ),
    "de": (
        'aria-label="Dieses Objekt für eine Aktion auswählen - ',
        "(anonym oder gelöscht)",
        "Rollen und API-Client-Gruppen",
        "Mitarbeiterrollen (was der Benutzer im Backoffice tun darf)",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_row_checkbox_shop_account_place_and_roles_read_in_the_language(
    administrator, language
):
    """SPEC: CB-1, CB-2, AC-1 — the grid's row checkbox, the basket page's place for the
    shop account and the staff user form's roles in the staff member's language."""
    checkbox, no_account, roles_label, staff_roles = SMALL_WORDS[language]
    basket = BasketFactory(shop_account=None)
    assert checkbox in page(administrator, GRID, language, scope="all")
    assert no_account in page(administrator, f"{GRID}{basket.pk}/change/", language)
    user = staff_user("Order processor")
    html = page(administrator, f"/admin/auth/user/{user.pk}/change/", language)
    assert roles_label in html and staff_roles in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de"])
def test_a_line_edit_answers_in_the_staff_members_language(administrator, language):
    """SPEC: CB-5 — the answer to a quantity change on the basket page."""
    basket = BasketFactory()
    line = LineFactory(basket=basket, quantity=1, unit_price="15.50")
    response = administrator.post(
        f"{GRID}line-edit/",
        {"line": line.pk, "quantity": "3", "reason": "customer call"},
        HTTP_ACCEPT_LANGUAGE=language,
        follow=True,
    )
    words = {"en": "Quantity set to 3; the total is now", "de": "Menge auf 3 gesetzt"}
    assert words[language] in response.content.decode()
