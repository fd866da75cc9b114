"""Running as root: the unprivileged system user the server runs as, and its folders."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .paths import (
    _DATA,
    SYSTEM_USER,
    SYSTEM_USER_ENV,
    EmbeddedPostgresError,
)
from .processes import (
    _RunAs,
)

logger = logging.getLogger(__name__)

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
