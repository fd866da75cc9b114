"""AC-1 on every page that shows a basket: the grid, the three completion-triage proxies,
the export, the API and the timeline. One rule (``baskets.personal_data``) decides each
personal field; a list accepts only the parameters its filters define, so no URL lookup
(``__iregex``, ``__startswith``, a relation) can spell a hidden field out a letter at a time.
"""

import csv
import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.utils import timezone

from baskets.models import Basket, BasketEvent, EventType, PurchaserType, Status
from baskets.services.actors import Actor
from baskets.services.timeline import BasketNote, basket_notes_record
from baskets.services.transitions import basket_lock
from tests.support.clients import staff_user, token_client
from tests.support.factories import (
    SYSTEM,
    BasketFactory,
    CustomerAccountFactory,
    LineFactory,
    ShopAccountFactory,
    UserFactory,
    basket_in_status,
)
from tests.support.webhooks import endpoint_for, receiver_running
from webhooks.models import WebhookEndpoint
from webhooks.services import webhooks_dispatch

PROCESSOR, ADMINISTRATOR = "Order processor", "System administrator"
GRID = "/admin/baskets/basket/"

# Every admin list of baskets: the grid and each proxy of Basket, with a basket it lists.
PAGES = {
    "basket": ("/admin/baskets/basket/", Status.ACTIVE),
    "completionfailedbasket": (
        "/admin/completion/completionfailedbasket/",
        Status.COMPLETION_FAILED,
    ),
    "basketincompletion": ("/admin/completion/basketincompletion/", Status.AWAITING_COMPLETION),
    "unreconciledbasket": ("/admin/completion/unreconciledbasket/", "unreconciled"),
}

# What the shopper is: none of it may reach an Order processor.
MARKERS = (
    "Jane Marple",
    "jane.marple@example.com",
    "Marple Household",
    "household@example.com",
    "jane.guest@example.com",
    "14 Secret Lane",
    "15 Hidden Road",
    "Miss J. Marple",
)

# URL lookups no list defines, on personal fields and on others (name: parameter, value).
LOOKUPS = {
    "email-iregex": ("email__iregex", r"^jane\.[a-m]"),
    "email-startswith": ("email__startswith", "jane"),
    "email-exact": ("email", "jane.guest@example.com"),
    "label-istartswith": ("purchaser_label__istartswith", "Ja"),
    "label-regex": ("purchaser_label__regex", "^J"),
    "address-icontains": ("payment_address__line1__icontains", "Secret"),
    "user-values-startswith": ("user_values__badge__startswith", "Miss"),
    "shop-account": ("shop_account", "{shop_account}"),
    "shop-account-email-iregex": ("shop_account__email__iregex", "^jane"),
    "shop-account-name-startswith": ("shop_account__name__startswith", "J"),
    "customer-name-icontains": ("customer_account__name__icontains", "Marple"),
    "salesperson": ("salesperson__shop_account__email__istartswith", "j"),
    "last-error-iregex": ("last_error__iregex", "."),
    "total-gte": ("total__gte", "0"),
}


def personal_basket(state: str) -> Basket:
    """A basket in ``state`` holding a shopper's name, e-mails, addresses and typed values."""
    customer = CustomerAccountFactory(
        name="Marple Household", email="household@example.com", purchaser_type=PurchaserType.USER
    )
    account = ShopAccountFactory(
        name="Jane Marple", email="jane.marple@example.com", customer_account=customer
    )
    status = Status.AWAITING_COMPLETION if state == "unreconciled" else state
    basket = basket_in_status(
        status,
        shop_account=account,
        customer_account=customer,
        purchaser_label="Jane Marple",
        email="jane.guest@example.com",
        payment_address={"line1": "14 Secret Lane", "city": "St Mary Mead"},
        delivery_address={"line1": "15 Hidden Road"},
        user_values={"badge": "Miss J. Marple"},
    )
    if state == "unreconciled":
        Basket.objects.filter(pk=basket.pk).update(paid_at=timezone.now() - timedelta(days=1))
    LineFactory(basket=basket, product_id="PRD-1")
    return basket


