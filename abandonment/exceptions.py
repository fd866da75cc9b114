"""Abandonment's domain errors."""


class RecoveryMailRefused(Exception):
    """A staff recovery e-mail cannot go to this basket's shopper (the message says why)."""
