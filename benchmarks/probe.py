"""Measurements that need a process of their own (so its peak memory is theirs alone).

``python -m benchmarks.probe <name> '<json args>'`` prints one JSON line. The bench
runs it with ``DATABASE_URL`` pointing at the bench database.
"""

import json
import os
import resource
import sys
import time
from collections.abc import Callable, Iterable

PROBES: dict[str, Callable[[dict], dict]] = {}


def probe(function):
    PROBES[function.__name__] = function
    return function


def _rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux: the peak resident set of this process so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _with_memory(measure: Callable[[], dict]) -> dict:
    """``measure``'s figures and this process's resident memory: before it, and at its peak."""
    baseline = _rss_mb()
    measured = measure()
    return {**measured, "peak_rss_mb": _rss_mb(), "baseline_rss_mb": baseline}


def _drain(chunks: Iterable[bytes | memoryview | str]) -> tuple[int, int]:
    """Consume a CSV stream as a client would; returns (bytes, data rows)."""
    size = newlines = 0
    for chunk in chunks:
        if isinstance(chunk, str):
            chunk = chunk.encode()
        elif isinstance(chunk, memoryview):
            chunk = bytes(chunk)
        size += len(chunk)
        newlines += chunk.count(b"\n")
    return size, newlines


@probe
def export_view(args: dict) -> dict:
    """The real export view, as a logged-in staff user, streamed to the end."""
    from django.test import Client

    from .common import staff_user

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff_user())

    def measure() -> dict:
        started = time.perf_counter()
        # Every basket, history included: the grid itself opens on the open ones.
        response = client.get("/admin/baskets/basket/export/?scope=all")
        if response.status_code != 200:
            raise RuntimeError(f"export answered {response.status_code}")
        size, newlines = _drain(response.streaming_content)
        seconds = time.perf_counter() - started
        # The header line is no row.
        return {"rows": newlines - 1, "bytes": size, "seconds": seconds}

    return _with_memory(measure)


@probe
def export_copy(args: dict) -> dict:
    """The limit: ``COPY (<the export's SELECT>) TO STDOUT WITH CSV`` of the same rows."""
    from django.db import connection

    from baskets.admin.export import export_rows
    from baskets.selectors import basket_list

    statement, params = export_rows(basket_list()).query.sql_with_params()

    def measure() -> dict:
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", params) as copy,
        ):
            size, newlines = _drain(copy)
        seconds = time.perf_counter() - started
        return {"rows": newlines, "bytes": size, "seconds": seconds}

    return _with_memory(measure)


@probe
def abandon_report(args: dict) -> dict:
    """Workload 6, the product: see ``abandon_report.py``."""
    from .abandon_report import report_measure

    return _with_memory(lambda: report_measure(args))


@probe
def abandon_report_limit(args: dict) -> dict:
    from .abandon_report import limit_measure

    return _with_memory(lambda: limit_measure(args))


def main() -> None:
    name, raw = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "{}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "basketops.settings")
    import django

    django.setup()
    answer = PROBES[name](json.loads(raw))
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
