"""The access matrix (SPEC AC-1, AC-2, BM-4): every role against every API operation, every
admin page (changelist, add and change of each registered model, the export) and every
admin action, with the expected status code; on a refusal nothing changed (the row count
of every table and the basket's timeline).

Roles: anonymous, a shopper's session, a shopper's token, the two staff roles (by token on
the API, by session in the admin), and the three API clients (their users cannot log in;
in the admin they are given a session anyway, to show it would not help).
"""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from abandonment.models import (
    Abandonment,
    ReminderSend,
    ReminderStep,
    ReminderSuppression,
    ReportSchedule,
)
from abandonment.services.reports import abandon_report_request
from baskets.admin.grid import MANAGE_BOOKING_PARAMETER
from baskets.models import (
    Basket,
    BasketEvent,
    BasketLifetimeRun,
    BulkJobAction,
    BusinessSettingChange,
    Coupon,
    GiftCard,
    Order,
    PaymentResult,
    Product,
    Salesperson,
    Stage,
    Status,
)
from baskets.services.actors import Actor
from baskets.services.bulk_jobs import basket_bulk_job_start
from completion.services import completion_run
from operations.models import WorkerHeartbeat
from payments.models import ProviderCheck
from recovery.links import visitor_reference
from recovery.models import ApplicationText, ShopperBasket
from shopdata.models import ImportRun
from shopper_data.models import ShopperErasure
from tests.support.clients import api_client, staff_user
from tests.support.factories import (
    BasketFactory,
    CustomerAccountFactory,
    LineFactory,
    ProductFactory,
    ShopAccountFactory,
    UserFactory,
    basket_in_status,
)
from webhooks.models import WebhookEndpoint
from webhooks.services import webhook_endpoint_create, webhook_test_send

ROLES = [
    "anonymous",
    "shopper-session",
    "shopper-token",
    "processor",
    "administrator",
    "storefront",
    "payments",
    "status",
]
CLIENT_ROLES = {"storefront", "payments", "status"}
STAFF_ROLES = {"processor": "Order processor", "administrator": "System administrator"}
TRACKED_APPS = (
    "baskets",
    "completion",
    "abandonment",
    "recovery",
    "auth",
    "authtoken",
    "constance",
    "shopdata",
    "shopper_data",
)


