"""The one outgoing HTTP request of a webhook attempt: safe address, short timeouts, one
deadline for the whole attempt, no redirects.

The host is resolved once and every address it resolves to is checked; the request then
goes to that checked address (the certificate is still verified for the host name), so a
second DNS answer cannot point it somewhere else. Private, loopback, link-local and other
non-public addresses are refused unless ``WEBHOOK_ALLOW_PRIVATE_URLS`` is on. IPv6 forms
that carry an IPv4 address (NAT64, 6to4, IPv4-compatible, IPv4-mapped) are judged by it.

Connect, TLS, sending, headers and body together end by ``WEBHOOK_ATTEMPT_DEADLINE``: each
socket operation waits at most what is left of it, so a receiver that drips one byte at a
time is cut there, well inside the delivery's lease.
"""

import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpcore
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


NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")  # deprecated, still routed privately


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries: mapped, 6to4, NAT64 or IPv4-compatible."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64 or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in SITE_LOCAL:
            return False
        carried = _carried_ipv4(ip)
        if carried is not None:
            ip = carried
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


def _time_left(deadline: float, timeout: float | None) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("The attempt's deadline passed.")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write waits at most what is left until the
    deadline; past it, the attempt times out."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float):
        self.stream, self.deadline = stream, deadline

    def _left(self, timeout: float | None) -> float:
        return _time_left(self.deadline, timeout)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, self._left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, self._left(timeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        return _DeadlineStream(
            self.stream.start_tls(ssl_context, server_hostname, self._left(timeout)),
            self.deadline,
        )

    def get_extra_info(self, info: str):
        return self.stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: float):
        self.backend, self.deadline = httpcore.SyncBackend(), deadline

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        left = _time_left(self.deadline, timeout)
        stream = self.backend.connect_tcp(host, port, left, local_address, socket_options)
        return _DeadlineStream(stream, self.deadline)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("Webhooks go to hosts, not Unix sockets.")

    def sleep(self, seconds: float) -> None:
        self.backend.sleep(seconds)


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport on a connection pool whose connections end by ``deadline`` (httpx
    takes no network backend of its own, so its pool is rebuilt with one)."""

    def __init__(self, *, deadline: float, ssl_context: ssl.SSLContext):
        super().__init__(verify=ssl_context, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context, network_backend=_DeadlineBackend(deadline)
        )


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
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            transport=_DeadlineTransport(
                deadline=started + settings.WEBHOOK_ATTEMPT_DEADLINE, ssl_context=_tls()
            ),
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
