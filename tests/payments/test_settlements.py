"""Settlement reports (SPEC SH-4, LC-4, seed 003): the provider's CSV gives a proposal for
every locked cart, decided in bulk with a reason."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from baskets.models import Basket, BasketEvent, Stage, Status
from baskets.roles import ORDER_PROCESSOR, roles_ensure
from baskets.services.actors import Actor
from baskets.services.transitions import basket_lock
from payments.services.settlements import settlement_proposals
from tests.support.factories import BasketFactory, UserFactory

STAFF = Actor.system("tests-staff")
STRIPE_HEADER = (
    "id,Type,Source,Amount,Fee,Net,Currency,Created (UTC),Description,payment_intent_id\n"
)
PAYPAL_HEADER = (
    '"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","Fee","Net",'
    '"Transaction ID","Reference Txn ID","Custom Number"\n'
)


def locked(reference: str, total: str = "49.00") -> Basket:
    basket = BasketFactory(
        stage=Stage.PAYMENT, total=Decimal(total), currency="EUR", payment_reference=reference
    )
    basket_lock(basket_id=basket.pk, actor=STAFF, reason="Payment pending")
    return basket


def stripe_line(intent: str, amount: str, currency: str = "eur") -> str:
    key = intent[3:]
    return (
        f"txn_{key},charge,ch_{key},{amount},1.00,{amount},{currency},"
        f"2026-12-04 10:00,Order,{intent}\n"
    )


def carts_and_report():
    """3 carts the report pays in full, 1 it pays another amount, 1 it does not show."""
    carts = {
        "match": [locked("pi_fakeA"), locked("pi_fakeB"), locked("pi_fakeC", "12.50")],
        "mismatch": [locked("pi_fakeD")],
        "unknown": [locked("pi_fakeE")],
    }
    report = STRIPE_HEADER + "".join(
        [
            stripe_line("pi_fakeA", "49.00"),
            stripe_line("pi_fakeB", "49.00"),
            stripe_line("pi_fakeC", "12.50"),
            stripe_line("pi_fakeD", "48.00"),
            stripe_line("pi_fakeZ", "99.00"),
        ]
    )
    return carts, report


@pytest.mark.django_db
def test_a_stripe_report_gives_exactly_its_proposals():
    """SPEC: SH-4 LC-4 — 3 matching, 1 mismatching, 1 unknown: exactly those proposals."""
    carts, report = carts_and_report()
    proposals = settlement_proposals(provider="stripe", text=report)
    got = {(proposal.basket_id, proposal.kind) for proposal in proposals}
    assert got == {(basket.pk, kind) for kind, baskets in carts.items() for basket in baskets}
    assert len(proposals) == 5


@pytest.mark.django_db
def test_a_paypal_activity_report_matches_by_capture_or_custom_id():
    """SPEC: SH-4 LC-4 — PayPal's Transaction ID or Custom Number (the basket GUID)."""
    by_capture = locked("3C679366HH908993F")
    by_guid = locked("5O190127TN364715T")
    other_amount = locked("1AB23456CD789012E")
    nowhere = locked("9ZZ99999ZZ999999Z")
    report = PAYPAL_HEADER + "".join(
        [
            '"12/04/2026","10:00:00","UTC","Ada","Express Checkout Payment","Completed","EUR",'
            '"49.00","-1.20","47.80","3C679366HH908993F","",""\n',
            '"12/04/2026","10:01:00","UTC","Bo","Express Checkout Payment","Completed","EUR",'
            f'"49.00","-1.20","47.80","7XY12345AB678901C","","{by_guid.guid}"\n',
            '"12/04/2026","10:02:00","UTC","Cy","Express Checkout Payment","Completed","EUR",'
            '"4.90","-0.20","4.70","1AB23456CD789012E","",""\n',
        ]
    )
    kinds = {p.basket_id: p.kind for p in settlement_proposals(provider="paypal", text=report)}
    assert kinds == {
        by_capture.pk: "match",
        by_guid.pk: "match",
        other_amount.pk: "mismatch",
        nowhere.pk: "unknown",
    }


@pytest.mark.django_db
def test_staff_upload_a_report_and_decide_in_bulk_with_a_reason(client):
    """SPEC: SH-4 LC-4 AC-1 — the Order processor uploads the CSV, the matching carts are
    proposed for confirmation; confirmed and unlocked with one reason, in the timeline."""
    roles_ensure(Group, Permission)
    user = UserFactory(username="olga", is_staff=True)
    user.groups.add(Group.objects.get(name=ORDER_PROCESSOR))
    client.force_login(user)
    carts, report = carts_and_report()
    page = client.post(
        "/admin/payments/providercheck/settlement/",
        {"provider": "stripe", "report": SimpleUploadedFile("balance.csv", report.encode())},
    )
    assert page.status_code == 200
    assert [p.kind for p in page.context["proposals"]].count("match") == 3
    before = list(Basket.objects.order_by("pk").values())
    refused = client.post(
        "/admin/payments/providercheck/settlement/decide/",
        {"confirm": [b.pk for b in carts["match"]], "reason": ""},
    )
    assert refused.status_code == 302
    assert list(Basket.objects.order_by("pk").values()) == before
    decided = client.post(
        "/admin/payments/providercheck/settlement/decide/",
        {
            "confirm": [b.pk for b in carts["match"]],
            "unlock": [carts["unknown"][0].pk],
            "reason": "Stripe balance report 2026-12-04",
        },
    )
    assert decided.status_code == 302
    statuses = dict(Basket.objects.values_list("pk", "status"))
    assert {statuses[b.pk] for b in carts["match"]} == {Status.AWAITING_COMPLETION}
    assert statuses[carts["unknown"][0].pk] == Status.ACTIVE
    assert statuses[carts["mismatch"][0].pk] == Status.LOCKED
    reasons = set(
        BasketEvent.objects.filter(action__in=["confirm", "unlock"]).values_list(
            "reason", flat=True
        )
    )
    assert reasons == {"Stripe balance report 2026-12-04"}


@pytest.mark.django_db
def test_a_file_that_is_no_report_is_refused_with_a_message(admin_client):
    """SPEC: SH-4 — bad input: a message, no proposals, nothing changed."""
    locked("pi_fakeA")
    page = admin_client.post(
        "/admin/payments/providercheck/settlement/",
        {"provider": "stripe", "report": SimpleUploadedFile("x.csv", b"just,some\n1,2\n")},
        follow=True,
    )
    assert page.status_code == 200
    assert page.context["proposals"] is None
    assert "Not read" in page.content.decode()
