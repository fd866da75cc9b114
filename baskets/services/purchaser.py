"""Who a basket is for (CB-1): the one rule behind the grid's creator, purchaser, billing
object and booked-user columns, used when a basket is made and when its checkout moves on.

Completion applies the same rule to a whole batch in SQL; its SQL form is here, beside the
Python one (``BOOKER_SQL``, ``BILLING_OBJECT_SQL``), and a parity test runs both on the same
baskets."""

from dataclasses import dataclass

from psycopg import sql

from ..models import (
    Basket,
    CustomerAccount,
    ItemKind,
    Line,
    PurchaserType,
    Salesperson,
    ShopAccount,
)
from ..statements import table


@dataclass(frozen=True)
class Purchaser:
    label: str = ""
    type: str = ""
    id: str = ""
    billing_object: str = ""
    # The login that books: the default booked user of a course seat.
    booker_id: str = ""


def _login_of(
    shop_account: ShopAccount | None, salesperson: Salesperson | None
) -> ShopAccount | None:
    """The login that books: the basket's own, else its salesperson's."""
    return shop_account or (salesperson.shop_account if salesperson is not None else None)


# ``Purchaser.booker_id`` of the basket row ``basket`` in SQL (``_login_of``'s GUID, else '').
BOOKER_SQL = sql.SQL(
    """COALESCE((
        SELECT login.guid::text FROM {shop_account} AS login
        WHERE login.id = COALESCE(basket.shop_account_id, (
            SELECT seller.shop_account_id FROM {salesperson} AS seller
            WHERE seller.id = basket.salesperson_id))
    ), '')"""
).format(shop_account=table(ShopAccount), salesperson=table(Salesperson))


def billing_object_of(*, billing_object: str, label: str) -> str:
    """The billing object: the purchaser's own (a company's "name / ERP id"), else its label."""
    return billing_object or label


# ``billing_object_of`` over the basket row ``basket`` in SQL: what completion writes when the
# basket's billing object is still blank (CB-1).
BILLING_OBJECT_SQL = sql.SQL("COALESCE(NULLIF(basket.billing_object, ''), basket.purchaser_label)")


def _billing_object(customer: CustomerAccount) -> str:
    return f"{customer.name} / {customer.erp_account_id}"[:200]


def purchaser_of(
    *,
    shop_account: ShopAccount | None,
    customer_account: CustomerAccount | None,
    salesperson: Salesperson | None,
) -> Purchaser:
    """A login buys as itself; when it belongs to a company account (or a salesperson buys
    for one), the purchaser type is "account" and the company is billed. A salesperson with no
    customer selected buys as themself. Nobody known: an empty purchaser (CB-7)."""
    login = _login_of(shop_account, salesperson)
    booker_id = str(login.guid) if login is not None else ""
    if customer_account is not None:
        company = customer_account.purchaser_type == PurchaserType.ACCOUNT
        return Purchaser(
            label=(login.name if shop_account is not None else customer_account.name)[:200],
            type=PurchaserType.ACCOUNT if company else PurchaserType.USER,
            id=customer_account.erp_account_id if company or login is None else str(login.guid),
            billing_object=_billing_object(customer_account),
            booker_id=booker_id,
        )
    if login is not None:
        return Purchaser(
            label=login.name[:200],
            type=PurchaserType.USER,
            id=str(login.guid),
            billing_object=login.name[:200],
            booker_id=booker_id,
        )
    return Purchaser()


def basket_purchaser(basket: Basket) -> Purchaser:
    """The purchaser of ``basket`` as its parties stand now (reads the related rows)."""
    return purchaser_of(
        shop_account=basket.shop_account,
        customer_account=basket.customer_account,
        salesperson=basket.salesperson,
    )


def basket_purchaser_fill(basket: Basket, purchaser: Purchaser) -> list[str]:
    """Fill the purchaser columns still blank on ``basket`` (in memory); the changed fields.

    Blank ones only: what a shopper typed at the login/register step is kept."""
    changed = []
    for field, value in (
        ("purchaser_label", purchaser.label),
        ("purchaser_type", purchaser.type),
        ("purchaser_id", purchaser.id),
        (
            "billing_object",
            billing_object_of(billing_object=purchaser.billing_object, label=purchaser.label),
        ),
    ):
        if value and not getattr(basket, field):
            setattr(basket, field, value)
            changed.append(field)
    return changed


def basket_booked_users_fill(basket: Basket, lines: list, booker_id: str) -> list[str]:
    """Course seats without a booked user are booked for the login that books; the basket's
    booked user ID is its first seat's. Saves the lines; returns the basket fields changed."""
    seats = [line for line in lines if line.kind == ItemKind.COURSE]
    unnamed = [line for line in seats if not line.booked_user_id]
    if booker_id and unnamed:
        for line in unnamed:
            line.booked_user_id = booker_id
        Line.objects.bulk_update(unnamed, ["booked_user_id"])
    first = next((line.booked_user_id for line in seats if line.booked_user_id), "")
    if first and basket.booked_user_id != first:
        basket.booked_user_id = first
        return ["booked_user_id"]
    return []
