"""PV-3: who a shopper is in our tables, from one identity (e-mail, shop account, customer
account), and the personal values those rows hold."""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from abandonment.models import Abandonment
from baskets.models import Basket, CustomerAccount, ShopAccount

from .exceptions import ShopperDataError, ShopperNotFound
from .models import IdentityKind

# Shorter strings (a country code, a house number) are too common to replace as values.
VALUE_MIN_LENGTH = 4


@dataclass(frozen=True)
class Shopper:
    kind: str
    account_reference: str
    emails: frozenset[str]
    shop_account_ids: frozenset[int]
    customer_account_ids: frozenset[int]
    basket_ids: frozenset[int]
    basket_guids: frozenset[uuid.UUID]
    abandonment_ids: frozenset[int]
    user_ids: frozenset[int]


def _email_clean(value: str) -> str:
    value = (value or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        raise ShopperDataError("“email” must be an e-mail address.") from None
    return value.lower()


def shopper_get(*, email: str = "", shop_account: str = "", customer_account: str = "") -> Shopper:
    """The shopper one identity names: exactly one of ``email``, ``shop_account`` (its
    GUID) or ``customer_account`` (its ERP ID). Raises ShopperDataError / ShopperNotFound."""
    given = [name for name, value in (("email", email), ("shop_account", shop_account),
             ("customer_account", customer_account)) if value]  # fmt: skip
    if len(given) != 1:
        raise ShopperDataError(
            "Give exactly one of “email”, “shop_account” (its ID) or “customer_account”."
        )
    shop_accounts = ShopAccount.objects.none()
    customer_accounts = CustomerAccount.objects.none()
    emails: set[str] = set()
    reference = ""
    if email:
        address = _email_clean(email)
        emails.add(address)
        shop_accounts = ShopAccount.objects.filter(email__iexact=address)
        kind = IdentityKind.EMAIL
    elif shop_account:
        try:
            guid = uuid.UUID(str(shop_account))
        except ValueError:
            raise ShopperDataError("“shop_account” must be a shop account ID (a GUID).") from None
        shop_accounts = ShopAccount.objects.filter(guid=guid)
        if not shop_accounts.exists():
            raise ShopperNotFound(f"No shop account {guid}.")
        kind, reference = IdentityKind.SHOP_ACCOUNT, str(guid)
    else:
        customer_accounts = CustomerAccount.objects.filter(erp_account_id=customer_account)
        if not customer_accounts.exists():
            raise ShopperNotFound("No customer account with that ERP ID.")
        kind, reference = IdentityKind.CUSTOMER_ACCOUNT, str(customer_account)[:60]
    accounts = list(shop_accounts.values_list("pk", "email", "user_id"))
    emails |= {account_email.lower() for _, account_email, _ in accounts if account_email}
    customers = list(customer_accounts.values_list("pk", "email"))
    emails |= {customer_email.lower() for _, customer_email in customers if customer_email}
    shop_account_ids = {pk for pk, _, _ in accounts}
    customer_account_ids = {pk for pk, _ in customers}
    basket_q = Q(shop_account_id__in=shop_account_ids) | Q(
        customer_account_id__in=customer_account_ids
    )
    for address in emails:
        basket_q |= Q(email__iexact=address)
    baskets = list(Basket.objects.filter(basket_q).values_list("pk", "guid"))
    guids = {guid for _, guid in baskets}
    abandonment_q = Q(basket_guid__in=guids)
    for address in emails:
        abandonment_q |= (
            Q(email__iexact=address)
            | Q(shop_account_email__iexact=address)
            | Q(reminder_email__iexact=address)
        )
    abandonments = set(Abandonment.objects.filter(abandonment_q).values_list("pk", flat=True))
    return Shopper(
        kind=kind,
        account_reference=reference,
        emails=frozenset(emails),
        shop_account_ids=frozenset(shop_account_ids),
        customer_account_ids=frozenset(customer_account_ids),
        basket_ids=frozenset(pk for pk, _ in baskets),
        basket_guids=frozenset(guids),
        abandonment_ids=frozenset(abandonments),
        user_ids=frozenset(user_id for _, _, user_id in accounts if user_id),
    )


def _leaves(value) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [str(value)] if isinstance(value, str | int) and not isinstance(value, bool) else []


def shopper_personal_values(shopper: Shopper) -> frozenset[str]:
    """The shopper's names, e-mails, phones, address parts, user values and comments as
    our rows hold them: what an erasure replaces wherever a linked row repeats it."""
    values: set[str] = set(shopper.emails)
    for name, email in ShopAccount.objects.filter(pk__in=shopper.shop_account_ids).values_list(
        "name", "email"
    ):
        values |= {name, email}
    for name, email in CustomerAccount.objects.filter(
        pk__in=shopper.customer_account_ids
    ).values_list("name", "email"):
        values |= {name, email}
    for row in Basket.objects.filter(pk__in=shopper.basket_ids).values(
        "email", "purchaser_label", "billing_object", "order_comment", "user_values",
        "payment_address", "delivery_address",
    ):  # fmt: skip
        values |= {row["email"], row["purchaser_label"], row["billing_object"]}
        values.add(row["order_comment"])
        for key in ("user_values", "payment_address", "delivery_address"):
            values |= set(_leaves(row[key]))
    for row in Abandonment.objects.filter(pk__in=shopper.abandonment_ids).values(
        "email", "name", "shop_account_email", "reminder_email", "payment_address"
    ):
        values |= {row["email"], row["name"], row["shop_account_email"], row["reminder_email"]}
        values |= set(_leaves(row["payment_address"]))
    return frozenset(
        value.strip() for value in values if value and len(value.strip()) >= VALUE_MIN_LENGTH
    )
