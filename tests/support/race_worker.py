"""Run one transition on many baskets, starting at an agreed moment (for the race tests).

Usage: python -m tests.support.race_worker ACTION START_AT ID [ID ...]
Prints one line per basket: "<id> changed|unchanged|refused".
"""

import os
import sys
import time

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "basketops.settings")
    django.setup()
    from baskets.exceptions import TransitionNotAllowed
    from baskets.models import Basket, BasketEvent
    from baskets.services.actors import Actor
    from baskets.services.transitions import RULES, TRANSITION_SERVICES

    action, start_at, *ids = sys.argv[1:]
    service = TRANSITION_SERVICES[action]
    arguments = {"reason": f"race {os.getpid()}"} if action in {"lock", "unlock", "confirm"} else {}
    actor = Actor.system(f"race-{os.getpid()}")
    Basket.objects.exists()  # connect before the start line
    while time.time() < float(start_at):
        time.sleep(0.001)
    for basket_id in ids:
        try:
            result = service(basket_id=int(basket_id), actor=actor, **arguments)
        except TransitionNotAllowed:
            print(basket_id, "refused", flush=True)
            continue
        assert result.status == RULES[action].target
        # Only the process whose call made the change has an event under its name.
        mine = BasketEvent.objects.filter(basket_id=basket_id, actor_label=actor.label).exists()
        print(basket_id, "changed" if mine else "unchanged", flush=True)


if __name__ == "__main__":
    main()
