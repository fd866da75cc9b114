"""Demo catalogue and parties: products, coupons, gift cards, customers, logins, salespersons."""

import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from baskets.currencies import shop_default_currency
from baskets.models import (
    Coupon,
    CustomerAccount,
    GiftCard,
    ItemKind,
    Price,
    Product,
    PurchaserType,
    Salesperson,
    ShopAccount,
    Variant,
)

from ..bulk import bulk_load, next_id, sequences_reset

FIRST_NAMES = [
    "Ada",
    "Ben",
    "Chloé",
    "Dev",
    "Eva",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jon",
    "Kemal",
    "Lena",
    "Mia",
    "Noah",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
]
LAST_NAMES = [
    "Andersen",
    "Baker",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "García",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "López",
    "Müller",
    "Nakamura",
    "O'Brien",
    "Patel",
]
COMPANIES = [
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Wingtip",
    "Litware",
    "Adatum",
    "Proseware",
    "Lucerne",
    "Fourth Coffee",
    "Alpine Ski",
    "Blue Yonder",
]
DELIVERY = ["standard", "express", "pickup", "digital"]
PAYMENT = ["card", "paypal", "invoice", "bank_transfer"]
LOCATIONS = ["EU", "UK", "US", "NO"]
ERRORS = [
    "Product CRS-0007 was withdrawn before completion.",
    "Invoice number clash: INV-0004211 already exists.",
    "ERP export hook raised: timeout after 30 s.",
]


@dataclass
class Parties:
    customers: list[tuple[int, str, str, str, bool]]  # id, name, erp id, purchaser type, prospect
    shop_accounts: dict[int, list[tuple[int, str]]]  # customer id -> [(shop account id, name)]
    salespersons: list[tuple[int, list[int]]]  # salesperson id, related customer ids
    products: list[tuple[str, str, Decimal, str, list[str]]] = field(default_factory=list)


def catalogue_ensure(rng: random.Random) -> list[tuple[str, str, Decimal, str, list[str]]]:
    """Products (courses, products, services) with variants, coupons and gift cards."""
    currency = shop_default_currency()
    if not Product.objects.exists():
        products, variants, prices = [], [], []
        for index in range(1, 61):
            kind, prefix, uom = rng.choice(
                [
                    (ItemKind.COURSE, "CRS", "SEAT"),
                    (ItemKind.PRODUCT, "PRD", "EA"),
                    (ItemKind.PRODUCT, "PRD", "BOX"),
                    (ItemKind.SERVICE, "SRV", "HR"),
                ]
            )
            product_id = f"{prefix}-{index:04d}"
            price = Decimal(rng.randrange(900, 149900)) / 100
            products.append(
                Product(
                    id=product_id,
                    name=f"{prefix.title()} item {index}",
                    kind=kind,
                    unit_of_measure_id=uom,
                    available=index % 17 != 0,
                )
            )
            prices.append(Price(product_id=product_id, currency=currency, amount=price))
            if kind == ItemKind.PRODUCT and index % 3 == 0:
                for size in ("S", "M", "L"):
                    variants.append(
                        Variant(
                            id=f"{product_id}-{size}",
                            product_id=product_id,
                            name=f"Size {size}",
                            available=size != "L",
                        )
                    )
        Product.objects.bulk_create(products)
        Variant.objects.bulk_create(variants)
        Price.objects.bulk_create(prices)
        now = timezone.now()
        Coupon.objects.bulk_create(
            [
                Coupon(code="WELCOME10", percent_off=10),
                Coupon(code="SPRING25", percent_off=25, valid_until=now - timedelta(days=30)),
                Coupon(code="STAFF50", percent_off=50, active=False),
            ]
        )
        GiftCard.objects.bulk_create(
            [
                GiftCard(
                    code=f"GIFT-{index:05d}",
                    balance=Decimal(50 * index),
                    valid_until=now + timedelta(days=365 - 200 * (index % 2)),
                )
                for index in range(1, 11)
            ]
        )
    catalogue = []
    variants_by_product: dict[str, list[str]] = {}
    for variant_id, product_id in Variant.objects.values_list("id", "product_id"):
        variants_by_product.setdefault(product_id, []).append(variant_id)
    amounts = dict(
        Price.objects.filter(variant__isnull=True, currency=currency).values_list(
            "product_id", "amount"
        )
    )
    for product in Product.objects.order_by("id"):
        catalogue.append(
            (
                product.id,
                product.kind,
                amounts.get(product.id, Decimal("0")),
                product.unit_of_measure_id,
                variants_by_product.get(product.id, []),
            )
        )
    return catalogue


def parties_create(rng: random.Random, baskets: int) -> Parties:
    """Customer accounts, their logins, prospects and salespersons, scaled to the baskets."""
    customer_count = max(5, baskets // 40)
    start = next_id(CustomerAccount)
    customers = []
    for offset in range(customer_count):
        pk = start + offset
        prospect = offset % 12 == 0
        company = offset % 3 != 0
        name = (
            f"{rng.choice(COMPANIES)} {pk}"
            if company
            else f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        )
        customers.append(
            (
                pk,
                name,
                f"{'P' if prospect else 'C'}{pk:07d}",
                PurchaserType.ACCOUNT if company else PurchaserType.USER,
                prospect,
            )
        )
    bulk_load(
        CustomerAccount,
        ["id", "erp_account_id", "name", "email", "purchaser_type", "is_prospect"],
        (
            (pk, erp, name, f"accounts{pk}@example.com", ptype, prospect)
            for pk, name, erp, ptype, prospect in customers
        ),
    )
    now = timezone.now()
    shop_rows, shop_accounts = [], {}
    shop_id = next_id(ShopAccount)
    for pk, _name, _erp, _ptype, prospect in customers:
        for _ in range(1 if prospect else rng.randint(1, 3)):
            login_name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            shop_rows.append(
                (shop_id, uuid.uuid4(), login_name, f"login{shop_id}@example.com", pk, now)
            )
            shop_accounts.setdefault(pk, []).append((shop_id, login_name))
            shop_id += 1
    salesperson_ids = []
    for index in range(max(2, baskets // 5000)):
        shop_rows.append(
            (
                shop_id,
                uuid.uuid4(),
                f"Sales agent {index + 1}",
                f"sales{shop_id}@example.com",
                None,
                now,
            )
        )
        salesperson_ids.append(shop_id)
        shop_id += 1
    bulk_load(
        ShopAccount, ["id", "guid", "name", "email", "customer_account", "created_at"], shop_rows
    )
    salespersons = []
    sp_start = next_id(Salesperson)
    through = Salesperson.related_customers.through
    links = []
    for offset in range(len(salesperson_ids)):
        related = [c[0] for c in rng.sample(customers, min(5, len(customers)))]
        salespersons.append((sp_start + offset, related))
        links.extend((sp_start + offset, customer_id) for customer_id in related)
    bulk_load(
        Salesperson,
        ["id", "shop_account", "selected_customer"],
        (
            (pk, shop_id, related[0])
            for (pk, related), shop_id in zip(salespersons, salesperson_ids, strict=True)
        ),
    )
    bulk_load(through, ["salesperson", "customeraccount"], links)
    sequences_reset(CustomerAccount, ShopAccount, Salesperson, through)
    return Parties(customers=customers, shop_accounts=shop_accounts, salespersons=salespersons)
