"""Shopper recovery links: contents, re-pricing, messages and the shopper's current basket."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from baskets.models import (
    BasketEvent,
    Coupon,
    GiftCard,
    Line,
    Product,
    Stage,
    Status,
    Variant,
)
from baskets.services.storefront import basket_stage_move, line_add, line_remove
from recovery.links import basket_runtime_values, basket_url, order_runtime_values
from recovery.models import ApplicationText, ShopperBasket
from tests.support.factories import (
    SYSTEM,
    BasketFactory,
    LineFactory,
    ProductFactory,
    basket_in_status,
)
from tests.support.recovery import basket_with_line, login_shopper, recover


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.django_db
def test_link_brings_back_lines_values_codes_addresses_methods_and_location(client):
    """SPEC: RL-1 — everything but the order comment comes back; the shopper lands on the
    basket page and the shop's location follows the basket."""
    basket = basket_with_line(price="12.50", quantity=3, location="Copenhagen")
    Coupon.objects.create(code="SPRING10", percent_off=Decimal("10"))
    GiftCard.objects.create(code="GC-1", balance=Decimal("5.00"))
    basket.coupon_codes = ["SPRING10"]
    basket.gift_card_codes = ["GC-1"]
    basket.user_values = {"engraving": "For Ada"}
    basket.payment_address = {"street": "Main Street 1", "city": "Aarhus"}
    basket.delivery_address = {"street": "Harbour 9", "city": "Odense"}
    basket.delivery_method = "courier"
    basket.payment_method = "card"
    basket.order_comment = "Leave at the door"
    basket.stage = Stage.ADDITIONAL_INFORMATION
    basket.save()

    response = recover(client, basket)

    assert response.status_code == 302
    assert response["Location"] == "/basket/"
    page = client.get("/basket/")
    html = page.content.decode()
    line = basket.lines.get()
    assert page.status_code == 200
    assert f'data-guid="{basket.guid}"' in html
    assert line.product_id in html and "37.50" in html
    for shown in (
        "engraving", "For Ada", "SPRING10", "GC-1", "Main Street 1", "Harbour 9",
        "Delivery method: courier", "Payment method: card", "Location: Copenhagen",
        "Shopping in: Copenhagen",
    ):
        assert shown in html, shown
    assert "Leave at the door" not in html
    basket.refresh_from_db()
    assert basket.order_comment == ""
    assert basket.payment_address == {"street": "Main Street 1", "city": "Aarhus"}
    assert basket.coupon_codes == ["SPRING10"] and basket.gift_card_codes == ["GC-1"]
    # 37.50 less 10 % = 33.75, less the 5.00 gift card.
    assert basket.total == Decimal("28.75")
    assert client.session["shop_location"] == "Copenhagen"
    entry = ShopperBasket.objects.get()
    assert (entry.basket_id, entry.deactivated_at, entry.shop_account_id) == (basket.pk, None, None)
    assert str(entry.visitor_token) == client.session["recovery_visitor"]
    event = BasketEvent.objects.get(basket=basket, action="recover")
    assert event.actor_label == "shopper:anonymous"
    assert event.payload["order_comment_cleared"] is True
    assert "addresses_withheld" not in event.payload


@pytest.mark.django_db
def test_addresses_come_back_only_after_the_address_step_was_passed(client):
    """SPEC: RL-1 — addresses typed before leaving the Login / register step are withheld
    from the shopper, yet stay stored; passing the step again shows them again."""
    basket = basket_with_line(stage=Stage.LOGIN_REGISTER)
    basket.payment_address = {"street": "Main Street 1"}
    basket.delivery_address = {"street": "Harbour 9"}
    basket.delivery_method = "courier"
    basket.save()

    response = recover(client, basket)

    assert response.status_code == 302
    basket.refresh_from_db()
    assert basket.payment_address == {"street": "Main Street 1"}
    assert basket.delivery_address == {"street": "Harbour 9"}
    assert basket.addresses_withheld_at is not None
    assert basket.delivery_method == "courier"
    event = BasketEvent.objects.get(basket=basket, action="recover")
    assert event.payload["addresses_withheld"] is True
    page = client.get("/basket/")
    assert "Main Street 1" not in page.content.decode()
    assert any("Addresses" in message for message in page_messages(page))

    basket_stage_move(guid=basket.guid, stage=Stage.ADDITIONAL_INFORMATION, actor=SYSTEM)

    page = client.get("/basket/")
    assert "Main Street 1" in page.content.decode()
    assert "Harbour 9" in page.content.decode()


