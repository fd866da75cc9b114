"""A payment provider outside Basket Ops, for the upsell charge tests (AB-5).

It keeps every charge in a ledger file that all processes share (``UPSELL_LEDGER``: one line
per charge, "<reference> <charge id> <amount> <currency>") and, as real gateways do with an
idempotency key, answers a charge with a reference it has seen with the first charge again.
A token starting ``tok_decline`` is declined. ``UPSELL_CHARGE_SECONDS`` is how long a charge
takes on the wire; when ``UPSELL_CHARGE_MARKERS`` names a folder, a file named after the
reference is put there as the charge starts, so another process can act during it; with
``UPSELL_DIE_AFTER_CHARGE=1`` the calling process is killed the moment the money is taken,
before Basket Ops hears of it.
"""

import fcntl
import os
import signal
import time
import uuid
from decimal import Decimal
from pathlib import Path

from completion.payments import ChargeResult


def ledger_read(path: str | Path) -> list[tuple[str, str, str, str]]:
    """Every charge taken: (reference, charge id, amount, currency)."""
    path = Path(path)
    if not path.exists():
        return []
    return [tuple(line.split()) for line in path.read_text().splitlines() if line.strip()]


class LedgerGateway:
    def charge(self, *, amount: Decimal, currency: str, token: str, reference: str) -> ChargeResult:
        markers = os.environ.get("UPSELL_CHARGE_MARKERS")
        if markers:
            (Path(markers) / reference).touch()
        time.sleep(float(os.environ.get("UPSELL_CHARGE_SECONDS", "0")))
        if token.startswith("tok_decline"):
            return ChargeResult(ok=False, message=f"Card declined for {amount} {currency}.")
        with open(os.environ["UPSELL_LEDGER"], "a+") as ledger:
            fcntl.flock(ledger, fcntl.LOCK_EX)
            ledger.seek(0)
            for line in ledger:
                seen, charge_id, *_ = line.split()
                if seen == reference:
                    return ChargeResult(ok=True, reference=charge_id)
            charge_id = f"CH-{uuid.uuid4().hex[:12]}"
            ledger.write(f"{reference} {charge_id} {amount} {currency}\n")
            ledger.flush()
            os.fsync(ledger.fileno())
        if os.environ.get("UPSELL_DIE_AFTER_CHARGE") == "1":
            os.kill(os.getpid(), signal.SIGKILL)
        return ChargeResult(ok=True, reference=charge_id)
