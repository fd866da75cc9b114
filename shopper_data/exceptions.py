class ShopperDataError(Exception):
    """Bad identity input: answered 400 by the API and as a message in the admin."""


class ShopperNotFound(ShopperDataError):
    """No shop account / customer account with that reference (404)."""