@pytest.mark.django_db
def test_recovery_reprices_drops_what_cannot_be_sold_and_says_exactly_what_changed(client):
    """SPEC: RL-2 — today's prices; unavailable products and variants, expired coupons and
    invalid gift cards are removed; each change is a message and one timeline event."""
    now = timezone.now()
    basket = BasketFactory()
    dearer = ProductFactory(id="PRD-DEAR", name="Kettle", price=Decimal("30.00"))
    gone = ProductFactory(id="PRD-GONE", name="Teapot", price=Decimal("15.00"), available=False)
    shirt = ProductFactory(id="PRD-SHIRT", name="Shirt", price=Decimal("20.00"))
    Variant.objects.create(id="SHIRT-XL", product=shirt, name="XL", available=False)
    same = ProductFactory(id="PRD-SAME", name="Cup", price=Decimal("5.00"))
    LineFactory(basket=basket, product_id=dearer.id, quantity=1, unit_price=Decimal("25.00"))
    LineFactory(basket=basket, product_id=gone.id, quantity=2, unit_price=Decimal("15.00"))
    LineFactory(
        basket=basket, product_id=shirt.id, variant_id="SHIRT-XL", unit_price=Decimal("20.00")
    )
    LineFactory(basket=basket, product_id="PRD-DELETED", unit_price=Decimal("9.00"))
    LineFactory(basket=basket, product_id=same.id, quantity=4, unit_price=Decimal("5.00"))
    Coupon.objects.create(code="OLD", percent_off=Decimal("50"), valid_until=now - timedelta(1))
    Coupon.objects.create(code="GOOD", percent_off=Decimal("10"))
    GiftCard.objects.create(code="GC-OFF", balance=Decimal("100"), active=False)
    GiftCard.objects.create(code="GC-USD", balance=Decimal("100"), currency="USD")
    basket.coupon_codes = ["OLD", "GOOD"]
    basket.gift_card_codes = ["GC-OFF", "GC-USD"]
    basket.total = Decimal("48.50")
    basket.save()

    response = recover(client, basket)

    assert response.status_code == 302
    page = client.get("/basket/")
    assert page_messages(page) == [
        "The price of Kettle changed from 25.00 EUR to 30.00 EUR.",
        "Teapot is no longer available and was removed from your basket.",
        "Shirt (SHIRT-XL) is no longer available and was removed from your basket.",
        "PRD-DELETED is no longer available and was removed from your basket.",
        "The coupon code OLD is no longer valid and was removed from your basket.",
        "The gift card GC-OFF is no longer valid and was removed from your basket.",
        "The gift card GC-USD is no longer valid and was removed from your basket.",
        "Your basket total changed from 48.50 EUR to 45.00 EUR.",
    ]
    basket.refresh_from_db()
    assert sorted(Line.objects.filter(basket=basket).values_list("product_id", "unit_price")) == [
        ("PRD-DEAR", Decimal("30.00")),
        ("PRD-SAME", Decimal("5.00")),
    ]
    assert basket.coupon_codes == ["GOOD"] and basket.gift_card_codes == []
    assert basket.total == Decimal("45.00")  # (30 + 20) less 10 %
    event = BasketEvent.objects.get(basket=basket, action="recover")
    assert [line["product_id"] for line in event.payload["removed_lines"]] == [
        "PRD-GONE", "PRD-SHIRT", "PRD-DELETED"
    ]
    assert event.payload["repriced_lines"] == [
        {"product_id": "PRD-DEAR", "variant_id": "", "from": "25.00", "to": "30.00"}
    ]
    assert event.payload["removed_coupon_codes"] == ["OLD"]
    assert event.payload["removed_gift_card_codes"] == ["GC-OFF", "GC-USD"]
    assert event.payload["total"] == {"from": "48.50", "to": "45.00"}
    assert (event.from_status, event.to_status) == (Status.ACTIVE, Status.ACTIVE)


