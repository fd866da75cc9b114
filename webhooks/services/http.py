"""The one outgoing HTTP request of a webhook attempt: safe address, short timeouts, no redirects.

The host is resolved once and every address it resolves to is checked; the request then
goes to that checked address (the certificate is still verified for the host name), so a
second DNS answer cannot point it somewhere else. Private, loopback, link-local and other
non-public addresses are refused unless ``WEBHOOK_ALLOW_PRIVATE_URLS`` is on.
"""

import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings

from security.cards import card_numbers_redact

RESPONSE_EXCERPT_BYTES = 1024


class UnsafeUrl(ValueError):
    """The URL's host is not a public address (or cannot be resolved)."""


@dataclass(frozen=True)
class HttpOutcome:
    status_code: int | None
    duration_ms: int
    response_excerpt: str
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_address_resolve(url: str, *, allow_private: bool | None = None) -> str:
    """Resolve the URL's host and return the address to connect to; raise ``UnsafeUrl``."""
    if allow_private is None:
        allow_private = settings.WEBHOOK_ALLOW_PRIVATE_URLS
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeUrl("Only http and https URLs with a host can receive webhooks.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeUrl(f"The host {parts.hostname} cannot be resolved.") from error
    addresses = [info[4][0] for info in infos]
    if not allow_private:
        refused = sorted({address for address in addresses if not _address_is_public(address)})
        if refused:
            raise UnsafeUrl(
                f"The host {parts.hostname} resolves to a non-public address "
                f"({', '.join(refused)}); set WEBHOOK_ALLOW_PRIVATE_URLS=true to allow it."
            )
    return addresses[0]


def _pinned(url: str, address: str) -> tuple[str, dict[str, str]]:
    """The URL with its host replaced by ``address``, and the Host header to send."""
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    host_header = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), {"Host": host_header}


_ssl_context: ssl.SSLContext | None = None


def _tls() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle costs ~40 ms each time."""
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = httpx.create_ssl_context(trust_env=False)
    return _ssl_context


def webhook_post(url: str, *, body: bytes, headers: dict[str, str]) -> HttpOutcome:
    """POST ``body`` once; never raises for what the receiver or the network does."""
    started = time.monotonic()
    try:
        address = url_address_resolve(url)
    except UnsafeUrl as error:
        return HttpOutcome(None, 0, "", str(error)[:300])
    pinned_url, host_header = _pinned(url, address)
    timeout = httpx.Timeout(
        connect=settings.WEBHOOK_CONNECT_TIMEOUT,
        read=settings.WEBHOOK_READ_TIMEOUT,
        write=settings.WEBHOOK_READ_TIMEOUT,
        pool=settings.WEBHOOK_CONNECT_TIMEOUT,
    )
    try:
        # trust_env off: no proxy from the environment gets the payloads.
        # A new client (and connection) per attempt: connections are never shared between
        # endpoints whose hosts happen to resolve to the same address.
        with httpx.Client(
            timeout=timeout, follow_redirects=False, trust_env=False, verify=_tls()
        ) as client:
            with client.stream(
                "POST",
                pinned_url,
                content=body,
                headers={**headers, **host_header},
                extensions={"sni_hostname": urlsplit(url).hostname},
            ) as response:
                excerpt = b""
                for chunk in response.iter_raw():
                    excerpt += chunk
                    if len(excerpt) >= RESPONSE_EXCERPT_BYTES:
                        break
                status_code = response.status_code
    except httpx.TimeoutException as error:
        return HttpOutcome(None, _ms(started), "", f"Timed out ({type(error).__name__}).")
    except httpx.HTTPError as error:
        return HttpOutcome(None, _ms(started), "", f"{type(error).__name__}: {error}"[:300])
    text = excerpt[:RESPONSE_EXCERPT_BYTES].decode("utf-8", errors="replace")
    return HttpOutcome(status_code, _ms(started), card_numbers_redact(text), "")


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