def export_text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=[f"{name}" for name in PAGES])
@pytest.mark.parametrize("role", [PROCESSOR, ADMINISTRATOR], ids=["processor", "administrator"])
def test_every_basket_list_and_page_shows_personal_data_only_to_those_allowed(client, page, role):
    """SPEC: AC-1 CB-4 — the grid and each Basket proxy (completion failed, in completion,
    paid without order): its list and its page show the shop account, e-mails, addresses,
    purchaser label and typed values to a System administrator only."""
    path, state = PAGES[page]
    basket = personal_basket(state)
    client.force_login(staff_user(role))

    listed = client.get(path)
    shown = client.get(f"{path}{basket.pk}/change/")

    assert (listed.status_code, shown.status_code) == (200, 200)
    assert str(basket.guid) in listed.content.decode()
    texts = (listed.content.decode(), shown.content.decode())
    leaked = [marker for marker in MARKERS for text in texts if marker in text]
    if role == PROCESSOR:
        assert leaked == []
        assert str(basket.shop_account.guid) not in texts[1]
    else:
        assert "14 Secret Lane" in texts[1] and "jane.marple@example.com" in texts[1]


# Where a URL lookup can be typed: the grid and each proxy, the export, the list API.
SURFACES = {
    **{page: (path, state) for page, (path, state) in PAGES.items()},
    "export": (f"{GRID}export/", Status.ACTIVE),
    "api": ("/api/baskets/", Status.ACTIVE),
}


def refused_as(surface: str, name: str) -> tuple:
    """How ``surface`` refuses the lookup ``name``: an admin list "?e=1" with its message,
    the export back to the grid's "?e=1", the API 400 naming it (at most 40 characters)."""
    if surface == "api":
        return (400, "", name[:40])
    path = GRID if surface == "export" else SURFACES[surface][0]
    message = (
        f"This list cannot be filtered by “{name}”: use the filters and the search box beside it."
    )
    return (302, f"{path}?e=1", message)


def answer(client, response, name: str) -> tuple:
    if response.status_code != 302:
        detail = response.json().get("detail", "") if response.status_code == 400 else ""
        return (response.status_code, "", name[:40] if name[:40] in detail else detail)
    followed = client.get(response["Location"])
    messages = [str(message) for message in followed.context["messages"]]
    return (302, response["Location"], " ".join(messages))


@pytest.mark.django_db
@pytest.mark.parametrize("lookup", LOOKUPS, ids=list(LOOKUPS))
@pytest.mark.parametrize("surface", SURFACES, ids=list(SURFACES))
@pytest.mark.parametrize("role", [PROCESSOR, ADMINISTRATOR], ids=["processor", "administrator"])
def test_every_list_export_and_api_refuses_every_lookup_its_filters_do_not_define(
    client, lookup, surface, role
):
    """SPEC: AC-1 BM-2 BM-3 API-1 section 7 — ``?email__iregex=...``, a prefix, a
    relation, in the grid, each Basket proxy, the export and the list API: refused (the
    admin's "?e=1" and a message naming the parameter, the export nothing, the API 400),
    never a filtered list nor a 500, for every role: the filters, the search box,
    ordering and paging are a list's whole vocabulary."""
    url, state = SURFACES[surface]
    basket = personal_basket(state)
    name, value = LOOKUPS[lookup]
    user = staff_user(role)
    client.force_login(user)
    caller = token_client(user) if surface == "api" else client

    response = caller.get(url, {name: value.format(shop_account=basket.shop_account_id)})

    assert answer(client, response, name) == refused_as(surface, name)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "personal"),
    [(PROCESSOR, False), (ADMINISTRATOR, True)],
    ids=["processor", "administrator"],
)
def test_the_export_holds_no_account_name_or_e_mail_for_an_order_processor(client, role, personal):
    """SPEC: AC-1 BM-2 — an individual customer's account name and e-mail are personal
    data: the processor's CSV has neither column nor value; the ERP account ID stays."""
    basket = personal_basket(Status.ACTIVE)
    client.force_login(staff_user(role))

    text = export_text(client.get(f"{GRID}export/"))

    header = next(csv.reader(io.StringIO(text)))
    personal_headers = {
        "Shop account name",
        "Shop account e-mail",
        "Account name",
        "Account e-mail",
    }
    assert (personal_headers & set(header)) == (personal_headers if personal else set())
    assert "Account ID" in header and basket.customer_account.erp_account_id in text
    assert ("Marple Household" in text, "household@example.com" in text) == (personal, personal)
    assert ("jane.marple@example.com" in text) is personal