@pytest.mark.django_db
def test_recovering_an_up_to_date_basket_changes_nothing_and_says_nothing(client):
    """SPEC: RL-2 — no change, no message; the GUID stays."""
    basket = basket_with_line()
    recover(client, basket)
    page = client.get("/basket/")
    assert page_messages(page) == []
    basket.refresh_from_db()
    assert basket.total == Decimal("20.00")
    assert BasketEvent.objects.get(basket=basket, action="recover").payload == {}


@pytest.mark.django_db
def test_without_multiple_baskets_the_recovered_basket_replaces_the_current_one(
    client, settings
):
    """SPEC: RL-6 — multiple baskets off: the previous basket leaves the shopper's list."""
    settings.MULTIPLE_BASKETS = False
    first, second = basket_with_line(), basket_with_line()
    recover(client, first)
    recover(client, second)
    assert list(ShopperBasket.objects.values_list("basket_id", "deactivated_at")) == [
        (second.pk, None)
    ]
    event = BasketEvent.objects.filter(basket=second, action="recover").get()
    assert event.payload["replaced"] == [str(first.guid)]
    html = client.get("/basket/").content.decode()
    assert f'data-guid="{second.guid}"' in html and str(first.guid) not in html
    # The replaced basket itself is not touched: it is still in the back office.
    first.refresh_from_db()
    assert first.status == Status.ACTIVE


@pytest.mark.django_db
def test_with_multiple_baskets_the_previous_basket_stays_in_the_list_inactive(client, settings):
    """SPEC: RL-6 — anonymous and login shoppers: recovered is active, previous inactive."""
    settings.MULTIPLE_BASKETS = True
    first, second = basket_with_line(), basket_with_line()
    recover(client, first)
    recover(client, second)
    rows = dict(ShopperBasket.objects.values_list("basket_id", "deactivated_at"))
    assert rows[second.pk] is None and rows[first.pk] is not None
    html = client.get("/basket/").content.decode()
    assert f'<div id="basket" data-guid="{second.guid}">' in html
    assert f'<li data-guid="{first.guid}">' in html
    # Recovering the inactive one makes it active again; the other becomes inactive.
    recover(client, first)
    rows = dict(ShopperBasket.objects.values_list("basket_id", "deactivated_at"))
    assert rows[first.pk] is None and rows[second.pk] is not None

    account = login_shopper("ada")
    client.force_login(account.user)
    own_old = basket_with_line(customer=True, shop_account=account)
    own_new = basket_with_line(customer=True, shop_account=account)
    recover(client, own_old)
    recover(client, own_new)
    rows = dict(
        ShopperBasket.objects.filter(shop_account=account).values_list(
            "basket_id", "deactivated_at"
        )
    )
    assert rows[own_new.pk] is None and rows[own_old.pk] is not None


