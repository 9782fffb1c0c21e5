"""Settings for the orthotics shop, read from the environment with safe development defaults.

Production deployments use ``shop.settings_production``, which refuses the development defaults.
"""

from datetime import timedelta
from pathlib import Path

import environ

from shop.objectstore import object_store, s3_storages, storage_url_parse

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"  # noqa: S105

SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "import_export",
    "django_tasks",
    # The durable task queue: tasks stored as rows in the shop's database, run by `manage.py db_worker`.
    "django_tasks_db",
    "axes",
    "shop",
    "accounts",
    "catalogue",
    "catalogue.matching",
    "orders",
    "orders.fittings",
    "orders.returns",
    "orders.invoices",
    "orders.discounts",
    "orders.outcomes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answer anonymous catalogue reads from the catalogue read cache before sessions, auth and DRF run.
    "catalogue.cache.CatalogueCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out admin login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

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

# Database: SQLite file by default; PostgreSQL (production) through DATABASE_URL.
_database_url = env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
if _database_url["ENGINE"] == "django.db.backends.postgresql":
    _database_engine_options = {
        "CONN_MAX_AGE": env.int("DB_CONN_MAX_AGE", default=60),
        # A health check is a ``SELECT 1`` round trip at the start of every request that uses the
        # database (about a tenth of an uncached catalogue read). Off by default, as in Django: a
        # connection that broke while idle fails one request and is then replaced; turn it on
        # (``DB_CONN_HEALTH_CHECKS=true``) where connections are cut often (a proxy with idle timeouts).
        "CONN_HEALTH_CHECKS": env.bool("DB_CONN_HEALTH_CHECKS", default=False),
        # How alike a search word must be to a word of a product's name or conditions to match despite
        # a typo (pg_trgm's word similarity, 0.6 by default: "cushon" is 0.57 like "cushion").
        "OPTIONS": {
            "options": "-c pg_trgm.word_similarity_threshold=0.5",
            # The catalogue's reads are prepared on their connection once a statement has run this
            # many times (planning was about half of a page query's time in PostgreSQL); every other query is
            # sent with its values written in, as Django does. Off (``DB_PREPARED_STATEMENTS=false``)
            # behind a pooler that hands one client several server connections (PgBouncer in
            # transaction mode before 1.21, or without ``max_prepared_statements``).
            "prepare_threshold": 5 if env.bool("DB_PREPARED_STATEMENTS", default=True) else None,
            **_database_url.get("OPTIONS", {}),
        },
    }
else:
    # Wait for a lock rather than failing at once when two requests write together.
    _database_engine_options = {"OPTIONS": {"timeout": 20, **_database_url.get("OPTIONS", {})}}
