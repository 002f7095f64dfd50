#!/usr/bin/env bash
# Smoke test of the Linux package: builds it from a clean checkout of HEAD, installs the .deb
# for real (dpkg -i, needs root), runs the installed app offscreen on the demo call, then
# purges it and checks that none of its files are left. Prints how long each step took.
# With PACKAGE_TEST_MODEL=FOLDER (a Vosk model) the model is placed in models/ first, and
# the installed app must verify it and run the demo call with it.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d /tmp/deescalate-package-test.XXXXXX)"
installed=no
cleanup() {
    # A failed run must not leave the package installed on this machine.
    if [ "$installed" = yes ]; then dpkg --purge deescalate > /dev/null || true; fi
    rm -rf "$scratch"
}
trap cleanup EXIT
started=$SECONDS
step() { echo "== [$((SECONDS - started)) s] $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "dpkg -i needs root: run it as root (or in a scratch container)."
if dpkg-query -W -f='${Status}' deescalate 2>/dev/null | grep -q "ok installed"; then
    fail "deescalate is already installed here; purge it first (dpkg --purge deescalate)."
fi

step "clean checkout of HEAD"
git clone -q --no-hardlinks "$repo" "$scratch/src"
model="${PACKAGE_TEST_MODEL:-}"
if [ -n "$model" ]; then
    cp -r "$model" "$scratch/src/models/test-model"
fi

step "build (nice -n 10)"
build_started=$SECONDS
nice -n 10 "$scratch/src/packaging/build_package.sh" "$scratch/src" "$scratch/out"
build_seconds=$((SECONDS - build_started))
deb="$(ls "$scratch"/out/deescalate_*.deb)"
ls "$scratch"/out/deescalate-*.tar.gz > /dev/null
if [ -n "${PACKAGE_KEEP:-}" ]; then  # for tests/packaging/test_deb.py (PACKAGE_DIST)
    mkdir -p "$PACKAGE_KEEP"
    cp "$deb" "$scratch"/out/deescalate-*.tar.gz "$PACKAGE_KEEP"/
fi

step "install $(basename "$deb")"
smoke_started=$SECONDS
installed=yes
dpkg -i "$deb"
dpkg -L deescalate > "$scratch/files"
for path in /usr/bin/deescalate /usr/bin/deescalate-autostart /opt/deescalate/deescalate \
    /usr/share/applications/deescalate.desktop /etc/xdg/autostart/deescalate.desktop \
    /usr/share/doc/deescalate/copyright /usr/share/doc/deescalate/changelog.gz \
    /usr/share/man/man1/deescalate.1.gz; do
    [ -e "$path" ] || fail "$path was not installed"
done

# The user's own files (logs, settings, records) go to a scratch home, not root's.
export HOME="$scratch/home" XDG_CONFIG_HOME="" XDG_DATA_HOME="" XDG_STATE_HOME=""
export QT_QPA_PLATFORM=offscreen
mkdir -p "$HOME"
cd "$scratch"

step "installed app: --version"
want="$(cd "$repo" && python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
[ "$(deescalate --version)" = "deescalate $want" ] || fail "--version says $(deescalate --version)"

step "installed app: the packaged Whisper model verifies against its pinned SHA-256"
deescalate models verify tiny.en || fail "the packaged Whisper model does not verify"

step "installed app: demo call, as fast as possible, with the default engine"
deescalate demo --fast --json > demo.jsonl || fail "demo exited with $?"
grep -q "speech engine: whisper (tiny.en)" "$HOME/.local/state/deescalate/log/deescalate.log" \
    || fail "the default engine is not Whisper"
suggestions=$(grep -c '"type": "suggestion"' demo.jsonl || true)
[ "$suggestions" -ge 3 ] || fail "only $suggestions suggestions in the demo call"
grep -q '"type": "escalate"' demo.jsonl || fail "the demo call never escalated"
echo "demo: $(wc -l < demo.jsonl) events, $suggestions suggestions, exit 0"

if [ -n "$model" ]; then
    step "installed app: the bundled model"
    deescalate models verify || fail "the bundled model does not verify"
    # --engine vosk exits 2 when it finds no model: success means the bundled one was used.
    deescalate demo --fast --engine vosk --json > vosk.jsonl || fail "vosk demo exited with $?"
    grep -q '"type": "transcript"' vosk.jsonl || fail "the bundled model recognised no words"
fi

step "installed app: overlay window offscreen until its first suggestion"
log="$HOME/.local/state/deescalate/log/deescalate.log"
deescalate overlay --demo > overlay.out 2>&1 &
overlay=$!
for _ in $(seq 60); do
    grep -q "first suggestion shown" "$log" 2>/dev/null && break
    kill -0 "$overlay" 2>/dev/null || break
    sleep 1
done
kill -0 "$overlay" 2>/dev/null || { cat overlay.out; fail "the overlay exited early"; }
kill "$overlay"
status=0
wait "$overlay" || status=$?
[ "$status" = 143 ] || { cat overlay.out; fail "the overlay exited $status on SIGTERM, not 143"; }
grep -q "overlay window shown" "$log" || fail "the overlay never showed its window"
grep -q "first suggestion shown" "$log" || fail "the overlay showed no suggestion in 60 s"
! grep -q "Could not load the Qt platform plugin" overlay.out || fail "Qt plugin missing"

step "autostart switched off by policy"
mkdir -p /etc/deescalate
created_policy_dir=$([ -e /etc/deescalate/no-autostart ] && echo no || echo yes)
touch /etc/deescalate/no-autostart
timeout 10 deescalate-autostart || fail "deescalate-autostart did not stop at the policy file"
if [ "$created_policy_dir" = yes ]; then rm -f /etc/deescalate/no-autostart; fi
rmdir /etc/deescalate 2>/dev/null || true

step "purge"
dpkg --purge deescalate
installed=no
left=$(while read -r path; do
    [ -d "$path" ] && [ "$path" != /opt/deescalate ] && ! [[ "$path" == /opt/deescalate/* ]] && continue
    [ -e "$path" ] && echo "$path"
done < "$scratch/files" || true)
[ -z "$left" ] || fail "left behind after purge: $left"
[ ! -e /opt/deescalate ] || fail "/opt/deescalate is still there"
[ -d /opt ] || fail "purging the package removed /opt"
smoke_seconds=$((SECONDS - smoke_started))

echo "package test passed: build ${build_seconds} s, install + smoke + purge ${smoke_seconds} s," \
    "total $((SECONDS - started)) s"
