"""Starting and stopping the embedded server, one process at a time (a file lock)."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from .paths import (
    _DATA,
    _SOCKET_NAME,
    DATABASE_NAME,
    DATABASE_USER,
    PORT,
    EmbeddedPostgresError,
    _root,
    bin_dir,
    socket_dir,
)
from .processes import (
    _is_postgres_process,
    _pid_alive,
    _postmaster_pid,
    _psql,
    _run,
    _RunAs,
    is_running,
)
from .system_user import (
    _grant_search,
    _own,
    _prepare_socket_dir,
    _server_user,
)

logger = logging.getLogger(__name__)

# pg_ctl hands the data and log paths to /bin/sh inside double quotes.
_UNSAFE_PATH_CHARS: Final = re.compile(r"[\"$`\\\n]")
_DATA_STAGING: Final = "data.initdb"
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
