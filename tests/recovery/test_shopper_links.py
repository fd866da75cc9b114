"""Mailed recovery links prove their recipient (SH-3); a GET changes nothing (AC-6); a
stranger learns nothing (AC-7)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from baskets.models import BasketEvent, Coupon, GiftCard, OutboxEvent, Stage
from recovery.links import basket_runtime_values, recovery_link_token, recovery_link_url
from recovery.models import ShopperBasket
from tests.support.factories import ShopAccountFactory
from tests.support.recovery import basket_with_line, login_shopper, recover

UNKNOWN = "f45c73dd-3003-460c-8ba8-54876d9c02f8"


def path_of(url: str) -> str:
    return url.removeprefix(settings.SHOP_BASE_URL)


def answer(response, guid) -> tuple:
    """Status, body and cookies, with the GUID asked for written out of the body."""
    return (
        response.status_code,
        response.content.decode().replace(str(guid), "GUID"),
        sorted(response.cookies),
    )


def unknown_answer() -> tuple:
    return answer(Client().get(f"/basket/recover/{UNKNOWN}/"), UNKNOWN)


def one_char_changed(token: str, part: int) -> str:
    """The token with one character of its payload (0), timestamp (1) or signature (2)
    changed."""
    parts = token.split(":")
    middle = len(parts[part]) // 2
    swapped = "A" if parts[part][middle] != "A" else "B"
    parts[part] = parts[part][:middle] + swapped + parts[part][middle + 1 :]
    return ":".join(parts)


def database_snapshot() -> dict[str, str]:
    """Every table's whole content (outbox and sessions included), one digest each."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        digests = {}
        for table in tables:
            cursor.execute(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{table}" AS t'  # noqa: S608 (names from the catalogue)
            )
            digests[table] = cursor.fetchone()
    return digests


@pytest.mark.django_db
def test_a_login_shopper_opens_the_mailed_link_without_a_password(client):
    """SPEC: SH-3 RL-3 AC-6 — the token proves the login: the GET shows the basket, the
    POST recovers it and signs the browser in as that login."""
    owner = login_shopper("ada")
    basket = basket_with_line(customer=True, shop_account=owner)
    owner.user.set_unusable_password()
    owner.user.save()
    link = path_of(recovery_link_url(basket, owner))
    assert link.startswith(f"/basket/recover/{basket.guid}/?t=")

    shown = client.get(link)
    done = client.post(link)

    assert shown.status_code == 200 and 'id="confirm-recovery"' in shown.content.decode()
    assert done.status_code == 302 and done["Location"] == "/basket/"
    page = client.get("/basket/").content.decode()
    assert f'<div id="basket" data-guid="{basket.guid}">' in page
    entry = ShopperBasket.objects.get()
    assert (entry.shop_account_id, entry.basket_id, entry.deactivated_at) == (
        owner.pk, basket.pk, None
    )
    assert BasketEvent.objects.get(basket=basket, action="recover").actor_label == "shopper:ada"


@pytest.mark.django_db
def test_the_runtime_value_of_a_mail_is_the_recipients_signed_link():
    """SPEC: SH-3 RL-8 — with a recipient, BasketUrl is the signed link; the GUID stays."""
    owner = login_shopper("ada")
    basket = basket_with_line(customer=True, shop_account=owner)
    values = basket_runtime_values(basket, owner)
    assert values["BasketGUID"] == str(basket.guid)
    assert values["BasketUrl"].startswith(
        f"{settings.SHOP_BASE_URL}/basket/recover/{basket.guid}/?t="
    )


def _other_login(client, basket, owner):
    client.force_login(login_shopper("eve").user)
    return path_of(recovery_link_url(basket, owner))


def _expired(client, basket, owner):
    return path_of(recovery_link_url(basket, owner))


def _another_basket(client, basket, owner):
    other = basket_with_line(customer=True, shop_account=owner)
    token = recovery_link_token(other, owner)
    return f"/basket/recover/{basket.guid}/?t={token}"


def _another_recipient(client, basket, owner):
    return path_of(recovery_link_url(basket, ShopAccountFactory()))


