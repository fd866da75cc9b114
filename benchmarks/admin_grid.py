"""Workload 1: the admin grid as a logged-in staff user, through the real admin view.

Each page is compared with the same view under Django's stock ModelAdmin settings (full
count, no select_related, ``icontains`` search, facets allowed), registered on a
separate AdminSite, and with the raw SQL the tuned page runs (replayed on a cursor).
Server time is measured in-process with ``django.test.Client``; queries are counted in
a separate request, so counting never slows the timed ones.
"""

import statistics
import time
from urllib.parse import quote

from django.contrib import admin
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from baskets.admin.grid import BasketAdmin
from baskets.models import Basket

from .common import scalar, staff_user
from .results import Against, Comparison, Series, Target, WorkloadResult
from .workload import BenchContext, Workload, alternate

GRID_URL = "/admin/baskets/basket/"
STOCK_URL = "/bench-stock-admin/baskets/basket/"
# Requests per variant per round; the round's figure is their median.
REQUESTS_PER_ROUND = 3
TARGET_MS = 60
TARGET_SPEEDUP = 4


class StockBasketAdmin(admin.ModelAdmin):
    """The same grid with Django's stock settings: what the product would be untuned."""

    # The product's columns that are the basket's own (plus the creator); its row buttons
    # need the product's admin views, which a stock site does not have.
    list_display = tuple(
        name for name in BasketAdmin.list_display if name == "creator" or hasattr(Basket, name)
    )
    list_filter = ("status",)
    # The fields the product's search box reads (the name: any part of it, seed 001).
    search_fields = (
        "guid",
        "shop_account__email",
        "shop_account__name",
        "customer_account__erp_account_id",
    )
    list_per_page = BasketAdmin.list_per_page
    # Django's own template: the product's adds the export link of the product's site.
    change_list_template = "admin/change_list.html"

    @admin.display(description="creator")
    def creator(self, basket: Basket) -> str:
        account = basket.shop_account
        if account is None:
            return "" if basket.purchaser_label else "(anonymous)"
        return account.name


stock_site = admin.AdminSite(name="bench_stock_admin")
stock_site.register(Basket, StockBasketAdmin)


def _cases(context: BenchContext) -> list[tuple[str, str, str]]:
    """(case, tuned query string, stock query string)."""
    email = scalar(
        "SELECT s.email FROM baskets_shopaccount s JOIN baskets_basket b "
        "ON b.shop_account_id = s.id ORDER BY b.id DESC LIMIT 1"
    )
    guid = scalar("SELECT guid FROM baskets_basket WHERE id = %s", [context.baskets // 2])
    # A part of a shop account's name ("Login 1234" -> "1234"), as a System administrator
    # searches for a caller (pg_trgm index on the shop accounts).
    name = scalar(
        "SELECT s.name FROM baskets_shopaccount s JOIN baskets_basket b "
        "ON b.shop_account_id = s.id ORDER BY b.id DESC LIMIT 1"
    )
    fragment = quote(name.split()[-1])
    return [
        ("first page", "", ""),
        ("status filter", "?status=locked", "?status__exact=locked"),
        ("e-mail search", f"?q={email}", f"?q={email}"),
        ("GUID search", f"?q={guid}", f"?q={guid}"),
        ("name fragment search", f"?q={fragment}", f"?q={fragment}"),
    ]


def _get(client: Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return elapsed * 1000


def _page_sql(client: Client, url: str) -> tuple[int, list[str]]:
    """The number of queries a page makes, and those reading baskets (its own SQL)."""
    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    page_sql = [query["sql"] for query in captured if "baskets_basket" in query["sql"]]
    return len(captured), page_sql


def _raw(statements: list[str]) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
            cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def run(context: BenchContext, result: WorkloadResult) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff_user())
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        for case, tuned_query, stock_query in _cases(context):
            tuned_url, stock_url = GRID_URL + tuned_query, STOCK_URL + stock_query
            tuned_queries, page_sql = _page_sql(client, tuned_url)
            stock_queries, _ = _page_sql(client, stock_url)

            def median_of(call):
                return lambda: statistics.median(call() for _ in range(REQUESTS_PER_ROUND))

            samples = alternate(
                context.rounds,
                {
                    "tuned": median_of(lambda url=tuned_url: _get(client, url)),
                    "stock": median_of(lambda url=stock_url: _get(client, url)),
                    "sql": median_of(lambda sql=page_sql: _raw(sql)),
                },
            )
            comparison = Comparison(
                case=case,
                metric="ms",
                higher_is_better=False,
                product=Series(samples["tuned"]),
                against=[
                    Against("raw SQL of the page", Series(samples["sql"])),
                    Against("stock ModelAdmin", Series(samples["stock"]), is_limit=False),
                ],
                extra={"queries": tuned_queries, "stock queries": stock_queries},
            )
            result.comparisons.append(comparison)
            milliseconds = comparison.product.median
            speedup = comparison.ratio(comparison.against[1]) or 0
            result.targets.append(
                Target(
                    text=f"admin grid, {case}: <= {TARGET_MS} ms server time and "
                    f">= {TARGET_SPEEDUP}x faster than stock admin",
                    measured=f"{milliseconds:.0f} ms, {speedup:.1f}x "
                    f"({tuned_queries} vs {stock_queries} queries)",
                    met=milliseconds <= TARGET_MS and speedup >= TARGET_SPEEDUP,
                )
            )
            context.log(
                f"  {case}: {milliseconds:.1f} ms ({tuned_queries} queries), stock "
                f"{comparison.against[1].series.median:.1f} ms ({stock_queries} queries), "
                f"raw SQL {comparison.against[0].series.median:.1f} ms"
            )


WORKLOAD = Workload(name="admin_grid", title="Admin grid", run=run, description=__doc__)
