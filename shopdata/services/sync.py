"""SH-1: create or update the shop's records by the shop's own identifiers, idempotently.

Each kind names how its key is read, how its row is found (locked), what the stored row
looks like as a record, and how a record is written. ``sync_decide`` is the one rule
(created / updated / unchanged, an older ``updated_at`` changes nothing); ``shop_item_sync``
applies it to one item in its own transaction, so one bad item never fails the rest.
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DataError, IntegrityError, models, transaction
from rest_framework import serializers

from basketops.business import business_setting
from baskets.currencies import amount_format
from baskets.models import (
    Coupon,
    CustomerAccount,
    GiftCard,
    Price,
    Product,
    Salesperson,
    ShopAccount,
    Variant,
)
from baskets.services.actors import Actor
from baskets.services.gift_cards import gift_cards_reserved
from completion.services.triage import completion_requeue_now_completable
from security.cards import card_numbers_refuse
from security.exceptions import RequestTextRefused

from .. import records
from ..records import first_error

CREATED, UPDATED, UNCHANGED, REFUSED = "created", "updated", "unchanged", "refused"
# CB-4: the kinds whose sync can make a withdrawn product or a missing price available again.
CATALOGUE_KINDS = ("products", "variants")
REQUEUE_REASON = (
    "The shop's data made the withdrawn product or missing price available again; requeued "
    "automatically (COMPLETION_REQUEUE_ON_SYNC)."
)
# One request or one file chunk: far above a storefront's change set, small enough that one
# request holds a web process for seconds, not minutes.
BATCH_LIMIT = 1000


class ItemRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class ItemResult:
    id: str
    result: str
    reason: str = ""
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "result": self.result, "reason": self.reason, "detail": self.detail}


@dataclass(frozen=True)
class SyncDecision:
    result: str
    reason: str = ""


def sync_decide(
    *,
    stored: dict | None,
    stored_updated_at: datetime | None,
    incoming: dict,
    incoming_updated_at: datetime | None,
) -> SyncDecision:
    """The one rule: a new key is created; an ``updated_at`` older than the stored one
    changes nothing; the same values change nothing (idempotent); anything else updates."""
    if stored is None:
        return SyncDecision(CREATED)
    if (
        incoming_updated_at is not None
        and stored_updated_at is not None
        and incoming_updated_at < stored_updated_at
    ):
        return SyncDecision(UNCHANGED, "older_than_stored")
    if incoming == stored:
        return SyncDecision(UNCHANGED)
    return SyncDecision(UPDATED)


# --- keys --------------------------------------------------------------------------------
def _text_key(value: Any) -> str:
    text = str(value).strip() if isinstance(value, str | int) else ""
    if not text or len(text) > records.KEY_LENGTH or not text.isprintable():
        raise ItemRefused("invalid_id", f"id: “{str(value)[:60]}” is not 1 to 40 characters.")
    return text


def _guid_key(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise ItemRefused("invalid_id", f"id: “{str(value)[:60]}” is not a GUID.") from None


# --- what each kind stores ------------------------------------------------------------------
def _locked(queryset: models.QuerySet, **lookup) -> Any:
    return queryset.select_for_update(of=("self",)).filter(**lookup).first()


def _prices_of(product_id: str, variant_id: str | None) -> dict:
    rows = Price.objects.filter(product_id=product_id, variant_id=variant_id)
    return dict(sorted(rows.values_list("currency", "amount")))


def _prices_replace(product_id: str, variant_id: str | None, prices: dict) -> None:
    """The item's prices become exactly ``prices``: other currencies are removed."""
    Price.objects.filter(product_id=product_id, variant_id=variant_id).exclude(
        currency__in=list(prices)
    ).delete()
    for currency, amount in prices.items():
        Price.objects.update_or_create(
            product_id=product_id,
            variant_id=variant_id,
            currency=currency,
            defaults={"amount": amount},
        )


