from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_names_the_services_and_their_roles():
    """SPEC: SC-4 — two schedulers, so that losing one stops nothing."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "beat-2", "postgres", "redis"}
    assert "gunicorn basketops.wsgi" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A basketops worker")
    assert services["beat"]["command"] == services["beat-2"]["command"]
    assert services["beat"]["command"].startswith("celery -A basketops beat")
    for name in ("web", "worker", "beat", "beat-2"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379")
        # No secret in the file: it is taken from the environment.
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY")
        assert set(services[name]["depends_on"]) == {"postgres", "redis"}


def test_gunicorn_access_log_leaves_query_strings_out():
    """No card number a client put in a query string reaches the access log."""
    settings: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings)  # noqa: S102
    assert "%(U)s" in settings["access_log_format"]
    assert "%(r)s" not in settings["access_log_format"]
    assert "%(q)s" not in settings["access_log_format"]


def test_compose_postgres_is_sized_for_the_basket_table_not_the_defaults():
    """Sweep and completion runs write GBs: the defaults (128 MB cache, 1 GB of WAL between
    checkpoints) make their time per basket grow with the table (docs/BENCHMARKS.md)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["postgres"]["command"].split()
    pairs = zip(command[:-1], command[1:], strict=True)
    settings = dict(argument.split("=", 1) for flag, argument in pairs if flag == "-c")
    assert command[0] == "postgres"
    assert settings["shared_buffers"] == "${POSTGRES_SHARED_BUFFERS:-1GB}"
    assert settings["max_wal_size"] == "${POSTGRES_MAX_WAL_SIZE:-8GB}"
    assert settings["checkpoint_timeout"] == "15min"
