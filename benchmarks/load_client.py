"""A bounded-time HTTP load generator for the polling workload (no Django, stdlib only).

``python -m benchmarks.load_client '<json args>'`` keeps ``connections`` requests in
flight against 127.0.0.1 for ``seconds`` and prints one JSON line: requests, req/s,
p50/p99 latency, statuses. One thread and ``selectors``, so the client spends as little
CPU as a Python client can; connections are reused when the server keeps them alive and
reopened when it closes them (gunicorn's sync workers close after every response).
"""

import json
import selectors
import socket
import sys
import time
from collections import Counter

from benchmarks.loopback import HOST


class Connection:
    def __init__(self, client: "LoadClient"):
        self.client = client
        self.sock: socket.socket | None = None
        self.buffer = b""
        self.sent_at = 0.0
        self.guid = ""
        self.reused = False

    def open(self) -> None:
        self.sock = socket.create_connection((HOST, self.client.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.client.selector.register(self.sock, selectors.EVENT_READ, self)
        self.reused = False

    def close(self) -> None:
        if self.sock is not None:
            self.client.selector.unregister(self.sock)
            self.sock.close()
            self.sock = None

    def send(self) -> None:
        if self.sock is None:
            self.open()
        self.guid, request = self.client.next_request()
        self.buffer = b""
        self.sent_at = time.perf_counter()
        self.sock.sendall(request)

    def readable(self) -> None:
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if data:
            self.buffer += data
            self._maybe_done(closed=False)
            return
        # Closed by the server: the end of a body without length, or a stale keep-alive.
        if self.buffer:
            self._maybe_done(closed=True)
        elif self.reused:
            self.close()
            self.send()
        else:
            self.client.errors += 1
            self.close()
            self.client.after(self)

    def _maybe_done(self, *, closed: bool) -> None:
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return
        head = self.buffer[:head_end].decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = len(self.buffer) - head_end - 4
        if status in (204, 304):
            length = 0
        elif "content-length" in headers:
            length = int(headers["content-length"])
        elif headers.get("transfer-encoding") == "chunked":
            length = body if self.buffer.endswith(b"0\r\n\r\n") else body + 1
        else:
            length = body if closed else body + 1
        if body < length:
            if closed:
                self.client.errors += 1
                self.close()
                self.client.after(self)
            return
        self.client.record(self, status, headers.get("etag"))
        if closed or headers.get("connection", "").lower() == "close":
            self.close()
        else:
            self.reused = True
        self.client.after(self)


class LoadClient:
    def __init__(self, args: dict):
        self.port = int(args["port"])
        self.path = args["path"]  # with "{guid}"
        self.guids = args["guids"]
        self.token = args.get("token", "")
        self.if_none_match = bool(args.get("if_none_match"))
        self.seconds = float(args["seconds"])
        self.connections = int(args.get("connections", 4))
        self.warmup = float(args.get("warmup", 1.0))
        self.warm_until = 0.0
        self.selector = selectors.DefaultSelector()
        self.etags: dict[str, str] = {}
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.errors = 0
        self.turn = 0
        self.recording = False
        self.deadline = 0.0
        self.in_flight = 0

    def next_request(self) -> tuple[str, bytes]:
        guid = self.guids[self.turn % len(self.guids)]
        self.turn += 1
        lines = [f"GET {self.path.format(guid=guid)} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        if self.token:
            lines.append(f"Authorization: Token {self.token}")
        if self.if_none_match and guid in self.etags:
            lines.append(f"If-None-Match: {self.etags[guid]}")
        return guid, ("\r\n".join(lines) + "\r\n\r\n").encode()

    def record(self, connection: Connection, status: int, etag: str | None) -> None:
        if etag:
            self.etags[connection.guid] = etag
        if self.recording:
            self.latencies.append(time.perf_counter() - connection.sent_at)
            self.statuses[status] += 1

    def after(self, connection: Connection) -> None:
        if time.perf_counter() < self.deadline and not self.done():
            connection.send()
        else:
            connection.close()
            self.in_flight -= 1

    def done(self) -> bool:
        """Warming up ends after ``warmup`` seconds and, with If-None-Match, once every
        basket's ETag is known (as for a poller that has seen each basket once); measuring
        runs to the deadline."""
        if self.recording or time.perf_counter() < self.warm_until:
            return False
        return not self.if_none_match or len(self.etags) >= len(set(self.guids))

    def _drive(self, seconds: float) -> None:
        self.deadline = time.perf_counter() + seconds
        pool = [Connection(self) for _ in range(self.connections)]
        self.in_flight = len(pool)
        for connection in pool:
            connection.send()
        while self.in_flight > 0:
            for key, _events in self.selector.select(timeout=1.0):
                key.data.readable()

    def run(self) -> dict:
        # Warm up untimed: the server's workers open their database connections, and
        # with If-None-Match the client learns every ETag.
        self.warm_until = time.perf_counter() + self.warmup
        self._drive(60.0)
        self.turn = 0
        self.recording = True
        started = time.perf_counter()
        self._drive(self.seconds)
        elapsed = time.perf_counter() - started
        latencies = sorted(self.latencies)

        def percentile(share: float) -> float | None:
            if not latencies:
                return None
            return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000

        return {
            "requests": len(latencies),
            "seconds": elapsed,
            "rps": len(latencies) / elapsed,
            "p50_ms": percentile(0.50),
            "p99_ms": percentile(0.99),
            "statuses": {str(code): count for code, count in self.statuses.items()},
            "errors": self.errors,
        }


def main() -> None:
    answer = LoadClient(json.loads(sys.argv[1])).run()
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
