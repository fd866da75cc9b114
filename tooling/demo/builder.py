"""Demo baskets in every status, with their lines, events and (when completed) orders."""

import random
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from abandonment.models import Abandonment
from basketops.business import business_setting
from baskets.models import (
    AccountType,
    Basket,
    BasketEvent,
    CourseEnrolment,
    Invoice,
    ItemKind,
    Line,
    Order,
    OrderLine,
    PurchaserType,
    Stage,
    Status,
    TimelineAction,
)
from baskets.models.orders import invoice_number, order_number

from ..bulk import bulk_load, next_id
from .parties import DELIVERY, ERRORS, FIRST_NAMES, LAST_NAMES, LOCATIONS, PAYMENT, Parties

# Share of baskets in each status; most baskets are still being filled or were left.
STATUS_WEIGHTS = {
    Status.ACTIVE: 55,
    Status.LOCKED: 3,
    Status.AWAITING_COMPLETION: 5,
    Status.COMPLETED: 34,
    Status.COMPLETION_FAILED: 3,
}
# Activity spreads over this many days up to today, the same number of baskets each day,
# made in shop hours (from OPENS, for SHOP_HOURS), so each day's abandonments are that day's.
DEMO_DAYS = 90
OPENS = time(7)
SHOP_HOURS = 12
# Share of the completed baskets that were abandoned first and came back (recovered).
RECOVERED_SHARE = 0.25
# Share of the captured abandonments that got a reminder e-mail.
REMINDED_SHARE = 0.6


def _basket_defaults() -> dict:
    values = {}
    for model_field in Basket._meta.concrete_fields:
        if model_field.name == "id":
            continue
        if model_field.has_default():
            values[model_field.name] = model_field.get_default()
        elif model_field.null:
            values[model_field.name] = None
        else:
            values[model_field.name] = ""
    return values


BASKET_COLUMNS = [f.name for f in Basket._meta.concrete_fields]
LINE_COLUMNS = [
    "id",
    "basket",
    "kind",
    "product_id",
    "variant_id",
    "quantity",
    "unit_of_measure_id",
    "unit_price",
    "booked_user_id",
]
EVENT_COLUMNS = [
    "basket",
    "basket_guid",
    "action",
    "from_status",
    "to_status",
    "actor",
    "actor_label",
    "reason",
    "payload",
    "created_at",
]
ORDER_COLUMNS = [
    "id",
    "basket",
    "number",
    "total",
    "currency",
    "created_at",
    "accounts_receivable_at",
    "accounts_receivable_note",
]
ORDER_LINE_COLUMNS = [
    "id",
    "order",
    "kind",
    "product_id",
    "variant_id",
    "quantity",
    "unit_of_measure_id",
    "unit_price",
    "booked_user_id",
]
INVOICE_COLUMNS = ["order", "number", "amount", "currency", "created_at"]
ABANDONMENT_COLUMNS = [
    "basket",
    "basket_guid",
    "captured_at",
    "last_activity_at",
    "shop_account_email",
    "email",
    "name",
    "payment_address",
    "coupon_codes",
    "total",
    "currency",
    "lines",
    "recovered_at",
    "reminded_at",
    "reminder_email",
    "reminders_sent",
]
ENROLMENT_COLUMNS = ["order", "order_line", "course_id", "booked_user_id", "created_at"]


class DemoChunk:
    """The rows of one chunk of baskets, across every table they touch."""

    def __init__(self):
        self.baskets: list[tuple] = []
        self.lines: list[tuple] = []
        self.events: list[tuple] = []
        self.orders: list[tuple] = []
        self.order_lines: list[tuple] = []
        self.invoices: list[tuple] = []
        self.enrolments: list[tuple] = []
        self.abandonments: list[tuple] = []

    def write(self) -> None:
        with transaction.atomic():
            bulk_load(Basket, BASKET_COLUMNS, self.baskets)
            bulk_load(Line, LINE_COLUMNS, self.lines)
            bulk_load(BasketEvent, EVENT_COLUMNS, self.events)
            bulk_load(Order, ORDER_COLUMNS, self.orders)
            bulk_load(OrderLine, ORDER_LINE_COLUMNS, self.order_lines)
            bulk_load(Invoice, INVOICE_COLUMNS, self.invoices)
            bulk_load(CourseEnrolment, ENROLMENT_COLUMNS, self.enrolments)
            bulk_load(Abandonment, ABANDONMENT_COLUMNS, self.abandonments)