def world(basket: Basket | None) -> dict:
    """Row counts of every table (in one query), and the basket's row and timeline."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.app_label in TRACKED_APPS and not model._meta.proxy
        }
    )
    counts_sql = ", ".join(f'(SELECT count(*) FROM "{table}")' for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts_sql}")  # noqa: S608 (table names from the models)
        counts = dict(zip(tables, cursor.fetchone(), strict=True))
    if basket is None:
        return counts
    return {
        **counts,
        "basket": list(Basket.objects.filter(pk=basket.pk).values()),
        "timeline": list(BasketEvent.objects.filter(basket_guid=basket.guid).values()),
    }


# --- the API ---------------------------------------------------------------------------

# Who gets what, by the right an operation needs (AC-2); "ok" is the operation's success.
API_EXPECTED = {
    "read": {
        "anonymous": 401,
        "shopper-session": 403,
        "shopper-token": 403,
        "processor": "ok",
        "administrator": "ok",
        "storefront": "ok",
        "payments": 403,
        "status": "ok",
    },
    "write": {
        "anonymous": 401,
        "shopper-session": 403,
        "shopper-token": 403,
        "processor": 403,
        "administrator": 403,
        "storefront": "ok",
        "payments": 403,
        "status": 403,
    },
    # IN-5: a shopper's list holds their e-mail and addresses: the personal-data right (AC-1,
    # AC-2): the Storefront, and staff who may see personal data.
    "personal": {
        "anonymous": 401,
        "shopper-session": 403,
        "shopper-token": 403,
        "processor": 403,
        "administrator": "ok",
        "storefront": "ok",
        "payments": 403,
        "status": 403,
    },
    "payment": {
        "anonymous": 401,
        "shopper-session": 403,
        "shopper-token": 403,
        "processor": 403,
        "administrator": 403,
        "storefront": 403,
        "payments": "ok",
        "status": 403,
    },
}

# name: (right, method, path, body, basket setup, success code)
API_OPERATIONS = {
    "list": ("read", "get", "/api/baskets/", None, "active", 200),
    "basket": ("read", "get", "/api/baskets/{guid}/", None, "active", 200),
    "status": ("read", "get", "/api/baskets/{guid}/status/", None, "active", 200),
    "create": ("write", "post", "/api/baskets/", {}, "active", 201),
    "line-add": (
        "write",
        "post",
        "/api/baskets/{guid}/lines/",
        {"product_id": "PRD-1", "quantity": 1},
        "active",
        200,
    ),
    "line-change": (
        "write",
        "patch",
        "/api/baskets/{guid}/lines/{line}/",
        {"quantity": 2},
        "active",
        200,
    ),
    "line-remove": ("write", "delete", "/api/baskets/{guid}/lines/{line}/", None, "active", 200),
    "coupon-apply": (
        "write",
        "post",
        "/api/baskets/{guid}/coupons/",
        {"code": "TEN"},
        "active",
        200,
    ),
    "coupon-remove": ("write", "delete", "/api/baskets/{guid}/coupons/TEN/", None, "codes", 200),
    "gift-card-apply": (
        "write",
        "post",
        "/api/baskets/{guid}/gift-cards/",
        {"code": "GIFT5"},
        "active",
        200,
    ),
    "gift-card-remove": (
        "write",
        "delete",
        "/api/baskets/{guid}/gift-cards/GIFT5/",
        None,
        "codes",
        200,
    ),
    "checkout": (
        "write",
        "patch",
        "/api/baskets/{guid}/checkout/",
        {"delivery_method": "post"},
        "active",
        200,
    ),
    "stage": (
        "write",
        "post",
        "/api/baskets/{guid}/stage/",
        {"stage": "login_register"},
        "active",
        200,
    ),
    "payment-return": ("write", "post", "/api/baskets/{guid}/payment-return/", {}, "paying", 200),
    "resume": ("write", "post", "/api/baskets/{guid}/resume/", {}, "active", 200),
    # AB-5: the shopper entered the upsell offer; its timer starts.
    "upsell": (
        "write",
        "post",
        "/api/baskets/{guid}/upsell/",
        {"payment_token": "tok_visa_4242"},
        "active",
        201,
    ),
    "shopper-baskets": ("personal", "get", "/api/shoppers/{account}/baskets/", None, "listed", 200),
    "visitor-baskets": ("personal", "get", "/api/visitors/{visitor}/baskets/", None, "listed", 200),
    # SH-3: the shop's hand-over of its logged-in shopper: the Storefront only.
    "shopper-handover": (
        "write",
        "post",
        "/api/shoppers/handover/",
        {"shop_account": "{account}"},
        "listed",
        201,
    ),
    "payment-result": (
        "payment",
        "post",
        "/api/baskets/{guid}/payment/",
        {"result": "failed", "amount": "19.90", "currency": "EUR"},
        "paying",
        200,
    ),
    # SH-1: the shop's records; every kind has the same four operations on the same views.
    "shop-item-put": (
        "write",
        "put",
        "/api/products/PRD-SYNC/",
        {"name": "Synced", "prices": {"EUR": "1.00"}},
        "active",
        201,
    ),
    "shop-items-post": (
        "write",
        "post",
        "/api/customer-accounts/",
        {"items": [{"id": "C-SYNC", "name": "Synced"}]},
        "active",
        200,
    ),
    "shop-item-get": ("personal", "get", "/api/products/PRD-1/", None, "active", 200),
    "shop-items-get": ("personal", "get", "/api/shop-accounts/", None, "active", 200),
    # PV-3: erase a shopper (the shop), export what is kept about them (personal data).
    "privacy-erasure": (
        "write",
        "post",
        "/api/privacy/erasures/",
        {"shop_account": "{account}"},
        "listed",
        201,
    ),
    "privacy-export": (
        "personal",
        "get",
        "/api/privacy/exports/?shop_account={account}",
        None,
        "listed",
        200,
    ),
}


VISITOR = uuid.UUID("00000000-0000-4000-8000-00000000beef")


def api_caller(role: str) -> APIClient:
    if role in CLIENT_ROLES:
        return api_client(role)
    client = APIClient()
    if role == "anonymous":
        return client
    if role == "shopper-session":
        client.force_login(ShopAccountFactory(user=UserFactory(username="shopper")).user)
        return client
    user = (
        ShopAccountFactory(user=UserFactory(username="shopper")).user
        if role == "shopper-token"
        else staff_user(STAFF_ROLES[role])
    )
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def api_basket(setup: str) -> Basket:
    ProductFactory(id="PRD-1", name="Shirt", price="19.90")
    Coupon.objects.get_or_create(code="TEN", defaults={"percent_off": Decimal("10")})
    GiftCard.objects.get_or_create(code="GIFT5", defaults={"balance": Decimal("5.00")})
    basket = BasketFactory(total=Decimal("19.90"))
    LineFactory(basket=basket, product_id="PRD-1", unit_price=Decimal("19.90"))
    if setup == "codes":
        Basket.objects.filter(pk=basket.pk).update(coupon_codes=["TEN"], gift_card_codes=["GIFT5"])
    if setup == "listed":
        # IN-5: the basket is current in a login's list and in an anonymous visitor's.
        now = timezone.now()
        account = ShopAccountFactory()
        Basket.objects.filter(pk=basket.pk).update(shop_account=account)
        for owner in ({"shop_account": account}, {"visitor_token": VISITOR}):
            ShopperBasket.objects.create(basket=basket, added_at=now, activated_at=now, **owner)
    if setup == "paying":
        Basket.objects.filter(pk=basket.pk).update(
            stage=Stage.PAYMENT, payment_started_at=timezone.now()
        )
    basket.refresh_from_db()
    return basket


API_CASES = [
    pytest.param(role, name, id=f"api-{name}-{role}") for name in API_OPERATIONS for role in ROLES
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "operation"), API_CASES)
def test_api_matrix(role, operation):
    """SPEC: AC-2 AC-1 API-2 section 8 — the expected code; nothing changed on a refusal."""
    right, method, path, body, setup, success = API_OPERATIONS[operation]
    expected = API_EXPECTED[right][role]
    expected = success if expected == "ok" else expected
    basket = api_basket(setup)
    caller = api_caller(role)
    url = path.format(
        guid=basket.guid,
        line=basket.lines.get().pk,
        account=basket.shop_account.guid if basket.shop_account else "",
        visitor=visitor_reference(VISITOR),
    )
    if body is not None:
        body = {
            name: value.format(account=basket.shop_account.guid) if value == "{account}" else value
            for name, value in body.items()
        }
    before = world(basket)
    response = (
        getattr(caller, method)(url, body, format="json")
        if body is not None
        else (getattr(caller, method)(url))
    )
    assert response.status_code == expected, response.content
    assert response["Content-Type"].startswith("application/json")
    if expected in (401, 403):
        assert world(basket) == before


# --- the admin -------------------------------------------------------------------------


def make_object(label: str):
    """One object of the model, reachable on its admin change page."""
    now = timezone.now()
    makers = {
        "auth.group": lambda: Group.objects.get(name="Order processor"),
        "axes.accessattempt": lambda: AccessAttempt.objects.create(
            username="ada", get_data="", post_data="", failures_since_start=1, **ACCESS
        ),
        "axes.accesslog": lambda: AccessLog.objects.create(username="ada", **ACCESS),
        "axes.accessfailurelog": lambda: AccessFailureLog.objects.create(username="ada", **ACCESS),
        "auth.user": lambda: UserFactory(username="someone"),
        "authtoken.tokenproxy": lambda: Token.objects.create(user=UserFactory(username="t")),
        "baskets.product": lambda: Product.objects.create(id="PRD-X", name="X"),
        "baskets.coupon": lambda: Coupon.objects.create(code="C1", percent_off=Decimal("5")),
        "baskets.giftcard": lambda: GiftCard.objects.create(code="G1", balance=Decimal("5")),
        "baskets.paymentresult": lambda: PaymentResult.objects.create(
            basket_guid=uuid.uuid4(),
            result="paid",
            outcome="reconciliation",
            response_status=409,
            created_at=now,
        ),
        "baskets.basket": lambda: basket_in_status(Status.ACTIVE, customer=True),
        "baskets.basketevent": lambda: basket_in_status(Status.LOCKED).events.get(),
        "baskets.shopaccount": ShopAccountFactory,
        "baskets.customeraccount": CustomerAccountFactory,
        "baskets.salesperson": lambda: Salesperson.objects.create(
            shop_account=ShopAccountFactory()
        ),
        "recovery.applicationtext": lambda: ApplicationText.objects.order_by("pk").first(),
        "completion.completionfailedbasket": lambda: basket_in_status(Status.COMPLETION_FAILED),
        "shopdata.importrun": lambda: ImportRun.objects.create(
            kind="products", path="products.csv", started_at=now
        ),
        "completion.basketincompletion": lambda: basket_in_status(Status.AWAITING_COMPLETION),
        "completion.unreconciledbasket": unreconciled_basket,
        "baskets.order": order_made,
        "operations.workerheartbeat": lambda: WorkerHeartbeat.objects.create(
            name="w1", hostname="h", seen_at=now
        ),
        "abandonment.abandonment": lambda: Abandonment.objects.create(
            basket_guid=uuid.uuid4(),
            captured_at=now,
            last_activity_at=now,
            shop_account_email="ada@example.com",
            total="1.00",
            currency="EUR",
            lines=[],
        ),
        "abandonment.abandonreport": lambda: abandon_report_request(
            actor=Actor.system("test"), date_from=date(2026, 3, 1), date_to=date(2026, 3, 2)
        ),
        "abandonment.reportschedule": lambda: ReportSchedule.objects.create(
            name="weekly", frequency="weekly", next_run_at=now
        ),
        "abandonment.reminderstep": lambda: ReminderStep.objects.create(
            delay=timedelta(hours=1), subject="Still there?", body="{{ Basket.BasketUrl }}"
        ),
        "abandonment.remindersend": lambda: ReminderSend.objects.create(
            abandonment=make_object("abandonment.abandonment"),
            step_number=1,
            email="ada@example.com",
            sent_at=now,
        ),
        "abandonment.remindersuppression": lambda: ReminderSuppression.objects.create(
            email="ada@example.com", reason="bounced", suppressed_at=now, source="mailgun"
        ),
        "baskets.businesssettingchange": lambda: BusinessSettingChange.objects.create(
            name="MULTIPLE_BASKETS",
            old_value=False,
            new_value=True,
            actor_label="test",
            changed_at=now,
        ),
        "baskets.invoice": lambda: order_made().invoice,
        # The live business settings are one page (django-constance's, no rows of its own):
        # its "add" URL is not routed, a "change" URL redirects to the settings page.
        "constance.config": lambda: SimpleNamespace(pk="settings"),
        "webhooks.webhookendpoint": webhook_endpoint_made,
        "webhooks.webhookdelivery": lambda: webhook_test_send(
            endpoint_id=webhook_endpoint_made().pk
        ),
        "baskets.basketlifetimerun": lambda: BasketLifetimeRun.objects.create(
            started_at=now, updated_at=now
        ),
        "shopper_data.shoppererasure": lambda: ShopperErasure.objects.create(
            erased_at=now, actor_label="staff:sam", kind="email"
        ),
        "payments.providercheck": lambda: ProviderCheck.objects.create(
            basket_guid=uuid.uuid4(),
            provider="stripe",
            reference="pi_matrix",
            status="captured",
            decision="staff",
            checked_at=now,
        ),
    }
    return makers[label]()


def webhook_endpoint_made() -> WebhookEndpoint:
    return webhook_endpoint_create(url="https://hooks.example.com/", event_types=["order.created"])


ACCESS = {"user_agent": "test", "ip_address": "127.0.0.1", "http_accept": "*/*", "path_info": "/"}


def unreconciled_basket() -> Basket:
    basket = basket_in_status(Status.AWAITING_COMPLETION)
    Basket.objects.filter(pk=basket.pk).update(paid_at=timezone.now() - timedelta(days=1))
    return basket


def order_made():
    basket = basket_in_status(Status.AWAITING_COMPLETION)
    LineFactory(basket=basket, product_id=ProductFactory().id)
    completion_run(worker="test")
    return Basket.objects.get(pk=basket.pk).order


def order_in_accounts_receivable():
    """An order whose charge failed (AB-5): open in accounts receivable, to be settled."""
    order = order_made()
    Order.objects.filter(pk=order.pk).update(
        accounts_receivable_at=timezone.now(), accounts_receivable_note="charge failed"
    )
    return order


# For each registered model: what the Order processor and the System administrator get on
# its changelist, add and change pages. Everyone else is sent to the login page (302).
ADMIN_PAGES = {
    # BM-4: System administrators manage staff users and read the roles.
    "auth.group": ((403, 403, 403), (200, 403, 200)),
    "auth.user": ((403, 403, 403), (200, 200, 200)),
    "authtoken.tokenproxy": ((403, 403, 403), (403, 403, 403)),
    # django-axes' login failures: superusers only.
    "axes.accessattempt": ((403, 403, 403), (403, 403, 403)),
    "axes.accesslog": ((403, 403, 403), (403, 403, 403)),
    "axes.accessfailurelog": ((403, 403, 403), (403, 403, 403)),
    "baskets.product": ((200, 403, 200), (200, 200, 200)),
    "baskets.coupon": ((200, 403, 200), (200, 200, 200)),
    "baskets.giftcard": ((200, 403, 200), (200, 200, 200)),
    "baskets.paymentresult": ((200, 403, 200), (200, 403, 200)),
    "baskets.basket": ((200, 403, 200), (200, 403, 200)),
    "baskets.basketevent": ((200, 403, 200), (200, 403, 200)),
    "baskets.shopaccount": ((403, 403, 403), (200, 200, 200)),
    "baskets.customeraccount": ((403, 403, 403), (200, 200, 200)),
    "baskets.salesperson": ((403, 403, 403), (200, 200, 200)),
    "recovery.applicationtext": ((200, 403, 200), (200, 200, 200)),
    "completion.completionfailedbasket": ((200, 403, 200), (200, 403, 200)),
    "completion.basketincompletion": ((200, 403, 200), (200, 403, 200)),
    "completion.unreconciledbasket": ((200, 403, 200), (200, 403, 200)),
    "baskets.order": ((200, 403, 200), (200, 403, 200)),
    "operations.workerheartbeat": ((200, 403, 200), (200, 403, 200)),
    "abandonment.abandonment": ((403, 403, 403), (200, 403, 200)),
    "abandonment.abandonreport": ((403, 403, 403), (200, 200, 200)),
    "abandonment.reportschedule": ((403, 403, 403), (200, 200, 200)),
    # AB-4: the steps are templates, but the sends hold shoppers' e-mail addresses; the
    # sequence is the System administrators' (AC-1).
    "abandonment.reminderstep": ((403, 403, 403), (200, 200, 200)),
    "abandonment.remindersend": ((403, 403, 403), (200, 403, 200)),
    # PV-2: bounced and complaining addresses, the System administrators' to edit.
    "abandonment.remindersuppression": ((403, 403, 403), (200, 200, 200)),
    # The live business settings: Order processors view them (their "add" is not routed:
    # 404; a "change" URL redirects to the settings page: 302); the audit trail is the
    # System administrators'.
    "constance.config": ((200, 404, 302), (200, 404, 302)),
    "baskets.businesssettingchange": ((403, 403, 403), (200, 403, 200)),
    "baskets.invoice": ((200, 403, 200), (200, 403, 200)),
    # IN-1: endpoints hold signing secrets: System administrators only; deliveries read-only.
    "webhooks.webhookendpoint": ((403, 403, 403), (200, 200, 200)),
    "webhooks.webhookdelivery": ((403, 403, 403), (200, 403, 200)),
    # SH-1: import runs name files and refused rows: System administrators only, read-only.
    "shopdata.importrun": ((403, 403, 403), (200, 403, 200)),
    # PV-4: the lifetime job's runs, read-only, System administrators only.
    "baskets.basketlifetimerun": ((403, 403, 403), (200, 403, 200)),
    # PV-3: erasures are listed read-only; "add" is the erasure form (System administrators).
    "shopper_data.shoppererasure": ((403, 403, 403), (200, 200, 200)),
    # SH-4: the provider's answers about locked carts, read-only, for whoever sees baskets.
    "payments.providercheck": ((200, 403, 200), (200, 403, 200)),
}
PAGES = ("changelist", "add", "change")


def admin_caller(role: str) -> Client:
    client = Client()
    if role == "anonymous":
        return client
    if role in STAFF_ROLES:
        client.force_login(staff_user(STAFF_ROLES[role]))
    elif role == "shopper-token":
        user = ShopAccountFactory(user=UserFactory(username="shopper")).user
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=user).key}"
    elif role == "shopper-session":
        client.force_login(ShopAccountFactory(user=UserFactory(username="shopper")).user)
    else:
        api_client(role)
        client.force_login(Token.objects.get(user__username=f"{role}-client").user)
    return client


def admin_expected(role: str, label: str, page: str) -> int:
    if role not in STAFF_ROLES:
        return 302
    processor, administrator = ADMIN_PAGES[label]
    return (processor if role == "processor" else administrator)[PAGES.index(page)]


def test_the_page_table_covers_every_registered_model():
    """SPEC: AC-1 — a model registered later must be added to the matrix."""
    assert set(ADMIN_PAGES) == {model._meta.label_lower for model in admin.site._registry}


ADMIN_PAGE_CASES = [
    pytest.param(role, label, page, id=f"admin-{label}-{page}-{role}")
    for label in ADMIN_PAGES
    for page in PAGES
    for role in ROLES
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "label", "page"), ADMIN_PAGE_CASES)
def test_admin_page_matrix(role, label, page):
    """SPEC: AC-1 BM-4 — the expected code on each page; reading changes nothing."""
    app_label, model_name = label.split(".")
    obj = make_object(label)
    client = admin_caller(role)
    url = {
        "changelist": f"/admin/{app_label}/{model_name}/",
        "add": f"/admin/{app_label}/{model_name}/add/",
        "change": f"/admin/{app_label}/{model_name}/{obj.pk}/change/",
    }[page]
    before = world(None)
    response = client.get(url)
    expected = admin_expected(role, label, page)
    assert response.status_code == expected
    if role not in STAFF_ROLES:
        assert response["Location"].startswith("/admin/login/")
    elif expected == 302:  # the settings' "change" URL: back to the settings page
        assert response["Location"] == "../../"
    assert world(None) == before


EXPORT_EXPECTED = {role: 302 for role in ROLES} | {"processor": 200, "administrator": 200}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES, ids=[f"admin-export-{role}" for role in ROLES])
def test_export_matrix(role):
    """SPEC: AC-1 BM-2 — the CSV export (its columns per role: test_personal_data)."""
    LineFactory(basket=BasketFactory(customer=True))
    response = admin_caller(role).get("/admin/baskets/basket/export/")
    assert response.status_code == EXPORT_EXPECTED[role]


BULK_JOB_EXPECTED = {role: 302 for role in ROLES} | {"processor": 200, "administrator": 200}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES, ids=[f"admin-bulk-job-{role}" for role in ROLES])
def test_bulk_job_page_matrix(role):
    """SPEC: AC-1 BM-1 — a bulk job's page (progress, refusals per basket) for whoever may
    see baskets; reading it changes nothing."""
    job = basket_bulk_job_start(
        action=BulkJobAction.DELETE, basket_ids=[BasketFactory().pk], actor=Actor.system("t")
    )
    client = admin_caller(role)
    before = world(None)
    response = client.get(f"/admin/baskets/basket/jobs/{job.pk}/")
    assert response.status_code == BULK_JOB_EXPECTED[role]
    if role not in STAFF_ROLES:
        assert response["Location"].startswith("/admin/login/")
    assert world(None) == before


def manage_booking_row() -> tuple[Basket, dict]:
    """CB-5: the grid row's button for a basket at the manage-booking stage."""
    basket = basket_in_status(Status.ACTIVE)
    Basket.objects.filter(pk=basket.pk).update(stage=Stage.MANAGE_BOOKING)
    return basket, {MANAGE_BOOKING_PARAMETER: basket.pk}


