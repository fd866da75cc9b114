"""One shopper paying with a shared gift card (for test_gift_cards.py).

Usage: python -m tests.support.gift_card_race_worker ROLE START_AT ID:GUID [ID:GUID ...]
ROLE names the process in the timeline. For each basket: move it to the Payment stage (which
reserves what its gift cards have left), then report it paid for the total that stage move
answered, as a storefront and its payment provider would. Prints one line per basket:
"<id> <total paid>".
"""

import os
import sys
import time
from decimal import Decimal

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "basketops.settings")
    django.setup()
    from baskets.models import Basket, Stage
    from baskets.services.actors import Actor
    from baskets.services.payments import payment_result_record
    from baskets.services.storefront import basket_stage_move

    role, start_at, *pairs = sys.argv[1:]
    actor = Actor.system(f"race-{role}-{os.getpid()}")
    Basket.objects.exists()  # connect before the start line
    while time.time() < float(start_at):
        time.sleep(0.001)
    for pair in pairs:
        basket_id, guid = pair.split(":")
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
        print(basket_id, basket.total, flush=True)


if __name__ == "__main__":
    main()
