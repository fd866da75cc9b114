from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_names_the_five_services_and_their_roles():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    assert "gunicorn basketops.wsgi" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A basketops worker")
    assert services["beat"]["command"].startswith("celery -A basketops beat")
    for name in ("web", "worker", "beat"):
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