def _guest_address_for_login_basket(client, basket, owner):
    return path_of(recovery_link_url(basket, owner.email))


def _changed(position):
    def make(client, basket, owner):
        token = recovery_link_token(basket, owner)
        return f"/basket/recover/{basket.guid}/?t={one_char_changed(token, position)}"

    return make


REFUSED_LINKS = {
    "another-login-signed-in": _other_login,
    "expired": _expired,
    "token-of-another-basket": _another_basket,
    "token-of-another-recipient": _another_recipient,
    "guest-token-for-a-login-basket": _guest_address_for_login_basket,
    "payload-char-changed": _changed(0),
    "timestamp-char-changed": _changed(1),
    "signature-char-changed": _changed(2),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", REFUSED_LINKS, ids=list(REFUSED_LINKS))
def test_a_link_for_someone_else_answers_exactly_as_an_unknown_guid(client, case):
    """SPEC: SH-3 AC-7 — another login, expired, another basket or recipient, one character
    changed: the unknown-GUID answer (same status, body and cookies); GET and POST change
    nothing."""
    owner = login_shopper("ada")
    basket = basket_with_line(customer=True, shop_account=owner)
    expected = unknown_answer()
    link = REFUSED_LINKS[case](client, basket, owner)
    before = database_snapshot()

    later = timezone.now() + (timedelta(days=31) if case == "expired" else timedelta(0))
    with time_machine.travel(later, tick=False):
        shown = client.get(link)
        posted = client.post(link)

    assert answer(shown, basket.guid) == expected
    assert answer(posted, basket.guid)[:2] == expected[:2]
    assert database_snapshot() == before


@pytest.mark.django_db
def test_the_link_lifetime_is_the_live_setting(client):
    """SPEC: SH-3 section 8 — RECOVERY_LINK_DAYS saved in the admin applies at once."""
    from constance import config

    owner = login_shopper("ada")
    basket = basket_with_line(customer=True, shop_account=owner)
    link = path_of(recovery_link_url(basket, owner))
    config.RECOVERY_LINK_DAYS = 2
    with time_machine.travel(timezone.now() + timedelta(days=1, hours=23), tick=False):
        assert Client().get(link).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=2, hours=1), tick=False):
        assert answer(Client().get(link), basket.guid) == unknown_answer()


@pytest.mark.django_db
def test_unknown_guid_another_logins_basket_and_a_tampered_token_answer_identically():
    """SPEC: AC-7 SH-3 RL-3 — same status, same body (the shop's login offered), same
    cookies, for a visitor without cookies."""
    owner = login_shopper("ada")
    basket = basket_with_line(customer=True, shop_account=owner)
    token = recovery_link_token(basket, owner)

    unknown = Client().get(f"/basket/recover/{UNKNOWN}/")
    guid_alone = Client().get(f"/basket/recover/{basket.guid}/")
    tampered = Client().get(f"/basket/recover/{basket.guid}/?t={one_char_changed(token, 2)}")

    assert answer(unknown, UNKNOWN) == answer(guid_alone, basket.guid)
    assert answer(unknown, UNKNOWN) == answer(tampered, basket.guid)
    assert unknown.status_code == 404
    assert 'id="shop-login"' in unknown.content.decode()
    assert "/login/?next=%2Fbasket%2Frecover%2F" in unknown.content.decode()


@pytest.mark.django_db
def test_a_guests_link_opens_their_basket_and_only_for_their_address(client):
    """SPEC: SH-3 RL-4 — bound to the guest's address; mailed to another: unknown GUID."""
    basket = basket_with_line(email="Guest@Example.com")

    own = path_of(recovery_link_url(basket, "guest@example.com"))
    other = path_of(recovery_link_url(basket, "someone@example.com"))

    assert answer(Client().get(other), basket.guid) == unknown_answer()
    assert client.get(own).status_code == 200
    assert client.post(own)["Location"] == "/basket/"
    assert ShopperBasket.objects.get().basket_id == basket.pk


