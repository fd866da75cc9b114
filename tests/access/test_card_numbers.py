"""Full card numbers (SPEC AC-4, LC-3): however typed, in the body, path, query or a header,
refused with 400, and afterwards in no table, no Django log line and no line of gunicorn's
access log (a real gunicorn with the project's gunicorn.conf.py)."""

import http.client
import logging
import re
import socket
import subprocess
import sys
import time
import unicodedata
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.db import connection
from gunicorn.config import Config

from baskets.api.serializers import basket_etag
from baskets.models import Basket, Stage
from baskets.services.cards import masked_card_validate
from baskets.services.storefront_errors import StorefrontInputError
from security.cards import card_numbers_redact, contains_full_card_number, luhn_valid
from security.log_redaction import CardRedactingLogger
from tests.support.clients import api_client
from tests.support.factories import BasketFactory
from tests.support.processes import ROOT, child_env

CARD = "4111111111111111"
FORMS = {
    "plain": CARD,
    "spaces": "4111 1111 1111 1111",
    "dots": "4111.1111.1111.1111",
    "underscores": "4111_1111_1111_1111",
    "tabs": "4111\t1111\t1111\t1111",
    "double-spaces": "4111  1111  1111  1111",
    "full-width": "４１１１１１１１１１１１１１１１",
    "letters-after": "4111-1111-1111-1111cvv123",
    "word-before": "visa4111111111111111",
    "long-separators": "4111  -  1111  -  1111  -  1111",
}
PLACES = ["body", "path", "query", "header"]


def digits_seen(text: str) -> bool:
    """Whether any line of ``text``, reduced to its digits, holds the card number."""
    return any(
        CARD in re.sub(r"\D", "", unicodedata.normalize("NFKC", line)) for line in text.splitlines()
    )


def database_holds_the_card() -> bool:
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT CAST(t AS text) FROM "{table}" t')  # noqa: S608
            if any(digits_seen(row) for (row,) in cursor.fetchall()):
                return True
    return False


def send(api, basket, place: str, card: str):
    url = f"/api/baskets/{basket.guid}/checkout/"
    if place == "body":
        return api.patch(url, {"order_comment": f"card {card}"}, format="json")
    if place == "path":
        return api.delete(f"/api/baskets/{basket.guid}/coupons/{quote(card)}/")
    if place == "query":
        return api.patch(f"{url}?note={quote(card)}", {}, format="json")
    return api.patch(url, {}, format="json", HTTP_X_REFERENCE=card)


@pytest.mark.django_db
@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("form", list(FORMS), ids=list(FORMS))
def test_a_card_number_is_refused_anywhere_and_kept_nowhere(caplog, capsys, form, place):
    """SPEC: AC-4 LC-3 section 7"""
    caplog.set_level(logging.DEBUG)
    basket = BasketFactory()
    api = api_client("storefront")
    before = list(Basket.objects.values())
    response = send(api, basket, place, FORMS[form])
    assert response.status_code == 400
    assert response.json()["code"] == "full_card_number"
    assert not digits_seen(response.content.decode())
    assert list(Basket.objects.values()) == before
    assert not database_holds_the_card()
    assert not digits_seen(caplog.text + "".join(capsys.readouterr()))


