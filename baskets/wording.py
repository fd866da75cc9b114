"""Stored values as staff read them: a timeline entry's details, codes and lists in words.

A timeline's payload is kept as JSON for the record (``{"stage": {"from": "manage_booking",
"to": "payment"}}``); a page shows it as "Stage: Manage booking → Payment". Codes the
product knows (statuses, stages, timeline actions, webhook event types) read as their
labels, other codes as words; lists as lists ("WELCOME10, SPRING5"), a change as "from →
to", an amount with its currency, a moment in the staff member's time zone and locale.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from .models import AccountType, EventType, PurchaserType, Stage, Status, TimelineAction

# What a payload key means, where the key itself says it badly; any other key reads as
# words ("balance_after" -> "Balance after").
KEY_LABELS: dict[str, Any] = {
    "payment_reference": _("Payment reference"),
    "product_id": _("Product"),
    "variant_id": _("Variant"),
    "line_id": _("Line"),
    "webhook_id": _("Webhook message"),
    "status_code": _("HTTP status"),
    "duration_ms": _("Duration (ms)"),
    "staff_mail": _("Staff e-mail"),
    "step": _("Reminder step"),
    "erasure_id": _("Erasure"),
    "masked_card_number": _("Card"),
    "finalise_at": _("Finalise at"),
    "at": _("At"),
}
# Amounts shown with the payload's currency, and the currency then not again on its own.
AMOUNT_KEYS = frozenset({"amount", "total", "unit_price", "balance_after", "from", "to"})
YES, NO, NOTHING = _("yes"), _("no"), _("none")

_CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def _known_codes() -> dict[str, str]:
    labels: dict[str, str] = {}
    for choices in (TimelineAction, PurchaserType, AccountType, Stage, Status):
        labels.update((value, str(label)) for value, label in choices.choices)
    # A webhook event type's label is its name on the wire: in words here.
    labels.update((value, words(value)) for value in EventType.values)
    return labels


def words(code: str) -> str:
    """A code as words: "basket.status_changed" -> "Basket status changed"."""
    text = re.sub(r"[_.]+", " ", code).strip()
    return text[:1].upper() + text[1:]


def code_label(value: str) -> str:
    """A code's label (a status, stage, action, event type), a code-like text as words,
    anything else unchanged."""
    known = _known_codes().get(value)
    if known is not None:
        return known
    return words(value) if _CODE.match(value) else value


def codes_in_words(text: str) -> str:
    """``text`` (a reason written by the product) with the product's codes in it as labels."""
    known = _known_codes()
    return re.sub(
        r"\b[a-z][a-z0-9]*(?:[_.][a-z0-9]+)+\b",
        lambda match: known.get(match.group(0), match.group(0)),
        text,
    )


def key_label(key: str) -> str:
    label = KEY_LABELS.get(key)
    return str(label) if label is not None else words(key).replace(" id", " ID")


def moment_text(value: str) -> str | None:
    """An ISO date and time as the staff member's locale writes it, else None."""
    if not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value):
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is None:
        return None
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def value_text(value: Any, *, currency: str = "", key: str = "") -> str:
    """One payload value as words: lists as lists, a change as "from → to", an amount
    with its currency."""
    if value is None:
        return str(NOTHING)
    if isinstance(value, bool):
        return str(YES if value else NO)
    if isinstance(value, Mapping):
        if set(value) == {"from", "to"}:
            return "{} → {}".format(
                value_text(value["from"], currency=currency, key=key),
                value_text(value["to"], currency=currency, key=key),
            )
        return ", ".join(
            f"{key_label(name)} {value_text(item, currency=currency, key=name)}"
            for name, item in value.items()
            if name != "currency" or not currency
        )
    if isinstance(value, list | tuple):
        if not value:
            return str(NOTHING)
        separator = "; " if any(isinstance(item, Mapping) for item in value) else ", "
        return separator.join(value_text(item, currency=currency) for item in value)
    if isinstance(value, str):
        moment = moment_text(value)
        if moment is not None:
            return moment
        if currency and key in AMOUNT_KEYS and re.fullmatch(r"-?\d+(?:\.\d+)?", value):
            return f"{value} {currency}"
        return code_label(value)
    return str(value)


def details_lines(payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A timeline entry's details as (label, text) pairs, by label (the database keeps no
    order of a payload's keys); the currency goes with the amounts it belongs to."""
    currency = payload.get("currency") if isinstance(payload.get("currency"), str) else ""
    has_amount = any(key in AMOUNT_KEYS or key == "lines" for key in payload)
    return sorted(
        (key_label(key), value_text(value, currency=currency, key=key))
        for key, value in payload.items()
        if not (key == "currency" and currency and has_amount)
    )


def list_text(values: Iterable[Any]) -> str:
    """A stored list ("coupon codes") as staff write one: "WELCOME10, SPRING5"."""
    return value_text(list(values)) if values else ""


def actor_text(label: str) -> str:
    """A timeline actor: "staff:alice" -> "Staff: alice", "system:provider-check" ->
    "System: provider check"."""
    kind, _colon, name = label.partition(":")
    kinds = {
        "staff": _("Staff"),
        "api": _("API client"),
        "shopper": _("Shopper"),
        "system": _("System"),
    }
    shown = str(kinds.get(kind, kind))
    if not name:
        return shown
    if kind == "system":
        name = name.replace("-", " ").replace("_", " ")
    return f"{shown}: {name}"