def _customer(erp_account_id: str | None) -> CustomerAccount | None:
    if erp_account_id is None:
        return None
    customer = CustomerAccount.objects.filter(erp_account_id=erp_account_id).first()
    if customer is None:
        raise ItemRefused(
            "unknown_customer_account",
            f"No customer account with ERP account ID “{erp_account_id}”; sync it first.",
        )
    return customer


def _product_stored(product: Product) -> dict:
    return {
        # A withdrawn product reads as inactive, so the shop's ``active: true`` undoes it.
        "active": product.active and product.available,
        "name": product.name,
        "kind": product.kind,
        "unit_of_measure_id": product.unit_of_measure_id,
        "prices": _prices_of(product.pk, None),
    }


def _product_write(product: Product | None, key: str, record: dict, at) -> None:
    product = product or Product(id=key)
    product.name, product.kind = record["name"], record["kind"]
    product.unit_of_measure_id = record["unit_of_measure_id"]
    # SH-1: ``active`` off stops new lines only; on, it also ends a withdrawal (CB-4).
    product.active, product.shop_updated_at = record["active"], at
    product.available = product.available or record["active"]
    product.save()
    _prices_replace(product.pk, None, record["prices"])


def _variant_stored(variant: Variant) -> dict:
    return {
        "active": variant.active and variant.available,
        "product_id": variant.product_id,
        "name": variant.name,
        "prices": _prices_of(variant.product_id, variant.pk),
    }


def _variant_write(variant: Variant | None, key: str, record: dict, at) -> None:
    if not Product.objects.filter(pk=record["product_id"]).exists():
        raise ItemRefused(
            "unknown_product", f"No product “{record['product_id']}”; sync the product first."
        )
    variant = variant or Variant(id=key)
    variant.product_id, variant.name = record["product_id"], record["name"]
    variant.active, variant.shop_updated_at = record["active"], at
    variant.available = variant.available or record["active"]
    variant.save()
    # A variant moved to another product takes its prices along.
    Price.objects.filter(variant=variant).exclude(product_id=variant.product_id).update(
        product_id=variant.product_id
    )
    _prices_replace(variant.product_id, variant.pk, record["prices"])


def _customer_stored(customer: CustomerAccount) -> dict:
    return {
        "active": customer.active,
        "name": customer.name,
        "email": customer.email,
        "purchaser_type": customer.purchaser_type,
        "is_prospect": customer.is_prospect,
    }


def _customer_write(customer: CustomerAccount | None, key: str, record: dict, at) -> None:
    customer = customer or CustomerAccount(erp_account_id=key)
    for name in ("active", "name", "email", "purchaser_type", "is_prospect"):
        setattr(customer, name, record[name])
    customer.shop_updated_at = at
    customer.save()


def _shop_account_stored(account: ShopAccount) -> dict:
    customer = account.customer_account
    return {
        "active": account.active,
        "name": account.name,
        "email": account.email,
        "customer_account": customer.erp_account_id if customer else None,
    }


def _shop_account_write(account: ShopAccount | None, key: uuid.UUID, record: dict, at) -> None:
    account = account or ShopAccount(guid=key)
    account.customer_account = _customer(record["customer_account"])
    account.name, account.email = record["name"], record["email"]
    account.active, account.shop_updated_at = record["active"], at
    account.save()


def _salesperson_stored(salesperson: Salesperson) -> dict:
    selected = salesperson.selected_customer
    return {
        "active": salesperson.active,
        "related_customers": sorted(
            salesperson.related_customers.values_list("erp_account_id", flat=True)
        ),
        "selected_customer": selected.erp_account_id if selected else None,
    }