@pytest.mark.django_db
def test_the_guid_alone_shows_a_guest_basket_s_lines_only_and_the_post_recovers_it(client):
    """SPEC: SH-3 AC-6 RL-1 — no codes, addresses or user values on the GET; the button
    recovers it with everything."""
    basket = basket_with_line(price="12.50", quantity=3)
    Coupon.objects.create(code="SPRING10", percent_off=Decimal("10"))
    GiftCard.objects.create(code="GC-1", balance=Decimal("5.00"))
    basket.coupon_codes = ["SPRING10"]
    basket.gift_card_codes = ["GC-1"]
    basket.user_values = {"engraving": "For Ada"}
    basket.payment_address = {"street": "Main Street 1"}
    basket.delivery_address = {"street": "Harbour 9"}
    basket.stage = Stage.ADDITIONAL_INFORMATION
    basket.save()
    url = f"/basket/recover/{basket.guid}/"

    shown = Client().get(url).content.decode()

    assert basket.lines.get().product_id in shown
    for secret in ("SPRING10", "GC-1", "engraving", "For Ada", "Main Street 1", "Harbour 9"):
        assert secret not in shown, secret
    assert client.post(url)["Location"] == "/basket/"
    page = client.get("/basket/").content.decode()
    assert "SPRING10" in page and "Main Street 1" in page


@pytest.mark.django_db
def test_a_cookieless_get_of_any_recovery_link_changes_no_table():
    """SPEC: AC-6 SH-3 — guest and login baskets, GUID alone, mailed links (both forms),
    a first basket: every table (outbox and sessions included) is unchanged."""
    owner = login_shopper("ada")
    login_basket = basket_with_line(customer=True, shop_account=owner)
    login_basket.order_comment = "Leave at the door"
    login_basket.save()
    guest_basket = basket_with_line(email="guest@example.com")
    guest_basket.order_comment = "Ring twice"
    guest_basket.save()
    links = [
        f"/basket/recover/{guest_basket.guid}/",
        f"/basket/recover/{login_basket.guid}/",
        path_of(recovery_link_url(login_basket, owner)),
        path_of(recovery_link_url(guest_basket, "guest@example.com")),
        f"/baction/rb.aspx?guid={guest_basket.guid}",
        f"/baction/rb.aspx?guid={login_basket.guid}&t={recovery_link_token(login_basket, owner)}",
        f"/basket/recover/{UNKNOWN}/",
    ]
    outbox = OutboxEvent.objects.count()
    before = database_snapshot()

    statuses = [Client().get(link, follow=True).status_code for link in links]

    assert statuses == [200, 404, 200, 200, 200, 200, 404]
    assert database_snapshot() == before
    assert OutboxEvent.objects.count() == outbox


@pytest.mark.django_db
@pytest.mark.parametrize("multiple", [True, False], ids=["multiple-on", "multiple-off"])
def test_the_confirmation_and_the_list_follow_the_live_multiple_baskets_setting(
    client, admin_client, settings, multiple
):
    """SPEC: RL-6 AC-6 section 8 — switched in the admin (the environment says the
    opposite): the confirmation text and the shopper's list agree with it."""
    settings.MULTIPLE_BASKETS = not multiple
    form = admin_client.get("/admin/constance/config/").context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value not in (False, None)}
    if multiple:
        data["MULTIPLE_BASKETS"] = "on"
    else:
        data.pop("MULTIPLE_BASKETS", None)
    assert admin_client.post("/admin/constance/config/", data).status_code == 302
    first, second = basket_with_line(), basket_with_line()
    recover(client, first)

    shown = recover(client, second, confirm=False).content.decode()
    client.post(f"/basket/recover/{second.guid}/")

    rows = dict(ShopperBasket.objects.values_list("basket_id", "deactivated_at"))
    if multiple:
        assert "Your current basket stays in your list, inactive." in shown
        assert "It replaces your current basket." not in shown
        assert set(rows) == {first.pk, second.pk} and rows[first.pk] is not None
    else:
        assert "It replaces your current basket." in shown
        assert list(rows) == [second.pk]
