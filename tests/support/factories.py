"""factory_boy factories. Baskets start Active; other statuses are reached through the
transition services (see ``basket_in_status``), never by writing the status."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from baskets.models import (
    AccountType,
    Basket,
    CustomerAccount,
    ItemKind,
    Line,
    Price,
    Product,
    ShopAccount,
    Status,
)
from baskets.services.actors import Actor
from baskets.services.transitions import (
    basket_fail_completion,
    basket_lock,
    basket_mark_paid,
)
from completion.services.engine import basket_completion_attempt


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class CustomerAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerAccount

    erp_account_id = factory.Sequence(lambda n: f"C{n:07d}")
    name = factory.Sequence(lambda n: f"Northwind {n}")
    email = factory.Sequence(lambda n: f"accounts{n}@example.com")


class ShopAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShopAccount

    name = factory.Sequence(lambda n: f"Shopper {n}")
    email = factory.Sequence(lambda n: f"shopper{n}@example.com")
    customer_account = factory.SubFactory(CustomerAccountFactory)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("id",)
        skip_postgeneration_save = True

    id = factory.Sequence(lambda n: f"PRD-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    kind = ItemKind.PRODUCT

    @factory.post_generation
    def price(product, create, extracted, **kwargs):
        """SH-2: the product's price in EUR (``price=...``, 19.90 when not given)."""
        if create:
            amount = Decimal(str(extracted)) if extracted is not None else Decimal("19.90")
            price_set(product, "EUR", amount)

    @factory.post_generation
    def prices(product, create, extracted, **kwargs):
        """More prices: ``prices={"JPY": "1500"}``."""
        for currency, amount in (extracted or {}).items():
            price_set(product, currency, Decimal(str(amount)))


def price_set(product, currency: str, amount, *, variant=None) -> Price:
    """The price of ``product`` (or its ``variant``) in ``currency``, made or changed."""
    price, _ = Price.objects.update_or_create(
        product=product, variant=variant, currency=currency, defaults={"amount": Decimal(amount)}
    )
    return price


class BasketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Basket

    guid = factory.LazyFunction(uuid.uuid4)
    account_type = AccountType.ANONYMOUS
    created_at = factory.LazyFunction(timezone.now)
    modified_at = factory.LazyAttribute(lambda basket: basket.created_at)
    last_activity_at = factory.LazyAttribute(lambda basket: basket.created_at)
    total = Decimal("0.00")

    class Params:
        customer = factory.Trait(
            shop_account=factory.SubFactory(ShopAccountFactory),
            customer_account=factory.SelfAttribute("shop_account.customer_account"),
            account_type=AccountType.CUSTOMER,
            purchaser_label=factory.SelfAttribute("shop_account.name"),
        )


class LineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Line

    basket = factory.SubFactory(BasketFactory)
    kind = ItemKind.PRODUCT
    product_id = factory.Sequence(lambda n: f"PRD-{n:05d}")
    quantity = 1
    unit_of_measure_id = "EA"
    unit_price = Decimal("19.90")


SYSTEM = Actor.system("tests")


def basket_complete_through_the_engine(basket_id: int) -> None:
    """Awaiting Completion -> Completed the way the product gets there: the completion engine
    makes the order (lines, invoice, enrolments) and completes the basket. A basket with no
    line is given one, and a line's missing product is made, so the engine can complete it."""
    if not Line.objects.filter(basket_id=basket_id).exists():
        LineFactory(basket=Basket.objects.get(pk=basket_id), product_id=ProductFactory().pk)
    wanted = set(Line.objects.filter(basket_id=basket_id).values_list("product_id", flat=True))
    known = set(Product.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    for product_id in wanted - known:
        ProductFactory(id=product_id)
    outcome = basket_completion_attempt(basket_id=basket_id, worker="tests")
    assert outcome == "completed", Basket.objects.get(pk=basket_id).last_error


# The shortest path of transition services from Active to each status.
PATHS: dict[str, list] = {
    Status.ACTIVE: [],
    Status.LOCKED: [lambda pk: basket_lock(basket_id=pk, actor=SYSTEM, reason="test lock")],
    Status.AWAITING_COMPLETION: [lambda pk: basket_mark_paid(basket_id=pk, actor=SYSTEM)],
    Status.COMPLETED: [
        lambda pk: basket_mark_paid(basket_id=pk, actor=SYSTEM),
        basket_complete_through_the_engine,
    ],
    Status.COMPLETION_FAILED: [
        lambda pk: basket_mark_paid(basket_id=pk, actor=SYSTEM),
        lambda pk: basket_fail_completion(basket_id=pk, actor=SYSTEM, error="test failure"),
    ],
}


def basket_in_status(status: str, **kwargs) -> Basket:
    """A new basket brought to ``status`` through the transition services."""
    basket = BasketFactory(**kwargs)
    for step in PATHS[status]:
        step(basket.pk)
    basket.refresh_from_db()
    return basket


def basket_with_every_read_field() -> Basket:
    """A basket whose API read fills every field: customer, codes, booking, billing object,
    a modification time with microseconds, and two lines (one booked for a user)."""
    basket = BasketFactory(
        customer=True,
        total="1234.50",
        coupon_codes=["SPRING"],
        gift_card_codes=["GC-1"],
        booking_id="BK-1",
        billing_object="Dept. 7",
        modified_at=datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC),
    )
    LineFactory(basket=basket, quantity=3, unit_price="0.10", booked_user_id="U-9")
    LineFactory(basket=basket, variant_id="V-2")
    return basket
