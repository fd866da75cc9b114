"""Local stand-ins for the payment providers' HTTP APIs, and their notification signing.

Each fake is a real HTTP server (a thread in the test process) that the official SDK is
pointed at through its base URL setting; it records every request it answers.

Stripe signs a notification as ``Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of
"<t>.<body>" with the endpoint's secret>``. PayPal signs
``<transmission id>|<transmission time>|<webhook id>|<CRC32 of the body>`` with its
certificate's key and checks it in its verify-webhook-signature call; the fake signs that
same message with an HMAC key of its own (the message, the headers and the call are
PayPal's; only the primitive differs, the check being PayPal's side)."""

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


def stripe_signature(body: bytes, secret: str, *, at: float | None = None) -> str:
    timestamp = int(at if at is not None else time.time())
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class FakeProvider:
    """A running fake: its base URL, the requests it got, and the answers it will give."""

    base_url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeProvider
    routes: dict

    def log_message(self, *args):  # quiet
        pass

    def _answer(self, method: str):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.fake.requests.append(
            {"method": method, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        route = self.routes.get((method, self.path.split("?")[0]))
        if route is None:
            for (route_method, prefix), handler in self.routes.items():
                if route_method == method and prefix.endswith("/") and self.path.startswith(prefix):
                    route = handler
                    break
        status, payload = route(self, body) if route else (404, {"error": "not found"})
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        self._answer("GET")

    def do_POST(self):  # noqa: N802
        self._answer("POST")


@contextmanager
def _serving(routes: dict, fake: FakeProvider):
    handler = type("Handler", (_Handler,), {"fake": fake, "routes": routes})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


# --- PayPal ---------------------------------------------------------------------------

PAYPAL_CLIENT_ID = "fake-client-id"
PAYPAL_CLIENT_SECRET = "fake-client-secret"
_PAYPAL_KEY = b"fake-paypal-certificate-key"


def paypal_headers(body: bytes, webhook_id: str, *, at: datetime | None = None) -> dict:
    """The headers PayPal sends with a notification for ``webhook_id``."""
    transmission_id = str(uuid.uuid4())
    sent = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    message = f"{transmission_id}|{sent}|{webhook_id}|{zlib.crc32(body)}".encode()
    signature = base64.b64encode(hmac.new(_PAYPAL_KEY, message, hashlib.sha256).digest())
    return {
        "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        "PAYPAL-CERT-URL": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-fake",
        "PAYPAL-TRANSMISSION-ID": transmission_id,
        "PAYPAL-TRANSMISSION-SIG": signature.decode(),
        "PAYPAL-TRANSMISSION-TIME": sent,
    }


def _paypal_token(handler, body):
    expected = base64.b64encode(f"{PAYPAL_CLIENT_ID}:{PAYPAL_CLIENT_SECRET}".encode()).decode()
    if handler.headers.get("Authorization") != f"Basic {expected}":
        return 401, {"error": "invalid_client"}
    return 200, {"access_token": "A21-fake-token", "token_type": "Bearer", "expires_in": 32400}


def _paypal_verify(handler, body):
    if handler.headers.get("Authorization") != "Bearer A21-fake-token":
        return 401, {"name": "AUTHENTICATION_FAILURE"}
    request = json.loads(body)
    # The event exactly as sent back (PayPal's CRC covers these bytes).
    marker = b'"webhook_event": '
    event_bytes = body[body.index(marker) + len(marker) : -1]
    message = (
        f"{request['transmission_id']}|{request['transmission_time']}|"
        f"{request['webhook_id']}|{zlib.crc32(event_bytes)}"
    ).encode()
    expected = base64.b64encode(hmac.new(_PAYPAL_KEY, message, hashlib.sha256).digest()).decode()
    ok = hmac.compare_digest(expected, request["transmission_sig"])
    return 200, {"verification_status": "SUCCESS" if ok else "FAILURE"}


def _paypal_lookup(kind: str):
    """GET an order or a capture the test put in ``state[kind]`` (404 otherwise)."""

    def answer(handler, body):
        if handler.headers.get("Authorization") != "Bearer A21-fake-token":
            return 401, {"name": "AUTHENTICATION_FAILURE"}
        found = handler.fake.state.get(kind, {}).get(handler.path.split("?")[0].rsplit("/", 1)[-1])
        return (200, found) if found else (404, {"name": "RESOURCE_NOT_FOUND"})

    return answer


@contextmanager
def paypal_fake():
    routes = {
        ("POST", "/v1/oauth2/token"): _paypal_token,
        ("POST", "/v1/notifications/verify-webhook-signature"): _paypal_verify,
        ("GET", "/v2/checkout/orders/"): _paypal_lookup("orders"),
        ("GET", "/v2/payments/captures/"): _paypal_lookup("captures"),
    }
    with _serving(routes, FakeProvider()) as fake:
        yield fake


# --- Stripe ---------------------------------------------------------------------------

STRIPE_API_KEY = "sk_test_fake"


def _stripe_decline(code, message, *, decline_code=None, intent=None):
    error = {"type": "card_error", "code": code, "message": message}
    if decline_code:
        error["decline_code"] = decline_code
    if intent:
        error["payment_intent"] = intent
    return 402, {"error": error}


def _stripe_intent_create(handler, body):
    """A PaymentIntent confirmed at once. Like Stripe, a request repeating an idempotency
    key gets the first answer again; the fake's test payment methods decide the outcome as
    Stripe's do (``pm_card_visa`` succeeds, ``pm_card_chargeDeclinedInsufficientFunds`` is
    declined, ``pm_card_authenticationRequired`` needs the customer)."""
    fake = handler.fake
    if handler.headers.get("Authorization") != f"Bearer {STRIPE_API_KEY}":
        return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}
    key = handler.headers.get("Idempotency-Key", "")
    with fake.state.setdefault("lock", threading.Lock()):
        answer = fake.state.setdefault("answers", {}).get(key)
        if answer is None:
            params = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            intent_id = f"pi_fake{len(fake.state['answers']) + 1:04d}"
            intent = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": int(params["amount"]),
                "currency": params["currency"],
                "customer": params.get("customer"),
                "payment_method": params["payment_method"],
                "metadata": {
                    k[len("metadata[") : -1]: v
                    for k, v in params.items()
                    if k.startswith("metadata[")
                },
            }
            method = params["payment_method"]
            if method == "pm_card_chargeDeclinedInsufficientFunds":
                answer = _stripe_decline(
                    "card_declined",
                    "Your card has insufficient funds.",
                    decline_code="insufficient_funds",
                    intent={**intent, "status": "requires_payment_method"},
                )
            elif method == "pm_card_authenticationRequired":
                answer = _stripe_decline(
                    "authentication_required",
                    "Your card was declined. This transaction requires authentication.",
                    decline_code="authentication_required",
                    intent={**intent, "status": "requires_payment_method"},
                )
            else:
                answer = (
                    200,
                    {**intent, "status": "succeeded", "amount_received": intent["amount"]},
                )
                fake.state.setdefault("charges", []).append(answer[1])
            fake.state["answers"][key] = answer
    # A slow network: the charge is taken, but the answer comes after the client gave up.
    if fake.state.get("slow_answers", 0) > 0:
        fake.state["slow_answers"] -= 1
        time.sleep(fake.state["slow_seconds"])
    return answer


def _stripe_intent_get(handler, body):
    if handler.headers.get("Authorization") != f"Bearer {STRIPE_API_KEY}":
        return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}
    intent_id = handler.path.split("?")[0].rsplit("/", 1)[-1]
    intent = handler.fake.state.get("intents", {}).get(intent_id)
    if intent is None:
        return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}}
    return 200, intent


@contextmanager
def stripe_fake():
    routes = {
        ("POST", "/v1/payment_intents"): _stripe_intent_create,
        ("GET", "/v1/payment_intents/"): _stripe_intent_get,
    }
    with _serving(routes, FakeProvider()) as fake:
        yield fake