@pytest.mark.parametrize(
    ("mask", "accepted"),
    [
        ("************1111", True),
        ("****4242", True),
        ("411111******1111", True),
        ("4111 11** **** 1111", True),
        ("4111111111xx", False),
        ("41111111******11", False),
        ("41111111", False),
        ("４１１１１１１１１１xx", False),
    ],
    ids=["last-4", "short", "first-6-last-4", "grouped", "first-10", "first-8", "no-mask", "wide"],
)
def test_masks_show_at_most_the_first_6_and_last_4_digits(mask, accepted):
    """SPEC: AC-4 LC-3 — validated by position, not by counting digits."""
    if accepted:
        assert masked_card_validate(mask) == mask
    else:
        with pytest.raises(StorefrontInputError):
            masked_card_validate(mask)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, process) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def gunicorn_answers(requests: list[tuple[str, dict]]) -> tuple[list[int], str, str]:
    """Each (path, headers) sent to a real gunicorn with the project's gunicorn.conf.py: the
    answers' status codes, its standard output (the access log) and error output."""
    port = free_port()
    process = subprocess.Popen(
        [
            # The gunicorn of the interpreter running the tests, wherever its environment is.
            sys.executable,
            "-m",
            "gunicorn",
            "basketops.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    answers = []
    try:
        wait_for(port, process)
        for path, headers in requests:
            server = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            server.request("GET", path, headers=headers)
            answers.append(server.getresponse().status)
            server.close()
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    return answers, out, err


@pytest.mark.django_db(transaction=True)
def test_gunicorn_access_log_and_django_log_never_hold_a_card_number():
    """SPEC: AC-4 — path, query and header, each form, through a real gunicorn."""
    basket = BasketFactory(stage=Stage.PAYMENT, total=Decimal("1.00"))
    requests = []
    for card in FORMS.values():
        requests += [
            (f"/api/baskets/{quote(card)}/", {}),
            (f"/api/baskets/{basket.guid}/status/?ref={quote(card)}", {}),
        ]
        if card.isascii():
            requests.append((f"/api/baskets/{basket.guid}/", {"X-Reference": card}))
    answers, out, err = gunicorn_answers(requests)
    assert set(answers) == {400}
    assert out.count("[card number removed]") == len(FORMS)  # the paths; no query is logged
    assert not digits_seen(out), out
    assert "Bad Request" in err
    assert not digits_seen(err), err


@pytest.mark.django_db(transaction=True)
def test_a_path_cannot_forge_log_lines():
    """SPEC: AC-4 — a line break (or any control character) sent as ``%0a`` in a path is
    escaped in the access log and in Django's log: it never starts a line of its own."""
    forged = "10.9.8.7 [01/Jan/2026:00:00:00 +0000] FORGED"
    paths = [
        f"/nope%0a{quote(forged)}/",
        f"/nope%0d%0a{quote(forged)}%0b%1b%c2%85/",
        f"/nope/%0a{quote(forged)}/{CARD}x/",
    ]
    answers, out, err = gunicorn_answers([(path, {}) for path in paths])
    assert answers == [404, 404, 400]
    log_lines = (out + err).splitlines()
    assert [line for line in log_lines if line.startswith("10.9.8.7")] == []
    assert sum("FORGED" in line for line in out.splitlines()) == 3, out
    assert "\\x0a10.9.8.7" in out
    assert not any(char in line for line in log_lines for char in "\x0b\x1b\x85\r")
    assert not digits_seen(out + err), out + err


@pytest.mark.django_db
def test_credentials_and_proxy_addresses_are_not_taken_for_card_numbers():
    """SPEC: AC-4 — a token, a session cookie or a proxy's address list can hold digit
    groups that pass the Luhn check; they are not refused."""
    basket = BasketFactory()
    api = api_client("status")
    # Two proxies' addresses whose digits, joined, pass the Luhn check as 13-19 digits.
    addresses = "127.195.116.121, 167.98.202.54"
    assert contains_full_card_number(addresses)
    response = api.get(
        f"/api/baskets/{basket.guid}/", HTTP_X_FORWARDED_FOR=addresses, HTTP_COOKIE="x=4111"
    )
    assert response.status_code == 200


def _luhn_valid_moments(count: int) -> list[datetime]:
    """Moments whose date-time digits (YYYYMMDDhhmmss, 14 of them) pass the Luhn check."""
    found, moment = [], datetime(2026, 12, 3, 6, 0, 0)
    while len(found) < count:
        moment += timedelta(seconds=1)
        if luhn_valid(moment.strftime("%Y%m%d%H%M%S")):
            found.append(moment)
    return found


@pytest.mark.parametrize("moment", _luhn_valid_moments(3), ids=str)
def test_date_times_and_log_timestamps_are_not_card_numbers(moment):
    """SPEC: AC-4 — a date-time's 14 digits, joined by its dashes, space and colons, pass the
    Luhn check one time in ten; as a date-time (any fraction or offset) or as the access log
    prints it, it is never a card number, and a card number beside one is still found."""
    assert luhn_valid(re.sub(r"\D", "", str(moment)))
    shapes = [
        str(moment),
        f"{moment}+00:00",
        f"{moment}.123456+00:00",
        f"{moment}Z",
        moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        f"Cleaned up 0 expired access attempts older than {moment}+00:00",
    ]
    for text in shapes:
        assert not contains_full_card_number(text), text
        assert card_numbers_redact(text) == text
    beside = f"{moment} {CARD}"
    assert contains_full_card_number(beside)
    assert card_numbers_redact(beside) == f"{moment} [card number removed]"


def test_identifiers_the_product_makes_are_skipped_and_letters_never_hide_a_card_number():
    """SPEC: AC-4 — a token key, request id, GUID or ETag can hold a Luhn-valid run of 13-19
    digits and is not a card number; in free text, letters touching a card number (before,
    after, in any script) do not hide it."""
    moment = _luhn_valid_moments(1)[0]
    identifiers = [
        f"423ce54bcbb456c9aec{CARD}e89",  # a hex key
        f"{CARD}a{CARD}b{'0' * 6}",  # a 40-character token key
        f"{CARD}deadbeef{'1' * 8}",  # a request id (32 hex characters)
        basket_etag(guid=uuid.uuid4(), status_value="active", modified_at=moment),
    ]
    for identifier in identifiers:
        assert not contains_full_card_number(identifier), identifier
        assert not contains_full_card_number(f"Token {identifier}"), identifier
        assert card_numbers_redact(identifier) == identifier
    cards = [
        f"ref{CARD}",
        f"{CARD}abc",
        f"visa{CARD}",
        "4111-1111-1111-1111cvv123",
        "4111  -  1111  -  1111  -  1111",
        f"カード番号{CARD}です",
        f"ref {CARD}",
        f"ref-{CARD}-x",
        f"ref_{CARD}",
        f"{CARD[:8]}xyz{CARD}",
    ]
    for text in cards:
        assert contains_full_card_number(text), text
        assert not digits_seen(card_numbers_redact(text)), text


@pytest.mark.django_db
def test_a_date_time_or_a_key_in_a_request_is_accepted_and_a_card_beside_it_refused():
    """SPEC: AC-4 — through the real API: body, path, query and header."""
    moment = _luhn_valid_moments(1)[0]
    basket = BasketFactory()
    api = api_client("storefront")
    url = f"/api/baskets/{basket.guid}/checkout/"
    key = f"423ce54bcbb456c9aec{CARD}e89"

    comment = f"deliver after {moment} (ref {key})"
    response = api.patch(
        f"{url}?since={quote(str(moment))}", {"order_comment": comment}, format="json",
        HTTP_X_REFERENCE=moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
    )  # fmt: skip
    assert response.status_code == 200, response.content
    basket.refresh_from_db()
    assert basket.order_comment == comment
    # A coupon code is a path segment: a key there is an unknown coupon, not a card number.
    response = api.delete(f"/api/baskets/{basket.guid}/coupons/{key}/")
    assert (response.status_code, response.json()["code"]) == (400, "code_not_applied")

    response = api.patch(url, {"order_comment": f"{moment} {CARD}"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "full_card_number"
    basket.refresh_from_db()
    assert basket.order_comment == comment


@pytest.mark.django_db
@pytest.mark.parametrize("count", [4, 95])
def test_huge_headers_are_refused_at_once(client, count):
    """SPEC: AC-4 section 7 — headers of 8 KB of ``1-1-1-…`` (digit groups that never pass
    the Luhn check) are refused unread, within 100 ms, whoever sends them."""
    headers = {f"HTTP_X_FILLER_{number}": ("1-" * 4096)[:8190] for number in range(count)}
    started = time.perf_counter()
    response = client.get("/healthz", **headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 431
    assert elapsed < 0.1, elapsed


@pytest.mark.django_db
def test_headers_under_the_limit_are_read_to_the_end(client):
    """SPEC: AC-4 — the limit refuses, it never stops reading early: a card number at the
    end of long headers is found."""
    filler = {f"HTTP_X_FILLER_{number}": ("1-" * 2048)[:3000] for number in range(4)}
    assert client.get("/healthz", **filler).status_code == 200
    last = {**filler, "HTTP_X_FILLER_3": f"{filler['HTTP_X_FILLER_3'][:-40]} {CARD}"}
    response = client.get("/healthz", **last)
    assert response.status_code == 400
    assert not digits_seen(response.content.decode())


@pytest.mark.django_db
def test_an_address_too_long_to_read_is_refused(client):
    """SPEC: AC-4 section 7"""
    assert client.get("/healthz", {"q": "1-" * 5000}).status_code == 414
    api = api_client("status")
    response = api.get("/api/baskets/", {"q": "1-" * 5000})
    assert (response.status_code, response.json()["code"]) == (414, "request_too_large")


@pytest.mark.django_db
def test_a_body_too_long_to_read_is_refused_and_changes_nothing():
    """SPEC: AC-4 section 7 — a storefront body holding more text than the check reads is
    refused (413) before anything is written."""
    basket = BasketFactory()
    api = api_client("storefront")
    before = list(Basket.objects.values())
    body = {"order_comment": "ok", "notes": ["1-" * 1000] * 40}
    response = api.patch(f"/api/baskets/{basket.guid}/checkout/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (413, "request_too_large")
    assert list(Basket.objects.values()) == before


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/login/", "/accounts/login/"], ids=["admin", "shop"])
def test_a_card_number_typed_as_a_login_name_is_never_stored(client, url):
    """SPEC: AC-4 AC-5 — django-axes counts the failure without keeping the number."""
    for card in ("4111 1111 1111 1111", f"visa{CARD}"):
        response = client.post(url, {"username": card, "password": "guess"})
        assert response.status_code == 200
    assert sorted(AccessAttempt.objects.values_list("username", "failures_since_start")) == [
        ("[card number removed]", 1),
        ("visa[card number removed]", 1),
    ]
    assert not database_holds_the_card()


def test_the_access_log_reads_only_the_fields_it_prints():
    """SPEC: AC-4 — gunicorn's logger redacts and escapes the fields its format prints and
    leaves the others (every header, every environ entry) unread."""
    config = Config()
    config.set("access_log_format", '%(h)s "%(m)s %(U)s" %(s)s %({x-reference}i)s')
    logger = CardRedactingLogger(config)
    filler = "1-" * 4000
    request = SimpleNamespace(
        headers=[("X-Reference", f"ref {CARD}\nFORGED"), ("X-Other", f"{CARD} {filler}")]
    )
    response = SimpleNamespace(status="400 Bad Request", headers=[], sent=10)
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": f"/nope/{CARD}x", "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": f"/nope/{CARD}x\n10.9.8.7 FORGED", "REMOTE_ADDR": "127.0.0.1",
    }  # fmt: skip
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=3))
    assert atoms["U"] == "/nope/[card number removed]x\\x0a10.9.8.7 FORGED"
    assert atoms["{x-reference}i"] == "ref [card number removed]\\x0aFORGED"
    assert atoms["{x-other}i"] == f"{CARD} {filler}"  # not printed: not read
    assert atoms["r"] == f"GET /nope/{CARD}x HTTP/1.1"


@pytest.mark.parametrize("card", ["4111111111111111", "4111 1111 1111 1111", "6011000990139424"])
@pytest.mark.django_db
def test_a_card_number_typed_into_the_grid_search_is_an_admin_message(admin_client, caplog, card):
    """SPEC: AC-4 section 7 — a 13-19 digit Luhn-valid search in the grid: 400 with the
    admin's page and an error message (not a bare text page), no card digits in it, and a
    link back to the grid without the search."""
    caplog.set_level(logging.DEBUG)
    response = admin_client.get("/admin/baskets/basket/", {"q": card})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert '<ul class="messagelist"><li class="error" id="request-refused">' in html
    assert 'id="site-name"' in html  # the admin's header
    assert '<a href="/admin/baskets/basket/" id="request-refused-back">' in html
    assert not digits_seen(html) and not digits_seen(caplog.text)
