"""Pieces of the grid page rendered once and kept: the same input, the same HTML.

Most of a grid page's rendering time was in parts that hardly ever change: the menu of
the nav sidebar, the filter sidebar's fields (their choices are the models' fixed ones)
and the actions bar. Each is kept here, per process, under a key made of everything its
template reads:

- the menu: every app and model it lists, with the links and rights the admin worked
  out for this request's user, and the page's path. Two users get the same menu only
  when the admin gave them the same entries (in practice one per role); a change of
  rights changes the entries, so the key, on the next request.
- a filter field: its name, the values submitted for it and whether it has an error.
  Only empty fields and fields whose values are all among their fixed choices are kept:
  free text (a GUID, a name) is rendered each time and never kept.
- the action chooser: the actions offered to this user (they follow the user's rights).

Every key also holds the active language. Basket rows, counts, messages and the CSRF
token are never kept: they are rendered on every request.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.forms import ChoiceField
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


class FragmentCache:
    """A small least-recently-used store of rendered HTML, safe across threads."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[Hashable, SafeString] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> SafeString:
        with self._lock:
            html = self._entries.get(key)
            if html is not None:
                self._entries.move_to_end(key)
                return html
        # Rendered outside the lock: two threads may render the same piece once each.
        html = mark_safe(render())  # noqa: S308 - Django templates' output, escaped there
        with self._lock:
            self._entries[key] = html
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return html

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# A handful of roles, pages and languages; room to spare, a bound all the same.
NAV_SIDEBARS = FragmentCache(64)
FILTER_FIELDS = FragmentCache(1024)
ACTION_CHOOSERS = FragmentCache(64)


def fragments_clear() -> None:
    """Forget every kept piece (tests; nothing in the product needs it)."""
    for cache in (NAV_SIDEBARS, FILTER_FIELDS, ACTION_CHOOSERS):
        cache.clear()


# --- the nav sidebar ----------------------------------------------------------------------
def nav_sidebar_html(context) -> SafeString:
    """``admin/nav_sidebar.html`` for this request: its app list, rendered once per
    distinct menu (the entries the admin built for this user) and page."""
    request = context.get("request")
    apps = context.get("available_apps") or []
    path = request.path if request is not None else ""
    # Everything admin/app_list.html reads of each app and model.
    menu = tuple(
        (
            app["app_label"],
            str(app["name"]),
            app["app_url"],
            tuple(
                (
                    model["object_name"],
                    str(model["name"]),
                    model.get("admin_url"),
                    model.get("add_url"),
                    model.get("view_only"),
                )
                for model in app["models"]
            ),
        )
        for app in apps
    )
    key = (get_language(), path, menu)

    def render() -> str:
        return get_template("admin/nav_sidebar.html").render(
            {"available_apps": apps, "request": request}
        )

    return NAV_SIDEBARS.get_or_render(key, render)


# --- the filter sidebar's fields ------------------------------------------------------------
FIELD_TEMPLATE = "admin/baskets/basket/filterset_field.html"


def _fixed_input(field, values: list[str]) -> bool:
    """True when the field's HTML can be kept: no input, or only its fixed choices."""
    if not any(value not in (None, "") for value in values):
        return True
    if not isinstance(field, ChoiceField):
        return False
    return all(field.valid_value(value) for value in values)


def filter_fields_html(form) -> SafeString:
    """The filter form's fields (label and widget each), in one pass; fields with kept
    HTML are not rendered again."""
    template = get_template(FIELD_TEMPLATE)
    language = get_language()
    errors = form.errors if form.is_bound else {}
    parts = []
    for bound in form:
        values = form.data.getlist(bound.html_name) if form.is_bound else []
        if not _fixed_input(bound.field, values):
            parts.append(template.render({"field": bound}))
            continue
        key = (type(form).__name__, language, bound.html_name, tuple(values), bound.name in errors)
        parts.append(
            FILTER_FIELDS.get_or_render(key, lambda bound=bound: template.render({"field": bound}))
        )
    return mark_safe("".join(parts))  # noqa: S308 - each part is a template's output


# --- the actions bar ------------------------------------------------------------------------
ACTION_FIELDS_TEMPLATE = "admin/baskets/basket/action_fields.html"


def action_fields_html(action_form) -> SafeString:
    """The action chooser (Django's ``ActionForm``, unbound on the grid), rendered once per
    set of actions offered."""
    template = get_template(ACTION_FIELDS_TEMPLATE)
    if action_form.is_bound:
        return mark_safe(template.render({"action_form": action_form}))  # noqa: S308
    choices = tuple(
        (str(value), str(label)) for value, label in action_form.fields["action"].choices
    )
    key = (type(action_form).__name__, get_language(), choices)
    return ACTION_CHOOSERS.get_or_render(key, lambda: template.render({"action_form": action_form}))
