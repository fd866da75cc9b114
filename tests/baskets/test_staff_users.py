"""Staff users managed by a System administrator who is not a superuser (SPEC BM-4, AC-1):
they add an Order processor, and can make no one superuser nor give more than they hold."""

import pytest
from django.contrib.auth.models import Group, Permission, User

from tests.support.clients import staff_user
from tests.support.factories import UserFactory

USERS = "/admin/auth/user/"


@pytest.fixture
def administrator(client):
    user = staff_user("System administrator", "sam")
    client.force_login(user)
    return client, user


def change_data(user: User, **fields) -> dict:
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "10:00:00",
        "groups": [group.pk for group in user.groups.all()],
    }
    return data | fields


@pytest.mark.django_db
def test_a_system_administrator_adds_an_order_processor(administrator):
    """SPEC: BM-4 — no superuser needed: add a user, give them the Order processor role."""
    client, _ = administrator
    assert client.get(USERS).status_code == 200

    added = client.post(
        f"{USERS}add/",
        {
            "username": "olga",
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
            "usable_password": "true",
        },
    )
    assert added.status_code == 302
    olga = User.objects.get(username="olga")
    processor = Group.objects.get(name="Order processor")

    page = client.get(f"{USERS}{olga.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    saved = client.post(f"{USERS}{olga.pk}/change/", change_data(olga, groups=[processor.pk]))
    assert saved.status_code == 302
    olga.refresh_from_db()
    assert olga.is_staff and not olga.is_superuser
    assert list(olga.groups.values_list("name", flat=True)) == ["Order processor"]


@pytest.mark.django_db
def test_no_one_is_made_superuser_or_given_single_permissions(administrator):
    """SPEC: BM-4 AC-1 — is_superuser and user_permissions sent anyway are ignored, for
    themselves as for anyone."""
    client, sam = administrator
    other = UserFactory(username="olga", is_staff=True)
    everything = list(Permission.objects.values_list("pk", flat=True)[:5])

    for user in (sam, other):
        response = client.post(
            f"{USERS}{user.pk}/change/",
            change_data(user, is_superuser="on", user_permissions=everything),
        )
        assert response.status_code == 302
        user.refresh_from_db()
        assert not user.is_superuser
        assert not user.user_permissions.exists()


@pytest.mark.django_db
def test_only_roles_within_their_own_permissions_are_given(administrator):
    """SPEC: BM-4 AC-1 — a role holding a permission the administrator lacks is not offered
    and a request for it is refused with nothing changed."""
    client, _ = administrator
    beyond = Group.objects.create(name="Lockout managers")
    beyond.permissions.add(Permission.objects.get(codename="delete_accessattempt"))
    olga = UserFactory(username="olga", is_staff=True)

    page = client.get(f"{USERS}{olga.pk}/change/").content.decode()
    assert "Order processor" in page and "Lockout managers" not in page
    response = client.post(f"{USERS}{olga.pk}/change/", change_data(olga, groups=[beyond.pk]))
    assert response.status_code == 200  # the form again, with the error
    assert "Select a valid choice" in response.content.decode()
    assert not olga.groups.exists()


@pytest.mark.django_db
def test_a_role_they_cannot_give_is_kept_when_they_edit_the_user(administrator):
    """SPEC: BM-4 — editing a user who has such a role (given by a superuser) keeps it."""
    client, _ = administrator
    beyond = Group.objects.create(name="Lockout managers")
    beyond.permissions.add(Permission.objects.get(codename="delete_accessattempt"))
    olga = UserFactory(username="olga", is_staff=True)
    olga.groups.add(beyond)
    processor = Group.objects.get(name="Order processor")

    response = client.post(
        f"{USERS}{olga.pk}/change/", change_data(olga, groups=[processor.pk], email="o@example.com")
    )
    assert response.status_code == 302
    assert set(olga.groups.values_list("name", flat=True)) == {
        "Order processor",
        "Lockout managers",
    }


@pytest.mark.django_db
def test_a_superuser_cannot_be_changed_deleted_or_given_a_new_password(administrator):
    """SPEC: BM-4 AC-1 — a superuser's account is out of a System administrator's reach."""
    client, _ = administrator
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    password = root.password

    assert (
        client.post(f"{USERS}{root.pk}/change/", change_data(root, is_active="")).status_code == 403
    )
    assert (
        client.post(
            f"{USERS}{root.pk}/password/",
            {"password1": "x-New-passphrase-9", "password2": "x-New-passphrase-9"},
        ).status_code
        == 403
    )
    assert client.post(f"{USERS}{root.pk}/delete/", {"post": "yes"}).status_code == 403
    root.refresh_from_db()
    assert root.is_active and root.password == password


@pytest.mark.django_db
def test_a_superuser_is_not_deleted_by_the_bulk_delete(administrator):
    """SPEC: BM-4 AC-1 — the list's delete action refuses a selection holding a superuser."""
    client, _ = administrator
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    olga = UserFactory(username="olga", is_staff=True)

    response = client.post(
        USERS, {"action": "delete_selected", "_selected_action": [root.pk, olga.pk], "post": "yes"}
    )
    assert response.status_code == 403
    assert set(
        User.objects.filter(pk__in=[root.pk, olga.pk]).values_list("username", flat=True)
    ) == {
        "root",
        "olga",
    }


@pytest.mark.django_db
def test_the_user_form_shows_staff_roles_and_api_client_groups_apart(administrator):
    client, _ = administrator
    olga = UserFactory(username="olga", is_staff=True)
    page = client.get(f"{USERS}{olga.pk}/change/").content.decode()
    roles_at = page.index("Staff roles (what the user may do in the back office)")
    clients_at = page.index("API client groups (only for accounts a storefront")
    processor_at = page.index(" Order processor</label>")
    assert roles_at < processor_at < clients_at < page.index(" Storefront</label>")
    assert page.index(" System administrator</label>") < clients_at

    storefront = Group.objects.get(name="Storefront")
    saved = client.post(f"{USERS}{olga.pk}/change/", change_data(olga, groups=[storefront.pk]))
    assert saved.status_code == 302
    assert list(olga.groups.values_list("name", flat=True)) == ["Storefront"]