def business_settings_form() -> tuple[None, dict]:
    """The settings page's form as an administrator sees it, with the recipients changed."""
    reader = Client()
    reader.force_login(staff_user("System administrator", username="settings-reader"))
    form = reader.get("/admin/constance/config/").context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value not in (False, None)}
    return None, data | {"STAFF_NOTIFICATION_EMAILS": "ops@example.com"}


def analytics_range() -> tuple[None, dict]:
    Abandonment.objects.create(
        basket_guid=uuid.uuid4(),
        captured_at=timezone.now(),
        last_activity_at=timezone.now(),
        shop_account_email="ada@example.com",
        total="1.00",
        currency="EUR",
        lines=[],
    )
    return None, {}


def line_edit_form() -> tuple[Basket, dict]:
    basket = BasketFactory()
    line = LineFactory(basket=basket, quantity=2)
    return basket, {"line": line.pk, "quantity": "1", "reason": "matrix"}


def daily_notification_due() -> tuple[Basket, dict]:
    """LC-5: something to report, system e-mails on, a recipient."""
    from constance import config

    config.EMAIL_SYSTEM_MESSAGES = True
    config.STAFF_NOTIFICATION_EMAILS = "ops@example.com"
    return basket_in_status(Status.LOCKED), {}


# POSTs let through that change no row (they send a mail): the rows stay as they were.
ADMIN_ENDPOINTS_WRITING_NO_ROW = {"daily-notification-send"}

