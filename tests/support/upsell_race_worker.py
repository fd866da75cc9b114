"""One side of an upsell-charge race (for test_upsell_charges.py).

Usage: python -m tests.support.upsell_race_worker ROLE START_AT ID:GUID [ID:GUID ...]
ROLE is upsell (the finaliser, charging each basket's due offer through PAYMENT_GATEWAY),
paid (the storefront's payment provider reporting the basket paid for its total) or
paid-during-charge (the same, each sent once the gateway has started charging that basket:
see ``UPSELL_CHARGE_MARKERS`` in ledger_gateway.py).
Prints one line per basket: "<id> finalised|skipped" or "<id> applied|reconciliation".
"""

import os
import sys
import time
from pathlib import Path

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "basketops.settings")
    django.setup()
    from baskets.models import Basket
    from baskets.services.actors import Actor
    from baskets.services.payments import payment_result_record
    from completion.models import UpsellOffer
    from completion.services import upsell_finalise

    role, start_at, *pairs = sys.argv[1:]
    actor = Actor.system(f"race-{role}-{os.getpid()}")
    offers = dict(UpsellOffer.objects.values_list("basket_id", "id"))  # connects, too
    totals = dict(Basket.objects.values_list("id", "total"))
    while time.time() < float(start_at):
        time.sleep(0.001)
    for pair in pairs:
        basket_id, guid = pair.split(":")
        if role == "upsell":
            done = upsell_finalise(offer_id=offers[int(basket_id)])
            outcome = "finalised" if done else "skipped"
        else:
            if role == "paid-during-charge":
                marker = Path(os.environ["UPSELL_CHARGE_MARKERS"]) / guid
                waited_until = time.monotonic() + 60  # never hang a test run
                while not marker.exists() and time.monotonic() < waited_until:
                    time.sleep(0.005)
            answer = payment_result_record(
                guid=guid,
                result="paid",
                actor=actor,
                amount=totals[int(basket_id)],
                currency="EUR",
                provider_reference=f"PAY-{basket_id}",
            )
            outcome = answer.body["outcome"]
        print(basket_id, outcome, flush=True)


if __name__ == "__main__":
    main()
