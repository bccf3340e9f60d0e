#!/usr/bin/env bash
# Make sure Debian's Chromium (and a Chinese font) is there for the real-browser tests.
#
# Exit 0 when `chromium --version` runs (from /usr/bin/chromium or PATH). Otherwise install
# it with apt-get (as root, or with sudo when it needs no password), saying what it does.
# When neither is possible, print the exact command to run and exit 1: the browser tests
# fail rather than skip, so a missing browser is never mistaken for a pass.
set -euo pipefail

# A Chinese font for the Chinese edition, and a colour emoji font for the exercise marks
# (without it Chromium draws the check mark of a right answer as an empty box).
PACKAGES="chromium fonts-wqy-microhei fonts-noto-color-emoji"
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

# The fonts are there when fontconfig knows them (no fontconfig: treat them as missing).
fonts_present() {
    command -v fc-list >/dev/null 2>&1 || return 1
    fc-list | grep -qi "WenQuanYi Micro Hei" && fc-list | grep -qi "Noto Color Emoji"
}

# apt-get as root, or through sudo when it needs no password; returns 1 when neither is possible.
apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    if [ "$(id -u)" -eq 0 ]; then
        echo "ensure_chromium: running: $INSTALL"
        apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $PACKAGES
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        echo "ensure_chromium: running with sudo: $INSTALL"
        sudo -n apt-get update && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y $PACKAGES
    else
        return 1
    fi
}

if found="$(find_chromium)"; then
    if ! fonts_present; then
        # Cosmetic: the tests pass without the fonts, so a failed install only warns.
        echo "ensure_chromium: the Chinese or emoji font is missing"
        apt_install || echo "ensure_chromium: could not install the fonts; to get them run: $INSTALL" >&2
    fi
    echo "ensure_chromium: $("$found" --version 2>/dev/null) at $found"
    exit 0
fi

echo "ensure_chromium: Chromium not found"
if apt_install && found="$(find_chromium)"; then
    echo "ensure_chromium: installed $("$found" --version 2>/dev/null) at $found"
    exit 0
fi

{
    echo "ensure_chromium: Chromium not found and it cannot be installed from here."
    echo "Run as root (Debian/Ubuntu):"
    echo "    $INSTALL"
    echo "then run the tests again."
} >&2
exit 1
