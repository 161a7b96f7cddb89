#!/usr/bin/env bash
# A local multi-silo ActorAI cluster on this machine: PostgreSQL membership, storage and reminders
# (scripts/postgres.sh) and N silo processes of the `cluster` profile (fast failover), silo i on
# silo port 11111+i, gateway 30000+i and HTTP 8080+i.
#
#   scripts/cluster.sh start [N]   start PostgreSQL and N silos (default 3); idempotent per silo
#   scripts/cluster.sh status      actorai cluster status through the PostgreSQL membership table
#   scripts/cluster.sh kill I      SIGKILL silo I (watch its grains move: see README)
#   scripts/cluster.sh stop [--all]  stop the silos (--all: and PostgreSQL)
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

CLUSTER_DIR=$STATE_DIR/cluster
KEY_FILE=$CLUSTER_DIR/admin-key
CLUSTER_ID=${ACTORAI_CLUSTER_ID:-actorai}

pid_of() { local f=$CLUSTER_DIR/silo-$1.pid; [[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; }
postgres() { "$ROOT/scripts/postgres.sh" "$@"; }

case ${1:-} in
  start)
    count=${2:-3}
    [[ $count =~ ^[1-9][0-9]?$ ]] || fail "N must be between 1 and 99 (was '$count')"
    build_products
    mkdir -p "$CLUSTER_DIR"
    [[ -f $KEY_FILE ]] || (umask 077 && random_key >"$KEY_FILE")
    cs=$(postgres start | tail -n 1)
    for ((i = 0; i < count; i++)); do
      if pid=$(pid_of "$i"); then
        say "silo-$i already running (pid $pid)"
        continue
      fi
      log=$CLUSTER_DIR/silo-$i.log
      launch_detached "$CLUSTER_DIR" "$log" env "ACTORAI_Auth__BootstrapAdminKey=$(cat "$KEY_FILE")" \
        dotnet "$SILO_DLL" --config cluster --name "silo-$i" --cluster-id "$CLUSTER_ID" --postgres "$cs" \
        --silo-port $((11111 + i)) --gateway-port $((30000 + i)) --http-port $((8080 + i)) \
        --artifacts "$CLUSTER_DIR/artifacts"
      echo "$LAUNCHED_PID" >"$CLUSTER_DIR/silo-$i.pid"
      say "started silo-$i (pid $(cat "$CLUSTER_DIR/silo-$i.pid"), http://127.0.0.1:$((8080 + i)), log $log)"
    done
    for ((i = 0; i < count; i++)); do
      wait_healthy $((8080 + i)) "$(cat "$CLUSTER_DIR/silo-$i.pid")" "$CLUSTER_DIR/silo-$i.log"
    done
    actorai cluster status --postgres "$cs" --cluster-id "$CLUSTER_ID"
    printf '\nAdmin key (dashboard at http://127.0.0.1:8080/orleans): %s\n' "$(cat "$KEY_FILE")"
    ;;
  status)
    actorai cluster status --postgres "$(postgres url)" --cluster-id "$CLUSTER_ID" "${@:2}"
    ;;
  kill)
    [[ ${2:-} =~ ^[0-9]+$ ]] || fail "usage: scripts/cluster.sh kill I"
    pid=$(pid_of "$2") || fail "silo-$2 is not running"
    kill -9 "$pid"
    rm -f "$CLUSTER_DIR/silo-$2.pid"
    say "SIGKILLed silo-$2 (pid $pid)"
    ;;
  stop)
    for f in "$CLUSTER_DIR"/silo-*.pid; do
      [[ -e $f ]] || continue
      pid=$(cat "$f")
      kill "$pid" 2>/dev/null && say "stopping $(basename "$f" .pid) (pid $pid)"
      rm -f "$f"
    done
    if [[ ${2:-} == --all ]]; then postgres stop; fi
    ;;
  *)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
esac
