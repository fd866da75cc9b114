"""Settings for Basket Ops, read from environment variables (see README, "Configuration").

With no variable set the product runs on embedded defaults: its own PostgreSQL server
(installed from a wheel, data under ``var/``) and Celery on kombu's filesystem transport (no
server to install). Setting ``DATABASE_URL`` and ``CELERY_BROKER_URL`` (or ``REDIS_URL``)
moves it to an external PostgreSQL and Redis without a code change.
"""

import importlib.util
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from tooling import embedded_postgres

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from error
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# Everything the embedded defaults write (database, broker folders, reports, mail) lives
# here; git ignores it.
DATA_DIR = Path(env_str("BASKETOPS_DATA_DIR") or BASE_DIR / "var")


def private_dir(path: Path) -> Path:
    """AC-8: ``path`` and every folder made for it, readable by their owner only (whatever
    the process's umask)."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        folder.chmod(0o700)
    return path

# AC-8: every file a process of the product writes (mail, broker messages, the scheduler's
# state, metrics, reports) is readable by its owner only, whoever started it and however.
os.umask(0o077)


def secret_key_of_this_installation(path: Path) -> str:
    """The key kept in ``path``, made (owner-only, atomically) on first use: never a
    constant in the source, and the same for every process of the installation."""
    if not (path.exists() and path.read_text().strip()):
        private_dir(path.parent)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(50) + "\n")
        try:
            os.link(draft, path)  # fails if another process made it first: theirs is kept
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (bin/start makes one under var/)."
        )
    SECRET_KEY = secret_key_of_this_installation(DATA_DIR / "secret_key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # PostgreSQL's index operator classes (pg_trgm name search, baskets.search).
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # django-constance (live business settings), named for staff: basketops/apps.py.
    "basketops.apps.BusinessSettingsConfig",
    # Card-number refusal and log redaction (AC-4), imported by any app.
    "security",
    "baskets",
    "recovery",
    "completion",
    "abandonment",
    "shopdata",
    "tooling",
    # PV-2: e-mail services' tracking webhooks (bounces, complaints) and e-mail backends.
    "anymail",
]
# The benchmark ships only in a checkout, never in the wheel: installed when importable.
if importlib.util.find_spec("benchmarks") is not None:
    INSTALLED_APPS.append("benchmarks")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # AC-4: full card numbers in a path, query or header are refused before anything else.
    "security.middleware.CardNumberRefusalMiddleware",
    # Token reads of a basket and its status, the API's hot path: answered here, before the
    # session, CSRF, login, message and lockout middleware they never use.
    "baskets.api.fast_reads.TokenReadMiddleware",
    # A view that fails because the database is out of reach answers 503 with Retry-After
    # (basketops/outage.py). Below the token reads, which never pass through it: an outage
    # there reaches the handler500 (basketops.outage.server_error) instead.
    "basketops.outage.DatabaseOutageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The admin in the staff member's language, dates in its formats.
    "basketops.languages.StaffLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # AC-5: last, as django-axes asks: refuses logins of a locked-out username and address.
    "axes.middleware.AxesMiddleware",
]

# AC-5: failed logins (admin and shopper, both Django's LoginView) are counted per username
# and address by django-axes; past the limit that pair is locked out for the cool-off
# time, whatever the password. API tokens are not passwords and are throttled instead.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, 1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, 1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# AC-4: a card number typed as a login name is counted redacted, never stored.
AXES_USERNAME_CALLABLE = "security.axes.login_name_redacted"
# The client's address, for the lockout (django-axes reads it through django-ipware): the
# connection's own address, or behind proxies the X-Forwarded-For entry the outermost
# trusted proxy appended (the address that connected to it; whatever the client wrote
# before it is its own word). HTTPS=true means one proxy in front; TRUSTED_PROXY_COUNT says
# how many there are (0: none, X-Forwarded-For is ignored).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if env_bool("HTTPS", False) else 0)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TRUSTED_PROXY_COUNT else ["REMOTE_ADDR"]
)
# django-ipware counts the proxies listed in X-Forwarded-For after the client: all but the
# one that connected to us (REMOTE_ADDR). The client is then the last entry but that many.
AXES_IPWARE_PROXY_ORDER = "left-most"
AXES_IPWARE_PROXY_COUNT = max(TRUSTED_PROXY_COUNT - 1, 0)
# A longer list than the proxies make (a client's own entries before them) is expected, not
# refused as spoofed.
IPWARE_STRICT = False

ROOT_URLCONF = "basketops.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # PV-5: the shop's name, logo, colours, contact and URL on shopper pages.
                "recovery.context_processors.shop",
            ],
        },
    },
]

WSGI_APPLICATION = "basketops.wsgi.application"

# --- Database -------------------------------------------------------------------------
# PostgreSQL only. With no DATABASE_URL the product runs its own embedded server (a
# pip-installed PostgreSQL, data under var/postgres, reached over a Unix socket); the
# runner and the test suite start it (the tooling/embedded_postgres package).
# Persistent connections matter: without them the status API runs about 6x slower.
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 600)
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured(
            "DATABASE_URL must point at PostgreSQL (postgres://user:password@host:5432/name); "
            "SQLite and other databases are not supported. Leave DATABASE_URL unset to run "
            "on the embedded PostgreSQL."
        )
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=CONN_MAX_AGE,
            # A health check is one more round trip on every request; off by default, a
            # broken connection then fails one request and is replaced.
            conn_health_checks=env_bool("CONN_HEALTH_CHECKS", False),
        )
    }
else:
    DATABASES = {
        "default": {
            **embedded_postgres.database_settings(DATA_DIR),
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": env_bool("CONN_HEALTH_CHECKS", False),
        }
    }

# While the database cannot be reached, requests answer 503 with this Retry-After, in
# seconds: about as long as a PostgreSQL restart or failover takes.
DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS = env_int(
    "DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS", 5, 1
)

# Prepared statements only where the code asks for one (``prepare=True``: the API's one-query
# reads, baskets/api/fast_reads.py); psycopg's default (None) turns even those off. Django's
# own queries bind on the client side and are never prepared.
DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1

# SC-5: an optional streaming replica. The grid's pages, the CSV export, the funnel, the
# abandon reports and the analytics read from it while its replay lag is under
# REPLICA_MAX_LAG_SECONDS (the lag is measured at most every REPLICA_LAG_CHECK_SECONDS per
# process); everything else, every write and every read that decides a write, uses the
# primary (basketops/reads.py).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=CONN_MAX_AGE,
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", False),
    )
    # A replica that is away costs a page two seconds once per check, never a hang.
    DATABASES["replica"].setdefault("OPTIONS", {}).update(
        prepare_threshold=2**31 - 1, connect_timeout=2
    )
    # Tests never create a database of their own on the replica: it replicates the primary's.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
try:
    REPLICA_MAX_LAG_SECONDS = float(env_str("REPLICA_MAX_LAG_SECONDS") or 5)
    REPLICA_LAG_CHECK_SECONDS = float(env_str("REPLICA_LAG_CHECK_SECONDS") or 2)
except ValueError:
    raise ImproperlyConfigured(
        "REPLICA_MAX_LAG_SECONDS and REPLICA_LAG_CHECK_SECONDS must be numbers of seconds"
    ) from None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# PV-5: the shopper pages speak these (the basket's language, else Accept-Language); the
# catalogues are in locale/ (compiled .mo files are committed).
LANGUAGES = [("en", "English"), ("da", "Dansk"), ("nl", "Nederlands"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The dates staff type, per language (the admin speaks the browser's language:
# ``basketops.languages``); ISO dates are accepted in every one.
FORMAT_MODULE_PATH = ["basketops.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The image collects static files at build time into its own (read-only) folder.
STATIC_ROOT = private_dir(Path(env_str("STATIC_ROOT") or DATA_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Generated reports live here; web and workers must share it (a volume in docker-compose).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or DATA_DIR / "media")
# AC-8: reports and other files the product saves are the owner's only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

LOGIN_URL = "/accounts/login/"
# A shopper who logs in without a (safe) ``next`` lands on their basket page.
LOGIN_REDIRECT_URL = "/basket/"

# --- Security when served for real ------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    # AC-8: behind an HTTPS proxy `manage.py check --deploy` has nothing to report.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # Load balancers probe health over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
    # One year, as browsers' preload lists require; HSTS_SECONDS=0 turns it off.
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or env_str("REDIS_URL")
if CELERY_BROKER_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redis redelivers an unacknowledged task after this long; every countdown and
        # retry delay in the product stays well below it.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60),
    }
else:
    # Embedded broker: kombu's filesystem transport needs no server and no extra
    # package, and several processes (web, worker, scheduler) share it through a folder.
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = DATA_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        private_dir(_broker_dir / _folder)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Remote-control messages (ping, inspect) stay under var/ too, not in the cwd.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# The queue every task goes to and every worker reads: one broker can serve several
# installations (or a bench run beside a development worker) without them taking each
# other's tasks.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE") or "celery"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- Business settings (SPEC section 8) ---------------------------------------------------
# The environment gives the defaults below; those in CONSTANCE_CONFIG (further down) are
# live: System administrators change them in the admin, and code reads every one of them
# through ``basketops.business.business_setting``.
BASKET_ABANDON_AFTER = timedelta(minutes=env_int("BASKET_ABANDON_AFTER_MINUTES", 60, 1))
ABANDONMENT_RETENTION = timedelta(days=env_int("ABANDONMENT_RETENTION_DAYS", 90, 1))
COMPLETION_MAX_ATTEMPTS = env_int("COMPLETION_MAX_ATTEMPTS", 3, 1)
# SC-3: a worker that dies mid-completion holds the basket only this long; a live worker
# renews it every third of it. A dead worker's baskets are free after at most the lease and
# taken by the next periodic run: lease + interval (60 + 20 s) stays under 90 s.
COMPLETION_LEASE = timedelta(seconds=env_int("COMPLETION_LEASE_SECONDS", 60, 10))
# The periodic completion run, the safety net of the runs each payment asks for (SC-1).
COMPLETION_INTERVAL = timedelta(seconds=env_int("COMPLETION_INTERVAL_SECONDS", 20, 1))
COMPLETION_BATCH_SIZE = env_int("COMPLETION_BATCH_SIZE", 500, 1)
# A run stops claiming after this long and re-queues itself; far below the visibility timeout.
COMPLETION_RUN_BUDGET = timedelta(seconds=env_int("COMPLETION_RUN_BUDGET_SECONDS", 50, 1))
# With a backlog, one scheduled run brings up to this many workers into the work.
COMPLETION_PARALLEL_RUNS = env_int("COMPLETION_PARALLEL_RUNS", 4, 1)
# A completion or dispatch run out of time, or a sweep, purge or send with more to do, sends
# its successor at most this many times in a row; after that the periodic run (and for
# completion and dispatch the next commit's request) takes over.
RUN_MAX_REQUEUES = env_int("RUN_MAX_REQUEUES", 10, 0)
# Downstream hooks called with each new order inside its transaction (dotted paths).
COMPLETION_HOOKS = env_list("COMPLETION_HOOKS", [])
# Statements run inside the one that makes orders, each a function (dotted path) given the
# query of the new orders' basket ids: an app built on completion adds its part here rather
# than completion importing it. AB-6: those baskets' abandonments count as recovered.
COMPLETION_ORDERS_MADE_SQL = ["abandonment.services.capture.abandonments_recovered_sql"]
# Paid baskets with no order after this long are listed for reconciliation.
RECONCILE_AFTER = timedelta(minutes=env_int("RECONCILE_AFTER_MINUTES", 30, 1))
# AB-5: an upsell offer is finalised as it stands after this long.
UPSELL_FINALISE_AFTER = timedelta(minutes=env_int("UPSELL_FINALISE_AFTER_MINUTES", 45, 1))
# AB-5: the adapter charging an upsell order's card token. Empty (the default): no gateway,
# a finalised upsell order waits in accounts receivable. completion.payments.SimulatedGateway
# is for demo data and tests only.
PAYMENT_GATEWAY = env_str("PAYMENT_GATEWAY", "")
# "lock": never process pending payments, lock the basket (LC-1); "wait": keep it waiting.
PENDING_PAYMENT_POLICY = env_str("PENDING_PAYMENT_POLICY", "lock")
if PENDING_PAYMENT_POLICY not in {"lock", "wait"}:
    raise ImproperlyConfigured("PENDING_PAYMENT_POLICY must be 'lock' or 'wait'")
MULTIPLE_BASKETS = env_bool("MULTIPLE_BASKETS", False)
# SH-2: the shop's currencies, ISO 4217 codes, the first the default (a system check refuses
# anything else at startup; baskets.currencies).
SHOP_CURRENCIES = env_list("SHOP_CURRENCIES", ["EUR"])
# CB-4: a sync that makes a failed basket's withdrawn product available again requeues the
# basket for completion on its own (off: staff requeue them from the triage list).
COMPLETION_REQUEUE_ON_SYNC = env_bool("COMPLETION_REQUEUE_ON_SYNC", False)
EMAIL_SYSTEM_MESSAGES = env_bool("EMAIL_SYSTEM_MESSAGES", True)
# LC-1: a payment started with neither a result nor the shopper's return after this long
# locks the basket.
PAYMENT_NO_RETURN_LOCK_AFTER = timedelta(
    minutes=env_int("PAYMENT_NO_RETURN_LOCK_AFTER_MINUTES", 30, 1)
)
# Staff are alerted once per lock when a cart has been Locked this long.
LOCKED_CART_ALERT_AFTER = timedelta(minutes=env_int("LOCKED_CART_ALERT_AFTER_MINUTES", 30, 1))
# LC-5: the daily staff e-mail goes out at this hour (TIME_ZONE) and lists baskets
# Awaiting Completion for longer than AWAITING_COMPLETION_REPORT_AFTER.
DAILY_NOTIFICATION_HOUR = env_int("DAILY_NOTIFICATION_HOUR", 7, 0)
if DAILY_NOTIFICATION_HOUR > 23:
    raise ImproperlyConfigured("DAILY_NOTIFICATION_HOUR must be between 0 and 23")
AWAITING_COMPLETION_REPORT_AFTER = timedelta(
    minutes=env_int("AWAITING_COMPLETION_REPORT_AFTER_MINUTES", 60, 1)
)
# Links in staff e-mail point here (the admin's public address).
BACKOFFICE_BASE_URL = env_str("BACKOFFICE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# RL-8: recovery links (BasketUrl) in e-mails and the API start with this (the shop's
# public address, where /basket/recover/<guid>/ is served).
SHOP_BASE_URL = env_str("SHOP_BASE_URL", BACKOFFICE_BASE_URL).rstrip("/")
# RL-1 / IN-5: where "Continue to checkout" on the basket page leads, in the shop; {guid} is
# the basket's GUID and {visitor} (optional) the signed reference of an anonymous visitor,
# for GET /api/visitors/<reference>/baskets/.
# Empty (the default): the shop URL (SHOP_URL, live) with ?basket=<guid>.
SHOP_CHECKOUT_URL = env_str("SHOP_CHECKOUT_URL", "")
# Seed 004: the shop page where a customer whose card charge failed gives a new card;
# {order} is the order number, {guid} the basket's GUID.
CARD_REQUEST_URL = env_str(
    "CARD_REQUEST_URL", SHOP_BASE_URL + "/orders/{order}/card/?basket={guid}"
)
# PV-5: the shop's brand on the shopper pages; live (admin → Config, "Shop"), these are the
# defaults. Colours are #rrggbb; the text colour is for text on the main colour.
SHOP_NAME = env_str("SHOP_NAME", "Shop")
SHOP_URL = env_str("SHOP_URL", SHOP_BASE_URL + "/")
SHOP_LOGO_URL = env_str("SHOP_LOGO_URL", "")
SHOP_COLOUR = env_str("SHOP_COLOUR", "#1f4e79")
SHOP_TEXT_COLOUR = env_str("SHOP_TEXT_COLOUR", "#ffffff")
SHOP_CONTACT_EMAIL = env_str("SHOP_CONTACT_EMAIL", "")
SHOP_CONTACT_PHONE = env_str("SHOP_CONTACT_PHONE", "")
# AB-4: reminder e-mails for abandoned baskets, this long after the abandonment was
# captured; abandonments captured longer than REMINDER_MAX_AGE ago get none (so turning the
# feature on does not mail every old abandonment).
REMINDERS_ENABLED = env_bool("REMINDERS_ENABLED", True)
# The steps' delays are staff-edited (admin → Reminder steps); REMINDER_AFTER is the first
# step's delay in the default sequence the migration creates.
REMINDER_AFTER = timedelta(minutes=env_int("REMINDER_AFTER_MINUTES", 60, 0))
# Longer than the last default step (72 hours), so the whole sequence fits.
REMINDER_MAX_AGE = timedelta(hours=env_int("REMINDER_MAX_AGE_HOURS", 168, 1))
# SH-3: a mailed recovery link (signed, bound to its basket and recipient) opens this long
# after it was made; live (RECOVERY_LINK_DAYS in the admin).
RECOVERY_LINK_MAX_AGE = timedelta(days=env_int("RECOVERY_LINK_DAYS", 30, 1))
# SH-3: a hand-over URL the shop asked for signs its shopper in once, within this long.
SHOPPER_HANDOVER_MAX_AGE = timedelta(seconds=60)
# SH-3 RL-3: the shop's own login, offered where a recovery link cannot be opened; {next}
# becomes the link's path, for the shop's hand-over after the shopper logged in.
SHOP_LOGIN_URL = env_str("SHOP_LOGIN_URL", SHOP_BASE_URL + "/login/?next={next}")
# PV-2: at most this many reminder e-mails go to one address in any 24 hours (live).
REMINDER_DAILY_CAP = env_int("REMINDER_DAILY_CAP", 1, 1)
# PV-1: "any" (every reachable address) or "consented" (only baskets whose checkout details
# said marketing_consent: true) (live).
REMINDER_CONSENT_POLICY = env_str("REMINDER_CONSENT_POLICY", "any")
if REMINDER_CONSENT_POLICY not in {"any", "consented"}:
    raise ImproperlyConfigured("REMINDER_CONSENT_POLICY must be 'any' or 'consented'")

# PV-5: UTM parameters on the recovery link in reminder e-mails (live); utm_content is the
# step ("reminder-1", ...). An empty value leaves its parameter out.
REMINDER_UTM_SOURCE = env_str("REMINDER_UTM_SOURCE", "basketops")
REMINDER_UTM_MEDIUM = env_str("REMINDER_UTM_MEDIUM", "email")
REMINDER_UTM_CAMPAIGN = env_str("REMINDER_UTM_CAMPAIGN", "basket-reminder")
# Staff told once a day (at DAILY_NOTIFICATION_HOUR) which baskets were recovered the day
# before; empty: no digest (live).
RECOVERY_DIGEST_EMAILS = env_list("RECOVERY_DIGEST_EMAILS", [])
# PV-4: Active baskets never paid are deleted this many days after their last activity;
# live (admin → Config, "Basket lifetimes"); 0 keeps that kind. Empty: no lines; anonymous:
# no login, customer or contact; login: any other.
BASKET_LIFETIME_ANONYMOUS_DAYS = env_int("BASKET_LIFETIME_ANONYMOUS_DAYS", 30, 0)
BASKET_LIFETIME_EMPTY_DAYS = env_int("BASKET_LIFETIME_EMPTY_DAYS", 7, 0)
BASKET_LIFETIME_LOGIN_DAYS = env_int("BASKET_LIFETIME_LOGIN_DAYS", 90, 0)
# Baskets deleted per statement: a storefront write on one of them waits at most this long.
BASKET_LIFETIME_BATCH_SIZE = env_int("BASKET_LIFETIME_BATCH_SIZE", 1000, 1)
# A run stops after this long and re-queues itself; far below the visibility timeout.
BASKET_LIFETIME_RUN_BUDGET = timedelta(seconds=env_int("BASKET_LIFETIME_RUN_BUDGET_SECONDS", 50, 1))
# Retention (live; 0 keeps forever): the timeline of a deleted basket, and payment results
# (kept after basket deletion for reconciliation), go this many days after they were written.
TIMELINE_RETENTION_DAYS = env_int("TIMELINE_RETENTION_DAYS", 365, 0)
PAYMENT_RESULT_RETENTION_DAYS = env_int("PAYMENT_RESULT_RETENTION_DAYS", 730, 0)
# Outbox events already handed on (a pending one stays whatever its age), and the log of
# webhook requests (each attempt), go this many days after they were written.
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 30, 0)
WEBHOOK_ATTEMPT_RETENTION_DAYS = env_int("WEBHOOK_ATTEMPT_RETENTION_DAYS", 30, 0)

BUSINESS_SETTINGS = (
    "BASKET_ABANDON_AFTER",
    "ABANDONMENT_RETENTION",
    "COMPLETION_MAX_ATTEMPTS",
    "COMPLETION_LEASE",
    "COMPLETION_INTERVAL",
    "COMPLETION_BATCH_SIZE",
    "COMPLETION_PARALLEL_RUNS",
    "RECONCILE_AFTER",
    "UPSELL_FINALISE_AFTER",
    "PENDING_PAYMENT_POLICY",
    "MULTIPLE_BASKETS",
    "EMAIL_SYSTEM_MESSAGES",
    "PAYMENT_NO_RETURN_LOCK_AFTER",
    "LOCKED_CART_ALERT_AFTER",
    "DAILY_NOTIFICATION_HOUR",
    "AWAITING_COMPLETION_REPORT_AFTER",
    "REMINDERS_ENABLED",
    "REMINDER_AFTER",
    "REMINDER_MAX_AGE",
    "RECOVERY_LINK_MAX_AGE",

    "SHOP_CURRENCIES",
    "COMPLETION_REQUEUE_ON_SYNC",
    "REMINDER_DAILY_CAP",
    "REMINDER_CONSENT_POLICY",
    "BASKET_LIFETIME_ANONYMOUS_DAYS",
    "BASKET_LIFETIME_EMPTY_DAYS",
    "BASKET_LIFETIME_LOGIN_DAYS",
    "TIMELINE_RETENTION_DAYS",
    "PAYMENT_RESULT_RETENTION_DAYS",
    "OUTBOX_RETENTION_DAYS",
    "WEBHOOK_ATTEMPT_RETENTION_DAYS",
)

CELERY_BEAT_SCHEDULE = {
    "completion-run": {
        "task": "completion.tasks.completion_run_task",
        "schedule": COMPLETION_INTERVAL.total_seconds(),
    },
    "abandonment-sweep": {"task": "abandonment.tasks.abandonment_sweep_task", "schedule": 60.0},
    "upsell-finalise": {"task": "completion.tasks.upsell_finalise_task", "schedule": 60.0},
    "abandonment-purge": {"task": "abandonment.tasks.abandonment_purge_task", "schedule": 3600.0},
    "report-schedules": {"task": "abandonment.tasks.report_schedules_task", "schedule": 300.0},
    "worker-heartbeat": {
        "task": "operations.tasks.worker_heartbeat_task",
        "schedule": 60.0,
    },
    "locked-cart-sweep": {"task": "baskets.tasks.locked_cart_sweep_task", "schedule": 60.0},
    "locked-cart-alert": {"task": "baskets.tasks.locked_cart_alert_task", "schedule": 60.0},
    "basket-reminders": {"task": "abandonment.tasks.basket_reminders_send_task", "schedule": 300.0},
    "coupons-expired-purge": {
        "task": "baskets.tasks.coupons_expired_purge_task",
        "schedule": 3600.0,
    },
    "recovery-digest": {
        "task": "abandonment.tasks.recovery_digest_task",
        "schedule": crontab(minute=5, hour=DAILY_NOTIFICATION_HOUR),
    },
    # Every few minutes: the task sends today's e-mail once from the (live) hour on, so a
    # scheduler that was down at that hour catches up.
    "daily-staff-notification": {
        "task": "completion.tasks.daily_notification_due_task",
        "schedule": 300.0,
    },
}
CELERY_BEAT_SCHEDULE["basket-lifetimes"] = {
    "task": "baskets.tasks.basket_lifetime_purge_task",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["basket-retention"] = {
    "task": "baskets.tasks.retention_purge_task",
    "schedule": 3600.0,
}

# --- E-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "mail"
if EMAIL_BACKEND.endswith("filebased.EmailBackend"):
    private_dir(EMAIL_FILE_PATH)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "basketops@localhost")
# Empty: the System administrators' e-mail addresses.
STAFF_NOTIFICATION_EMAILS = env_list("STAFF_NOTIFICATION_EMAILS", [])
# PV-2: an e-mail service through django-anymail (EMAIL_BACKEND=anymail.backends.<service>.
# EmailBackend); every ANYMAIL_<NAME> variable becomes ANYMAIL["<NAME>"], e.g.
# ANYMAIL_MAILGUN_API_KEY, ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY, ANYMAIL_WEBHOOK_SECRET (the
# "user:password" the service's tracking webhook calls /anymail/<service>/tracking/ with).
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_") and value
}

# --- Live business settings (django-constance, database backend) -----------------------
# Each holds the environment's value as its default; a value saved in the admin wins over
# it until it is saved back. Readers go through ``basketops.business.business_setting``.
CONSTANCE_BACKEND = "constance.backends.database.DatabaseBackend"
# Permissions, not superuser status, decide: System administrators change
# (constance.change_config), Order processors only view (baskets/roles.py).
CONSTANCE_SUPERUSER_ONLY = False
CONSTANCE_ADDITIONAL_FIELDS = {
    "pending_payment_policy": [
        "django.forms.fields.ChoiceField",
        {
            "choices": (
                ("lock", "lock: never process pending payments, lock the cart"),
                ("wait", "wait: keep the basket waiting for the final result"),
            )
        },
    ],
    "positive_integer": ["django.forms.fields.IntegerField", {"min_value": 1}],
    "utm_value": [
        "django.forms.fields.RegexField",
        {"regex": r"^[A-Za-z0-9._-]{0,60}\Z", "required": False},
    ],
    "reminder_consent_policy": [
        "django.forms.fields.ChoiceField",
        {
            "choices": (
                ("any", "any: every reachable address that did not opt out"),
                ("consented", "consented: only addresses that gave marketing consent"),
            )
        },
    ],
    "email_list": [
        "basketops.business.EmailListField",
        {"required": False, "widget": "django.forms.TextInput"},
    ],
    # PV-5: the shop's brand; a colour goes into the pages' style, so only #rrggbb.
    "colour": ["django.forms.fields.RegexField", {"regex": r"^#[0-9a-fA-F]{6}\Z"}],
    "url": ["django.forms.fields.URLField", {"assume_scheme": "https"}],
    "optional_url": ["django.forms.fields.URLField", {"required": False, "assume_scheme": "https"}],
    "optional_email": ["django.forms.fields.EmailField", {"required": False}],
    "optional_text": ["django.forms.fields.CharField", {"required": False, "max_length": 60}],
    "text": ["django.forms.fields.CharField", {"max_length": 100}],

    "currency_list": ["baskets.currencies.CurrencyListField", {"widget": "django.forms.TextInput"}],
    "days_or_keep": ["django.forms.fields.IntegerField", {"min_value": 0}],
}
CONSTANCE_CONFIG = {
    "EMAIL_SYSTEM_MESSAGES": (
        EMAIL_SYSTEM_MESSAGES,
        "E-mail system messages: send the daily staff notification (LC-5).",
    ),
    "STAFF_NOTIFICATION_EMAILS": (
        ", ".join(STAFF_NOTIFICATION_EMAILS),
        "Who gets staff notifications (comma-separated); empty: every System administrator "
        "with an e-mail address.",
        "email_list",
    ),
    "MULTIPLE_BASKETS": (MULTIPLE_BASKETS, "Shoppers may keep several baskets (RL-6)."),
    "PENDING_PAYMENT_POLICY": (
        PENDING_PAYMENT_POLICY,
        "What a pending payment result does (LC-1).",
        "pending_payment_policy",
    ),
    "BASKET_ABANDON_AFTER_MINUTES": (
        int(BASKET_ABANDON_AFTER.total_seconds() // 60),
        "Abandonment interval in minutes (AB-1).",
        "positive_integer",
    ),
    "ABANDONMENT_RETENTION_DAYS": (
        ABANDONMENT_RETENTION.days,
        "Days abandonments are kept (AB-2).",
        "positive_integer",
    ),
    "COMPLETION_MAX_ATTEMPTS": (
        COMPLETION_MAX_ATTEMPTS,
        "Completion attempts before Completion Failed (CB-4).",
        "positive_integer",
    ),
    "RECOVERY_LINK_DAYS": (
        RECOVERY_LINK_MAX_AGE.days,
        "Days a mailed recovery link opens the basket for its recipient (SH-3).",
        "positive_integer",
    ),
    "SHOP_NAME": (SHOP_NAME, "The shop's name on the shopper pages (PV-5).", "text"),
    "SHOP_URL": (SHOP_URL, "The shop's home page: every shopper page links back to it.", "url"),
    "SHOP_LOGO_URL": (SHOP_LOGO_URL, "The shop's logo (image URL; empty: none).", "optional_url"),
    "SHOP_COLOUR": (SHOP_COLOUR, "The shop's main colour (#rrggbb).", "colour"),
    "SHOP_TEXT_COLOUR": (SHOP_TEXT_COLOUR, "Text on the main colour (#rrggbb).", "colour"),
    "SHOP_CONTACT_EMAIL": (SHOP_CONTACT_EMAIL, "The shop's contact e-mail.", "optional_email"),
    "SHOP_CONTACT_PHONE": (SHOP_CONTACT_PHONE, "The shop's contact phone.", "optional_text"),

    "SHOP_CURRENCIES": (
        ", ".join(SHOP_CURRENCIES),
        "The shop's currencies, ISO 4217 codes, comma-separated; the first is the default "
        "(SH-2).",
        "currency_list",
    ),
    "COMPLETION_REQUEUE_ON_SYNC": (
        COMPLETION_REQUEUE_ON_SYNC,
        "Requeue a Completion Failed basket as soon as the shop's data makes its withdrawn "
        "product available again (CB-4).",
    ),
}
CONSTANCE_CONFIG |= {
    "REMINDER_DAILY_CAP": (
        REMINDER_DAILY_CAP,
        "Reminder e-mails to one address in any 24 hours, at most (PV-2).",
        "positive_integer",
    ),
    "REMINDER_CONSENT_POLICY": (
        REMINDER_CONSENT_POLICY,
        "Who receives reminder e-mails (PV-1).",
        "reminder_consent_policy",
    ),
}
CONSTANCE_CONFIG |= {
    "REMINDER_UTM_SOURCE": (REMINDER_UTM_SOURCE, "utm_source on reminder links.", "utm_value"),
    "REMINDER_UTM_MEDIUM": (REMINDER_UTM_MEDIUM, "utm_medium on reminder links.", "utm_value"),
    "REMINDER_UTM_CAMPAIGN": (
        REMINDER_UTM_CAMPAIGN, "utm_campaign on reminder links.", "utm_value"
    ),
    "RECOVERY_DIGEST_EMAILS": (
        ", ".join(RECOVERY_DIGEST_EMAILS),
        "Staff who get the daily digest of recovered baskets (comma-separated); empty: none.",
        "email_list",
    ),
}
CONSTANCE_CONFIG |= {
    "BASKET_LIFETIME_ANONYMOUS_DAYS": (
        BASKET_LIFETIME_ANONYMOUS_DAYS,
        "Days after the last activity an anonymous basket is deleted (PV-4); 0 keeps them.",
        "days_or_keep",
    ),
    "BASKET_LIFETIME_EMPTY_DAYS": (
        BASKET_LIFETIME_EMPTY_DAYS,
        "Days after the last activity a basket without lines is deleted (PV-4); 0 keeps them.",
        "days_or_keep",
    ),
    "TIMELINE_RETENTION_DAYS": (
        TIMELINE_RETENTION_DAYS,
        "Days the timeline of a deleted basket is kept; 0 keeps it forever.",
        "days_or_keep",
    ),
    "PAYMENT_RESULT_RETENTION_DAYS": (
        PAYMENT_RESULT_RETENTION_DAYS,
        "Days payment results are kept; 0 keeps them forever.",
        "days_or_keep",
    ),
    "OUTBOX_RETENTION_DAYS": (
        OUTBOX_RETENTION_DAYS,
        "Days an outbox event is kept once handed on (a pending one stays); 0 keeps them.",
        "days_or_keep",
    ),
    "WEBHOOK_ATTEMPT_RETENTION_DAYS": (
        WEBHOOK_ATTEMPT_RETENTION_DAYS,
        "Days each webhook request and its answer is kept; 0 keeps them forever.",
        "days_or_keep",
    ),
    "BASKET_LIFETIME_LOGIN_DAYS": (
        BASKET_LIFETIME_LOGIN_DAYS,
        "Days after the last activity a basket with a login, customer or contact is deleted "
        "(PV-4); 0 keeps them.",
        "days_or_keep",
    ),
}
CONSTANCE_CONFIG_FIELDSETS = (
    ("E-mails", ("EMAIL_SYSTEM_MESSAGES", "STAFF_NOTIFICATION_EMAILS")),
    ("Baskets and payments", ("MULTIPLE_BASKETS", "PENDING_PAYMENT_POLICY")),
    ("Abandonment", ("BASKET_ABANDON_AFTER_MINUTES", "ABANDONMENT_RETENTION_DAYS")),
    ("Completion", ("COMPLETION_MAX_ATTEMPTS",)),
    (
        "Shopper pages",
        (
            "RECOVERY_LINK_DAYS", "SHOP_NAME", "SHOP_URL", "SHOP_LOGO_URL", "SHOP_COLOUR",
            "SHOP_TEXT_COLOUR", "SHOP_CONTACT_EMAIL", "SHOP_CONTACT_PHONE",
        ),
    ),
    ("Shop data", ("SHOP_CURRENCIES", "COMPLETION_REQUEUE_ON_SYNC")),
    (
        "Reminders",
        (
            "REMINDER_DAILY_CAP", "REMINDER_CONSENT_POLICY", "REMINDER_UTM_SOURCE",
            "REMINDER_UTM_MEDIUM", "REMINDER_UTM_CAMPAIGN", "RECOVERY_DIGEST_EMAILS",
        ),
    ),
    (
        "Basket lifetimes",
        (
            "BASKET_LIFETIME_ANONYMOUS_DAYS", "BASKET_LIFETIME_EMPTY_DAYS",
            "BASKET_LIFETIME_LOGIN_DAYS", "TIMELINE_RETENTION_DAYS",
            "PAYMENT_RESULT_RETENTION_DAYS", "OUTBOX_RETENTION_DAYS",
            "WEBHOOK_ATTEMPT_RETENTION_DAYS",
        ),
    ),
)

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # AC-2: API clients and staff use tokens; a session reaches the API only for staff.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "baskets.api.permissions.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "baskets.api.permissions.ClientRights",
    ],
    # AC-5: one request budget per client (API_THROTTLE_RATE), the status fast path included.
    "DEFAULT_THROTTLE_CLASSES": ["baskets.api.throttles.ClientRateThrottle"],
    # Section 7: a body nested too deep is 400, not a decoder's RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "baskets.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "baskets.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Basket Ops API",
    "DESCRIPTION": (
        "Basket status, lists and storefront writes.\n\n"
        "Every request carries `Authorization: Token <key>`. Clients are users in one of "
        "three groups (`manage.py api_client_create <name> --role storefront|payments|status`):"
        "\n\n"
        "- **Storefront**: read status, baskets and lists; create and edit baskets, move "
        "stages, report the return from the payment page; no payment results.\n"
        "- **Payment provider**: payment results only, for a basket at the Payment stage with "
        "a payment started; `amount` and `currency` must be the basket's total.\n"
        "- **Status reader**: read status, baskets and lists, without personal data "
        "(`purchaser_label`), coupon and gift-card codes or `recovery_url`; filters on the "
        "shop account are refused.\n"
        "- **Staff** tokens (or the admin's session): read as their role allows.\n\n"
        "Anyone else gets 403. Each client has one request budget; past it, 429 with "
        "`Retry-After`. While the database cannot be reached (a restart, a failover), any "
        "operation answers 503 with `Retry-After`. Errors are JSON `{detail, code}`."
    ),
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "baskets.api.schema.error_responses",
    ],
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema describes the API, not its data; the docs page works without a login.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI's assets come from the installed sidecar package, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# AC-5: requests per API client; "<count>/<second|minute|hour|day>", empty for no limit.
# A storefront serves many shoppers through one token: the default leaves room for about
# 50 requests a second and stops a client looping over guesses.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "3000/minute")
# Kept answers (the readiness check's worker ping) live in the default cache: per process,
# or shared when CACHE_URL (e.g. redis://host:6379/3) names Redis.
CACHE_URL = env_str("CACHE_URL")
# AC-5: the API request budgets live in their own cache, shared by every web process
# whenever Redis is configured: CACHE_URL, else the broker's Redis (its keys are prefixed).
THROTTLE_CACHE_URL = CACHE_URL or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    "throttle": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": THROTTLE_CACHE_URL,
            "KEY_PREFIX": "basketops-throttle",
            # A Redis that does not answer costs a request at most this long; the budgets
            # are then counted per process (baskets.api.throttles).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if THROTTLE_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    ),
}

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No full card number in any log line (LC-3), e.g. one a client put in a URL.
    "filters": {
        "redact_card_numbers": {"()": "security.log_redaction.RedactCardNumbers"},
        # A 403 is one line (path, user, reason), not a traceback.
        "refusal_one_line": {"()": "basketops.log_format.RefusalOneLine"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_card_numbers"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["refusal_one_line", "redact_card_numbers"]},
        "django.server": {"filters": ["redact_card_numbers"]},
    },
}

# --- Integrations and operations (SPEC section 10) ---------------------------------------
INSTALLED_APPS += ["webhooks", "operations", "scheduling"]
# PV-3: erasure and export of one shopper's data (reads every other app's tables).
INSTALLED_APPS += ["shopper_data"]
# First, so every later middleware and view logs with the request id.
MIDDLEWARE.insert(0, "operations.middleware.RequestContextMiddleware")

# IN-1 webhooks. Receivers on private, loopback or link-local addresses are refused unless
# this is on (a development receiver, a test).
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", False)
# Each connect, and each read or write, waits at most this long (the attempt's deadline
# below bounds them all together).
WEBHOOK_CONNECT_TIMEOUT = env_int("WEBHOOK_CONNECT_TIMEOUT_SECONDS", 3, 1)
WEBHOOK_READ_TIMEOUT = env_int("WEBHOOK_READ_TIMEOUT_SECONDS", 5, 1)
# One attempt (connect, TLS, sending, headers and body together) ends by this many seconds,
# however slowly the receiver answers.
WEBHOOK_ATTEMPT_DEADLINE = env_int("WEBHOOK_ATTEMPT_DEADLINE_SECONDS", 10, 1)
# A worker that died mid-request frees its delivery after this; longer than an attempt can
# last, so no other worker sends a delivery whose attempt is still under way.
WEBHOOK_LEASE = timedelta(seconds=env_int("WEBHOOK_LEASE_SECONDS", 60, 2))
if WEBHOOK_LEASE.total_seconds() <= WEBHOOK_ATTEMPT_DEADLINE:
    raise ImproperlyConfigured(
        "WEBHOOK_LEASE_SECONDS must be longer than WEBHOOK_ATTEMPT_DEADLINE_SECONDS."
    )
WEBHOOK_DISPATCH_INTERVAL = timedelta(seconds=env_int("WEBHOOK_DISPATCH_INTERVAL_SECONDS", 5, 1))
# A dispatch run stops claiming after this long and re-queues itself.
WEBHOOK_RUN_BUDGET = timedelta(seconds=env_int("WEBHOOK_RUN_BUDGET_SECONDS", 50, 1))
# A dispatcher claims this many due deliveries at a time and sends them at once (threads).
WEBHOOK_SEND_BATCH = env_int("WEBHOOK_SEND_BATCH", 10, 1)
# With a backlog, one dispatch run brings up to this many workers into the sending.
WEBHOOK_PARALLEL_SENDS = env_int("WEBHOOK_PARALLEL_SENDS", 4, 1)
# An endpoint with nothing but failed attempts for this long is disabled (admins e-mailed).
WEBHOOK_DISABLE_AFTER = timedelta(hours=env_int("WEBHOOK_DISABLE_AFTER_HOURS", 24, 1))
# Finished deliveries (with their attempts) and dispatched outbox events are kept this long.
WEBHOOK_RETENTION = timedelta(days=env_int("WEBHOOK_RETENTION_DAYS", 30, 1))
CELERY_BEAT_SCHEDULE["webhook-purge"] = {
    "task": "webhooks.tasks.webhook_purge_task",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["webhook-dispatch"] = {
    "task": "webhooks.tasks.webhook_dispatch_task",
    "schedule": WEBHOOK_DISPATCH_INTERVAL.total_seconds(),
}

# Analytics out: add_to_cart, begin_checkout, purchase and the abandonment event sent to
# Google Analytics 4 (Measurement Protocol) from the outbox. Off unless both are set.
INSTALLED_APPS += ["analytics"]
GA4_MEASUREMENT_ID = env_str("GA4_MEASUREMENT_ID")
GA4_API_SECRET = env_str("GA4_API_SECRET")
# Where the Measurement Protocol is (``/mp/collect`` is added); a test points it elsewhere.
GA4_BASE_URL = env_str("GA4_BASE_URL", "https://www.google-analytics.com")
# The name of the custom event sent when a basket is captured as abandoned.
GA4_ABANDONMENT_EVENT = env_str("GA4_ABANDONMENT_EVENT", "basket_abandoned")
GA4_TIMEOUT_SECONDS = env_int("GA4_TIMEOUT_SECONDS", 10, 1)
# Events a sender claims at a time (sent in requests of up to 25 per client_id).
GA4_SEND_BATCH = env_int("GA4_SEND_BATCH", 100, 1)
# A sender that died mid-batch frees its events after this (longer than a batch's requests).
GA4_LEASE = timedelta(seconds=env_int("GA4_LEASE_SECONDS", 300, 2))
# A send run stops claiming after this long and re-queues itself.
GA4_RUN_BUDGET = timedelta(seconds=env_int("GA4_RUN_BUDGET_SECONDS", 50, 1))
# Retries of failed requests are due at these runs (a dispatch that queued events also
# starts one at once).
CELERY_BEAT_SCHEDULE["ga4-send"] = {
    "task": "analytics.tasks.ga4_send_task",
    "schedule": float(env_int("GA4_SEND_INTERVAL_SECONDS", 30, 1)),
}

# SC-1, SC-2: a commit asks for a completion or dispatch run (scheduling.services). A
# request row untouched this long (its task lost, its worker killed) stops holding requests
# back; a run that looks for work longer than this only gets company.
RUN_REQUEST_STALE_AFTER = timedelta(seconds=env_int("RUN_REQUEST_STALE_AFTER_SECONDS", 10, 1))
# A run with nothing left waits this long for another request before it ends, so a burst of
# commits a few milliseconds apart is one run, not one run per gap (0: end at once).
RUN_LINGER = timedelta(milliseconds=env_int("RUN_LINGER_MS", 500, 0))
# SC-4: any number of `celery beat` processes; each job is claimed per period in the
# database before it is sent (scheduling.beat), and nothing is kept in a local file.
CELERY_BEAT_SCHEDULER = "scheduling.beat:ClaimingScheduler"

# IN-2 readiness: the scheduler's heartbeat (sent every minute, recorded by a worker) must
# be younger than this.
READYZ_HEARTBEAT_MAX_AGE = timedelta(seconds=env_int("READYZ_HEARTBEAT_MAX_AGE_SECONDS", 180, 10))
# How long /readyz keeps a worker ping's answer: one ping per period, however often it is
# called (0: ping on every call).
READYZ_WORKER_CHECK_SECONDS = env_int("READYZ_WORKER_CHECK_SECONDS", 10, 0)

# IN-4 metrics: /metrics answers only with "Authorization: Bearer <METRICS_TOKEN>"; empty
# turns the endpoint off (404). Web processes count requests in prometheus_client's
# multi-process files here (gunicorn.conf.py empties the folder when gunicorn starts).
METRICS_TOKEN = env_str("METRICS_TOKEN")
PROMETHEUS_MULTIPROC_DIR = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(DATA_DIR / "prometheus")
)
Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)

# IN-3 logs: LOG_FORMAT=json writes one JSON object per line (web and workers), with the
# request id, basket GUID and Celery task id; card numbers are removed from every field.
LOG_FORMAT = env_str("LOG_FORMAT", "plain").lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'plain' or 'json'")
LOGGING["filters"]["log_context"] = {"()": "basketops.log_format.LogContext"}
LOGGING["handlers"]["console"]["filters"].append("log_context")
# One line per webhook attempt comes from our own code; httpx's own line would repeat it.
LOGGING["loggers"]["httpx"] = {"level": "WARNING"}
LOGGING["formatters"]["json"] = {"()": "basketops.log_format.JsonFormatter"}
if LOG_FORMAT == "json":
    LOGGING["handlers"]["console"]["formatter"] = "json"
    # Celery would otherwise replace the root logger's handlers with its own plain ones.
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False
    # Celery gives a plain handler of its own to each of these loggers it finds without
    # one: the pool's ("multiprocessing": a pool process that exits or is stopped) and the
    # task loggers'. Ours come first, so their lines are JSON too.
    for _logger_name in ("multiprocessing", "celery.task"):
        LOGGING["loggers"][_logger_name] = {"handlers": ["console"], "propagate": False}

# --- Payment providers (SH-4) --------------------------------------------------------------
INSTALLED_APPS += ["payments"]
# The provider adapters (payments/providers/); each is on only when its settings are set,
# otherwise its notification URL /hooks/<name>/ answers 404.
PAYMENT_PROVIDERS = [
    "payments.providers.stripe.StripeProvider",
    "payments.providers.paypal.PayPalProvider",
]
STRIPE_API_KEY = env_str("STRIPE_API_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
# Where the Stripe library sends API calls: Stripe's, or a local stand-in (stripe-mock).
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com")
# One Stripe API request's timeout; the library retries a timed-out request twice with the
# same idempotency key.
STRIPE_TIMEOUT_SECONDS = env_int("STRIPE_TIMEOUT_SECONDS", 30, 1)
PAYPAL_CLIENT_ID = env_str("PAYPAL_CLIENT_ID", "")
PAYPAL_CLIENT_SECRET = env_str("PAYPAL_CLIENT_SECRET", "")
PAYPAL_WEBHOOK_ID = env_str("PAYPAL_WEBHOOK_ID", "")
PAYPAL_ENVIRONMENT = env_str("PAYPAL_ENVIRONMENT", "sandbox")
if PAYPAL_ENVIRONMENT not in {"sandbox", "live"}:
    raise ImproperlyConfigured("PAYPAL_ENVIRONMENT must be 'sandbox' or 'live'")
# Empty: PayPal's API for PAYPAL_ENVIRONMENT; otherwise a local stand-in.
PAYPAL_API_BASE = env_str("PAYPAL_API_BASE", "")
# Locked carts checked at the provider (live settings): "staff" shows the provider's
# answer and staff decide; "auto" also confirms a cart captured for its total and unlocks
# one whose payment failed, was cancelled or never completed, once Locked this long.
LOCKED_CART_PROVIDER_DECISION = env_str("LOCKED_CART_PROVIDER_DECISION", "staff")
if LOCKED_CART_PROVIDER_DECISION not in {"staff", "auto"}:
    raise ImproperlyConfigured("LOCKED_CART_PROVIDER_DECISION must be 'staff' or 'auto'")
LOCKED_CART_UNLOCK_AFTER = timedelta(hours=env_int("LOCKED_CART_UNLOCK_AFTER_HOURS", 24, 1))
LOCKED_CART_CHECK_INTERVAL = timedelta(minutes=env_int("LOCKED_CART_CHECK_INTERVAL_MINUTES", 15, 1))
CELERY_BEAT_SCHEDULE["locked-cart-provider-check"] = {
    "task": "payments.tasks.locked_carts_check_task",
    "schedule": LOCKED_CART_CHECK_INTERVAL.total_seconds(),
}
CONSTANCE_ADDITIONAL_FIELDS["locked_cart_provider_decision"] = [
    "django.forms.fields.ChoiceField",
    {
        "choices": (
            ("staff", "staff: show the provider's answer, staff decide"),
            ("auto", "auto: confirm captured carts, unlock failed ones after the delay"),
        )
    },
]
CONSTANCE_CONFIG["LOCKED_CART_PROVIDER_DECISION"] = (
    LOCKED_CART_PROVIDER_DECISION,
    "What a locked cart's answer from the payment provider does (SH-4).",
    "locked_cart_provider_decision",
)
CONSTANCE_CONFIG["LOCKED_CART_UNLOCK_AFTER_HOURS"] = (
    int(LOCKED_CART_UNLOCK_AFTER.total_seconds() // 3600),
    "Under auto: hours a cart whose payment failed stays Locked before it is unlocked.",
    "positive_integer",
)
CONSTANCE_CONFIG_FIELDSETS += (
    ("Payment providers", ("LOCKED_CART_PROVIDER_DECISION", "LOCKED_CART_UNLOCK_AFTER_HOURS")),
)
