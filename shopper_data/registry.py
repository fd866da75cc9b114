"""PV-3: every table that holds a shopper's personal data, and what an erasure does to it.

One entry per table: which rows belong to the shopper, and per column how the value is
erased. An app that adds a table with names, e-mails, phones, addresses, user values,
comments or IP addresses adds its entry here; the erasure applies every entry in one
transaction and the test scans every text column of every table for what it left.

Treatments:
- ``marker``: a non-empty value becomes ``MARKER``;
- ``blank``: the empty string (e-mail columns, so nothing can be sent there);
- ``empty``: an empty JSON object;
- ``country``: a JSON address keeps only its country (for tax on orders), nothing else;
- ``scrub``: text or JSON keeps its shape; every string holding one of the shopper's
  values has that value replaced by ``MARKER`` (timeline notes, webhook bodies, payloads);
- ``delete=True``: the rows go (tokens, opt-outs, login-failure logs with IP addresses).

The columns of the basket, customer account and abandonment tables come from
``baskets.personal_data.PERSONAL_FIELDS`` (who may see them; ``personal_columns``), so there
is one list of personal fields; for every table that list names, its entry erases them all
(``registry_uncovered`` lists any that it does not; a test keeps it empty); every table
with an e-mail, name, phone, address or IP column has an entry or is in
``NOT_SHOPPER_DATA`` with the reason (``registry_missing``).

Orders and invoices keep what accounting needs: numbers, amounts, currency, dates, order
lines and the basket's GUID; the basket keeps its totals, lines, statuses and the country
of its billing address.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import EmailField, JSONField, Model, Q, QuerySet

from abandonment.models import Abandonment, ReminderSend, ReminderSuppression
from baskets.models import (
    Basket,
    BasketEvent,
    Coupon,
    CustomerAccount,
    Order,
    OutboxEvent,
    PaymentResult,
    ShopAccount,
)
from baskets.personal_data import PERSONAL_FIELDS
from completion.models import CompletionFailureClosure, UpsellOffer
from recovery.models import ReminderOptOut, ShopperHandover, UnsubscribeToken
from webhooks.models import WebhookAttempt, WebhookDelivery

from .selectors import Shopper

MARKER = "[erased]"


@dataclass(frozen=True)
class PersonalData:
    """Where one table holds a shopper's personal data and how an erasure treats it."""

    label: str
    rows: Callable[[Shopper, frozenset[str]], QuerySet]
    fields: dict[str, str] = field(default_factory=dict)
    delete: bool = False


def _any_iexact(column: str, values) -> Q:
    query = Q(pk__in=[])
    for value in values:
        query |= Q(**{f"{column}__iexact": value})
    return query


def _usernames(shopper: Shopper, values: frozenset[str]) -> frozenset[str]:
    users = get_user_model().objects.filter(pk__in=shopper.user_ids)
    return frozenset(users.values_list("username", flat=True)) | shopper.emails


def _admin_log_rows(shopper: Shopper) -> QuerySet:
    """The admin's change history of the shopper's accounts and baskets (names in it)."""
    query = Q(pk__in=[])
    for model, ids in (
        (ShopAccount, shopper.shop_account_ids),
        (CustomerAccount, shopper.customer_account_ids),
        (Basket, shopper.basket_ids),
    ):
        content_type = ContentType.objects.get_for_model(model)
        query |= Q(content_type=content_type, object_id__in=[str(pk) for pk in ids])
    return LogEntry.objects.filter(query)


def personal_columns(model: type[Model], **treatments: str) -> dict[str, str]:
    """The erasure of each column ``baskets.personal_data`` calls personal in ``model``'s
    table (that list is the one list of personal fields): an e-mail blanked, JSON emptied,
    other text marked; ``treatments`` change one or add a column the access rule leaves
    visible but which may hold the shopper's words. Relations are erased where they lead."""
    names = PERSONAL_FIELDS[model._meta.label_lower]
    columns = {}
    for column in model._meta.concrete_fields:
        if column.related_model is not None or (names is not None and column.name not in names):
            continue
        if isinstance(column, EmailField):
            columns[column.name] = "blank"
        elif isinstance(column, JSONField):
            columns[column.name] = "empty"
        else:
            columns[column.name] = "marker"
    return columns | treatments