def timeline_basket() -> tuple[Basket, str]:
    """A basket whose timeline holds a shopper's login name, an owner change naming shop
    accounts by GUID, and a webhook note stored with its endpoint's full URL."""
    basket = personal_basket(Status.ACTIVE)
    shopper = UserFactory(username="jane-login")
    owner = str(basket.shop_account.guid)
    basket_notes_record(
        notes=[
            BasketNote(
                basket_guid=basket.guid,
                action="recover",
                reason="Recovered through the basket link.",
                payload={"owner": {"from": None, "to": owner}, "resumed": True},
            )
        ],
        actor=Actor.shopper(shopper),
    )
    basket_notes_record(
        notes=[
            BasketNote(
                basket_guid=basket.guid,
                action="webhook_attempt_failed",
                reason="basket.status_changed to https://hooks.example.com/in/s3cr3t-path?key=k3y",
                payload={"error": "ConnectError for https://hooks.example.com/in/s3cr3t-path"},
            )
        ],
        actor=Actor.system("webhooks"),
    )
    return basket, owner


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "personal"),
    [(PROCESSOR, False), (ADMINISTRATOR, True)],
    ids=["processor", "administrator"],
)
def test_timeline_notes_name_no_login_guid_or_webhook_secret(client, role, personal):
    """SPEC: AC-1 IN-1 — on the basket page, the timeline list and an entry's page: a
    webhook endpoint by its host (no URL path or query, for anyone); a shopper's login name
    and the shop-account GUIDs of an owner change only for a System administrator."""
    basket, owner = timeline_basket()
    client.force_login(staff_user(role))
    event = BasketEvent.objects.get(basket=basket, action="recover")

    pages = [
        client.get(f"{GRID}{basket.pk}/change/"),
        client.get("/admin/baskets/basketevent/", {"q": str(basket.guid)}),
        client.get(f"/admin/baskets/basketevent/{event.pk}/change/"),
        client.get(
            "/admin/baskets/basketevent/"
            f"{BasketEvent.objects.get(basket=basket, action='webhook_attempt_failed').pk}/change/"
        ),
    ]

    assert [page.status_code for page in pages] == [200] * 4
    texts = [page.content.decode() for page in pages]
    assert all("s3cr3t" not in text and "k3y" not in text for text in texts)
    assert "hooks.example.com" in texts[0] and "hooks.example.com" in texts[3]
    assert ["jane-login" in text for text in texts[:3]] == [personal] * 3
    assert [owner in text for text in (texts[0], texts[2])] == [personal] * 2
    assert ("Shopper" in texts[1]) is True


@pytest.mark.django_db
def test_a_webhook_timeline_note_names_the_endpoint_by_id_and_host(tmp_path, settings):
    """SPEC: AC-1 IN-1 — the note written for an attempt names no URL path (it may hold a
    secret): ``<event type> to endpoint <id> (<host>)``."""
    with receiver_running(tmp_path) as receiver:
        endpoint = endpoint_for(receiver, EventType.BASKET_STATUS_CHANGED, settings=settings)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=f"{receiver.url}/s3cr3t-path")
        basket = BasketFactory()
        basket_lock(basket_id=basket.pk, actor=SYSTEM, reason="pending payment")

        webhooks_dispatch()

    note = BasketEvent.objects.get(basket=basket, action__startswith="webhook_")
    host = urlsplit(receiver.url).hostname
    assert note.reason == f"{EventType.BASKET_STATUS_CHANGED} to endpoint {endpoint.pk} ({host})"
    assert "s3cr3t" not in str(note.payload)


def test_every_admin_list_of_baskets_is_in_the_table():
    """SPEC: AC-1 — a proxy of Basket added later joins the tables above, or this fails."""
    registered = {
        model._meta.model_name
        for model in admin.site._registry
        if model._meta.concrete_model is Basket
    }
    assert registered == set(PAGES)
