"""Deploy hygiene (SPEC AC-8): `check --deploy` is clean behind HTTPS, data folders are their
owner's only, and the image runs as a user that is not root and holds no local data."""

import os
import secrets
import stat
import subprocess
import sys

import yaml

from tests.support.processes import ROOT

DATA_FOLDERS = ["static", "broker", "broker/queue", "broker/processed", "broker/control", "mail"]
# Not passed on to the deployed process: DEBUG, and the switch the Playwright tests set in
# this process's environment (a deployment never has it: `check --deploy` fails on it,
# async.E001).
NOT_DEPLOYED = frozenset({"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"})


def settings_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in NOT_DEPLOYED}
    env.update(extra)
    return env


def test_check_deploy_reports_nothing_under_https():
    """SPEC: AC-8 — HSTS, SSL redirect, secure cookies; with a real key, no warning."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=settings_env(
            HTTPS="true", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="shop.example"
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_without_https_still_warns():
    """SPEC: AC-8 — the HTTPS switch is what makes the deployment settings strict."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=settings_env(HTTPS="false", SECRET_KEY=secrets.token_urlsafe(50)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_data_folders_are_readable_by_their_owner_only_whatever_the_umask(tmp_path):
    """SPEC: AC-8 — the folders the settings make under the data folder are 0700."""
    data = tmp_path / "var"
    script = "import os; os.umask(0o022); import django; django.setup()"
    env = settings_env(BASKETOPS_DATA_DIR=str(data), STATIC_ROOT="")
    env.pop("CELERY_BROKER_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("EMAIL_BACKEND", None)
    env["DJANGO_SETTINGS_MODULE"] = "basketops.settings"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    modes = {name: stat.S_IMODE((data / name).stat().st_mode) for name in ["", *DATA_FOLDERS]}
    assert modes == {name: 0o700 for name in ["", *DATA_FOLDERS]}


def test_bin_start_makes_the_secret_key_under_umask_077():
    """SPEC: AC-8 — var/secret_key is never world-readable, not even for a moment."""
    script = (ROOT / "bin/start").read_text().splitlines()
    key = next(line for line in script if "> var/secret_key" in line)
    assert key.strip().startswith("(umask 077 && ")


def dockerfile() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_runs_as_a_user_that_is_not_root():
    """SPEC: AC-8"""
    instructions = dockerfile()
    users = [argument for name, argument in instructions if name == "USER"]
    assert users, "the image must name its user"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    last_user = max(index for index, (name, _) in enumerate(instructions) if name == "USER")
    assert all(name not in {"RUN", "COPY", "ADD"} for name, _ in instructions[last_user:])
    assert ("ENTRYPOINT", '["/bin/sh", "-c", "umask 077 && exec \\"$@\\"", "--"]') in instructions


def test_the_image_holds_no_local_data():
    """SPEC: AC-8 — var/, .git, the virtualenv and caches never reach the build context."""
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {"var", ".git", ".venv", "tests", ".pytest_cache", ".hypothesis", ".env"} <= ignored
    assert {"**/__pycache__", ".ruff_cache"} <= ignored
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    build = compose["services"]["web"]["build"]
    assert build == {"context": ".", "dockerfile": "Dockerfile"}
    data = compose["x-app"]["environment"]["BASKETOPS_DATA_DIR"]
    assert data == "/data" and "appdata:/data" in compose["x-app"]["volumes"]


def test_local_environment_files_are_kept_out_of_git():
    """SPEC: AC-8 — a .env holds secrets."""
    ignored = {line.strip() for line in (ROOT / ".gitignore").read_text().splitlines()}
    assert ".env" in ignored


def product_process(data, script: str, *, drop=(), **extra: str) -> subprocess.CompletedProcess:
    """``script`` in a fresh process of the product (settings loaded, umask 022 before), on
    the embedded defaults with ``data`` as its data folder."""
    env = settings_env(BASKETOPS_DATA_DIR=str(data), STATIC_ROOT="", **extra)
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "EMAIL_BACKEND", *drop):
        env.pop(name, None)
    env["DJANGO_SETTINGS_MODULE"] = "basketops.settings"
    code = f"import os; os.umask(0o022); import django; django.setup()\n{script}"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result


def test_every_file_the_product_writes_under_its_data_folder_is_its_owners_only(tmp_path):
    """SPEC: AC-8 — in a data folder made by ``mkdir -p`` (0755, as bin/start does), the mail
    files and whatever else a process writes there are 0600, whatever the umask it got."""
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    product_process(
        data,
        "from django.core.mail import send_mail\n"
        "from django.conf import settings\n"
        "send_mail('Locked carts', 'body', 'from@example.com', ['to@example.com'])\n"
        "(settings.DATA_DIR / 'celerybeat-schedule').write_text('state')\n",
    )
    files = sorted(str(path.relative_to(data)) for path in data.rglob("*") if path.is_file())
    assert len(files) == 2 and files[0] == "celerybeat-schedule"
    modes = {name: stat.S_IMODE((data / name).stat().st_mode) for name in files}
    assert modes == {name: 0o600 for name in files}


def test_with_debug_the_secret_key_is_this_installations_own(tmp_path):
    """SPEC: AC-8 — no SECRET_KEY and DEBUG on: the key is read from var/secret_key (made
    owner-only on first use), the same for every process, never a constant in the source."""
    script = "from django.conf import settings; print(settings.SECRET_KEY)"
    keys = [
        product_process(data, script, drop=("SECRET_KEY",), DEBUG="true").stdout.strip()
        for data in (tmp_path / "one", tmp_path / "one", tmp_path / "two")
    ]
    assert keys[0] == keys[1] != keys[2]
    assert keys[0] == (tmp_path / "one" / "secret_key").read_text().strip()
    assert len(keys[0]) >= 50
    assert stat.S_IMODE((tmp_path / "one" / "secret_key").stat().st_mode) == 0o600
    assert keys[0] not in (ROOT / "basketops" / "settings.py").read_text()


def test_the_image_s_static_files_are_readable_by_the_user_it_runs_as(tmp_path):
    """SPEC: AC-8 — the build collects static files as root under the settings' umask 077;
    the app runs as another user, so the image's own build steps must leave every collected
    file readable (and every folder enterable) by others, and nothing writable by them."""
    build = next(
        argument for name, argument in dockerfile() if name == "RUN" and "collectstatic" in argument
    )
    steps = [step.strip() for step in build.split("&&")]
    static_steps = [step for step in steps if "collectstatic" in step or "STATIC_ROOT" in step]
    assert len(static_steps) >= 2, "the image must open its collected static files to the app user"
    script = " && ".join(static_steps).replace("/tmp/build", str(tmp_path / "build"))
    script = script.replace("python manage.py", f"{sys.executable} manage.py")
    static_root = tmp_path / "static"
    result = subprocess.run(
        ["/bin/sh", "-c", script],
        cwd=ROOT,
        env=settings_env(STATIC_ROOT=str(static_root)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    entries = [static_root, *static_root.rglob("*")]
    assert any(path.name == "base.css" for path in entries)
    unreadable = [
        path
        for path in entries
        if not stat.S_IMODE(path.stat().st_mode) & stat.S_IROTH
        or (path.is_dir() and not stat.S_IMODE(path.stat().st_mode) & stat.S_IXOTH)
        or stat.S_IMODE(path.stat().st_mode) & stat.S_IWOTH
    ]
    assert unreadable == []
