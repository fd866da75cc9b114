"""Whether the server runs, and running PostgreSQL's programs (as the server's user)."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import (
    _DATA,
    _SOCKET_NAME,
    DATABASE_USER,
    PORT,
    EmbeddedPostgresError,
    _root,
    socket_dir,
)

# --- State ----------------------------------------------------------------------------------


def _postmaster_pid(pgdata: Path) -> int | None:
    """The pid on the first line of postmaster.pid, None if there is no such file."""
    try:
        first = (pgdata / "postmaster.pid").read_text().split("\n", 1)[0].strip()
    except FileNotFoundError:
        return None
    try:
        return int(first)
    except ValueError:
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by someone else
    return True


def _process_state(pid: int) -> tuple[str, str] | None:
    """(command name, state letter) of pid, None if there is no such process."""
    try:
        line = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        pass
    else:  # "<pid> (<comm>) <state> ...": comm may hold spaces and parentheses
        head, _, tail = line.rpartition(")")
        return head.partition("(")[2], tail.split()[0]
    try:
        probe = subprocess.run(
            ["ps", "-o", "stat=,comm=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ("postgres", "?") if _pid_alive(pid) else None  # cannot tell: assume it is
    if probe.returncode != 0 or not probe.stdout.strip():
        return None
    state, _, name = probe.stdout.strip().partition(" ")
    return name.strip(), state


def _is_postgres_process(pid: int) -> bool:
    """Whether pid is a live postgres process (not a zombie, not a program with a reused pid)."""
    found = _process_state(pid)
    if found is None:
        return False
    name, state = found
    return os.path.basename(name) == "postgres" and not state.startswith("Z")


def _socket_reachable(path: Path) -> bool:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(2.0)
    try:
        sock.connect(os.fsdecode(path))
    except PermissionError:
        return True  # a live socket of another user's server
    except OSError:
        return False
    finally:
        sock.close()
    return True


def is_running(data_dir: Path) -> bool:
    """Whether the embedded server of this data dir runs and accepts connections.

    True when postmaster.pid names a live process and the socket at socket_dir() accepts a
    connection (a bare connect: nothing is logged, no session is opened).
    """
    pgdata = _root(data_dir) / _DATA
    sock = socket_dir(data_dir) / _SOCKET_NAME
    try:
        pid = _postmaster_pid(pgdata)
    except PermissionError:
        return _socket_reachable(sock)
    if pid is None or not _pid_alive(pid):
        return False
    return _socket_reachable(sock)


# --- Running the PostgreSQL programs --------------------------------------------------------


@dataclass(frozen=True)
class _RunAs:
    """Who the server programs run as: uid None means this process's own user, unswitched."""

    name: str
    uid: int | None = None
    gid: int | None = None


def _child_env() -> dict[str, str]:
    # PGDATA, PGPORT, PGHOST, PGOPTIONS... of the caller must not reach the embedded server.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"  # plain English messages, whatever locales this machine lacks
    return env


def _run(
    command: Sequence[str | Path],
    *,
    run_as: _RunAs | None,
    cwd: Path,
    timeout: float,
    check: bool = True,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run one PostgreSQL program, as the server user if run_as switches users."""
    args = [os.fspath(part) for part in command]
    switch: dict[str, Any] = {}
    if run_as is not None and run_as.uid is not None:
        switch = {"user": run_as.uid, "group": run_as.gid, "extra_groups": []}
    try:
        result = subprocess.run(
            args,
            cwd=cwd,
            env=_child_env(),
            input=input_text,
            stdin=None if input_text is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            umask=0o077,
            check=False,
            **switch,
        )
    except subprocess.TimeoutExpired as error:
        raise EmbeddedPostgresError(f"{args[0]} timed out after {timeout:.0f} s") from error
    except OSError as error:
        raise EmbeddedPostgresError(f"could not run {args[0]}: {error}") from error
    if check and result.returncode != 0:
        raise EmbeddedPostgresError(
            f"{Path(args[0]).name} {' '.join(args[1:3])} ... failed "
            f"(exit {result.returncode}): {result.stdout.strip()}"
        )
    return result


def _psql(bindir: Path, sock: Path, dbname: str, sql: str, cwd: Path) -> str:
    command: list[str | Path] = [
        bindir / "psql", "-X", "-q", "-w", "-t", "-A", "-v", "ON_ERROR_STOP=1",
        "-h", sock, "-p", str(PORT), "-U", DATABASE_USER, "-d", dbname, "-c", sql,
    ]  # fmt: skip
    return _run(command, run_as=None, cwd=cwd, timeout=60).stdout.strip()
