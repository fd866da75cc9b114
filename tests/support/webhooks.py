"""A real receiver process and endpoints pointing at it."""

import json
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from standardwebhooks.webhooks import Webhook

from tests.support.processes import ROOT
from webhooks.models import WebhookEndpoint
from webhooks.services import webhook_endpoint_create


@dataclass
class Receiver:
    url: str
    log: Path

    def requests(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def verified(self, secret: str) -> list[tuple[str, dict]]:
        """(webhook-id, payload) of every request, each checked with standardwebhooks."""
        return [
            (
                request["headers"]["webhook-id"],
                Webhook(secret).verify(request["body"], request["headers"]),
            )
            for request in self.requests()
        ]


@contextmanager
def receiver_running(tmp_path: Path, *arguments: str):
    log, portfile = tmp_path / "received.jsonl", tmp_path / "port"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.webhook_receiver",
            str(log),
            str(portfile),
            *arguments,
        ],
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 10
        while not (portfile.exists() and portfile.read_text()):
            assert time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.05)
        yield Receiver(url=f"http://127.0.0.1:{portfile.read_text()}/hooks", log=log)
    finally:
        process.kill()
        process.wait()


def endpoint_for(receiver: Receiver, *event_types: str, settings) -> WebhookEndpoint:
    """An endpoint at the receiver (http on loopback: DEBUG and private URLs allowed)."""
    settings.DEBUG = True
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    endpoint = webhook_endpoint_create(url=receiver.url, event_types=list(event_types))
    settings.DEBUG = False
    return endpoint
