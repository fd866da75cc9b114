"""Settlement reports (SH-4, seed 003): the provider's own export, uploaded by staff, gives
a proposal for every locked cart at once, which staff then decide in bulk with a reason.

Stripe: the balance-transactions (balance history or itemized balance change) CSV, matched
by ``payment_intent_id`` or ``Source``/``source_id``, amounts in the currency's units.
PayPal: the Activity download CSV, matched by ``Transaction ID`` (the capture) or
``Custom Number`` (the purchase unit's ``custom_id``: the basket GUID)."""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from baskets.exceptions import BasketNotFound, TransitionNotAllowed
from baskets.models import Basket, Status
from baskets.services.actors import Actor
from baskets.services.locked_carts import locked_cart_confirm, locked_cart_unlock

# A proposal's kind: the report shows the money for the cart's total, shows another
# amount (staff look), or does not show the cart's payment at all.
MATCH = "match"
MISMATCH = "mismatch"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class SettlementRow:
    references: frozenset[str]
    amount: Decimal | None
    currency: str


@dataclass(frozen=True)
class Proposal:
    basket_id: int
    guid: str
    reference: str
    kind: str
    note: str


class SettlementReportInvalid(Exception):
    """The file is not a settlement report of the named provider."""


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "").strip())
    except (InvalidOperation, AttributeError):
        return None


def _stripe_rows(rows: list[dict[str, str]]) -> list[SettlementRow]:
    found = []
    for row in rows:
        keys = ("payment_intent_id", "source_id", "Source", "id")
        references = frozenset(row.get(key, "").strip() for key in keys) - {""}
        amount = _decimal(row.get("Amount") or row.get("gross") or "")
        found.append(
            SettlementRow(
                references, amount, (row.get("Currency") or row.get("currency") or "").upper()
            )
        )
    return found


def _paypal_rows(rows: list[dict[str, str]]) -> list[SettlementRow]:
    found = []
    for row in rows:
        if (row.get("Status") or "").strip().lower() not in ("completed", ""):
            continue
        keys = ("Transaction ID", "Custom Number", "Reference Txn ID")
        references = frozenset(row.get(key, "").strip() for key in keys) - {""}
        found.append(
            SettlementRow(
                references, _decimal(row.get("Gross") or ""), (row.get("Currency") or "").upper()
            )
        )
    return found


_READERS = {"stripe": _stripe_rows, "paypal": _paypal_rows}
_REQUIRED = {"stripe": {"Amount", "Currency"}, "paypal": {"Gross", "Currency", "Transaction ID"}}


def settlement_rows(*, provider: str, text: str) -> list[SettlementRow]:
    """The report's payments; ``SettlementReportInvalid`` when it is not that report."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = {name.strip() for name in reader.fieldnames or []}
    lowered = {name.lower() for name in fields}
    if provider not in _READERS or not all(
        name in fields or name.lower() in lowered for name in _REQUIRED[provider]
    ):
        raise SettlementReportInvalid(f"Not a {provider} settlement report (columns missing).")
    rows = [{(key or "").strip(): (value or "") for key, value in row.items()} for row in reader]
    return _READERS[provider](rows)


def settlement_proposals(*, provider: str, text: str) -> list[Proposal]:
    """One proposal per locked cart with a payment reference (oldest lock first)."""
    rows = settlement_rows(provider=provider, text=text)
    proposals = []
    carts = Basket.objects.filter(status=Status.LOCKED).order_by("locked_at", "pk")
    for basket in carts.only("pk", "guid", "payment_reference", "total", "currency"):
        keys = {basket.payment_reference, str(basket.guid)} - {""}
        matching = [row for row in rows if row.references & keys]
        proposals.append(_proposal(basket, matching))
    return proposals


def _proposal(basket: Basket, rows: list[SettlementRow]) -> Proposal:
    common = {
        "basket_id": basket.pk,
        "guid": str(basket.guid),
        "reference": basket.payment_reference,
    }
    if not rows:
        return Proposal(kind=UNKNOWN, note="Not in the report.", **common)
    for row in rows:
        if (row.amount, row.currency) == (basket.total, basket.currency):
            return Proposal(
                kind=MATCH, note=f"Received {row.amount} {row.currency}: confirm.", **common
            )
    seen = ", ".join(f"{row.amount} {row.currency}" for row in rows)
    return Proposal(
        kind=MISMATCH,
        note=f"The report shows {seen}, not the basket's {basket.total} {basket.currency}.",
        **common,
    )


def settlement_decide(
    *, confirm_ids: list[int], unlock_ids: list[int], actor: Actor, reason: str
) -> tuple[int, int]:
    """Confirm and unlock locked carts in bulk, each through its locked-cart service (which
    locks it and re-checks it is still Locked); returns (done, refused)."""
    done = refused = 0
    calls = [(locked_cart_confirm, basket_id) for basket_id in confirm_ids]
    calls += [(locked_cart_unlock, basket_id) for basket_id in unlock_ids]
    for call, basket_id in calls:
        try:
            changed = call(basket_id=basket_id, actor=actor, reason=reason)
        except (BasketNotFound, TransitionNotAllowed):
            changed = False
        done, refused = (done + 1, refused) if changed else (done, refused + 1)
    return done, refused
