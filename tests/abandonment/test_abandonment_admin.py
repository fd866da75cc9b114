"""AC-1 on the abandonment pages: names and e-mails only for staff who may see them."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from abandonment.models import Abandonment
from baskets.roles import ADMINISTRATOR, ORDER_PROCESSOR, roles_ensure
from tests.support.factories import UserFactory


@pytest.mark.parametrize(
    ("role", "codes", "shown"),
    [pytest.param(ADMINISTRATOR, [200, 200], True, id="system-administrator"),
     # AC-1: abandonments hold shop-account personal data; the Order processor's allow-list
     # (baskets.roles) gives no abandonment permission, so both pages are refused.
     pytest.param(ORDER_PROCESSOR, [403, 403], False, id="order-processor")],
)
@pytest.mark.django_db
def test_abandonment_list_and_page_show_personal_data_only_to_those_who_may_see_it(
    client, role, codes, shown
):
    """SPEC: AC-1 AB-1 — the lead's name and e-mail on the list and the record's page, for
    administrators; Order processors get no abandonment pages at all."""
    roles_ensure(Group, Permission)
    staff = UserFactory(username="staff", is_staff=True)
    staff.groups.add(Group.objects.get(name=role))
    client.force_login(staff)
    now = timezone.now()
    abandonment = Abandonment.objects.create(
        basket_guid="3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c", captured_at=now,
        last_activity_at=now - timedelta(hours=1), email="grace@example.com",
        name="Grace Hopper", total="10.00", currency="EUR",
    )

    pages = [
        client.get("/admin/abandonment/abandonment/"),
        client.get(f"/admin/abandonment/abandonment/{abandonment.pk}/change/"),
    ]

    assert [page.status_code for page in pages] == codes
    for page in pages:
        html = page.content.decode()
        assert ("grace@example.com" in html) is shown
        assert ("Grace Hopper" in html) is shown
