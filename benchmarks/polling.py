"""Workload 5: status polling over HTTP, under gunicorn with 2 workers on 127.0.0.1.

The product (``basketops.wsgi``, persistent database connections as configured) and two
limits are served by gunicorn servers started with the same settings: ``bare_wsgi``
(constant JSON: what the server and the load client alone can do) and ``sql_wsgi`` (each
poll answered from the product's own one statement and nothing else: what any server that
reads the basket from PostgreSQL for every poll can do). A separate process
(``load_client``) loads one of them at a time for ``--poll-seconds``, 127.0.0.1 only.
Cases: the status endpoint and the full basket endpoint, each with and without
``If-None-Match`` (a poller that kept the ETag), and the status endpoint once more without
persistent database connections (``CONN_MAX_AGE=0``), to show what that setting is worth.
The bench's one API client (a Storefront) polls far past any request budget, so the
product servers run with the budget off (``API_THROTTLE_RATE`` empty).
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager

from .common import scalar
from .database import ROOT
from .loopback import HOST, free_port
from .results import Against, Comparison, Series, WorkloadResult, ratio_line, ratio_target
from .workload import BenchContext, Workload, alternate

# Targets: (case, least ratio to the bare WSGI app, most p99 in ms or None).
TARGETS = (("status", 0.4, None), ("basket", 0.25, 15.0))
# Targets against the second limit: (case, least ratio to the same read's one statement).
STATEMENT_TARGETS = (("status", 0.7), ("basket", 0.7))
STATEMENT_ONLY = "{case}: its one statement, bare WSGI"
WORKERS = 2
CONNECTIONS = 4  # requests in flight: two per worker
GUIDS = 200
CASES = {
    "status": ("/api/baskets/{guid}/status/", False),
    "status, If-None-Match": ("/api/baskets/{guid}/status/", True),
    "basket": ("/api/baskets/{guid}/", False),  # the full basket with its lines
    "basket, If-None-Match": ("/api/baskets/{guid}/", True),
}
NO_PERSISTENT = "status, CONN_MAX_AGE=0 (no persistent DB connections)"


@contextmanager
def gunicorn(app: str, **env: str):
    """A gunicorn server for ``app`` on a free 127.0.0.1 port; yields the port.

    It starts in the project folder, so it reads the project's ``gunicorn.conf.py`` (the
    product's server settings) whatever the app. Its output (the access log) goes to a
    temporary file, shown only when the server fails to start.
    """
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", app, "--bind", f"{HOST}:{port}",
             "--workers", str(WORKERS), "--log-level", "warning"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection((HOST, port), timeout=1).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        output = log.read()[-4000:]
                        raise RuntimeError(f"gunicorn for {app} did not start:\n{output}") from None
                    time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _load(args: dict) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.load_client", json.dumps(args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=args["seconds"] * 3 + 60,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"load client failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _guids(context: BenchContext) -> list[str]:
    step = max(context.baskets // GUIDS, 1)
    return [
        str(guid)
        for guid in scalar(
            "SELECT array_agg(guid ORDER BY id) FROM baskets_basket WHERE mod(id, %s) = 0",
            [step],
        )
    ]


def run(context: BenchContext, result: WorkloadResult) -> None:
    guids = _guids(context)
    answers: dict[str, list[dict]] = {}
    with ExitStack() as stack:
        # One client polling hundreds of times a second is past any request budget (AC-5):
        # the budget is off for the load, or the answers would be 429s.
        unthrottled = {"API_THROTTLE_RATE": ""}
        product_port = stack.enter_context(gunicorn("basketops.wsgi", **unthrottled))
        # The same product with a new database connection per request (CONN_MAX_AGE=0).
        fresh_port = stack.enter_context(
            gunicorn("basketops.wsgi", CONN_MAX_AGE="0", **unthrottled)
        )
        bare_port = stack.enter_context(gunicorn("benchmarks.bare_wsgi"))
        statement_port = stack.enter_context(gunicorn("benchmarks.sql_wsgi"))

        def measure(name: str, port: int, path: str, if_none_match: bool, expect: set[int]):
            def call() -> float:
                answer = _load(
                    {
                        "port": port,
                        "path": path,
                        "guids": guids,
                        "token": context.seed["api_token"],
                        "if_none_match": if_none_match,
                        "seconds": context.poll_seconds,
                        "connections": CONNECTIONS,
                        "warmup": min(1.0, context.poll_seconds),
                    }
                )
                unexpected = set(map(int, answer["statuses"])) - expect
                if unexpected or answer["errors"] or not answer["requests"]:
                    raise RuntimeError(f"{name}: unexpected answers {answer}")
                answers.setdefault(name, []).append(answer)
                return answer["rps"]

            return call

        variants = {
            name: measure(name, product_port, path, inm, {304} if inm else {200})
            for name, (path, inm) in CASES.items()
        }
        variants[NO_PERSISTENT] = measure(
            NO_PERSISTENT, fresh_port, CASES["status"][0], False, {200}
        )
        variants["bare WSGI"] = measure("bare WSGI", bare_port, "/{guid}", False, {200})
        for case, _least in STATEMENT_TARGETS:
            name = STATEMENT_ONLY.format(case=case)
            variants[name] = measure(name, statement_port, CASES[case][0], False, {200})
        samples = alternate(context.rounds, variants)
    bare = Against(
        f"bare WSGI app, constant JSON (p99 {_p99(answers['bare WSGI'])})",
        Series(samples["bare WSGI"]),
    )
    statement_only = {
        case: Against(
            f"the same read's one statement, bare WSGI (p99 {_p99(answers[name])})",
            Series(samples[name]),
        )
        for case, _least in STATEMENT_TARGETS
        for name in [STATEMENT_ONLY.format(case=case)]
    }
    for name in [*CASES, NO_PERSISTENT]:
        p99 = _p99(answers[name])
        comparison = Comparison(
            case=name,
            metric="req/s",
            higher_is_better=True,
            product=Series(samples[name]),
            against=[bare, *([statement_only[name]] if name in statement_only else [])],
            extra={"p99 ms": p99, "p50 ms": _p50(answers[name])},
        )
        result.comparisons.append(comparison)
        context.log(ratio_line(comparison, f"{name}:", "bare", note=f" (p99 {p99} ms)"))
        if name in statement_only:
            against = statement_only[name]
            context.log(ratio_line(comparison, f"{name}:", "its one statement", against=against))
            for case, least in STATEMENT_TARGETS:
                if name == case:
                    text = f"{name} endpoint >= {least}x its one statement served by bare WSGI"
                    result.targets.append(
                        ratio_target(comparison, text=text, least=least, against=against)
                    )
        for case, least, p99_most in TARGETS:
            if name != case:
                continue
            text, also = f"{name} endpoint >= {least}x bare WSGI", ""
            if p99_most is not None:
                text += f", p99 <= {p99_most:g} ms"
                also = f", p99 {p99} ms"
            result.targets.append(
                ratio_target(
                    comparison,
                    text=text,
                    least=least,
                    also=also,
                    also_met=p99_most is None or p99 <= p99_most,
                )
            )


def _p99(answers: list[dict]) -> float:
    return round(sorted(answer["p99_ms"] for answer in answers)[len(answers) // 2], 1)


def _p50(answers: list[dict]) -> float:
    return round(sorted(answer["p50_ms"] for answer in answers)[len(answers) // 2], 1)


WORKLOAD = Workload(name="polling", title="Status polling (HTTP)", run=run, description=__doc__)