DATABASES = {"default": {"ATOMIC_REQUESTS": False, **_database_url, **_database_engine_options}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "shop.User"

# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# The only folder of MEDIA_ROOT that development serves under MEDIA_URL: the catalogue's product images
# (catalogue.models.product_image_path). Customer uploads are never under MEDIA_ROOT (below).
SHOP_PUBLIC_MEDIA_FOLDER = "products"
# Customer uploads (footprints, overlays, return photos, prescriptions): the "private" storage, which has
# no URL; checked views serve them (shop/storage.py). Keep this folder outside MEDIA_ROOT and STATIC_ROOT.
SHOP_PRIVATE_MEDIA_ROOT = env.path("SHOP_PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "shop.storage.PrivateFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Object storage instead of the local disk (shop/objectstore.py describes both forms): catalogue images
# in a public bucket, customer uploads in a private one, handed out by signed URLs valid this many
# seconds (5 minutes at most) after the owner check. Credentials: AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY (or the machine's role), read by boto3.
STORAGE_URL = env.str("STORAGE_URL", default="")
SHOP_SIGNED_URL_SECONDS = env.int("SHOP_SIGNED_URL_SECONDS", default=300)
if STORAGE_URL:
    _object_store = storage_url_parse(STORAGE_URL)
elif env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    _object_store = object_store(
        public_bucket=env.str("AWS_STORAGE_BUCKET_NAME"),
        private_bucket=env.str("AWS_PRIVATE_STORAGE_BUCKET_NAME", default=""),
        endpoint_url=env.str("AWS_S3_ENDPOINT_URL", default=""),
        region=env.str("AWS_S3_REGION_NAME", default=""),
        custom_domain=env.str("AWS_S3_CUSTOM_DOMAIN", default=""),
        addressing_style=env.str("AWS_S3_ADDRESSING_STYLE", default=""),
    )
else:
    _object_store = None
if _object_store is not None:
    STORAGES |= s3_storages(_object_store, signed_url_seconds=SHOP_SIGNED_URL_SECONDS)
# Uploads above this go to a temporary file rather than memory; the image checks bound the rest.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Cache: local memory by default, Redis when REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Email: console in development. EMAIL_URL (e.g. smtp+tls://user:password@mail.example.com:587) sets the
# backend, host, port, user, password and TLS at once; the separate variables below override its parts.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=_email["EMAIL_BACKEND"])
EMAIL_HOST = env.str("EMAIL_HOST", default=_email["EMAIL_HOST"] or "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=_email["EMAIL_PORT"] or 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default=_email["EMAIL_HOST_USER"] or "")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default=_email["EMAIL_HOST_PASSWORD"] or "")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=_email.get("EMAIL_USE_SSL", False))
# Seconds to wait for the mail server at each step (connect, each command): a server that hangs fails
# the send after this, and the task queue tries again later (SHOP_TASK_RETRY_*).
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=5)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Orthotics Shop <shop@example.com>")

# Background tasks (django-tasks API). The immediate backend (the default for `make run` and the tests)
# runs them in-process after commit; django_tasks_db.DatabaseBackend (production) stores each as a row
# written in the transaction of the change that caused it, run by `manage.py db_worker` processes.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend")
    }
}
# A task that fails is tried again (database backend), up to SHOP_TASK_MAX_ATTEMPTS runs in all, waiting
# SHOP_TASK_RETRY_BACKOFF seconds after the first failure, twice as long after each further one, at most
# SHOP_TASK_RETRY_BACKOFF_MAX (shop/queue.py). With the defaults, about 11 hours of outage are covered;
# after the last attempt the task stays failed, with its error, in the admin, where staff run it again.
SHOP_TASK_MAX_ATTEMPTS = env.int("SHOP_TASK_MAX_ATTEMPTS", default=15)
SHOP_TASK_RETRY_BACKOFF = env.float("SHOP_TASK_RETRY_BACKOFF", default=30)
SHOP_TASK_RETRY_BACKOFF_MAX = env.float("SHOP_TASK_RETRY_BACKOFF_MAX", default=3600)
# A task still "running" this many seconds after it started is taken to belong to a worker that died
# (killed, machine lost) and is made ready again for another worker (the scheduler's tasks_stale_requeue).
SHOP_TASK_RUNNING_TIMEOUT = env.int("SHOP_TASK_RUNNING_TIMEOUT", default=900)
# Finished tasks are deleted after this many days (failed ones are kept until staff delete or re-run them).
SHOP_TASK_RESULT_RETENTION_DAYS = env.int("SHOP_TASK_RESULT_RETENTION_DAYS", default=14)
# /healthz answers "degraded" (still 200) when the oldest task ready to run has waited longer than this.
SHOP_QUEUE_BACKLOG_DEGRADED_SECONDS = env.int("SHOP_QUEUE_BACKLOG_DEGRADED_SECONDS", default=300)
# The scheduled jobs, declared here only: the task's dotted path to its interval in seconds. One or more
# `manage.py run_scheduler` processes enqueue each when due, once per interval however many run (shop/scheduler.py).
SHOP_SCHEDULE = {
    "orders.jobs.unpaid_orders_expire": env.int("SHOP_SCHEDULE_EXPIRY_SECONDS", default=60),
    "orders.jobs.health_data_expire": 24 * 60 * 60,
    "orders.jobs.followups_send_due": 60 * 60,
    "shop.queue.tasks_stale_requeue": 60,
    "shop.queue.task_results_prune": 24 * 60 * 60,
}

# Trusted reverse proxies: how many of them append to X-Forwarded-For in front of the app. 0 (the
# default): the header is ignored and REMOTE_ADDR is the client; N: the Nth address from the right is.
# DRF's throttles (REST_FRAMEWORK["NUM_PROXIES"]) and django-axes (shop.api.throttling.client_address)
# both follow it.
NUM_PROXIES = env.int("SHOP_NUM_PROXIES", default=env.int("NUM_PROXIES", default=0))

# Accounts (docs/api.md, accounts): password-reset links, email verification and login lockout.
# Links in the emails point here: {SHOP_FRONTEND_URL}/reset-password?uid=..&token=.., /verify-email?token=..
SHOP_FRONTEND_URL = env.str("SHOP_FRONTEND_URL", default="http://127.0.0.1:8000")
# Seconds a password-reset link stays valid (Django's PasswordResetTokenGenerator), the last one included.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)
# Seconds an email-verification link stays valid.
SHOP_EMAIL_VERIFICATION_TIMEOUT = env.int("SHOP_EMAIL_VERIFICATION_TIMEOUT", default=3 * 24 * 60 * 60)

