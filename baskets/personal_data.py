"""AC-1: which data is shop-account personal data. The one rule every page, grid column,
proxy page, export column, timeline entry, lookup and search of a basket asks; who may see
it is ``baskets.access.personal_data_visible``.

A field is named by its model and name; a path through relations (``shop_account__email``,
a grid column, an export column's expression, a URL lookup such as
``payment_address__line1__icontains``) is personal as soon as one step of it is.
"""

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Model, Q
from django.db.models.constants import LOOKUP_SEP

# Model (label, lower case) -> the fields holding personal data; ``None``: all of it (a
# login is a person: its name, e-mail, GUID and user name).
PERSONAL_FIELDS: dict[str, frozenset[str] | None] = {
    "baskets.shopaccount": None,
    "baskets.salesperson": None,
    "auth.user": None,
    # The ERP account ID is not personal: staff quote it on the phone and search by it.
    "baskets.customeraccount": frozenset({"name", "email"}),
    "baskets.basket": frozenset(
        {
            "shop_account",
            "salesperson",
            # The purchaser's name as the shop labelled it.
            "purchaser_label",
            # What the shopper typed: names on badges, phone numbers.
            "user_values",
            "payment_address",
            "delivery_address",
            # A guest's own address.
            "email",
        }
    ),
    "abandonment.abandonment": frozenset(
        {"name", "email", "shop_account_email", "reminder_email", "payment_address"}
    ),
}

# Timeline entries: payload keys naming shop accounts (a recovery's owner change holds
# their GUIDs), and the actor kinds whose label is a shop account's login name.
PERSONAL_PAYLOAD_KEYS = frozenset({"owner"})
PERSONAL_ACTOR_KINDS = frozenset({"shopper"})


def _personal_names(model: type[Model]) -> frozenset[str] | None:
    """The personal fields of ``model`` (a proxy is its concrete model); ``frozenset()`` for
    a model holding none."""
    label = model._meta.concrete_model._meta.label_lower
    if label not in PERSONAL_FIELDS:
        return frozenset()
    return PERSONAL_FIELDS[label]


def path_is_personal(model: type[Model], path: str) -> bool:
    """Whether the field path (with any lookups or JSON keys after it) reaches personal data."""
    parts = path.split(LOOKUP_SEP)
    for at, part in enumerate(parts, start=1):
        names = _personal_names(model)
        if names is None or part in names:
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a lookup ("iregex"), a JSON key, or no field at all
        if field.related_model is None:
            return False
        model = field.related_model
        if at == len(parts):
            # A relation shown whole shows its row's name (``str()``), a lookup on it
            # matches the row: personal if any of the row is.
            return _personal_names(model) != frozenset()
    return False


def expression_paths(expression: Any) -> Iterable[str]:
    """The field paths an (unresolved) ORM expression reads: its ``F()``s and ``Q`` keys."""
    if isinstance(expression, F):
        yield expression.name
    elif isinstance(expression, Q):
        for child in expression.children:
            if isinstance(child, tuple):
                yield child[0]
                yield from expression_paths(child[1])
            else:
                yield from expression_paths(child)
    elif hasattr(expression, "get_source_expressions"):
        for source in expression.get_source_expressions():
            yield from expression_paths(source)


def reads(*paths: str) -> Callable:
    """Marks an admin display function with the field paths it shows, so the rule can
    judge a column that is no model field."""

    def mark(function: Callable) -> Callable:
        function.reads_paths = paths
        return function

    return mark


def column_is_personal(model: type[Model], owner: object, name: str) -> bool:
    """A grid column or page field ``name`` of ``owner`` (a ModelAdmin): a model field path,
    or a display function marked with ``reads``. A display function that names no path
    reads no personal data."""
    shown = getattr(owner, name, None)
    paths = getattr(shown, "reads_paths", None)
    if paths is not None:
        return any(path_is_personal(model, path) for path in paths)
    return path_is_personal(model, name)


def names_shown(
    model: type[Model], owner: object, names: Iterable[str], *, personal: bool
) -> list[str]:
    """``names`` without those holding personal data, unless ``personal`` (may see it)."""
    if personal:
        return list(names)
    return [name for name in names if not column_is_personal(model, owner, name)]


# A URL (a webhook endpoint's path and query may hold a secret): only its host is shown.
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://(?:[^/@\s]*@)?([^/\s?#:]+)(?::\d+)?[^\s]*", re.I)


def url_hosts_only(text: str) -> str:
    """``text`` with each URL cut down to its host: no path, query, port or credentials."""
    return _URL.sub(lambda match: match.group(1), text)


def actor_label_shown(label: str, *, personal: bool) -> str:
    """A timeline actor: a shopper's login name only to those who may see personal data."""
    kind, _, name = label.partition(":")
    if personal or kind not in PERSONAL_ACTOR_KINDS or name in ("", "anonymous"):
        return label
    return kind


def event_payload_shown(payload: dict, *, personal: bool) -> dict:
    """A timeline entry's details: URLs cut to their host; shop-account identities (GUIDs)
    only to those who may see personal data."""
    return {
        key: url_hosts_only(value) if isinstance(value, str) else value
        for key, value in payload.items()
        if personal or key not in PERSONAL_PAYLOAD_KEYS
    }
