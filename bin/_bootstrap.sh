# shellcheck shell=bash
# Sourced by bin/hacore and bin/test. Makes the checkout runnable on a fresh Debian 12 machine with
# only python3: Debian packages when missing (root only), then .venv with hacore installed in it.
# Idempotent: a stamp records which pyproject.toml and extras the venv was built from.

HACORE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HACORE_VENV="$HACORE_ROOT/.venv"
_hacore_apt_updated=0

hacore_say() { printf 'hacore-setup: %s\n' "$*" >&2; }

# hacore_apt_install PKG ...: apt-get install (root only), with one apt-get update per run.
hacore_apt_install() {
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        hacore_say "missing $* (needs root and apt-get to install)"
        return 1
    fi
    if [ "$_hacore_apt_updated" -eq 0 ]; then
        hacore_say "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
        _hacore_apt_updated=1
    fi
    hacore_say "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# hacore_apt_ensure CMD:PKG ...: installs PKG for every CMD not on PATH; tests needing it skip otherwise.
hacore_apt_ensure() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    [ ${#missing[@]} -eq 0 ] || hacore_apt_install "${missing[@]}" || hacore_say "tests that need ${missing[*]} will skip"
}

# Debian's python3 has no ensurepip (so no venv) until python3-venv is installed.
hacore_python_venv_ready() {
    python3 -c 'import ensurepip, venv' 2>/dev/null || hacore_apt_install python3-venv
}

# hacore_venv EXTRAS: .venv with hacore (and the given extras, e.g. "test") installed, editable.
hacore_venv() {
    local extras=$1 spec=. stamp want
    [ -n "$extras" ] && spec=".[$extras]"
    stamp="$HACORE_VENV/.hacore-stamp"
    want="$(sha256sum "$HACORE_ROOT/pyproject.toml" | cut -d' ' -f1) $extras"
    if [ -x "$HACORE_VENV/bin/python" ] && [ -f "$stamp" ] && grep -qxF "$want" "$stamp"; then
        return 0
    fi
    hacore_python_venv_ready || return 1
    [ -x "$HACORE_VENV/bin/python" ] || { hacore_say "python3 -m venv .venv"; python3 -m venv "$HACORE_VENV" || return 1; }
    hacore_say "pip install -e '$spec'"
    (cd "$HACORE_ROOT" && "$HACORE_VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$spec" >&2) || return 1
    # A venv with the test extras also serves bin/hacore, so it records both lines.
    echo "$want" > "$stamp"
    if [ -n "$extras" ]; then echo "${want% *} " >> "$stamp"; fi
}
