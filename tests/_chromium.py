"""Headless Chromium for the browser tests: one way to start it, networking off.

Chromium runs with a virtual-time budget, so a page is captured after its load event and its
timers, whatever the machine's load. Animation frames are not part of virtual time: a capture
can come before the next frame. The maps therefore mark the end of their script with
``data-gp-ready`` (set at once) and the painted canvas with ``data-gp-rendered`` (after the
frame); a DOM test checks ``data-gp-ready``. Screenshots paint a frame of their own.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def run_chromium(tmp: Path, url: str, *extra: str, window: str = "1400,1000",
                 budget_ms: int = 10_000) -> subprocess.CompletedProcess[str]:
    """Open ``url`` in a fresh profile under ``tmp`` with ``extra`` flags (``--dump-dom``,
    ``--screenshot=…``); skips the test when Chromium is absent."""
    if CHROMIUM is None:
        pytest.skip("chromium not installed (apt-get install -y chromium fonts-noto-cjk)")
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"  # a fresh one per run
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={profile}",
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            "--enable-logging=stderr", "--v=0", f"--virtual-time-budget={budget_ms}",
            f"--window-size={window}", *extra, url]
    return subprocess.run(args, capture_output=True, text=True, timeout=240, check=False)


def console_errors(stderr: str) -> list[str]:
    """Script errors and failed loads Chromium logged to the console."""
    return [ln for ln in stderr.splitlines() if "CONSOLE" in ln and
            re.search(r"Uncaught|Error|Failed to load", ln)]
