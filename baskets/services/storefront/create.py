"""Creating a basket for an anonymous shopper, a login, an ERP account or a salesperson."""

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ...currencies import shop_currencies
from ...models import (
    AccountType,
    Basket,
    CustomerAccount,
    Salesperson,
    ShopAccount,
    TimelineAction,
)
from ..actors import Actor
from ..purchaser import purchaser_of
from ..storefront_errors import (
    StorefrontInputError,
)
from ..transitions import event_record


@dataclass(frozen=True)
class BasketOwner:
    shop_account: ShopAccount | None = None
    customer_account: CustomerAccount | None = None
    salesperson: Salesperson | None = None


def basket_owner_resolve(
    *,
    shop_account_guid: str | None = None,
    erp_account_id: str | None = None,
    salesperson_guid: str | None = None,
) -> BasketOwner:
    """Who a new basket is for; unknown parties are a ``StorefrontInputError``."""
    given = [v for v in (shop_account_guid, erp_account_id, salesperson_guid) if v]
    if len(given) > 1:
        raise StorefrontInputError(
            "Give at most one of shop_account, customer_account and salesperson.",
            code="conflicting_owner",
        )
    if shop_account_guid:
        guid = _guid_field(shop_account_guid, "shop_account")
        account = ShopAccount.objects.select_related("customer_account").filter(guid=guid).first()
        if account is None:
            raise StorefrontInputError(
                f"No shop account with GUID {guid}.", code="unknown_shop_account"
            )
        _active_check(account, "shop_account", f"Shop account {guid}")
        return BasketOwner(shop_account=account, customer_account=account.customer_account)
    if erp_account_id:
        customer = CustomerAccount.objects.filter(erp_account_id=erp_account_id).first()
        if customer is None:
            raise StorefrontInputError(
                f"No customer account with ERP account ID “{erp_account_id[:40]}”.",
                code="unknown_customer_account",
            )
        _active_check(customer, "customer_account", f"Customer account “{erp_account_id[:40]}”")
        return BasketOwner(customer_account=customer)
    if salesperson_guid:
        guid = _guid_field(salesperson_guid, "salesperson")
        salesperson = (
            Salesperson.objects.select_related("shop_account", "selected_customer")
            .filter(shop_account__guid=guid)
            .first()
        )
        if salesperson is None:
            raise StorefrontInputError(
                f"No salesperson with shop account GUID {guid}.", code="unknown_salesperson"
            )
        _active_check(salesperson, "salesperson", f"Salesperson {guid}")
        return BasketOwner(salesperson=salesperson, customer_account=salesperson.selected_customer)
    return BasketOwner()


def _active_check(party, field: str, label: str) -> None:
    """SH-1: a party the shop deactivated takes no new basket; existing ones keep it."""
    if not party.active:
        raise StorefrontInputError(
            f"{label} was deactivated by the shop; it cannot start a new basket.",
            code=f"{field}_inactive",
        )


def _guid_field(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value).strip())
    except ValueError as error:
        raise StorefrontInputError(
            f"{field}: “{str(value)[:60]}” is not a valid GUID.", code=f"invalid_{field}"
        ) from error


def basket_currency_check(currency: str | None) -> str:
    """SH-2: ``currency`` when it is one of the shop's currencies, the shop's default when
    none is given; anything else is ``unsupported_currency``."""
    currencies = shop_currencies()
    if currency is None:
        return currencies[0]
    if currency not in currencies:
        raise StorefrontInputError(
            f"“{str(currency)[:10]}” is not one of the shop's currencies "
            f"({', '.join(currencies)}).",
            code="unsupported_currency",
        )
    return currency


def basket_create(
    *,
    owner: BasketOwner,
    actor: Actor,
    currency: str | None = None,
    location: str = "",
    language: str = "",
) -> Basket:
    """A new Active basket at the Basket stage for ``owner`` (anonymous when empty), in one
    of the shop's currencies (the default when ``currency`` is None)."""
    currency = basket_currency_check(currency)
    now = timezone.now()
    customer = owner.customer_account
    account = owner.shop_account
    purchaser = purchaser_of(
        shop_account=account, customer_account=customer, salesperson=owner.salesperson
    )
    with transaction.atomic():
        basket = Basket.objects.create(
            shop_account=account,
            customer_account=customer,
            salesperson=owner.salesperson,
            account_type=AccountType.of(
                has_party=any((account, customer, owner.salesperson)),
                is_prospect=customer is not None and customer.is_prospect,
            ),
            purchaser_label=purchaser.label,
            purchaser_type=purchaser.type,
            purchaser_id=purchaser.id,
            billing_object=purchaser.billing_object,
            currency=currency,
            location=location,
            language=language,
            created_at=now,
            modified_at=now,
            last_activity_at=now,
        )
        event_record(
            basket=basket, action=TimelineAction.CREATE, actor=actor, from_status="", at=now
        )
    return basket
