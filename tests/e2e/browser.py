"""Launch Debian's Chromium through Playwright: the one place that knows the binary and its flags.

Playwright's own browser download cannot run here (no network but the package registries), so the
tests drive the distribution's Chromium. ``.ci/run`` and ``make browsers`` install it when missing.
"""

import os
import shutil
from pathlib import Path

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root in a container; Chromium's sandbox refuses to start there
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Return the Chromium binary to drive, or None when it is not installed."""
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


def launch(playwright):
    """Start a headless Chromium (Debian's build) and return the Playwright ``Browser``."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS, timeout=60_000
    )
