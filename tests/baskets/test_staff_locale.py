"""Dates in the staff member's locale: the admin speaks the browser's language (English,
Danish, Dutch, German), every date form takes that language's dates and ISO dates alike,
and offers the browser's date picker."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from abandonment.models import AbandonReport
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory

GRID = "/admin/baskets/basket/"
REPORTS = "/admin/abandonment/abandonreport/"
ANALYTICS = "/admin/abandonment/abandonment/analytics/"
FUNNEL = "/admin/baskets/basket/funnel/"


@pytest.fixture
def administrator(client):
    client.force_login(staff_user("System administrator"))
    return client


@pytest.fixture
def december_and_january():
    return {
        "december": BasketFactory(created_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        "january": BasketFactory(created_at=datetime(2026, 1, 12, 9, 0, tzinfo=UTC)),
    }


def listed(client, baskets, language: str, query: dict) -> set[str]:
    response = client.get(GRID, {"scope": "all", **query}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert messages == []
    pks = {basket.pk for basket in response.context["cl"].result_list}
    return {name for name, basket in baskets.items() if basket.pk in pks}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "typed", "expected"),
    [
        ("da", "01/12/2026", "december"),
        ("da", "01.12.2026", "december"),
        ("de", "01.12.2026", "december"),
        ("nl", "01-12-2026", "december"),
        ("nl", "01/12/2026", "december"),
        ("en", "01/12/2026", "january"),
        ("en-US,en;q=0.9", "12/01/2026", "december"),
        ("da", "2026-12-01", "december"),
        ("de", "2026-01-12", "january"),
        ("en", "2026-12-01", "december"),
    ],
)
def test_a_typed_date_is_read_the_way_the_staff_members_language_writes_it(
    administrator, december_and_january, language, typed, expected
):
    """01/12/2026 in a Danish admin is 1 December, in an English one 12 January; ISO dates
    are the same day in every language."""
    query = {"created_after": typed, "created_before": typed}

    assert listed(administrator, december_and_january, language, query) == {expected}


@pytest.mark.django_db
def test_the_admin_speaks_the_browsers_language(administrator):
    for language, words in (("da", "Log ud"), ("nl", "Afmelden"), ("de", "Abmelden")):
        response = administrator.get(GRID, HTTP_ACCEPT_LANGUAGE=language)
        page = response.content.decode()
        assert f'lang="{language}"' in page
        assert words in page
        assert response["Content-Language"] == language
    english = administrator.get(GRID, HTTP_ACCEPT_LANGUAGE="fr")
    assert 'lang="en"' in english.content.decode()


@pytest.mark.django_db
def test_an_unreadable_date_says_how_to_type_it_in_that_language(
    administrator, december_and_january
):
    response = administrator.get(GRID, {"created_after": "12/31/2026"}, HTTP_ACCEPT_LANGUAGE="da")
    messages = [str(message) for message in response.context["messages"]]
    assert len(messages) == 1
    assert "DD.MM.YYYY" in messages[0] and "YYYY-MM-DD" in messages[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "date_from", "date_to"),
    [
        ("da", "01/12/2026", "31/12/2026"),
        ("da", "2026-12-01", "2026-12-31"),
        ("en", "12/01/2026", "12/31/2026"),
        ("de", "01.12.2026", "31.12.2026"),
    ],
)
def test_the_report_form_takes_the_same_dates(administrator, language, date_from, date_to):
    response = administrator.post(
        f"{REPORTS}add/",
        {"date_from": date_from, "date_to": date_to},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    report = AbandonReport.objects.get()
    assert (report.date_from, report.date_to) == (date(2026, 12, 1), date(2026, 12, 31))


@pytest.mark.django_db
@pytest.mark.parametrize("url", [ANALYTICS, FUNNEL])
@pytest.mark.parametrize(
    ("language", "date_from", "date_to", "status"),
    [
        ("da", "01/12/2026", "31/12/2026", 200),
        ("da", "2026-12-01", "2026-12-31", 200),
        ("en", "12/01/2026", "12/31/2026", 200),
        ("en", "31/12/2026", "12/31/2026", 400),
    ],
)
def test_the_analytics_and_the_funnel_take_the_same_dates(
    administrator, url, language, date_from, date_to, status
):
    response = administrator.get(
        url, {"date_from": date_from, "date_to": date_to}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == status
    if status == 200:
        form = response.context["form"]
        assert form.cleaned_data["date_from"] == date(2026, 12, 1)
        assert form.cleaned_data["date_to"] == date(2026, 12, 31)


@pytest.mark.django_db
@pytest.mark.parametrize("url", [GRID, f"{REPORTS}add/", ANALYTICS, FUNNEL])
def test_every_date_input_is_the_browsers_date_picker(administrator, url):
    page = administrator.get(url, HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert 'type="date"' in page
    assert 'placeholder="MM/DD/YYYY"' not in page


@pytest.mark.django_db
def test_a_report_with_its_dates_the_wrong_way_round_says_so_in_words():
    report = AbandonReport(date_from=date(2026, 12, 31), date_to=date(2026, 12, 1))
    with pytest.raises(ValidationError) as refused:
        report.validate_constraints()
    assert refused.value.messages == ["The end date must not be before the start date."]
