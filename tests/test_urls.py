"""The URLconf's order: every named route is reached by its own addresses.

``basketops/urls.py`` puts the basket API routes first (the token polls of a basket and its
status are the API's hottest requests) and the API's catch-all 404 last. This walks every
named route, makes an address for it from sample values of its converters, and resolves
it: a route that an earlier pattern shadows would resolve to that other route.
"""

import uuid

from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter, PathConverter, SlugConverter, UUIDConverter
from django.urls.resolvers import RoutePattern

SAMPLES = {
    IntConverter: 7,
    SlugConverter: "a-slug",
    UUIDConverter: uuid.UUID("3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c"),
    PathConverter: "some/where",
}


def _routes(patterns, namespace="", prefix=""):
    """(name with namespaces, pattern, full route text) of every named route."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}{entry.namespace}:"
            yield from _routes(entry.url_patterns, inner, route)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry, route


def _sample_kwargs(pattern: URLPattern) -> dict | None:
    if not isinstance(pattern.pattern, RoutePattern):
        return None  # a regular expression route: no converters to sample
    converters = pattern.pattern.converters
    return {name: SAMPLES.get(type(converter), "sample") for name, converter in converters.items()}


def test_every_named_route_resolves_to_itself():
    """SPEC: section 8 — every address other systems are written against still reaches its
    route with the basket routes first."""
    checked = set()
    for name, pattern, route in _routes(get_resolver().url_patterns):
        kwargs = _sample_kwargs(pattern)
        if kwargs is None:
            continue
        address = reverse(name, kwargs=kwargs)
        match = resolve(address)
        # Two names of one route (an alias) reach the same route text.
        assert match.view_name == name or match.route == route, (
            f"{address} meant for {name} ({route}) reaches {match.view_name} ({match.route})"
        )
        checked.add(name)
    # The hot reads, the routes that come after them under /api/, and the admin's.
    for name in (
        "api:basket-detail",
        "api:basket-status",
        "api:basket-lines",
        "completion-api:basket-upsell",
        "recovery-api:shopper-handover",
        "shopper-data-api:export",
        "admin:baskets_basket_change",
    ):
        assert name in checked
    assert len(checked) > 100


def test_an_unknown_api_address_reaches_the_api_s_json_404(client):
    """SPEC: API-3 — the catch-all, now last in the root URLconf, still answers JSON."""
    for address in ("/api/nothing/", "/api/baskets/x/lines/not-a-number/", "/api/"):
        answer = client.get(address)
        assert answer.status_code == 404, address
        assert answer.json() == {"detail": "Not found.", "code": "not_found"}