class DemoBuilder:
    """Builds baskets one at a time into a chunk; ids continue from what the tables hold.

    The ``total`` baskets spread evenly over the last DEMO_DAYS days, oldest first. Active
    lead baskets idle past BASKET_ABANDON_AFTER are captured as abandonments the way the
    sweep would have done at the time, some of them reminded; a share of the completed ones
    were abandoned first and recovered. Each day keeps at least one basket that was never
    abandoned, so no day shows an abandonment rate of 100 % or more."""

    def __init__(
        self,
        rng: random.Random,
        parties: Parties,
        catalogue,
        now: datetime,
        lines_per_basket: int | None = None,
        statuses: dict | None = None,
        total: int = 1,
    ):
        self.rng = rng
        self.parties = parties
        self.catalogue = catalogue
        self.now = now
        self.lines_per_basket = lines_per_basket
        weights = statuses or STATUS_WEIGHTS
        self.status_choices = list(weights)
        self.status_weights = list(weights.values())
        self.defaults = _basket_defaults()
        self.basket_id = next_id(Basket)
        self.line_id = next_id(Line)
        self.order_id = next_id(Order)
        self.order_line_id = next_id(OrderLine)
        self.total = max(total, 1)
        self.index = 0
        self.today = timezone.localdate(now)
        self.abandon_after = business_setting("BASKET_ABANDON_AFTER")
        # Baskets each day gets (``index * DEMO_DAYS // total`` picks the day) and the
        # abandonments captured on it so far.
        self.planned: dict[date, int] = {}
        for index in range(self.total):
            day = self._day(index)
            self.planned[day] = self.planned.get(day, 0) + 1
        self.captured: dict[date, int] = {}

    def _day(self, index: int) -> date:
        return self.today - timedelta(days=DEMO_DAYS - 1 - index * DEMO_DAYS // self.total)

    def _created_at(self) -> datetime:
        rng = self.rng
        day = self._day(self.index)
        self.index += 1
        opens = timezone.make_aware(datetime.combine(day, OPENS))
        created = opens + timedelta(seconds=rng.randrange(0, SHOP_HOURS * 3600))
        if created > self.now - timedelta(minutes=10):
            created = self.now - timedelta(seconds=rng.randrange(600, 3600))
        return created

    def _capture_allowed(self, captured_at: datetime) -> bool:
        """Whether an abandonment captured then keeps its day under one per basket made."""
        if captured_at > self.now:
            return False
        day = timezone.localdate(captured_at)
        return self.captured.get(day, 0) + 1 < self.planned.get(day, 0)

    def _capture_count(self, captured_at: datetime) -> None:
        day = timezone.localdate(captured_at)
        self.captured[day] = self.captured.get(day, 0) + 1

    def add(self, chunk: DemoChunk) -> None:
        rng = self.rng
        basket_id = self.basket_id
        self.basket_id += 1
        status = rng.choices(self.status_choices, self.status_weights)[0]
        created = self._created_at()
        values = dict(self.defaults)
        values.update(
            id=basket_id,
            guid=uuid.uuid4(),
            status=status,
            created_at=created,
            currency="EUR",
            location=rng.choice(LOCATIONS),
        )
        left = created + timedelta(seconds=rng.randrange(0, 3 * 3600))
        left = min(left, self.now - timedelta(minutes=5))
        captured_at = left + self.abandon_after + timedelta(seconds=rng.randrange(30, 300))
        capture = self._capture_allowed(captured_at)
        if status == Status.ACTIVE and captured_at <= self.now and not capture:
            # Idle, but never a lead (no way to reach the shopper): not abandoned.
            values["account_type"] = AccountType.of(has_party=False, is_prospect=False)
        else:
            self._party(values, status)
        lines = self._lines(chunk, basket_id)
        total = sum((price * quantity for _k, _p, _v, quantity, _u, price, _b in lines), Decimal(0))
        values["total"] = total
        values["booked_user_id"] = next((b for *_rest, b in lines if b), "")
        lead = bool(values["shop_account"] or values["email"])
        abandonment = None
        modified = left
        if capture and lead and status == Status.ACTIVE:
            abandonment = self._abandonment(values, lines, left, captured_at, recovered_at=None)
        elif capture and lead and status == Status.COMPLETED and rng.random() < RECOVERED_SHARE:
            recovered_at = captured_at + timedelta(seconds=rng.randrange(3600, 2 * 86400))
            if recovered_at < self.now - timedelta(minutes=10):
                abandonment = self._abandonment(values, lines, left, captured_at, recovered_at)
                modified = recovered_at
        values.update(modified_at=modified, last_activity_at=modified)
        self._progress(values, status, modified)
        self._events(chunk, values, status, abandonment)
        if abandonment is not None:
            chunk.abandonments.append(tuple(abandonment[name] for name in ABANDONMENT_COLUMNS))
        if status == Status.COMPLETED:
            self._order(chunk, values, lines)
        chunk.baskets.append(tuple(values[name] for name in BASKET_COLUMNS))

    def _abandonment(self, values, lines, left, captured_at, recovered_at) -> dict:
        """The abandonment the sweep captured then, as it stored the basket's contents."""
        self._capture_count(captured_at)
        values["abandoned_at"] = captured_at
        account_email = (
            f"login{values['shop_account']}@example.com" if values["shop_account"] else ""
        )
        email = account_email or values["email"]
        reminded_at = captured_at + timedelta(hours=1)
        reminded = self.rng.random() < REMINDED_SHARE and reminded_at < (recovered_at or self.now)
        return {
            "basket": values["id"],
            "basket_guid": values["guid"],
            "captured_at": captured_at,
            "last_activity_at": left,
            "shop_account_email": account_email,
            "email": email,
            "name": values["purchaser_label"][:200],
            "payment_address": values["payment_address"] or {},
            "coupon_codes": values["coupon_codes"] or [],
            "total": values["total"],
            "currency": values["currency"],
            "lines": [
                {
                    "product_id": product_id,
                    "variant_id": variant_id,
                    "quantity": quantity,
                    "unit_price": str(price),
                }
                for _kind, product_id, variant_id, quantity, _uom, price, _booked in lines
            ],
            "recovered_at": recovered_at,
            "reminded_at": reminded_at if reminded else None,
            "reminder_email": email if reminded else "",
            "reminders_sent": 1 if reminded else 0,
        }

    def _party(self, values: dict, status: str) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            values["account_type"] = AccountType.of(has_party=False, is_prospect=False)
            if status != Status.ACTIVE or rng.random() < 0.4:
                # A guest who passed the login/register step as a guest purchaser, most
                # with an address to reach them by.
                values.update(
                    purchaser_label=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    purchaser_type=PurchaserType.USER,
                )
                if rng.random() < 0.7:
                    values["email"] = f"guest{values['id']}@example.com"
            return
        customer_id, name, erp, ptype, prospect = rng.choice(self.parties.customers)
        shop_account_id, login_name = rng.choice(self.parties.shop_accounts[customer_id])
        values.update(
            customer_account=customer_id,
            shop_account=shop_account_id,
            purchaser_label=name,
            purchaser_type=ptype,
            purchaser_id=erp,
            billing_object=f"{name} / {erp}",
        )
        values["account_type"] = AccountType.of(has_party=True, is_prospect=prospect)
        if prospect or roll > 0.93:
            salesperson_id, _related = rng.choice(self.parties.salespersons)
            values["salesperson"] = salesperson_id

    def _lines(self, chunk: DemoChunk, basket_id: int) -> list[tuple]:
        rng = self.rng
        count = self.lines_per_basket or rng.choices([1, 2, 3, 4, 5], [20, 25, 25, 18, 12])[0]
        lines = []
        for _ in range(count):
            product_id, kind, price, uom, variants = rng.choice(self.catalogue)
            variant_id = rng.choice(variants) if variants else ""
            quantity = 1 if kind == ItemKind.COURSE else rng.randint(1, 5)
            booked = f"U{rng.randrange(1, 500000):06d}" if kind == ItemKind.COURSE else ""
            line = (kind, product_id, variant_id, quantity, uom, price, booked)
            lines.append(line)
            chunk.lines.append((self.line_id, basket_id, *line))
            self.line_id += 1
        return lines

    def _progress(self, values: dict, status: str, modified: datetime) -> None:
        """Stage, checkout flags and payment data consistent with the status."""
        rng = self.rng
        stages = list(Stage.values)
        if status == Status.ACTIVE:
            values["stage"] = rng.choice(stages[:5] if values["purchaser_label"] else stages[:1])
        else:
            values["stage"] = Stage.CONFIRMATION if status == Status.COMPLETED else Stage.PAYMENT
        stage_index = stages.index(values["stage"])
        if stage_index >= 2:
            values.update(
                delivery_method=rng.choice(DELIVERY),
                payment_method=rng.choice(PAYMENT),
                payment_address={
                    "line1": f"{rng.randint(1, 200)} Market Street",
                    "city": "Springfield",
                    "country": values["location"],
                },
                booking_id=f"BK{values['id']:08d}",
            )
            values["delivery_address"] = dict(values["payment_address"])
        if stage_index >= 3 and rng.random() < 0.8:
            values["additional_information_supplied_at"] = modified
        if stage_index >= 4 and rng.random() < 0.7:
            values["manage_booking_completed_at"] = modified
        if rng.random() < 0.15:
            values["coupon_codes"] = ["WELCOME10"]
        if status == Status.ACTIVE:
            return
        values.update(
            payment_started_at=modified,
            payment_reference=f"PSP-{uuid.uuid4().hex[:12]}",
            masked_card_number=f"**** **** **** {rng.randint(0, 9999):04d}",
        )
        if status == Status.LOCKED:
            values.update(
                locked_at=min(modified + timedelta(minutes=30), self.now),
                lock_reason="The shopper never came back from the payment page.",
            )
            return
        values["paid_at"] = modified
        if status == Status.COMPLETED:
            values["completed_at"] = modified + timedelta(minutes=1)
            values["completion_attempts"] = 1
            values["last_attempt_at"] = values["completed_at"]
        elif status == Status.COMPLETION_FAILED:
            values.update(
                completion_attempts=3,
                last_attempt_at=modified + timedelta(minutes=3),
                last_error=rng.choice(ERRORS),
            )

    def _events(self, chunk: DemoChunk, values: dict, status: str, abandonment) -> None:
        """The timeline as the services write it: made, reminded, recovered, paid, ..."""
        basket_id, guid = values["id"], values["guid"]

        def event(action, from_status, to_status, at, actor, reason="", payload=None):
            chunk.events.append(
                (
                    basket_id,
                    guid,
                    action,
                    from_status,
                    to_status,
                    None,
                    actor,
                    reason,
                    payload or {},
                    at,
                )
            )

        active = Status.ACTIVE
        event(TimelineAction.CREATE, "", active, values["created_at"], "api:storefront")
        if abandonment is not None and abandonment["reminded_at"] is not None:
            event(
                TimelineAction.REMINDER_SENT,
                active,
                active,
                abandonment["reminded_at"],
                "system:reminders",
                "Reminder 1: You left something in your basket",
                {"step": 1},
            )
        if abandonment is not None and abandonment["recovered_at"] is not None:
            event(
                TimelineAction.RECOVER,
                active,
                active,
                abandonment["recovered_at"],
                "shopper:anonymous",
                "Recovered through the basket link.",
                {"abandoned_at": abandonment["captured_at"].isoformat()},
            )
        if values["payment_started_at"] is not None:
            event(
                TimelineAction.PAYMENT_STARTED,
                active,
                active,
                values["payment_started_at"],
                "api:storefront",
                payload={"payment_reference": values["payment_reference"]},
            )
        if status == Status.LOCKED:
            event(
                TimelineAction.LOCK,
                active,
                Status.LOCKED,
                values["locked_at"],
                "system:payments",
                values["lock_reason"],
            )
        elif status != active:
            event(
                TimelineAction.MARK_PAID,
                active,
                Status.AWAITING_COMPLETION,
                values["paid_at"],
                "api:storefront",
            )
        if status == Status.COMPLETED:
            event(
                TimelineAction.COMPLETE,
                Status.AWAITING_COMPLETION,
                Status.COMPLETED,
                values["completed_at"],
                "system:completion",
            )
        elif status == Status.COMPLETION_FAILED:
            event(
                TimelineAction.FAIL_COMPLETION,
                Status.AWAITING_COMPLETION,
                Status.COMPLETION_FAILED,
                values["last_attempt_at"],
                "system:completion",
                values["last_error"],
            )

    def _order(self, chunk: DemoChunk, values: dict, lines: list[tuple]) -> None:
        order_id = self.order_id
        self.order_id += 1
        at = values["completed_at"]
        number, invoice = order_number(values["id"]), invoice_number(values["id"])
        chunk.orders.append((order_id, values["id"], number, values["total"], "EUR", at, None, ""))
        chunk.invoices.append((order_id, invoice, values["total"], "EUR", at))
        for kind, product_id, variant_id, quantity, uom, price, booked in lines:
            line_id = self.order_line_id
            self.order_line_id += 1
            chunk.order_lines.append(
                (line_id, order_id, kind, product_id, variant_id, quantity, uom, price, booked)
            )
            if kind == ItemKind.COURSE:
                chunk.enrolments.append((order_id, line_id, product_id, booked, at))