# django-axes: after SHOP_LOGIN_FAILURES failed logins for one account (from any address), or from one
# address (for any accounts), logins are refused, the right password included, until
# SHOP_LOGIN_COOLOFF_MINUTES have passed since the last failure. Refused attempts do not extend it.
AXES_FAILURE_LIMIT = env.int("SHOP_LOGIN_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SHOP_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful login clears its account's failures (accounts.services.login_failures_clear), never its
# address's: axes' own reset on success would also clear the address's failures on other accounts.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "shop.api.throttling.client_address"
AXES_USERNAME_CALLABLE = "accounts.lockout.login_username"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"

# The shop's own settings.
SHOP_CURRENCY = env.str("SHOP_CURRENCY", default="EUR")
SHOP_RETURN_DAYS = env.int("SHOP_RETURN_DAYS", default=3)
SHOP_REPLACEMENT_DAYS = env.int("SHOP_REPLACEMENT_DAYS", default=30)
# The countries the shop ships to (ISO 3166-1 alpha-2, comma-separated); checkout refuses any other.
# Default: the EU and the EEA, the United Kingdom, Switzerland and the United States. The consumer
# rights of each destination are data (the admin's "statutory rights"), copied onto each order line.
SHOP_SHIPPING_COUNTRIES = [
    code.strip().upper()
    for code in env.list(
        "SHOP_SHIPPING_COUNTRIES",
        default="AT,BE,BG,CY,CZ,DE,DK,EE,ES,FI,FR,GR,HR,HU,IE,IT,LT,LU,LV,MT,NL,PL,PT,RO,SE,SI,SK,"
        "IS,LI,NO,GB,CH,US".split(","),
    )
    if code.strip()
]
SHOP_IMAGE_MAX_BYTES = env.int("SHOP_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
SHOP_IMAGE_MAX_PIXELS = env.int("SHOP_IMAGE_MAX_PIXELS", default=40_000_000)
SHOP_IMAGE_WEB_SIZE = 1600
SHOP_IMAGE_THUMBNAIL_SIZE = 320
# Anonymous assessments, footprints and fittings that no order uses are erased after this many days
# (counted to the end of a day in TIME_ZONE) by orders.jobs.health_data_expire or the command
# erase_expired_health_data (docs/privacy.md).
SHOP_HEALTH_DATA_RETENTION_DAYS = env.int("SHOP_HEALTH_DATA_RETENTION_DAYS", default=30)

# The seller: printed on every invoice and credit note (docs/invoices.md), and the addressee of
# withdrawal notices (the model withdrawal form, the order confirmation; docs/policy.md). The address is
# one setting with its lines separated by "\n"; withdrawal notices go to SHOP_SELLER_EMAIL.
SHOP_COUNTRY = env.str("SHOP_COUNTRY", default="DE").upper()
SHOP_SELLER_NAME = env.str("SHOP_SELLER_NAME", default="Orthotics Shop GmbH")
SHOP_SELLER_ADDRESS = env.str("SHOP_SELLER_ADDRESS", default="Musterstraße 1\\n10115 Berlin\\nGermany")
SHOP_SELLER_EMAIL = env.str("SHOP_SELLER_EMAIL", default="returns@example.com")
SHOP_SELLER_VAT_ID = env.str("SHOP_SELLER_VAT_ID", default="DE000000000")
# One-Stop-Shop: when on, a sale shipped to another EU country is taxed at that country's rates.
SHOP_VAT_OSS = env.bool("SHOP_VAT_OSS", default=False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "shop.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("THROTTLE_LOGIN", default="10/min"),
        "register": env.str("THROTTLE_REGISTER", default="10/hour"),
        "checkout": env.str("THROTTLE_CHECKOUT", default="30/min"),
        "uploads": env.str("THROTTLE_UPLOADS", default="30/hour"),
        "returns": env.str("THROTTLE_RETURNS", default="20/hour"),
        "password_reset": env.str("THROTTLE_PASSWORD_RESET", default="5/hour"),
        "verify_email": env.str("THROTTLE_VERIFY_EMAIL", default="5/hour"),
        # A customer's data export (a zip of every record and file), per account.
        "data_export": env.str("THROTTLE_DATA_EXPORT", default="5/hour"),
        # Erasing the account: each try checks the password, so it is slowed like a login.
        "account_erase": env.str("THROTTLE_ACCOUNT_ERASE", default="5/hour"),
        # Reads and cancels of an order or a return request that name a guest's email, per address.
        "guest_lookup": env.str("THROTTLE_GUEST_LOOKUP", default="20/hour"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "shop.api.exception_handler.ShopExceptionHandler",
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    # 402, 409 and 502 are declared by the endpoints that can answer them (see shop/api/openapi.py).
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "403", "404", "405", "406", "415", "429", "500"],
    # A 404 carries a domain code (order_not_found, cart_not_found, ...), not only "not_found": one schema
    # for every operation instead of a declaration on each view.
    "ERROR_SCHEMAS": {"404": "shop.api.openapi.NotFoundErrorResponse"},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Orthotics Shop API",
    "DESCRIPTION": "Insoles, custom orthotics and foot-care accessories: catalogue, foot-type matching, "
    "cart, checkout, orders, returns and replacements.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "catalogue.choices.Level",
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
        "LoginErrorCode429Enum": "accounts.apis.LOGIN_TOO_MANY_REQUESTS_CODES",
        "BadRequestTypeEnum": "shop.api.openapi.BAD_REQUEST_TYPES",
        # One enum for "left"/"right" (a footprint's side and the short leg's side).
        "FootSideEnum": "catalogue.matching.vocabulary.SIDES",
        # A return request's kind has its own enum; naming the product's kind too keeps it ``KindEnum``.
        "ReturnKindEnum": "orders.returns.statuses.ReturnKind",
        "KindEnum": "catalogue.choices.ProductKind",
        # The rights of an order line (the promise and the law) and the windows they make.
        "RightKindEnum": "orders.returns.policy.RIGHT_KINDS",
        "RightSourceEnum": "orders.returns.policy.RIGHT_SOURCES",
        "WindowPurposeEnum": "orders.returns.policy.WINDOW_PURPOSES",
        "PurposeEnum": "catalogue.matching.consent.ConsentPurpose",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        # a nested error's attr names the real list index (lines.0.quantity), not "INDEX"
        "shop.api.openapi.postprocess_list_index_attrs",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- Ordering: payments, checkout and fulfilment. Read by orders/ at call time, never at import. -----
# Stripe keys; leave empty to run offline with the dummy gateway.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# "dummy" or "stripe"; empty means "stripe when STRIPE_SECRET_KEY is set, else dummy".
PAYMENT_GATEWAY = env.str("PAYMENT_GATEWAY", default="")
# Each gateway name to the class that implements it (orders.payments.interface.PaymentGateway).
PAYMENT_GATEWAYS = {
    "dummy": "orders.payments.dummy.DummyGateway",
    "stripe": "orders.payments.stripe.StripeGateway",
}
# Unpaid orders expire (and give their stock back) this many minutes after checkout.
SHOP_PAYMENT_DEADLINE_MINUTES = env.int("SHOP_PAYMENT_DEADLINE_MINUTES", default=30)
# Follow-up questions this many days after delivery (comma-separated; the last is the outcome that counts).
SHOP_FOLLOWUP_DAYS = env.str("SHOP_FOLLOWUP_DAYS", default="14,56")
# Shipping methods are a model (orders.ShippingMethod, edited in the admin; seeded by a migration).

# --- Foot-type matching (catalogue/matching; the numbers of docs/matching.md) -------------------
# Rankings that learn from outcomes (docs/matching.md, Learning from outcomes): on or off, and the estimator.
MATCHING_LEARNING = env.bool("MATCHING_LEARNING", default=True)
MATCHING_LEARNING_PRIOR_STRENGTH = 20.0  # pseudo-trials behind the rule score's implied rate
MATCHING_LEARNING_SEGMENT_STRENGTH = 10.0  # pseudo-trials behind the wider segment's estimate
MATCHING_LEARNING_RATE_AT_0 = 0.2  # the success rate a rule score of 0 implies
MATCHING_LEARNING_RATE_AT_100 = 0.9  # ... and of 100
MATCHING_LEARNING_MAX_POINTS = 15  # the most outcomes can move a score, either way
# ... and the most places they can move a product from its rank by the rules alone, either way
MATCHING_LEARNING_MAX_RANK_MOVE = env.int("MATCHING_LEARNING_MAX_RANK_MOVE", default=5)
MATCHING_LEARNING_CITE_MIN = 20  # outcomes before a reason cites them
MATCHING_LEARNING_REASON_MIN = 5  # a frequent fit reason is cited from this many...
MATCHING_LEARNING_REASON_SHARE = 0.25  # ... and this share of the outcomes
# Arch index classes (Cavanagh & Rodgers 1987): high arch AI <= HIGH_MAX; flat AI >= FLAT_MIN.
MATCHING_ARCH_INDEX_HIGH_MAX = 0.21
MATCHING_ARCH_INDEX_FLAT_MIN = 0.26
# Sizes: US men = US_MEN_FACTOR * L - US_MEN_OFFSET; UK = US men + UK_FROM_US_MEN;
# US women = US men + US_WOMEN_FROM_US_MEN; EU = EU_FACTOR * (L / 10 + EU_ALLOWANCE_CM); round up to STEP.
MATCHING_SIZE_US_MEN_PER_INCH = 3
MATCHING_SIZE_US_MEN_OFFSET = 22
MATCHING_SIZE_UK_FROM_US_MEN = -1
MATCHING_SIZE_US_WOMEN_FROM_US_MEN = 1.5
MATCHING_SIZE_EU_FACTOR = 1.5
MATCHING_SIZE_EU_ALLOWANCE_CM = 1.5
MATCHING_SIZE_STEP = 0.5
MATCHING_FOOT_LENGTH_MIN_MM = 150
MATCHING_FOOT_LENGTH_MAX_MM = 350
# Leg-length difference: a lift of about 60-70 % of it, in the shoe up to the in-shoe limit.
MATCHING_LEG_LENGTH_MIN_MM = 5  # smaller measured differences are not treated
MATCHING_HEEL_LIFT_FRACTION = 0.65
MATCHING_HEEL_LIFT_IN_SHOE_MAX_MM = 10
MATCHING_HEEL_LIFT_UNMEASURED_MM = 3  # "one leg is longer", not measured: start with the smallest lift
MATCHING_HEEL_LIFT_STEP_MM = 3  # lifts come in 3 mm steps; one step off scores half
# Referral "soon": heel pain for longer than this despite care; a leg-length difference over this.
MATCHING_REFERRAL_HEEL_PAIN_WEEKS = 6
MATCHING_REFERRAL_LEG_LENGTH_MM = 12
MATCHING_RECOMMENDATIONS_MAX = 10
MATCHING_EXERCISES_MAX = 4
MATCHING_ACCESSORIES_MAX = 3  # accessories a rule calls for (a metatarsal pad), listed apart
MATCHING_COMFORT_PRODUCTS_MAX = 3  # general comfort insoles, listed apart when nothing calls for an insole
MATCHING_SOLD_OUT_MAX = 3  # products out of stock in the size that would rank above the first offered
# Footprint analysis: working resolution (longest side, px), the overlay's longest side, and the refusals.
MATCHING_FOOTPRINT_WORK_SIDE = 1600
MATCHING_FOOTPRINT_OVERLAY_SIDE = 1000
MATCHING_FOOTPRINT_MIN_CONTRAST = 40  # grey levels between paper and print
MATCHING_FOOTPRINT_MIN_AREA = 0.01  # the print covers at least this share of the picture
MATCHING_FOOTPRINT_SECOND_BLOB_MAX = 0.25  # another blob this large (vs the print) means "not one print"

# --- Catalogue read cache (catalogue/cache.py; docs/deploy.md) --------------------------------------
# Seconds a rendered catalogue read may stay in the cache (invalidated earlier by any catalogue change);
# 0 turns the server-side cache off. With the local-memory cache each process has its own copy, so
# several gunicorn workers need REDIS_URL for a change to reach all of them (`make serve` sees to it).
CATALOGUE_CACHE_TIMEOUT = env.int("CATALOGUE_CACHE_TIMEOUT", default=300)
# Cache-Control max-age of anonymous catalogue reads (browsers, CDN); they revalidate with the ETag.
CATALOGUE_HTTP_MAX_AGE = env.int("CATALOGUE_HTTP_MAX_AGE", default=30)
# Seconds a catalogue read remembers that DRF accepted an API token (so a signed-in read of a cached page
# runs no SQL); deleting a token or deactivating its user forgets it at once. 0 asks DRF on every read.
CATALOGUE_TOKEN_CACHE_SECONDS = env.int("CATALOGUE_TOKEN_CACHE_SECONDS", default=60)
# A product list counts its matches exactly up to this many; beyond it the count is a lower bound
# ("count_exact": false), so no list read visits more than this many rows to count them.
CATALOGUE_COUNT_LIMIT = env.int("CATALOGUE_COUNT_LIMIT", default=1000)
# From this many listed products (as PostgreSQL last estimated them), a search of a few plain words
# reads the words' postings instead of the weighted full text (catalogue/listing.py): they cost the
# same at any size, the full text less in a small catalogue and more in a large one.
CATALOGUE_WORD_POSTINGS_FROM = env.int("CATALOGUE_WORD_POSTINGS_FROM", default=10000)