REGISTRY: list[PersonalData] = [
    PersonalData(
        "baskets.Basket",
        lambda s, v: Basket.objects.filter(pk__in=s.basket_ids),
        personal_columns(
            Basket,
            # Orders need the billing country for tax.
            payment_address="country",
            # What the shop or shopper wrote; visible to staff, but it may name them.
            billing_object="marker",
            order_comment="marker",
            lock_reason="scrub",
            last_error="scrub",
        ),
    ),
    PersonalData(
        "baskets.BasketEvent",
        lambda s, v: BasketEvent.objects.filter(basket_guid__in=s.basket_guids),
        {"reason": "scrub", "payload": "scrub"},
    ),
    PersonalData(
        "baskets.PaymentResult",
        lambda s, v: PaymentResult.objects.filter(basket_guid__in=s.basket_guids),
        {"note": "scrub", "response_body": "scrub"},
    ),
    PersonalData(
        "baskets.OutboxEvent",
        lambda s, v: OutboxEvent.objects.filter(basket_guid__in=s.basket_guids),
        {"payload": "scrub"},
    ),
    PersonalData(
        "baskets.Order",
        lambda s, v: Order.objects.filter(basket_id__in=s.basket_ids),
        {"accounts_receivable_note": "scrub"},
    ),
    PersonalData(
        "baskets.ShopAccount",
        lambda s, v: ShopAccount.objects.filter(pk__in=s.shop_account_ids),
        {"name": "marker", "email": "blank"},
    ),
    PersonalData(
        "baskets.CustomerAccount",
        lambda s, v: CustomerAccount.objects.filter(pk__in=s.customer_account_ids),
        personal_columns(CustomerAccount),
    ),
    PersonalData(
        "auth.User",
        lambda s, v: get_user_model().objects.filter(pk__in=s.user_ids),
        {"username": "username", "first_name": "blank", "last_name": "blank", "email": "blank"},
    ),
    PersonalData(
        "completion.UpsellOffer",
        lambda s, v: UpsellOffer.objects.filter(basket_id__in=s.basket_ids),
        {"charge_error": "scrub"},
    ),
    PersonalData(
        "completion.CompletionFailureClosure",
        lambda s, v: CompletionFailureClosure.objects.filter(basket_id__in=s.basket_ids),
        {"reason": "scrub"},
    ),
    PersonalData(
        "abandonment.Abandonment",
        lambda s, v: Abandonment.objects.filter(pk__in=s.abandonment_ids),
        personal_columns(Abandonment),
    ),
    PersonalData(
        "abandonment.ReminderSend",
        lambda s, v: ReminderSend.objects.filter(
            Q(abandonment_id__in=s.abandonment_ids) | _any_iexact("email", s.emails)
        ),
        {"email": "blank"},
    ),
    # A bounce or complaint about the address: it goes with the shopper (nothing is mailed
    # to an erased shopper, who no longer has an address here).
    PersonalData(
        "abandonment.ReminderSuppression",
        lambda s, v: ReminderSuppression.objects.filter(_any_iexact("email", s.emails)),
        delete=True,
    ),
    # A reminder's incentive code issued to the shopper: the code stays, the recipient goes.
    PersonalData(
        "baskets.Coupon",
        lambda s, v: Coupon.objects.filter(_any_iexact("issued_to", s.emails)),
        {"issued_to": "blank"},
    ),
    PersonalData(
        "recovery.ReminderOptOut",
        lambda s, v: ReminderOptOut.objects.filter(_any_iexact("email", s.emails)),
        delete=True,
    ),
    PersonalData(
        "recovery.UnsubscribeToken",
        lambda s, v: UnsubscribeToken.objects.filter(
            Q(shop_account_id__in=s.shop_account_ids) | _any_iexact("email", s.emails)
        ),
        delete=True,
    ),
    PersonalData(
        "recovery.ShopperHandover",
        lambda s, v: ShopperHandover.objects.filter(
            Q(shop_account_id__in=s.shop_account_ids)
            | Q(customer_account_id__in=s.customer_account_ids)
        ),
        delete=True,
    ),
    PersonalData(
        "webhooks.WebhookDelivery",
        lambda s, v: WebhookDelivery.objects.filter(basket_guid__in=s.basket_guids),
        {"payload": "scrub"},
    ),
    PersonalData(
        "webhooks.WebhookAttempt",
        lambda s, v: WebhookAttempt.objects.filter(delivery__basket_guid__in=s.basket_guids),
        {"response_excerpt": "scrub", "error": "scrub"},
    ),
    PersonalData(
        "admin.LogEntry",
        lambda s, v: _admin_log_rows(s),
        {"object_repr": "scrub", "change_message": "scrub"},
    ),
    # Login failures and successes keep the login name and the IP address.
    *(
        PersonalData(
            f"axes.{model.__name__}",
            lambda s, v, model=model: model.objects.filter(
                _any_iexact("username", _usernames(s, v))
            ),
            delete=True,
        )
        for model in (AccessAttempt, AccessLog, AccessFailureLog)
    ),
]


