"""Finding a caller's baskets (seed 001; SPEC §3, AC-1): by a basket GUID or its first 8
or more characters (the short GUID the grid shows), an exact e-mail, a name, or an ERP
account ID — the grid's search box, its name filter and the
Abandonments list decide the same way here.

System administrators may give a fragment of a name ("Dubois" finds Sam Dubois), matched
through a pg_trgm index on ``UPPER(name)``. Order processors give a whole e-mail or a whole
name only: no fragment or prefix, so no series of searches can spell a hidden field out,
and the rows they find still hide what AC-1 hides.

Decide, then apply: ``basket_search_decide`` reads the term (pure), the selectors turn the
decision into indexed conditions.
"""

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q

from .models import CustomerAccount, Salesperson, ShopAccount

# A fragment matching more shop accounts than this is too vague to list ("son"): the
# baskets are found through a list of account ids, one indexed lookup each.
FRAGMENT_MAX_ACCOUNTS = 2000

# The start of a GUID: 8 to 31 hex digits, dashes where a GUID has them (or none).
GUID_PREFIX_MIN = 8
_GUID_PREFIX = re.compile(r"[0-9a-f]{8}(?:-?[0-9a-f]{1,4}){0,6}", re.IGNORECASE)


def guid_prefix_range(term: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The first and last GUID starting with ``term`` (8 or more hex digits), or None. A
    range of the indexed column, not a text match over every basket."""
    if not _GUID_PREFIX.fullmatch(term):
        return None
    digits = term.replace("-", "").lower()
    if not GUID_PREFIX_MIN <= len(digits) < 32:
        return None
    return uuid.UUID(digits.ljust(32, "0")), uuid.UUID(digits.ljust(32, "f"))


class SearchKind(StrEnum):
    NONE = "none"
    GUID = "guid"
    EMAIL = "email"
    NAME_OR_ERP_ID = "name_or_erp_id"
    REFUSED = "refused"


@dataclass(frozen=True)
class SearchDecision:
    kind: SearchKind
    term: str = ""
    guid: uuid.UUID | None = None
    # A fragment of a name (System administrators), else a whole name.
    fragment: bool = False
    refusal: str = ""
    # The term may also be the start of a GUID (an ERP account ID can be all digits).
    guid_range: tuple[uuid.UUID, uuid.UUID] | None = None


def basket_search_decide(term: str, *, personal_data: bool) -> SearchDecision:
    """What ``term`` asks for; ``personal_data``: the user may see shop-account data."""
    term = term.strip()
    if not term:
        return SearchDecision(SearchKind.NONE)
    try:
        return SearchDecision(SearchKind.GUID, term=term, guid=uuid.UUID(term))
    except ValueError:
        pass
    if "@" in term:
        return SearchDecision(SearchKind.EMAIL, term=term)
    if "-" in term and len(term) >= 32 and guid_prefix_range(term) is None:
        return SearchDecision(SearchKind.REFUSED, refusal=f"“{term[:60]}” is not a valid GUID.")
    return SearchDecision(
        SearchKind.NAME_OR_ERP_ID,
        term=term,
        fragment=personal_data,
        guid_range=guid_prefix_range(term),
    )


class TooManyAccounts(Exception):
    """A name fragment matches more shop accounts than a search lists."""


def shop_account_ids_named(name: str, *, fragment: bool) -> list[int]:
    """The shop accounts whose name contains ``name`` (``fragment``) or is ``name`` (case
    ignored), both through the index on ``UPPER(name)``; raises ``TooManyAccounts``."""
    if fragment:
        accounts = ShopAccount.objects.filter(name__icontains=name)
    else:
        accounts = ShopAccount.objects.filter(name__iexact=name)
    ids = list(accounts.order_by().values_list("pk", flat=True)[: FRAGMENT_MAX_ACCOUNTS + 1])
    if len(ids) > FRAGMENT_MAX_ACCOUNTS:
        raise TooManyAccounts(
            f"More than {FRAGMENT_MAX_ACCOUNTS} shop accounts have “{name[:60]}” in their "
            "name: type more of it."
        )
    return ids


def basket_search_q(decision: SearchDecision, *, personal_data: bool) -> Q:
    """The baskets the decision finds, as one condition of indexed lookups (the accounts
    are looked up first: an OR across a join would scan every basket). Raises
    ``TooManyAccounts``; a refused or empty decision finds nothing / everything."""
    if decision.kind is SearchKind.NONE:
        return Q()
    if decision.kind is SearchKind.REFUSED:
        return Q(pk__in=[])
    if decision.kind is SearchKind.GUID:
        condition = Q(guid=decision.guid)
        if personal_data:
            # A shop account's GUID is personal data (AC-1): only for those who see it.
            accounts = ShopAccount.objects.filter(guid=decision.guid).values_list("pk", flat=True)
            condition |= Q(shop_account_id__in=list(accounts))
        return condition
    if decision.kind is SearchKind.EMAIL:
        accounts = ShopAccount.objects.filter(email__iexact=decision.term)
        # A login's address is on its shop account, a guest's on the basket.
        return Q(shop_account_id__in=list(accounts.values_list("pk", flat=True))) | Q(
            email__iexact=decision.term
        )
    customers = CustomerAccount.objects.filter(erp_account_id=decision.term)
    named = shop_account_ids_named(decision.term, fragment=decision.fragment)
    condition = (
        Q(customer_account_id__in=list(customers.values_list("pk", flat=True)))
        | Q(shop_account_id__in=named)
        | Q(salesperson_id__in=salesperson_ids(named))
    )
    if decision.guid_range is not None:
        condition |= Q(guid__range=decision.guid_range)
    return condition


def salesperson_ids(shop_account_ids: list[int]) -> list[int]:
    """The salespeople among ``shop_account_ids``: a basket a salesperson made for a
    customer has the salesperson's login as its creator."""
    if not shop_account_ids:
        return []
    return list(
        Salesperson.objects.filter(shop_account_id__in=shop_account_ids).values_list(
            "pk", flat=True
        )
    )
