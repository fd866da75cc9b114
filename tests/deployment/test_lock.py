"""Installs are pinned: the lock files hold every dependency of pyproject.toml, with hashes."""

import re
import tomllib

import pytest

from tests.support.processes import ROOT


def requirement_name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def locked(lock_file: str) -> dict[str, str]:
    """Each locked package with the text of its entry."""
    text = (ROOT / lock_file).read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text)
    return {requirement_name(entry): entry for entry in entries if "==" in entry}


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize(
    ("lock_file", "requirements"),
    [
        pytest.param("requirements.lock", PROJECT["dependencies"], id="runtime"),
        pytest.param(
            "requirements-test.lock",
            PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"],
            id="test",
        ),
    ],
)
def test_every_dependency_is_locked_with_its_hashes(lock_file, requirements):
    entries = locked(lock_file)
    missing = sorted({requirement_name(r) for r in requirements} - set(entries))
    assert missing == [], f"run bin/lock: {lock_file} lacks {missing}"
    assert all("--hash=sha256:" in entry for entry in entries.values())


@pytest.mark.parametrize(
    ("path", "lock_file"),
    [
        pytest.param("bin/start", "requirements.lock", id="bin-start"),
        pytest.param("bin/test", "requirements-test.lock", id="bin-test"),
        pytest.param("Dockerfile", "requirements.lock", id="image"),
    ],
)
def test_every_install_takes_the_locked_versions(path, lock_file):
    """SPEC: AC-8 — the two commands and the image install from a lock file, hash-checked."""
    assert f"--require-hashes -r {lock_file}" in (ROOT / path).read_text()
