from .erasure import shopper_erase
from .export import shopper_export

__all__ = ["shopper_erase", "shopper_export"]