# The admin's own pages and buttons beside the model pages: method, URL, what the page
# needs (a basket whose timeline is watched, and the data sent), and what the Order
# processor and the System administrator get; everyone else is sent to the login page.
# A GET changes nothing; a POST that is let through changes something (302), a refused
# one nothing.
ADMIN_ENDPOINTS = {
    # AB-6: the analytics hold no names, but are drawn from the abandonments (AC-1).
    "abandonment-analytics": (
        "get",
        "/admin/abandonment/abandonment/analytics/",
        analytics_range,
        (403, 200),
    ),
    # PV-5: the step editor's live preview renders posted texts and saves nothing.
    "reminder-step-preview": (
        "post",
        "/admin/abandonment/reminderstep/preview/",
        lambda: (None, {"subject": "Hi", "body": "{{ greeting }}", "language": "da"}),
        (403, 200),
    ),
    "manage-booking-row-button": (
        "post",
        "/admin/baskets/basket/manage-booking/",
        manage_booking_row,
        (302, 302),
    ),
    # Seed 000: the checkout funnel, for whoever may see baskets.
    "checkout-funnel": ("get", "/admin/baskets/basket/funnel/", lambda: (None, {}), (200, 200)),
    # Seed 004: accounts receivable by age, for whoever may see orders.
    "receivables-ageing": (
        "get",
        "/admin/baskets/order/receivables/",
        lambda: (None, {}),
        (200, 200),
    ),
    # Staff line edits (BM-1): whoever may change baskets.
    "line-edit": ("post", "/admin/baskets/basket/line-edit/", line_edit_form, (302, 302)),
    # Settings: Order processors view them, only System administrators save them.
    "business-settings-save": (
        "post",
        "/admin/constance/config/",
        business_settings_form,
        (403, 302),
    ),
    # The grid's column chooser: each staff member who sees the grid keeps their own.
    "grid-columns-save": (
        "post",
        "/admin/baskets/basket/columns/",
        lambda: (None, {"columns": ["location"]}),
        (302, 302),
    ),
    # LC-5: the daily staff e-mail sent now, by those who change the live settings.
    "daily-notification-send": (
        "post",
        "/admin/baskets/order/daily-notification/",
        daily_notification_due,
        (403, 302),
    ),
    # SH-4: the settlement report page, for staff who may decide locked carts.
    "settlement-report-page": (
        "get",
        "/admin/payments/providercheck/settlement/",
        lambda: (None, {}),
        (200, 200),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "endpoint"),
    [
        pytest.param(role, name, id=f"admin-{name}-{role}")
        for name in ADMIN_ENDPOINTS
        for role in ROLES
    ],
)
def test_admin_endpoint_matrix(role, endpoint, mailoutbox):
    """SPEC: AC-1 CB-5 AB-6 LC-5 — the expected code; a refusal or a read changes nothing,
    a POST let through changes something."""
    method, url, setup, (processor, administrator) = ADMIN_ENDPOINTS[endpoint]
    basket, data = setup()
    client = admin_caller(role)
    before = world(basket)
    response = getattr(client, method)(url, data)
    expected = (
        302
        if role not in STAFF_ROLES
        else (processor, administrator)[0 if role == "processor" else 1]
    )
    assert response.status_code == expected
    if role not in STAFF_ROLES:
        assert response["Location"].startswith("/admin/login/")
    if endpoint in ADMIN_ENDPOINTS_WRITING_NO_ROW:
        assert world(basket) == before
        assert len(mailoutbox) == (1 if role in STAFF_ROLES and expected == 302 else 0)
    elif method == "post" and role in STAFF_ROLES and expected == 302:
        assert world(basket) != before
    else:
        assert world(basket) == before


