"""Superset's configuration for devfin's BI tool: a local, offline Superset on the marts."""

# Superset imports this file (SUPERSET_CONFIG_PATH) in the BI env (.venv-bi): it never imports
# devfin, and it reads its home from the environment as Superset's own config does.
import os
from pathlib import Path

# Everything Superset writes (metadata, secret key, logs) lies in its home, git-ignored.
HOME = Path(os.environ.get("SUPERSET_HOME", Path(__file__).resolve().parents[1] / ".superset"))
DATA_DIR = str(HOME)

# Generated once per home by bi/setup.py, never committed: sessions and the secrets Superset
# encrypts in its metadata (database passwords) depend on it.
SECRET_KEY = (HOME / "secret_key").read_text(encoding="utf-8").strip()

SQLALCHEMY_DATABASE_URI = f"sqlite:///{HOME / 'superset.db'}?check_same_thread=false"

# No internet: no telemetry, no example data, no map tiles, fonts or images from elsewhere.
# The CSP names no outside host, so the browser fetches nothing else (Superset's menu carries
# a telemetry pixel from outside: the CSP blocks it).
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
THEME_FONT_URL_ALLOWED_DOMAINS: list[str] = []
CONTENT_SECURITY_POLICY_WARNING = False
MAPBOX_API_KEY = ""

# A local tool for one analyst: plain in-process caches, no Redis or Celery.
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600}
EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600}

FEATURE_FLAGS = {"DASHBOARD_RBAC": False, "ALERT_REPORTS": False, "THUMBNAILS": False}