# Tables whose name-like columns hold no shopper's data, and why.
NOT_SHOPPER_DATA: dict[str, str] = {
    "auth.permission": "permission names",
    "auth.group": "staff role names",
    "baskets.product": "catalogue names",
    "baskets.variant": "catalogue names",
    "baskets.businesssettingchange": "setting names",
    "operations.workerheartbeat": "worker and host names",
    "abandonment.reportschedule": "report names; recipients are staff users",
    "webhooks.webhookendpoint": "the shop's own receivers",
    "baskets.salesperson": "staff of the shop, through their shop account (erased there)",
}


def registry_uncovered() -> dict[str, set[str]]:
    """Per table, the personal fields (``baskets.personal_data``) its entry does not erase:
    columns only (a relation is erased in the table it points to); a table personal as a
    whole needs an entry."""
    entries = {entry.label.lower(): entry for entry in REGISTRY}
    uncovered: dict[str, set[str]] = {}
    for label, names in PERSONAL_FIELDS.items():
        if label in NOT_SHOPPER_DATA:
            continue
        entry = entries.get(label)
        if names is None:
            if entry is None:
                uncovered[label] = {"(the whole row)"}
            continue
        model = apps.get_model(label)
        columns = {
            f.name for f in model._meta.concrete_fields
            if f.related_model is None and f.name in names
        }  # fmt: skip
        erased = set() if entry is None else (columns if entry.delete else set(entry.fields))
        if columns - erased:
            uncovered[label] = columns - erased
    return uncovered


# A column that may hold a shopper's data: by its type, or by its name.
_PERSONAL_TYPES = ("EmailField", "GenericIPAddressField")
_PERSONAL_NAMES = ("email", "name", "phone", "address", "ip_address", "comment")


def registry_missing(models) -> list[str]:
    """Of ``models``, the tables with a column that looks personal (an e-mail or IP type, or
    a name with e-mail, name, phone, address or comment in it) that have no entry here and
    are not in ``NOT_SHOPPER_DATA``."""
    known = {entry.label.lower() for entry in REGISTRY} | set(NOT_SHOPPER_DATA)
    missing = []
    for model in models:
        if model._meta.proxy or model._meta.label_lower in known:
            continue
        if any(
            type(f).__name__ in _PERSONAL_TYPES or any(n in f.name for n in _PERSONAL_NAMES)
            for f in model._meta.concrete_fields
            if f.related_model is None
        ):
            missing.append(model._meta.label_lower)
    return missing
