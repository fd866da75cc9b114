"""gunicorn settings, read automatically when gunicorn starts in the project folder."""

import os
import shutil
from pathlib import Path

# The access log leaves the query string out ("%(U)s" is the path alone), and every field
# of every line, access and error log alike, has full card numbers redacted (AC-4): a
# storefront that wrongly put one in a URL or header must not get it written to disk.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
logger_class = "security.log_redaction.CardRedactingLogger"

# IN-4: request counters of every gunicorn worker go to files in one folder (prometheus_client
# multi-process mode); it starts empty with each gunicorn, and a dead worker's files are
# marked so.
def on_starting(server):
    # In the master before any worker is forked: the workers inherit the variable.
    data_dir = os.environ.get("BASKETOPS_DATA_DIR") or Path(__file__).resolve().parent / "var"
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(data_dir) / "prometheus"))
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


# IN-3: with LOG_FORMAT=json gunicorn's own lines (errors, access) are JSON too, each access
# line carrying the request id the app answered with.
if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    logconfig_dict = {
        # The app's own logging (Django's LOGGING) configures the root logger.
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["json"], "propagate": False},
        },
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["context"],
                "stream": "ext://sys.stderr",
            }
        },
        "filters": {"context": {"()": "basketops.log_format.LogContext"}},
        "formatters": {"json": {"()": "basketops.log_format.JsonFormatter"}},
    }
