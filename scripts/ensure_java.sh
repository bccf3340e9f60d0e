#!/usr/bin/env bash
# Make sure Java 17 (or later) is there for the Spark engine's tests (pyspark starts a JVM).
#
# Exit 0 when `java -version` runs and reports 17 or later. Otherwise install Debian's
# headless OpenJDK 17 with apt-get (as root, or with sudo when it needs no password), saying
# what it does. When neither is possible, print the exact command to run and exit 1: the
# Spark tests fail rather than skip, so a missing Java is never mistaken for a pass.
set -euo pipefail

PACKAGES="openjdk-17-jre-headless"
NAME="ensure_java"
# shellcheck source=scripts/apt_lib.sh
source "$(dirname "$0")/apt_lib.sh"

# The major version of `java` on PATH (1.8 -> 8, 17.0.15 -> 17), or nothing.
java_major() {
    command -v java >/dev/null 2>&1 || return 1
    local version
    version="$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
    [ -n "$version" ] || return 1
    case "$version" in
        1.*) echo "$version" | cut -d. -f2 ;;
        *) echo "$version" | cut -d. -f1 | cut -d- -f1 ;;
    esac
}

java_ok() {
    local major
    major="$(java_major)" || return 1
    [ "$major" -ge 17 ] 2>/dev/null
}

if java_ok; then
    echo "ensure_java: $(java -version 2>&1 | head -n 1) at $(command -v java)"
    exit 0
fi

if command -v java >/dev/null 2>&1; then
    echo "ensure_java: $(java -version 2>&1 | head -n 1) is older than 17, which Spark needs"
else
    echo "ensure_java: Java not found"
fi
if apt_install && java_ok; then
    echo "ensure_java: installed $(java -version 2>&1 | head -n 1) at $(command -v java)"
    exit 0
fi

cannot_install "Java 17" "(an older java first on PATH: point JAVA_HOME and PATH at Java 17),"