# Each admin action: the model, the object it acts on, and what each staff role gets:
# "done" (the action ran: 302 back to the list), "refused" (the list is visible but the
# action is not offered: the list again, nothing changed), or 403.
ADMIN_ACTIONS = {
    ("baskets.basket", "complete_manage_booking"): ("done", "done"),
    ("baskets.basket", "flag_additional_information"): ("done", "done"),
    ("baskets.basket", "delete_baskets"): ("done", "done"),
    ("baskets.basket", "confirm_locked_carts"): ("done", "done"),
    ("baskets.basket", "unlock_locked_carts"): ("done", "done"),
    ("baskets.basket", "delete_locked_carts"): ("done", "done"),
    ("completion.completionfailedbasket", "requeue"): ("done", "done"),
    ("completion.completionfailedbasket", "close"): ("done", "done"),
    # CB-4: requeues only those the shop's data no longer stops (this one is refused in the
    # message list; the answer is the list again).
    ("completion.completionfailedbasket", "requeue_now_completable"): ("done", "done"),
    # Accounts receivable (AB-5): orders are the Order processor's.
    ("baskets.order", "record_payment_received"): ("done", "done"),
    ("baskets.order", "record_written_off"): ("done", "done"),
    ("baskets.order", "request_new_card"): ("done", "done"),
    # BM-4: System administrators manage staff users; roles only to read.
    ("auth.group", "delete_selected"): (403, "refused"),
    ("auth.user", "delete_selected"): (403, "done"),
    ("axes.accessattempt", "delete_selected"): (403, 403),
    ("axes.accessattempt", "cleanup_expired_attempts"): (403, 403),
    ("axes.accesslog", "delete_selected"): (403, 403),
    ("axes.accessfailurelog", "delete_selected"): (403, 403),
    ("baskets.product", "delete_selected"): ("refused", "done"),
    ("baskets.coupon", "delete_selected"): ("refused", "done"),
    ("baskets.giftcard", "delete_selected"): ("refused", "done"),
    ("baskets.shopaccount", "delete_selected"): (403, "done"),
    ("baskets.customeraccount", "delete_selected"): (403, "done"),
    ("baskets.salesperson", "delete_selected"): (403, "done"),
    ("recovery.applicationtext", "delete_selected"): ("refused", "done"),
    ("operations.workerheartbeat", "delete_selected"): ("refused", "done"),
    ("abandonment.abandonment", "delete_selected"): (403, "done"),
    ("abandonment.abandonment", "reminder_send_now"): (403, "done"),
    ("abandonment.reminderstep", "delete_selected"): (403, "done"),
    ("abandonment.remindersend", "delete_selected"): (403, "done"),
    ("abandonment.remindersuppression", "delete_selected"): (403, "done"),
    ("abandonment.abandonreport", "delete_selected"): (403, "done"),
    ("abandonment.reportschedule", "delete_selected"): (403, "done"),
    ("webhooks.webhookendpoint", "delete_selected"): (403, "done"),
    ("webhooks.webhookendpoint", "send_test_event"): (403, "done"),
    ("webhooks.webhookendpoint", "redeliver_failed"): (403, "done"),
    ("webhooks.webhookendpoint", "enable"): (403, "done"),
    ("webhooks.webhookdelivery", "delete_selected"): (403, "done"),
    ("webhooks.webhookdelivery", "redeliver"): (403, "done"),
}
ACTION_TARGETS = {
    "baskets.basket": lambda: basket_in_status(Status.LOCKED),
    "baskets.order": order_in_accounts_receivable,
}


