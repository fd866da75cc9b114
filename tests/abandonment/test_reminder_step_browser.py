"""PV-5 in the browser: the step editor previews the mail while staff type, per language,
before anything is saved; an unknown variable shows as an error at once."""

import os
from datetime import timedelta

import pytest

from abandonment.models import ReminderStep
from tests.support.browser import admin_login
from tests.support.factories import UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_step_editor_previews_unsaved_texts_live(live_server, browser_page):
    """SPEC: PV-5 AB-4 — typed text shows in the preview (English, then German from the
    step's German text), an unknown variable is listed, and nothing is saved."""
    UserFactory(username="rita", is_staff=True, is_superuser=True)
    step = ReminderStep.objects.create(
        delay=timedelta(hours=1), subject="Your basket", body="{{ greeting }}"
    )
    step.texts.create(language="de", subject="Ihr Warenkorb", body="{{ greeting }} DE-TEXT")
    page = browser_page
    admin_login(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/admin/abandonment/reminderstep/{step.pk}/change/")
    frame = page.frame_locator("#reminder-preview")

    page.fill("#id_body", "{{ greeting }} TYPED-JUST-NOW")
    frame.locator("text=TYPED-JUST-NOW").wait_for(timeout=15_000)
    assert "Ada Lovelace" in frame.locator("body").inner_text()
    page.select_option("#reminder-preview-language", "de")
    frame.locator("text=DE-TEXT").wait_for(timeout=15_000)
    assert page.locator("#reminder-preview-subject").inner_text() == "Ihr Warenkorb"
    assert page.get_attribute("#reminder-preview", "srcdoc").startswith("<!DOCTYPE html>")
    page.select_option("#reminder-preview-language", "en")
    page.fill("#id_body", "Hi {{ nmae }}")
    page.locator("#reminder-preview-errors li").wait_for(timeout=15_000)

    assert "Unknown variable(s): nmae." in page.inner_text("#reminder-preview-errors")
    step.refresh_from_db()
    assert step.body == "{{ greeting }}"