@pytest.mark.django_db
def test_completed_unknown_and_malformed_links_get_clear_pages_and_change_nothing(client):
    """SPEC: RL-7 — basket_AlreadyOrdered, basket_NotAvailable with the GUID; a malformed
    GUID is a 400 page, on both link forms."""
    completed = basket_in_status(Status.COMPLETED)
    events = BasketEvent.objects.count()

    response = recover(client, completed)
    assert response.status_code == 410
    assert response.context["key"] == "basket_AlreadyOrdered"
    assert (
        f"The basket with GUID {completed.guid} is not available, because it has already been "
        "completed as an order." in response.content.decode()
    )

    unknown = "f45c73dd-3003-460c-8ba8-54876d9c02f8"
    response = recover(client, unknown)
    assert response.status_code == 404
    assert response.context["key"] == "basket_NotAvailable"
    assert unknown in response.content.decode()

    malformed = ("/basket/recover/not-a-guid/", "/baction/rb.aspx?guid=x", "/baction/rb.aspx")
    for url in malformed:
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.context["key"] == "basket_InvalidGuid"
    assert BasketEvent.objects.count() == events
    assert not ShopperBasket.objects.exists()


@pytest.mark.django_db
def test_the_legacy_link_leads_to_the_same_place(client):
    """SPEC: RL-7 RL-1 — /baction/rb.aspx?guid= ends on the same basket page."""
    basket = basket_with_line()
    response = client.get(f"/baction/rb.aspx?guid={str(basket.guid).upper()}")
    assert response.status_code == 302
    assert response["Location"] == f"/basket/recover/{basket.guid}/"
    page = client.post(response["Location"], follow=True)
    assert page.redirect_chain == [("/basket/", 302)]
    assert f'data-guid="{basket.guid}"' in page.content.decode()


@pytest.mark.django_db
def test_staff_edited_texts_are_shown_with_the_guid_shortcode(client):
    """SPEC: RL-7 — texts are editable and [BasketGuid] is replaced."""
    ApplicationText.objects.filter(key="basket_AlreadyOrdered").update(
        text="Basket [BasketGuid] was ordered already ([basketguid])."
    )
    completed = basket_in_status(Status.COMPLETED)
    response = recover(client, completed)
    assert response.status_code == 410
    assert (
        f"Basket {completed.guid} was ordered already ({completed.guid})."
        in response.content.decode()
    )


@pytest.mark.django_db
def test_staff_edit_the_texts_in_the_admin(admin_client):
    """SPEC: RL-7 — the application texts are in the admin with their defaults."""
    changelist = admin_client.get("/admin/recovery/applicationtext/")
    assert changelist.status_code == 200
    assert "basket_NotAvailable" in changelist.content.decode()
    text = ApplicationText.objects.get(key="basket_NotAvailable")
    response = admin_client.post(
        f"/admin/recovery/applicationtext/{text.pk}/change/",
        {"text": "Sorry, [BasketGuid] is gone."},
    )
    assert response.status_code == 302
    unknown = "f45c73dd-3003-460c-8ba8-54876d9c02f8"
    page = admin_client.get(f"/basket/recover/{unknown}/")
    assert f"Sorry, {unknown} is gone." in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "key"),
    [
        (Status.LOCKED, "basket_Locked"),
        (Status.AWAITING_COMPLETION, "basket_BeingCompleted"),
        (Status.COMPLETION_FAILED, "basket_BeingCompleted"),
    ],
)
def test_locked_and_paid_baskets_are_not_handed_back_for_editing(client, status, key):
    """SPEC: RL-7 LC-1 — a clear 409 message, nothing changes."""
    basket = basket_in_status(status)
    LineFactory(basket=basket)
    before = BasketEvent.objects.filter(basket=basket).count()
    response = recover(client, basket)
    assert response.status_code == 409
    assert response.context["key"] == key
    assert str(basket.guid) in response.content.decode()
    assert BasketEvent.objects.filter(basket=basket).count() == before
    assert not ShopperBasket.objects.exists()


@pytest.mark.django_db
def test_a_basket_staff_deleted_is_not_available(client, admin_user):
    """SPEC: RL-7 BM-1 — deleted by staff: basket_NotAvailable."""
    from baskets.services.actors import Actor
    from baskets.services.staff import basket_delete

    basket = basket_with_line()
    guid = basket.guid
    basket_delete(basket_id=basket.pk, actor=Actor.staff(admin_user), reason="broken")
    response = recover(client, guid)
    assert response.status_code == 404
    assert response.context["key"] == "basket_NotAvailable"


