"""What each transition service is called with in the transition tests."""

# The keyword arguments each service takes besides basket_id and actor.
ARGUMENTS = {
    "mark_paid": {"payment_reference": "PSP-1", "masked_card_number": "**** 4242"},
    "lock": {"reason": "pending payment"},
    "unlock": {"reason": "no payment found"},
    "confirm": {"reason": "payment seen at provider"},
    "complete": {},
    "fail_completion": {"error": "boom"},
    "requeue": {"reason": "fixed the product"},
    "finalise_unpaid": {"reason": "upsell timer ran out; card declined"},
}
