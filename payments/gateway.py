"""The upsell charge (AB-5) through a payment provider: ``PAYMENT_GATEWAY =
"payments.gateway.StripeGateway"`` (the interface is ``completion.payments.PaymentGateway``).

The charge reference the upsell timer hands over is its idempotency key, so a retry (after a
timeout, or after a lost worker's lease) is the same charge at the provider. The basket's
GUID goes into ``metadata.upsell_basket_guid``, not ``basket_guid``: the provider's own
notification of this charge must not be taken for the storefront's payment."""

from decimal import Decimal

from completion.exceptions import GatewayUnavailable
from completion.payments import ChargeResult

from .exceptions import ProviderUnavailable
from .providers.stripe import StripeProvider


class StripeGateway:
    def __init__(self):
        self.provider = StripeProvider.from_settings()

    def charge(self, *, amount: Decimal, currency: str, token: str, reference: str) -> ChargeResult:
        if self.provider is None or not self.provider.api_key:
            raise GatewayUnavailable("Stripe is not configured (STRIPE_API_KEY is empty).")
        try:
            charge = self.provider.charge_off_session(
                amount=amount,
                currency=currency,
                payment_method=token,
                idempotency_key=f"upsell-{reference}",
                description=f"Upsell order for basket {reference}",
                metadata={"upsell_basket_guid": reference},
            )
        except ProviderUnavailable as error:
            raise GatewayUnavailable(str(error)) from error
        return ChargeResult(ok=charge.ok, reference=charge.reference, message=charge.message)