def test_the_action_table_covers_every_admin_action(rf):
    """SPEC: AC-1 — an action added later must be added to the matrix."""
    request = rf.get("/admin/")
    request.user = UserFactory.build(is_staff=True, is_superuser=True)
    offered = {
        (model._meta.label_lower, name)
        for model, model_admin in admin.site._registry.items()
        for name in model_admin.get_actions(request)
    }
    assert set(ADMIN_ACTIONS) == offered


ADMIN_ACTION_CASES = [
    pytest.param(role, label, action, id=f"action-{label}-{action}-{role}")
    for label, action in ADMIN_ACTIONS
    for role in ROLES
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "label", "action"), ADMIN_ACTION_CASES)
def test_admin_action_matrix(role, label, action):
    """SPEC: AC-1 BM-4 LC-4 CB-5 CB-6 BM-1 — each action as each role, confirmed with a
    reason where it asks for one; a refusal changes nothing."""
    app_label, model_name = label.split(".")
    obj = ACTION_TARGETS.get(label, lambda: make_object(label))()
    basket = obj if isinstance(obj, Basket) else None
    client = admin_caller(role)
    before = world(basket)
    response = client.post(
        f"/admin/{app_label}/{model_name}/",
        {
            "action": action,
            "_selected_action": [obj.pk],
            "index": "0",
            "confirmed": "yes",
            "reason": "matrix",
            "post": "yes",
        },
    )
    outcome = (
        "refused-login"
        if role not in STAFF_ROLES
        else ADMIN_ACTIONS[(label, action)][0 if role == "processor" else 1]
    )
    if outcome == "refused-login":
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    elif outcome == 403:
        assert response.status_code == 403
    elif outcome == "refused":
        # No action is offered to this role: the list is shown again.
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(f"/admin/{app_label}/{model_name}/")
    if outcome != "done":
        assert world(basket) == before


