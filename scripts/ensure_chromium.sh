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
NAME="ensure_chromium"
# shellcheck source=scripts/apt_lib.sh
source "$(dirname "$0")/apt_lib.sh"

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

cannot_install "Chromium"
