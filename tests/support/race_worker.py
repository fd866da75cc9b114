"""One side of a race between processes, all starting at an agreed moment (for the race
tests, through ``tests.support.processes.race``).

Usage: python -m tests.support.race_worker ROLE START_AT ITEM [ITEM ...]
ITEM is "<basket id>:<guid>" (or a basket id alone for the transition roles). Prints one
line per item: "<basket id> <outcome>". The roles:

- ``transition:<action>`` — the transition service of ``action`` (lock, unlock, ...):
  changed (this process's call made the change), unchanged or refused;
- ``payment:paid`` / ``payment:paid-keyed`` — a storefront's payment result (the latter
  always with the Idempotency-Key "KEY-<id>", as a provider retrying): changed or recorded
  (kept for reconciliation), or refused;
- ``payment:unlock`` / ``payment:delete`` — a staff decision on the locked cart: changed,
  unchanged or refused;
- ``gift-card:<name>`` — one shopper paying with a shared gift card: the Payment stage move
  (which reserves what the cards have left), then paid for the total it answered: the total;
- ``upsell:finalise`` — the finaliser charging the basket's due upsell offer: finalised or
  skipped;
- ``upsell:paid`` / ``upsell:paid-during-charge`` — the payment provider reporting the basket
  paid for its total (the latter once the gateway has started charging it: see
  ``UPSELL_CHARGE_MARKERS`` in ledger_gateway.py): applied or reconciliation.
"""

import os
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import django

Act = Callable[[int, str], str]


def transition(action: str, actor) -> Act:
    from baskets.exceptions import TransitionNotAllowed
    from baskets.models import BasketEvent
    from baskets.services.transitions import RULES, TRANSITION_SERVICES

    service = TRANSITION_SERVICES[action]
    arguments = {"reason": f"race {os.getpid()}"} if action in {"lock", "unlock", "confirm"} else {}

    def act(basket_id: int, guid: str) -> str:
        try:
            result = service(basket_id=basket_id, actor=actor, **arguments)
        except TransitionNotAllowed:
            return "refused"
        assert result.status == RULES[action].target
        # Only the process whose call made the change has an event under its name.
        mine = BasketEvent.objects.filter(basket_id=basket_id, actor_label=actor.label).exists()
        return "changed" if mine else "unchanged"

    return act


def payment(decision: str, actor) -> Act:
    from baskets.exceptions import BasketError
    from baskets.services.locked_carts import locked_cart_delete, locked_cart_unlock
    from baskets.services.payments import payment_result_record

    def act(basket_id: int, guid: str) -> str:
        try:
            if decision in ("paid", "paid-keyed"):
                answer = payment_result_record(
                    guid=guid,
                    result="paid",
                    actor=actor,
                    amount=Decimal("0.00"),
                    currency="EUR",
                    provider_reference=f"PAY-{basket_id}",
                    idempotency_key=f"KEY-{basket_id}" if decision == "paid-keyed" else "",
                )
                return "changed" if answer.body["outcome"] == "applied" else "recorded"
            service = locked_cart_unlock if decision == "unlock" else locked_cart_delete
            changed = service(basket_id=basket_id, actor=actor, reason="race")
            return "changed" if changed else "unchanged"
        except BasketError:
            return "refused"

    return act


def gift_card(_name: str, actor) -> Act:
    from baskets.models import Stage
    from baskets.services.payments import payment_result_record
    from baskets.services.storefront import basket_stage_move

    def act(basket_id: int, guid: str) -> str:
        basket = basket_stage_move(guid=guid, stage=Stage.PAYMENT, actor=actor)
        answer = payment_result_record(
            guid=guid,
            result="paid",
            actor=actor,
            amount=Decimal(basket.total),
            currency=basket.currency,
            provider_reference=f"PAY-{guid[:8]}",
        )
        assert answer.body["outcome"] == "applied", answer.body
        return str(basket.total)

    return act


def upsell(side: str, actor) -> Act:
    from baskets.models import Basket
    from baskets.services.payments import payment_result_record
    from completion.models import UpsellOffer
    from completion.services import upsell_finalise

    offers = dict(UpsellOffer.objects.values_list("basket_id", "id"))
    totals = dict(Basket.objects.values_list("id", "total"))

    def act(basket_id: int, guid: str) -> str:
        if side == "finalise":
            return "finalised" if upsell_finalise(offer_id=offers[basket_id]) else "skipped"
        if side == "paid-during-charge":
            marker = Path(os.environ["UPSELL_CHARGE_MARKERS"]) / guid
            waited_until = time.monotonic() + 60  # never hang a test run
            while not marker.exists() and time.monotonic() < waited_until:
                time.sleep(0.005)
        answer = payment_result_record(
            guid=guid,
            result="paid",
            actor=actor,
            amount=totals[basket_id],
            currency="EUR",
            provider_reference=f"PAY-{basket_id}",
        )
        return answer.body["outcome"]

    return act


ROLES: dict[str, Callable[[str, object], Act]] = {
    "transition": transition,
    "payment": payment,
    "gift-card": gift_card,
    "upsell": upsell,
}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "basketops.settings")
    django.setup()
    from baskets.models import Basket
    from baskets.services.actors import Actor

    role, start_at, *items = sys.argv[1:]
    kind, _, detail = role.partition(":")
    actor = Actor.system(f"race-{role.replace(':', '-')}-{os.getpid()}")
    act = ROLES[kind](detail, actor)  # its set-up reads happen before the start line
    Basket.objects.exists()  # connect before the start line
    while time.time() < float(start_at):
        time.sleep(0.001)
    for item in items:
        basket_id, _, guid = item.partition(":")
        print(basket_id, act(int(basket_id), guid), flush=True)


if __name__ == "__main__":
    main()
