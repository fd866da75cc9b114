"""One side of a payment-result race (for test_payment_races.py).

Usage: python -m tests.support.payment_race_worker ROLE START_AT ID:GUID [ID:GUID ...]
ROLE is paid (a storefront's payment result), paid-keyed (the same, always with the
Idempotency-Key "KEY-<id>", as a provider retrying), unlock or delete (a staff decision).
Prints one line per basket: "<id> changed|unchanged|refused|recorded".
"""

import os
import sys
import time
from decimal import Decimal

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "basketops.settings")
    django.setup()
    from baskets.exceptions import BasketError
    from baskets.models import Basket
    from baskets.services.actors import Actor
    from baskets.services.locked_carts import locked_cart_delete, locked_cart_unlock
    from baskets.services.payments import payment_result_record

    role, start_at, *pairs = sys.argv[1:]
    actor = Actor.system(f"race-{role}-{os.getpid()}")
    Basket.objects.exists()  # connect before the start line
    while time.time() < float(start_at):
        time.sleep(0.001)
    for pair in pairs:
        basket_id, guid = pair.split(":")
        try:
            if role in ("paid", "paid-keyed"):
                answer = payment_result_record(
                    guid=guid,
                    result="paid",
                    actor=actor,
                    amount=Decimal("0.00"),
                    currency="EUR",
                    provider_reference=f"PAY-{basket_id}",
                    idempotency_key=f"KEY-{basket_id}" if role == "paid-keyed" else "",
                )
                outcome = "changed" if answer.body["outcome"] == "applied" else "recorded"
            else:
                service = locked_cart_unlock if role == "unlock" else locked_cart_delete
                changed = service(basket_id=int(basket_id), actor=actor, reason="race")
                outcome = "changed" if changed else "unchanged"
        except BasketError:
            outcome = "refused"
        print(basket_id, outcome, flush=True)


if __name__ == "__main__":
    main()
