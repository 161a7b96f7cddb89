#!/usr/bin/env bash
# The ActorAI demo. For now: build, start a dev silo (embedded dev profile: localhost clustering,
# in-memory storage, no server needed) in the background, wait until it is healthy, show
# `actorai cluster status` and a persistent grain round trip, and leave the silo running.
#
#   scripts/demo.sh          start (or reuse) the dev silo and show the cluster
#   scripts/demo.sh stop     stop it
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

DEMO_DIR=$STATE_DIR/demo
PID_FILE=$DEMO_DIR/silo.pid
LOG_FILE=$DEMO_DIR/silo.log
HTTP_PORT=8080
DEV_KEY=dev-admin-key-change-me   # the dev profile's bootstrap key (silo-config/dev.json)

running_pid() {
  [[ -f $PID_FILE ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null && cat "$PID_FILE"
}

if [[ ${1:-} == stop ]]; then
  if pid=$(running_pid); then
    kill "$pid" && say "stopped the dev silo (pid $pid)"
    rm -f "$PID_FILE"
  else
    say "no dev silo is running"
  fi
  exit 0
fi
[[ $# -eq 0 ]] || fail "usage: scripts/demo.sh [stop]"

build_products
mkdir -p "$DEMO_DIR"
if pid=$(running_pid); then
  say "the dev silo is already running (pid $pid)"
else
  if curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/health" 2>/dev/null; then
    fail "port $HTTP_PORT is already serving something else; stop it first"
  fi
  say "starting a dev silo (log: $LOG_FILE)"
  launch_detached "$ROOT" "$LOG_FILE" dotnet "$SILO_DLL"
  pid=$LAUNCHED_PID
  echo "$pid" >"$PID_FILE"
fi
wait_healthy "$HTTP_PORT" "$pid" "$LOG_FILE"

say "actorai cluster status"
actorai cluster status
say "actorai cluster ping demo   (a persistent grain: the count survives reactivation)"
actorai cluster ping demo --count 3

cat <<MSG

The dev silo is running (pid $pid).
  health     curl http://127.0.0.1:$HTTP_PORT/health
  dashboard  http://127.0.0.1:$HTTP_PORT/orleans   (sign in with the dev key: $DEV_KEY)
             curl -H 'Authorization: Bearer $DEV_KEY' http://127.0.0.1:$HTTP_PORT/orleans/
  CLI        dotnet $CLI_DLL cluster status
  stop       scripts/demo.sh stop
MSG
