#!/usr/bin/env bash
# Make sure Debian's Chromium (and a Chinese font) is there for the real-browser tests.
#
# Exit 0 when `chromium --version` runs (from /usr/bin/chromium or PATH). Otherwise install
# it with apt-get (as root, or with sudo when it needs no password), saying what it does.
# When neither is possible, print the exact command to run and exit 1: the browser tests
# fail rather than skip, so a missing browser is never mistaken for a pass.
set -euo pipefail

PACKAGES="chromium fonts-wqy-microhei"
INSTALL="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $PACKAGES"

find_chromium() {
    local candidate
    for candidate in /usr/bin/chromium "$(command -v chromium 2>/dev/null || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" --version >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if found="$(find_chromium)"; then
    echo "ensure_chromium: $("$found" --version 2>/dev/null) at $found"
    exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "ensure_chromium: Chromium not found; running: $INSTALL"
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y $PACKAGES
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        echo "ensure_chromium: Chromium not found; running with sudo: $INSTALL"
        sudo -n apt-get update
        sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y $PACKAGES
    fi
    if found="$(find_chromium)"; then
        echo "ensure_chromium: installed $("$found" --version 2>/dev/null) at $found"
        exit 0
    fi
fi

{
    echo "ensure_chromium: Chromium not found and it cannot be installed from here."
    echo "Run as root (Debian/Ubuntu):"
    echo "    $INSTALL"
    echo "then run the tests again."
} >&2
exit 1
