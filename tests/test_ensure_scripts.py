"""The install-or-explain scripts that `make test` runs first (Chromium, Java).

Their shared shape lives in scripts/apt_lib.sh. A fresh machine must get either the package or
the exact command to install it, and a non-zero exit so missing tools fail the tests instead of
skipping them.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def _bash(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=SCRIPTS)


def test_cannot_install_prints_the_command_and_fails():
    done = _bash('NAME=ensure_x PACKAGES="pkg-a pkg-b"; source apt_lib.sh; cannot_install "Thing" "advice line"')
    assert done.returncode == 1
    assert "ensure_x: Thing not found and it cannot be installed from here." in done.stderr
    assert "apt-get install -y pkg-a pkg-b" in done.stderr
    assert "advice line" in done.stderr


def test_apt_install_refuses_without_apt_get():
    # With no apt-get on PATH nothing is attempted and the function says so by its status.
    done = _bash('PATH=/nonexistent; NAME=ensure_x PACKAGES=pkg; source ./apt_lib.sh; apt_install; echo "status=$?"')
    assert "status=1" in done.stdout


@pytest.mark.parametrize("script", ["ensure_chromium.sh", "ensure_java.sh"])
def test_scripts_use_the_shared_library(script):
    text = (SCRIPTS / script).read_text()
    assert 'source "$(dirname "$0")/apt_lib.sh"' in text
    assert "apt_install() {" not in text  # defined once, in apt_lib.sh
    syntax = subprocess.run(["bash", "-n", str(SCRIPTS / script)], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
