"""A refused request (403) is logged as one line with its path, user and reason."""

import logging

import pytest
from django.contrib.auth.models import Group, Permission

from baskets.roles import roles_ensure
from tests.support.factories import UserFactory


@pytest.mark.django_db
def test_a_refusal_is_one_line_with_path_user_and_reason(client, caplog):
    roles_ensure(Group, Permission)
    user = UserFactory(username="olivia", is_staff=True)
    user.groups.add(Group.objects.get(name="Order processor"))
    client.force_login(user)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/admin/baskets/basket/add/")

    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    line = logging.Formatter("%(levelname)s %(name)s %(message)s").format(record)
    assert line.count("\n") == 0, line
    assert "Traceback" not in line
    assert record.exc_info is None
    assert record.getMessage().startswith("Forbidden: /admin/baskets/basket/add/ user=olivia ")
    assert "reason=" in record.getMessage()
