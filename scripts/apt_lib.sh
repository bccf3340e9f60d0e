# Shared by scripts/ensure_chromium.sh and scripts/ensure_java.sh (sourced, not run).
#
# The "check, else install with apt-get, else print the exact command and fail" shape of the
# two scripts lives here once. The caller sets NAME (the prefix of every message) and
# PACKAGES (the Debian packages) before sourcing this file.

INSTALL="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $PACKAGES"

# apt-get as root, or through sudo when it needs no password; returns 1 when neither is possible.
apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    if [ "$(id -u)" -eq 0 ]; then
        echo "$NAME: running: $INSTALL"
        # shellcheck disable=SC2086  # PACKAGES is a list of words on purpose
        apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $PACKAGES
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        echo "$NAME: running with sudo: $INSTALL"
        # shellcheck disable=SC2086
        sudo -n apt-get update && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y $PACKAGES
    else
        return 1
    fi
}

# Print why nothing could be installed and the command that would do it, then exit 1, so that
# the tests that need the package fail rather than skip. $1: what is missing; $2 (optional): an
# extra line of advice.
cannot_install() {
    {
        echo "$NAME: $1 not found and it cannot be installed from here."
        echo "Run as root (Debian/Ubuntu):"
        echo "    $INSTALL"
        if [ -n "${2:-}" ]; then echo "$2"; fi
        echo "then run the tests again."
    } >&2
    exit 1
}
