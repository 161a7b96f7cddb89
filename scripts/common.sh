# Shared by the scripts in this folder: paths of the built products and small helpers. Source it.
# shellcheck shell=bash

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
CONFIGURATION=${ACTORAI_CONFIGURATION:-Release}
SILO_DLL=$ROOT/src/ActorAI.Silo/bin/$CONFIGURATION/net10.0/linux-x64/actorai-silo.dll
CLI_DLL=$ROOT/src/ActorAI.Cli/bin/$CONFIGURATION/net10.0/actorai.dll
STATE_DIR=${ACTORAI_STATE_DIR:-$ROOT/.actorai}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() {
  if [[ -t 2 && ${CI:-} != true ]]; then printf '\033[1m==> %s\033[0m\n' "$*" >&2; else printf '==> %s\n' "$*" >&2; fi
}
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Builds the silo host and the CLI (incremental; the first build restores ~1 GB of packages).
build_products() {
  say "building the silo host and the CLI ($CONFIGURATION)"
  dotnet build "$ROOT/src/ActorAI.Silo/ActorAI.Silo.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2
  dotnet build "$ROOT/src/ActorAI.Cli/ActorAI.Cli.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2
}

actorai() { dotnet "$CLI_DLL" "$@"; }

# wait_healthy PORT PID LOG [ADDRESS] [CA]: waits until http://ADDRESS:PORT/health (default 127.0.0.1) answers
# 200, or the process dies; with CA (a CA certificate file) over HTTPS, trusting that CA.
wait_healthy() {
  local port=$1 pid=$2 log=$3 address=${4:-127.0.0.1} ca=${5:-} deadline=$((SECONDS + 120)) url
  local -a tls=()
  url="http://$address:$port/health"
  if [[ -n $ca ]]; then
    url="https://$address:$port/health"
    tls=(--cacert "$ca")
  fi
  until curl --noproxy '*' -fsS "${tls[@]}" -o /dev/null "$url" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$log" >&2
      fail "the silo (pid $pid) exited; log: $log"
    fi
    ((SECONDS < deadline)) || fail "the silo on $address:$port was not healthy within 120 s; log: $log"
    sleep 0.5
  done
}

# ensure_apt_lists: `apt-get download` (and install) needs package lists, which a fresh machine or container image
# does not have until `apt-get update` has run ("no package lists" / "Unable to locate package"). Runs it when
# $ACTORAI_APT_LISTS_DIR (default /var/lib/apt/lists) holds no *_Packages file (plain or compressed); as root, or
# through `sudo -n` otherwise. Every script that downloads Debian packages calls this first.
ensure_apt_lists() {
  local lists=${ACTORAI_APT_LISTS_DIR:-/var/lib/apt/lists}
  if compgen -G "$lists/*_Packages*" >/dev/null; then
    return
  fi
  local runner=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || fail "no apt package lists in $lists and no sudo to run 'apt-get update'; run it as root first"
    runner=(sudo -n)
  fi
  say "no apt package lists in $lists: running apt-get update"
  "${runner[@]}" apt-get update -q >&2 || fail "apt-get update failed; the package lists are needed to download Debian packages"
}

# ensure_chromium: the browser tests (tests/ActorAI.BrowserTests) drive Debian's chromium through its executable path,
# $ACTORAI_CHROMIUM (default /usr/bin/chromium): Playwright cannot download its own browsers here. When it is missing,
# installs the `chromium` package as root, without a prompt and without recommends (headless chromium needs none of them;
# fonts-liberation gives the screenshots the usual fonts), running `apt-get update` first on a machine without package
# lists, and once more if the install fails on stale lists. Not root: fails with the command to run.
ensure_chromium() {
  local browser=${ACTORAI_CHROMIUM:-/usr/bin/chromium}
  if [[ -x $browser ]]; then
    return
  fi
  local install=(apt-get install -y -q --no-install-recommends chromium fonts-liberation)
  if ((EUID != 0)); then
    fail "the browser tests need Debian's chromium at $browser; install it as root (${install[*]}) or set ACTORAI_CHROMIUM to a Chromium executable"
  fi
  ensure_apt_lists
  say "installing Debian's chromium for the browser tests"
  if ! DEBIAN_FRONTEND=noninteractive "${install[@]}" >&2; then
    say "the install failed; updating the package lists and trying once more"
    apt-get update -q >&2 || fail "apt-get update failed; chromium cannot be installed"
    DEBIAN_FRONTEND=noninteractive "${install[@]}" >&2 || fail "could not install chromium (${install[*]})"
  fi
  [[ -x $browser ]] || fail "chromium was installed, but there is no executable at $browser (ACTORAI_CHROMIUM)"
}

# random_key: a fresh API key.
random_key() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# launch_detached DIR LOG CMD...: starts CMD in DIR in the background, in its own session, with
# stdout/stderr to LOG and no other inherited descriptors (an inherited pipe would keep a caller such
# as `x=$(...)` or a CI log collector waiting for EOF). Sets LAUNCHED_PID.
launch_detached() {
  local dir=$1 log=$2
  shift 2
  (
    cd "$dir" || exit 1
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if ((fd > 2 && fd != 255)); then { exec {fd}>&-; } 2>/dev/null || true; fi
    done
    exec setsid "$@" >"$log" 2>&1 </dev/null
  ) &
  LAUNCHED_PID=$!
}