def _salesperson_write(salesperson: Salesperson | None, key: uuid.UUID, record: dict, at) -> None:
    if salesperson is None:
        account = ShopAccount.objects.filter(guid=key).first()
        if account is None:
            raise ItemRefused(
                "unknown_shop_account",
                f"No shop account with GUID {key}; sync the salesperson's shop account first.",
            )
        salesperson = Salesperson(shop_account=account)
    related = list(CustomerAccount.objects.filter(erp_account_id__in=record["related_customers"]))
    missing = sorted(set(record["related_customers"]) - {c.erp_account_id for c in related})
    if missing:
        raise ItemRefused(
            "unknown_customer_account",
            f"No customer account with ERP account ID {', '.join(missing)[:200]}; sync it first.",
        )
    salesperson.selected_customer = _customer(record["selected_customer"])
    salesperson.active, salesperson.shop_updated_at = record["active"], at
    salesperson.save()
    salesperson.related_customers.set(related)


def _coupon_stored(coupon: Coupon) -> dict:
    return {
        "active": coupon.active,
        "percent_off": coupon.percent_off,
        "valid_from": coupon.valid_from,
        "valid_until": coupon.valid_until,
    }


def _coupon_write(coupon: Coupon | None, key: str, record: dict, at) -> None:
    coupon = coupon or Coupon(code=key)
    for name in ("active", "percent_off", "valid_from", "valid_until"):
        setattr(coupon, name, record[name])
    coupon.shop_updated_at = at
    coupon.save()


def _gift_card_stored(card: GiftCard) -> dict:
    return {
        "active": card.active,
        "balance": card.balance,
        "currency": card.currency,
        "valid_until": card.valid_until,
    }


def _gift_card_write(card: GiftCard | None, key: str, record: dict, at) -> None:
    if card is not None:
        # SH-5: baskets in payment hold part of the balance (the card's row is locked).
        reserved = gift_cards_reserved([card.code], excluding_basket_id=None).get(card.code, 0)
        if record["balance"] < reserved:
            raise ItemRefused(
                "balance_below_reserved",
                f"Baskets in payment hold {reserved} {card.currency} of gift card "
                f"“{card.code}”; its balance cannot go below that.",
            )
    card = card or GiftCard(code=key)
    for name in ("active", "balance", "currency", "valid_until"):
        setattr(card, name, record[name])
    card.shop_updated_at = at
    card.save()


@dataclass(frozen=True)
class Kind:
    """One kind of the shop's records (``/api/<name>/``)."""

    name: str
    record: type[serializers.Serializer]
    model: type[models.Model]
    key_field: str
    parse_key: Callable[[Any], Any]
    stored: Callable[[Any], dict]
    write: Callable[[Any, Any, dict, datetime | None], None]
    related: tuple[str, ...] = ()

    def shop_id(self, row: Any) -> str:
        """The shop's identifier of ``row`` (what ``parse_key`` reads)."""
        value = row
        for name in self.key_field.split("__"):
            value = getattr(value, name)
        return str(value)

    def queryset(self) -> models.QuerySet:
        return self.model.objects.select_related(*self.related).order_by(self.key_field)

    def find(self, key: Any) -> Any:
        """The row with ``key``, locked for this transaction (None when there is none)."""
        return _locked(self.queryset(), **{self.key_field: key})


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("products", records.ProductRecord, Product, "id", _text_key,
             _product_stored, _product_write),
        Kind("variants", records.VariantRecord, Variant, "id", _text_key,
             _variant_stored, _variant_write),
        Kind("customer-accounts", records.CustomerAccountRecord, CustomerAccount,
             "erp_account_id", _text_key, _customer_stored, _customer_write),
        Kind("shop-accounts", records.ShopAccountRecord, ShopAccount, "guid", _guid_key,
             _shop_account_stored, _shop_account_write, ("customer_account",)),
        Kind("salespersons", records.SalespersonRecord, Salesperson, "shop_account__guid",
             _guid_key, _salesperson_stored, _salesperson_write,
             ("shop_account", "selected_customer")),
        Kind("coupons", records.CouponRecord, Coupon, "code", _text_key,
             _coupon_stored, _coupon_write),
        Kind("gift-cards", records.GiftCardRecord, GiftCard, "code", _text_key,
             _gift_card_stored, _gift_card_write),
    )
}  # fmt: skip