# SH-4: payment provider notifications. No role opens them: only the provider's signature
# does (400 without it, nothing changed); a provider not configured is not there (404).
PROVIDER_HOOKS = {
    "stripe": ("/hooks/stripe/", {"STRIPE_WEBHOOK_SECRET": "whsec_matrix"}),
    "paypal": (
        "/hooks/paypal/",
        {
            "PAYPAL_CLIENT_ID": "matrix",
            "PAYPAL_CLIENT_SECRET": "matrix",
            "PAYPAL_WEBHOOK_ID": "matrix",
        },
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "hook", "configured"),
    [
        pytest.param(role, hook, configured, id=f"hook-{hook}-{role}-{configured}")
        for hook in PROVIDER_HOOKS
        for role in ROLES
        for configured in ("on", "off")
    ],
)
def test_provider_hook_matrix(role, hook, configured, settings):
    """SPEC: SH-4 AC-1 — a notification without the provider's signature is 400 for every
    caller, a provider not configured is 404, and neither changes anything."""
    url, provider_settings = PROVIDER_HOOKS[hook]
    if configured == "on":
        for name, value in provider_settings.items():
            setattr(settings, name, value)
    basket = BasketFactory()
    client = admin_caller(role)
    before = world(basket)
    response = client.post(url, data=b'{"id": "evt_1"}', content_type="application/json")
    assert response.status_code == (400 if configured == "on" else 404)
    assert world(basket) == before
