"""A live business setting changed in the admin reaches a running Celery worker without a
restart (SPEC LC-5, section 8)."""

from email import message_from_bytes
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from basketops.celery import app
from baskets.models import Status
from baskets.roles import roles_ensure
from completion.tasks import daily_notification_task
from tests.support.factories import UserFactory, basket_in_status
from tests.support.workers import celery_workers, wait_until

PAGE = "/admin/constance/config/"
TASK = "completion.tasks.daily_notification_task"


def settings_change(client, **changes) -> None:
    """Post the settings page as a System administrator would, with ``changes`` applied."""
    form = client.get(PAGE).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update(changes)
    data = {name: value for name, value in data.items() if value not in (False, None)}
    assert client.post(PAGE, data).status_code == 302


def daily_run(number: int) -> None:
    """Queue the daily e-mail and wait until the worker has run it: it has accepted its
    ``number``-th one and runs none."""
    daily_notification_task.delay()

    def ran() -> bool:
        # Accepted first, then none active: asked the other way round, a task accepted
        # between the two answers would count as run while it still runs.
        if tasks_accepted() < number:
            return False
        active = app.control.inspect(timeout=10, limit=1).active()
        return active is not None and not any(active.values())

    wait_until(
        ran,
        timeout=180,
        message="the worker did not run the daily e-mail",
    )


def tasks_accepted() -> int:
    # One worker: its answer ends the wait (a busy machine may take seconds to give it).
    stats = app.control.inspect(timeout=10, limit=1).stats() or {}
    return sum(worker["total"].get(TASK, 0) for worker in stats.values())


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_daily_email_in_a_running_worker_follows_the_settings_changed_in_the_admin(client):
    """SPEC: LC-5 — off: no e-mail; on with recipients: the next run mails them; no restart."""
    ContentType.objects.clear_cache()
    basket_in_status(Status.LOCKED)
    roles_ensure(Group, Permission)
    administrator = UserFactory(username="boss", is_staff=True, email="boss@example.com")
    administrator.groups.add(Group.objects.get(name="System administrator"))
    client.force_login(administrator)
    # The worker keeps the run's data folder: on embedded defaults the broker's folders
    # are in it too. Only the files this test's runs write are counted.
    mail = Path(settings.EMAIL_FILE_PATH)
    mail.mkdir(parents=True, exist_ok=True)
    earlier = set(mail.glob("*.log"))

    def sent() -> list[Path]:
        return sorted(set(mail.glob("*.log")) - earlier)

    with celery_workers(
        1,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_SYSTEM_MESSAGES="true",
        STAFF_NOTIFICATION_EMAILS="",
    ):
        daily_run(1)
        sent_by_default = sent()
        settings_change(client, EMAIL_SYSTEM_MESSAGES=False)
        daily_run(2)
        sent_while_off = sent()
        settings_change(
            client, EMAIL_SYSTEM_MESSAGES="on", STAFF_NOTIFICATION_EMAILS="ops@example.com"
        )
        daily_run(3)
        sent_at_the_end = sent()

    assert len(sent_by_default) == 1
    assert sent_while_off == sent_by_default
    assert len(sent_at_the_end) == 2
    [first] = sent_by_default
    [last] = [path for path in sent_at_the_end if path not in sent_by_default]
    assert message_from_bytes(first.read_bytes().split(b"\n" + b"-" * 79)[0])["To"] == (
        "boss@example.com"
    )
    assert message_from_bytes(last.read_bytes().split(b"\n" + b"-" * 79)[0])["To"] == (
        "ops@example.com"
    )