def record_validate(kind: Kind, data: Any) -> dict:
    """The record's values, or ``ItemRefused`` naming the first bad field."""
    if not isinstance(data, dict):
        raise ItemRefused("invalid_item", "Each item must be a JSON object.")
    unknown = sorted(set(data) - set(kind.record().fields))
    if unknown:
        raise ItemRefused("unknown_field", f"Unknown field(s): {', '.join(unknown)[:200]}.")
    try:
        card_numbers_refuse(data)
    except RequestTextRefused as error:
        raise ItemRefused(error.code, error.message) from None
    serializer = kind.record(data=data)
    if not serializer.is_valid():
        raise ItemRefused(*first_error(serializer.errors))
    return dict(serializer.validated_data)


def shop_item_sync(*, kind: Kind, shop_id: Any, data: Any, actor: Actor) -> ItemResult:
    """Create, update or leave one record as ``sync_decide`` says, in its own transaction
    with the row locked; a refusal changes nothing and names its reason."""
    result = _item_sync(kind=kind, shop_id=shop_id, data=data)
    _requeue_after_sync(kind, [result], actor)
    return result


def shop_items_sync(*, kind: Kind, items: Iterable[Any], actor: Actor) -> list[ItemResult]:
    """Each item (a record with its ``id``) synced on its own; the answers in item order."""
    results = []
    for item in items:
        if not isinstance(item, dict) or "id" not in item:
            shop_id = item.get("id", "") if isinstance(item, dict) else ""
            results.append(
                ItemResult(str(shop_id), REFUSED, "invalid_item", "Each item needs an id.")
            )
            continue
        data = {name: value for name, value in item.items() if name != "id"}
        results.append(_item_sync(kind=kind, shop_id=item["id"], data=data))
    _requeue_after_sync(kind, results, actor)
    return results


def _requeue_after_sync(kind: Kind, results: list[ItemResult], actor: Actor) -> None:
    """CB-4, with ``COMPLETION_REQUEUE_ON_SYNC``: a catalogue change may have made a failed
    basket's withdrawn product or missing price available again; such baskets are requeued
    at once."""
    if kind.name not in CATALOGUE_KINDS:
        return
    if not any(result.result in (CREATED, UPDATED) for result in results):
        return
    if business_setting("COMPLETION_REQUEUE_ON_SYNC"):
        completion_requeue_now_completable(actor=actor, reason=REQUEUE_REASON)


def _item_sync(*, kind: Kind, shop_id: Any, data: Any) -> ItemResult:
    label = str(shop_id)[:60]
    try:
        key = kind.parse_key(shop_id)
        record = record_validate(kind, data)
        updated_at = record.pop("updated_at")
        with transaction.atomic():
            row = kind.find(key)
            decision = sync_decide(
                stored=kind.stored(row) if row is not None else None,
                stored_updated_at=row.shop_updated_at if row is not None else None,
                incoming=record,
                incoming_updated_at=updated_at,
            )
            if decision.result in (CREATED, UPDATED):
                kind.write(row, key, record, updated_at)
    except ItemRefused as refusal:
        return ItemResult(label, REFUSED, refusal.code, refusal.message)
    except IntegrityError:
        # Another request created the same key at the same moment: the shop sends it again.
        return ItemResult(label, REFUSED, "conflict", "Written at the same time; send it again.")
    except DataError:
        # A value the column cannot hold that validation let through: refused, not a 500.
        return ItemResult(label, REFUSED, "invalid_item", "A value does not fit its field.")
    return ItemResult(label, decision.result, decision.reason)


def shop_item_representation(kind: Kind, row: Any) -> dict:
    """The stored record as the API gives it back (amounts as text)."""
    shown = kind.stored(row)
    if "prices" in shown:
        shown["prices"] = {
            code: amount_format(amount, code) for code, amount in shown["prices"].items()
        }
    if "balance" in shown:
        shown["balance"] = amount_format(shown["balance"], shown["currency"])
    if "percent_off" in shown:
        shown["percent_off"] = str(shown["percent_off"])
    return {"id": kind.shop_id(row), **shown, "updated_at": row.shop_updated_at}
