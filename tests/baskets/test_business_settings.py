"""Live business settings (SPEC section 8, LC-5, AC-1): System administrators change them in
the admin, every change audited; Order processors may only view; bad input changes nothing."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from basketops.business import business_setting
from baskets.models import BusinessSettingChange
from baskets.roles import roles_ensure
from baskets.selectors import staff_notification_recipients
from tests.support.factories import UserFactory

PAGE = "/admin/constance/config/"


@pytest.fixture(autouse=True)
def fresh_content_types():
    """Constance's change log makes the content type of its page on first use; a rolled-back
    test would leave a stale id in Django's cache for the next."""
    ContentType.objects.clear_cache()


def staff(role: str | None, **fields):
    username = (role or "staff").lower().replace(" ", "_")
    user = UserFactory(username=username, is_staff=True, **fields)
    roles_ensure(Group, Permission)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def settings_form(client, **changes) -> dict:
    """The settings page's current values (and version) with ``changes`` applied."""
    form = client.get(PAGE).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value not in (False, None)}
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def stored_values() -> list:
    return [
        list(BusinessSettingChange.objects.order_by("pk").values()),
        [business_setting(name) for name in ("EMAIL_SYSTEM_MESSAGES", "STAFF_NOTIFICATION_EMAILS")],
    ]


@pytest.mark.django_db
def test_administrator_changes_settings_and_each_change_is_audited(client, settings):
    """SPEC: LC-5 — "e-mail system messages" off and the recipients set, live, with who,
    when, old and new in the audit trail."""
    settings.EMAIL_SYSTEM_MESSAGES = True
    settings.STAFF_NOTIFICATION_EMAILS = []
    administrator = staff("System administrator", email="boss@example.com")
    client.force_login(administrator)

    response = client.post(
        PAGE,
        settings_form(
            client, EMAIL_SYSTEM_MESSAGES=False, STAFF_NOTIFICATION_EMAILS="ops@example.com"
        ),
    )

    assert response.status_code == 302
    assert business_setting("EMAIL_SYSTEM_MESSAGES") is False
    assert business_setting("STAFF_NOTIFICATION_EMAILS") == ["ops@example.com"]
    audit = list(
        BusinessSettingChange.objects.order_by("name").values_list(
            "name", "old_value", "new_value", "actor_id", "actor_label"
        )
    )
    assert audit == [
        ("EMAIL_SYSTEM_MESSAGES", True, False, administrator.pk, "staff:system_administrator"),
        ("STAFF_NOTIFICATION_EMAILS", "", "ops@example.com", administrator.pk,
         "staff:system_administrator"),
    ]
    assert BusinessSettingChange.objects.filter(changed_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_recipients_default_to_the_system_administrators(settings):
    """SPEC: LC-5 — no recipients set: every active System administrator with an address."""
    settings.STAFF_NOTIFICATION_EMAILS = []
    staff("System administrator", email="boss@example.com")
    staff("Order processor", email="clerk@example.com")
    assert staff_notification_recipients() == ["boss@example.com"]


@pytest.mark.parametrize(
    ("role", "get_status", "post_status"),
    [
        ("System administrator", 200, 302),
        ("Order processor", 200, 403),
        (None, 403, 403),
    ],
    ids=["administrator-changes", "order-processor-views-only", "staff-without-role"],
)
@pytest.mark.django_db
def test_settings_page_access_matrix(client, role, get_status, post_status):
    """SPEC: AC-1 — System administrators change the settings, Order processors only view
    them, other staff neither; a refused POST changes nothing."""
    administrator = staff("System administrator", email="boss@example.com")
    client.force_login(administrator)
    data = settings_form(client, EMAIL_SYSTEM_MESSAGES=False)
    client.logout()
    user = administrator if role == "System administrator" else staff(role)
    client.force_login(user)
    before = stored_values()

    got = client.get(PAGE)
    posted = client.post(PAGE, data)

    assert (got.status_code, posted.status_code) == (get_status, post_status)
    if post_status != 302:
        assert stored_values() == before


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"STAFF_NOTIFICATION_EMAILS": "ops@example.com, not-an-address"}, "not an e-mail"),
        ({"COMPLETION_MAX_ATTEMPTS": "0"}, "greater than or equal to 1"),
        ({"PENDING_PAYMENT_POLICY": "sometimes"}, "Select a valid choice"),
    ],
    ids=["bad-recipient", "zero-attempts", "unknown-policy"],
)
@pytest.mark.django_db
def test_bad_settings_are_refused_with_a_message_and_change_nothing(client, changes, error):
    """SPEC: section 7 — bad input is an admin message; nothing saved, nothing audited."""
    client.force_login(staff("System administrator"))
    data = settings_form(client, **changes)
    before = stored_values()

    response = client.post(PAGE, data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert stored_values() == before


@pytest.mark.django_db
def test_admin_index_shows_the_live_value_not_the_environments(client, settings):
    """SPEC: section 8 LC-5 — the sidebar's "e-mail system messages" is the value in force."""
    settings.EMAIL_SYSTEM_MESSAGES = True
    client.force_login(staff("System administrator"))
    client.post(PAGE, settings_form(client, EMAIL_SYSTEM_MESSAGES=False))

    page = client.get("/admin/").content.decode()

    assert '<th scope="row">EMAIL_SYSTEM_MESSAGES</th><td>False</td>' in page