@pytest.mark.django_db
def test_a_basket_staff_unlocked_is_taken_up_again(client):
    """SPEC: RL-1 LC-4 — after an unlock the shopper's link brings it back, editable."""
    from baskets.services.transitions import basket_unlock
    from tests.support.factories import SYSTEM

    basket = basket_in_status(Status.LOCKED)
    basket_unlock(basket_id=basket.pk, actor=SYSTEM)
    basket.hold_ended_at = timezone.now()
    basket.save(update_fields=["hold_ended_at"])
    response = recover(client, basket)
    assert response.status_code == 302
    basket.refresh_from_db()
    assert basket.hold_ended_at is None
    assert BasketEvent.objects.get(basket=basket, action="recover").payload["resumed"] is True


@pytest.mark.django_db
def test_link_and_guid_are_the_same_in_the_api_and_e_mails_and_never_change(client, settings):
    """SPEC: RL-8 — BasketUrl / BasketGUID; the GUID stays while lines change."""
    from tests.support.clients import api_client

    settings.SHOP_BASE_URL = "https://shop.example"
    product = ProductFactory(price=Decimal("3.00"))
    basket = BasketFactory()
    guid = basket.guid
    api = api_client("storefront")

    before = api.get(f"/api/baskets/{guid}/").json()["recovery_url"]
    added = line_add(guid=guid, product_id=product.id, quantity=2)
    line_remove(guid=guid, line_id=added.lines.get().pk)
    line_add(guid=guid, product_id=product.id, quantity=1)
    after = api.get(f"/api/baskets/{guid}/").json()["recovery_url"]

    expected = f"https://shop.example/basket/recover/{guid}/"
    assert before == after == expected == basket_url(guid)
    basket.refresh_from_db()
    assert basket.guid == guid
    assert basket_runtime_values(basket) == {"BasketGUID": str(guid), "BasketUrl": expected}


@pytest.mark.django_db
def test_an_order_offers_the_basket_guid_to_templates():
    """SPEC: RL-8 — the Data_Order container holds BasketGUID."""
    from completion.services import completion_run
    from tests.support.completion import paid_basket

    basket = paid_basket()
    completion_run(worker="test")
    basket.refresh_from_db()
    assert order_runtime_values(basket.order) == {"BasketGUID": str(basket.guid)}


@pytest.mark.django_db
def test_recovery_link_refuses_other_methods(client):
    """SPEC: RL-7 AC-6 — PUT, PATCH and DELETE are 405; a POST (the confirmation) without
    the CSRF token is 403; none changes anything."""
    from django.test import Client

    basket = basket_with_line()
    url = f"/basket/recover/{basket.guid}/"
    assert [client.generic(method, url).status_code for method in ("PUT", "PATCH", "DELETE")] == [
        405
    ] * 3
    assert Client(enforce_csrf_checks=True).post(url).status_code == 403
    assert not BasketEvent.objects.filter(basket=basket, action="recover").exists()


@pytest.mark.django_db
def test_the_basket_page_without_a_basket(client):
    """SPEC: RL-1 — a shopper with no basket sees an empty basket page, not an error."""
    response = client.get("/basket/")
    assert response.status_code == 200
    assert "You have no basket yet." in response.content.decode()
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_a_shopper_with_no_identity_never_touches_other_visitors_lists(client):
    """SPEC: RL-6 — a call without a login or visitor token leaves every list alone."""
    from recovery.services import basket_recover
    from recovery.shoppers import Shopper

    mine, other = basket_with_line(), basket_with_line()
    recover(client, mine)
    basket_recover(guid=other.guid, shopper=Shopper())
    assert list(ShopperBasket.objects.values_list("basket_id", "deactivated_at")) == [
        (mine.pk, None)
    ]
    assert BasketEvent.objects.filter(basket=other, action="recover").count() == 1
