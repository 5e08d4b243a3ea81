#!/bin/sh
# Run a command inside a private D-Bus session with a freshly unlocked GNOME Keyring, so the
# real Secret Service backend of `keyring` can be tested without touching the user's own
# keyring: its files live in a temporary folder that is removed afterwards, and the
# keyring daemon started here is stopped here (by its own PID, asked of the bus).
#
#   tests/unit/store/run_with_secret_service.sh python -m pytest -m keyring tests/unit/store
set -eu

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT INT TERM
mkdir -m 700 "$scratch/data" "$scratch/runtime"

XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/runtime" \
  dbus-run-session -- sh -c '
    printf "%s" "everychild-test-keyring" \
      | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    daemon=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus \
      /org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID \
      string:org.freedesktop.secrets 2>/dev/null | awk "/uint32/ { print \$2 }")
    status=0
    "$@" || status=$?
    if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; fi
    exit "$status"
  ' sh "$@"
