"""Refusals of a recovery; each names the application text the shopper is shown (RL-7)."""

from baskets.exceptions import BasketError


class RecoveryRefused(BasketError):
    """The basket cannot be handed back; ``code`` is the key of the text to show."""

    def __init__(self, key: str, *, http_status: int, guid: str, basket_id: int | None = None):
        super().__init__(f"{key}: {guid}", basket_id=basket_id)
        self.code = key
        self.http_status = http_status
        self.guid = guid


class LoginNeeded(RecoveryRefused):
    """Only another login may recover the basket: the shopper is sent to log in (RL-3)."""

    def __init__(self, key: str, *, guid: str, basket_id: int | None = None):
        super().__init__(key, http_status=302, guid=guid, basket_id=basket_id)
