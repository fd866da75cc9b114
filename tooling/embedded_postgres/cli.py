"""Command line: ``python -m tooling.embedded_postgres start|stop|status [data_dir]``."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from .paths import (
    DATABASE_NAME,
    DATABASE_USER,
    EmbeddedPostgresError,
    bin_dir,
    socket_dir,
)
from .processes import (
    is_running,
)
from .server import (
    start,
    stop,
)

# --- Command line -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``start|stop|status [data_dir]``; exit 0, or 3 for status when not running, 1 on error."""
    parser = argparse.ArgumentParser(
        prog="python -m tooling.embedded_postgres",
        description="Start, stop or check the embedded PostgreSQL server of Basket Ops.",
    )
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument(
        "data_dir",
        nargs="?",
        type=Path,
        help="the product's data dir (default: $BASKETOPS_DATA_DIR, else ./var)",
    )
    args = parser.parse_args(argv)
    default = os.environ.get("BASKETOPS_DATA_DIR", "").strip() or "var"
    data_dir: Path = args.data_dir or Path(default)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sock = socket_dir(data_dir)
    try:
        if args.command == "start":
            started = start(data_dir)
            print(f"{'started' if started else 'already running'}: database {DATABASE_NAME!r} "
                  f"on socket {sock}")  # fmt: skip
        elif args.command == "stop":
            was_running = is_running(data_dir)
            stop(data_dir)
            print("stopped" if was_running else "not running")
        elif is_running(data_dir):
            print(f"running: database {DATABASE_NAME!r} on socket {sock}")
            psql = shlex.quote(str(bin_dir() / "psql"))
            print(f"connect: {psql} -h {shlex.quote(str(sock))} -U {DATABASE_USER} {DATABASE_NAME}")
        else:
            print("not running")
            return 3
    except EmbeddedPostgresError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
