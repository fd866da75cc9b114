"""The one interface every payment provider adapter implements (SH-4).

An adapter turns the provider's own protocol into the basket domain's terms: a verified
notification becomes a ``Notification`` (a payment result for a basket GUID), and money is
converted from the provider's units. Adding a provider is one new module with a class like
``StripeProvider``, named in ``PAYMENT_PROVIDERS``."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Protocol


@dataclass(frozen=True)
class Notification:
    """One verified provider event, as a payment result.

    ``result`` is a ``PaymentResult.Result`` value, or empty for an event type the adapter
    does not map (acknowledged, nothing recorded). ``basket_guid`` is the text the storefront
    put in the payment, unchecked."""

    event_id: str
    event_type: str
    result: str
    basket_guid: str = ""
    amount: Decimal | None = None
    currency: str = ""
    reference: str = ""


@dataclass(frozen=True)
class ProviderPayment:
    """What the provider says about one payment. ``status`` is a ``ProviderCheck.Status``
    value; ``provider_status`` the provider's own word."""

    status: str
    provider_status: str = ""
    amount: Decimal | None = None
    currency: str = ""
    at: datetime | None = None
    link: str = ""


class Provider(Protocol):
    name: ClassVar[str]

    @classmethod
    def from_settings(cls) -> "Provider | None":
        """The adapter built from settings, or None when the provider is not configured."""

    # False when the provider is configured for calls but not for notifications.
    notifications_on: bool

    def notification_verify(self, *, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Verify ``body`` by the provider's signature scheme and map it; raises
        ``NotificationRefused`` when it is not the provider's, ``ProviderUnavailable`` when
        the check needs the provider and it cannot be reached."""

    def owns_reference(self, reference: str) -> bool:
        """Whether ``reference`` (a basket's payment reference) is one of this provider's."""

    def payment_check(self, reference: str) -> ProviderPayment:
        """Ask the provider about a payment; ``ProviderUnavailable`` when it cannot be asked."""
