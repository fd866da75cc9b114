"""Who may recover which basket (RL-3, RL-4, RL-5), as the vendor page describes it.

- A login's basket: only that login, or a salesperson whose currently selected (and
  related) customer is the login's customer. Logins of the same customer cannot take each
  other's baskets.
- A basket a salesperson made: that salesperson; no other salesperson. Made for a selected
  customer: any login of that customer, and it then belongs to that login. Made with no
  customer selected: anyone (a login recovering it becomes its owner).
- A basket made for a customer account with no login: any login of that customer (who then
  owns it), or a salesperson who has that customer selected.
- An anonymous basket: anyone; a login recovering it becomes its owner (RL-4).
- A customer account the shop signed in without a login (SH-3 hand-over) recovers what any
  login of that customer may, but owns nothing: there is no login to own it.
"""

from dataclasses import dataclass

from baskets.models import Basket, Salesperson

from .shoppers import Shopper


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # The recovering login becomes the basket's owner.
    take: bool = False
    # When refused: the application text shown on the login page.
    text_key: str = ""


ALLOW = Decision(allowed=True)
TAKE = Decision(allowed=True, take=True)


def _selects(salesperson: Salesperson, customer_id: int | None) -> bool:
    """The salesperson currently has this related customer selected."""
    return (
        customer_id is not None
        and salesperson.selected_customer_id == customer_id
        and salesperson.related_customers.filter(pk=customer_id).exists()
    )


def recovery_decide(basket: Basket, shopper: Shopper) -> Decision:
    """May ``shopper`` recover ``basket``, and does it then become theirs?"""
    login = shopper.shop_account
    salesperson = shopper.salesperson
    refuse = Decision(
        allowed=False, text_key="basket_NotYours" if login else "basket_LoginRequired"
    )
    if basket.shop_account_id is not None:
        if login is not None and basket.shop_account_id == login.pk:
            return ALLOW
        owner_customer = basket.shop_account.customer_account_id
        if salesperson is not None and _selects(salesperson, owner_customer):
            return ALLOW
        return refuse
    customer_id = (
        login.customer_account_id
        if login is not None
        else (shopper.customer_account.pk if shopper.customer_account is not None else None)
    )
    of_customer = customer_id is not None and customer_id == basket.customer_account_id
    if basket.salesperson_id is not None:
        if salesperson is not None:
            return ALLOW if basket.salesperson_id == salesperson.pk else refuse
        if basket.customer_account_id is None:
            return TAKE if login is not None else ALLOW
        if of_customer:
            return TAKE if login is not None else ALLOW
        return refuse
    if basket.customer_account_id is not None:
        if salesperson is not None:
            return ALLOW if _selects(salesperson, basket.customer_account_id) else refuse
        if of_customer:
            return TAKE if login is not None else ALLOW
        return refuse
    return TAKE if login is not None else ALLOW
