#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for ActorAI development and CI: loopback only, trust auth, no fsync.
# Never point it at data you care about.
#
#   scripts/postgres.sh start            start (idempotent), create database "actorai", apply the
#                                        Orleans schema; the LAST stdout line is the connection
#                                        string, everything else goes to stderr:
#                                          CS=$(scripts/postgres.sh start)
#   scripts/postgres.sh stop [--purge]   fast shutdown (idempotent); --purge also deletes the dir
#   scripts/postgres.sh status           "running"/"stopped" and the connection string;
#                                        exit 0 when running, 3 when not
#   scripts/postgres.sh schema           (re)apply scripts/sql/orleans-postgres.sql
#   scripts/postgres.sh selftest         apply the schema, then run scripts/sql/test-orleans-postgres.sql
#   scripts/postgres.sh url              print the connection string
#
# Environment:
#   ACTORAI_PG_PORT  TCP port on 127.0.0.1 (default 55432)
#   ACTORAI_PG_EXTRA_LISTEN
#                    ADDRESS/PREFIX[,...]: also listen on ADDRESS (which must already be on an interface,
#                    e.g. scripts/hosts.sh's bridge 198.18.0.1/24) and trust clients from that network.
#                    Default: none (loopback only). `start` fails when the server does not accept
#                    connections on every one of them.
#   ACTORAI_PG_DIR   working directory: data/, postgres.log, the unix socket
#                    (default ${TMPDIR:-/tmp}/actorai-pg-$ACTORAI_PG_PORT)
#   PG_BIN           PostgreSQL server binaries (default /usr/lib/postgresql/15/bin)
#
# PostgreSQL refuses to run as root, so under root the server runs as the "postgres" OS user.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly SCHEMA_SQL=$SCRIPT_DIR/sql/orleans-postgres.sql
readonly SELFTEST_SQL=$SCRIPT_DIR/sql/test-orleans-postgres.sql

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

readonly PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PORT=${ACTORAI_PG_PORT:-55432}
if ! [[ $PORT =~ ^[0-9]{1,5}$ ]] || ((10#$PORT < 1 || 10#$PORT > 65535)); then
    die "ACTORAI_PG_PORT must be a TCP port number, got '$PORT'"
fi
PORT=$((10#$PORT))
readonly PORT
BASE_DIR=${ACTORAI_PG_DIR:-${TMPDIR:-/tmp}/actorai-pg-$PORT}
[[ $BASE_DIR == /* ]] || BASE_DIR=$PWD/$BASE_DIR
readonly BASE_DIR
readonly DATA_DIR=$BASE_DIR/data
readonly LOG_FILE=$BASE_DIR/postgres.log
readonly LOCK_FILE=$BASE_DIR/.lock
readonly INIT_MARKER=$DATA_DIR/.actorai-initialized
readonly HOST=127.0.0.1
readonly DATABASE=actorai
readonly DB_USER=postgres
readonly READY_TIMEOUT_S=30

# Extra listen addresses and the networks trusted through them (ACTORAI_PG_EXTRA_LISTEN).
EXTRA_ADDRESSES=()
EXTRA_NETWORKS=()
ipv4_to_int() {
    local IFS=. a b c d
    read -r a b c d <<<"$1"
    printf '%s' $(((10#$a << 24) | (10#$b << 16) | (10#$c << 8) | 10#$d))
}
int_to_ipv4() { printf '%s.%s.%s.%s' $((($1 >> 24) & 255)) $((($1 >> 16) & 255)) $((($1 >> 8) & 255)) $(($1 & 255)); }
parse_extra_listen() {
    local item address prefix octet mask
    local -a items
    IFS=, read -r -a items <<<"${ACTORAI_PG_EXTRA_LISTEN:-}"
    for item in "${items[@]}"; do
        [[ $item =~ ^([0-9]{1,3}(\.[0-9]{1,3}){3})/([0-9]{1,2})$ ]] ||
            die "ACTORAI_PG_EXTRA_LISTEN entries must be IPv4 ADDRESS/PREFIX, got '$item'"
        address=${BASH_REMATCH[1]}
        prefix=$((10#${BASH_REMATCH[3]}))
        for octet in ${address//./ }; do
            ((10#$octet <= 255)) || die "ACTORAI_PG_EXTRA_LISTEN: '$item' is not an IPv4 address"
        done
        ((prefix >= 8 && prefix <= 32)) || die "ACTORAI_PG_EXTRA_LISTEN: prefix of '$item' must be 8-32"
        mask=$(((0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF))
        EXTRA_ADDRESSES+=("$address")
        EXTRA_NETWORKS+=("$(int_to_ipv4 $(($(ipv4_to_int "$address") & mask)))/$prefix")
    done
}
parse_extra_listen

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

conn_string() {
    printf 'Host=%s;Port=%s;Database=%s;Username=%s\n' "$HOST" "$PORT" "$DATABASE" "$DB_USER"
}

# --- who runs the server ------------------------------------------------------------------------
if [[ $(id -u) -eq 0 ]]; then
    readonly AS_ROOT=true
else
    readonly AS_ROOT=false
fi

# Runs a server-side command (initdb, pg_ctl, file writes inside the data directory) as the user
# that owns the cluster, from / so that an unreadable cwd (e.g. /root) does not matter.
as_server() {
    if $AS_ROOT; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

require_server_binaries() {
    [[ -x $PG_BIN/postgres && -x $PG_BIN/pg_ctl && -x $PG_BIN/initdb ]] ||
        die "PostgreSQL server binaries not found in $PG_BIN (install postgresql-15, or set PG_BIN)"
    if $AS_ROOT; then
        id postgres >/dev/null 2>&1 ||
            die "running as root but there is no 'postgres' OS user to run the server as"
    fi
}

# --- client side: always TCP to 127.0.0.1, as the invoking user ---------------------------------
run_psql() {
    PGOPTIONS='-c client_min_messages=warning' PGCONNECT_TIMEOUT=5 \
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U "$DB_USER" "$@" </dev/null
}

accepting_connections() { # [host]
    "$PG_BIN/pg_isready" -q -h "${1:-$HOST}" -p "$PORT" -U "$DB_USER" -d postgres -t 2
}

# PostgreSQL starts even when it cannot bind some of listen_addresses (it only warns), so check each.
require_extra_listeners() {
    local address
    for address in "${EXTRA_ADDRESSES[@]}"; do
        accepting_connections "$address" || die "the server on port $PORT does not accept connections on" \
            "$address (is the address on an interface? was it started without ACTORAI_PG_EXTRA_LISTEN? then stop it first)"
    done
}

wait_ready() {
    local deadline=$((SECONDS + READY_TIMEOUT_S))
    until accepting_connections; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

print_log_tail() {
    if [[ -f $LOG_FILE ]]; then
        log "last lines of $LOG_FILE:"
        tail -n 25 "$LOG_FILE" >&2 || true
    fi
}

# --- finding the server's processes -------------------------------------------------------------
# The postmaster and every child of it run the postgres binary with the data directory as cwd.
# Matching both identifies this cluster's processes without trusting postmaster.pid, whose pid
# may be stale or reused after a SIGKILL.
is_cluster_process() { # pid data_realpath server_realpath
    local comm exe cwd
    read -r comm <"/proc/$1/comm" 2>/dev/null || return 1
    [[ $comm == postgres ]] || return 1
    exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
    cwd=$(readlink "/proc/$1/cwd" 2>/dev/null) || return 1
    [[ $cwd == "$2" && ($exe == "$3" || $exe == "$3 (deleted)") ]]
}

cluster_pids() {
    local p data server
    data=$(realpath -e -- "$DATA_DIR" 2>/dev/null) || return 0
    server=$(realpath -e -- "$PG_BIN/postgres") || return 0
    for p in /proc/[0-9]*; do
        if is_cluster_process "${p#/proc/}" "$data" "$server"; then
            printf '%s\n' "${p#/proc/}"
        fi
    done
}

# Prints the live postmaster's pid; fails when the server is not running.
postmaster_pid() {
    local pid data server
    [[ -f $DATA_DIR/postmaster.pid ]] || return 1
    read -r pid <"$DATA_DIR/postmaster.pid" 2>/dev/null || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    data=$(realpath -e -- "$DATA_DIR") || return 1
    server=$(realpath -e -- "$PG_BIN/postgres") || return 1
    is_cluster_process "$pid" "$data" "$server" || return 1
    printf '%s\n' "$pid"
}

# After a SIGKILLed postmaster: stop its orphaned children (they exit by themselves once they
# notice, and would otherwise keep the old shared memory attached), then drop the stale pid and
# socket lock files. The server reclaims the unattached shared memory segment itself.
reap_leftovers() {
    local pids deadline=$((SECONDS + 10))
    pids=$(cluster_pids)
    if [[ -n $pids ]]; then
        log "waiting for leftover server processes to exit: ${pids//$'\n'/ }"
        while [[ -n $pids ]] && ((SECONDS < deadline)); do
            sleep 0.2
            pids=$(cluster_pids)
        done
        if [[ -n $pids ]]; then
            log "killing leftover server processes: ${pids//$'\n'/ }"
            # shellcheck disable=SC2086 # one pid per word
            kill -KILL $pids 2>/dev/null || true
            sleep 0.5
        fi
    fi
    rm -f -- "$DATA_DIR/postmaster.pid" "$BASE_DIR/.s.PGSQL.$PORT" "$BASE_DIR/.s.PGSQL.$PORT.lock"
}

# --- directories and cluster --------------------------------------------------------------------
ensure_base_dir() {
    mkdir -p -- "$BASE_DIR" || die "cannot create $BASE_DIR"
    if $AS_ROOT; then
        chown -- postgres: "$BASE_DIR"
    fi
    chmod -- 700 "$BASE_DIR" 2>/dev/null ||
        die "cannot chmod $BASE_DIR (owned by another user? set ACTORAI_PG_DIR)"
    as_server test -w "$BASE_DIR" -a -x "$BASE_DIR" ||
        die "the server user cannot write $BASE_DIR (is a parent directory private? set ACTORAI_PG_DIR)"
}

# Serialises start/stop of one directory (parallel CI steps).
take_lock() {
    exec 9>>"$LOCK_FILE"
    flock -w 120 9 || die "timed out waiting for another postgres.sh on $BASE_DIR"
}

server_major() {
    "$PG_BIN/postgres" -V | sed -E 's/.* ([0-9]+)[.0-9]*.*/\1/'
}

cluster_initialized() {
    local version
    [[ -f $INIT_MARKER && -f $DATA_DIR/global/pg_control && -f $DATA_DIR/PG_VERSION ]] || return 1
    read -r version <"$DATA_DIR/PG_VERSION" || return 1
    [[ $version == "$(server_major)" ]]
}

init_cluster() {
    local out
    log "initialising a new cluster in $DATA_DIR"
    rm -rf -- "$DATA_DIR"
    out=$(as_server "$PG_BIN/initdb" -D "$DATA_DIR" -U "$DB_USER" --auth=trust \
        --encoding=UTF8 --locale=C --no-sync 2>&1) || {
        printf '%s\n' "$out" >&2
        die "initdb failed"
    }
    printf "include_if_exists = 'actorai.conf'\n" |
        as_server tee -a "$DATA_DIR/postgresql.conf" >/dev/null
    as_server touch "$INIT_MARKER"
}

conf_quote() { printf "'%s'" "${1//\'/\'\'}"; }

# Rewritten at every start so that port, directory and addresses always follow the environment.
write_runtime_conf() {
    local socket_dir=$BASE_DIR listen=$HOST address network hba=
    # A unix socket path is limited to ~107 bytes; clients use TCP anyway, so go without one.
    if ((${#BASE_DIR} + ${#PORT} + 10 > 100)); then
        log "$BASE_DIR is too long for a unix socket path; listening on TCP only"
        socket_dir=
    fi
    for address in "${EXTRA_ADDRESSES[@]}"; do listen+=",$address"; done
    if ((${#EXTRA_NETWORKS[@]} > 0)); then
        # initdb's rules plus the extra networks; PostgreSQL 15's pg_hba.conf has no include directive.
        {
            cat "$DATA_DIR/pg_hba.conf"
            printf '# Added by scripts/postgres.sh (ACTORAI_PG_EXTRA_LISTEN):\n'
            for network in "${EXTRA_NETWORKS[@]}"; do printf 'host all all %s trust\n' "$network"; done
        } | as_server tee "$DATA_DIR/actorai-hba.conf" >/dev/null
        hba="hba_file = $(conf_quote "$DATA_DIR/actorai-hba.conf")"
    fi
    as_server tee "$DATA_DIR/actorai.conf" >/dev/null <<EOF
# Written by scripts/postgres.sh at each start; edits are overwritten.
listen_addresses = '$listen'
$hba
port = $PORT
unix_socket_directories = $(conf_quote "$socket_dir")
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
logging_collector = off
log_min_messages = warning
log_min_error_statement = panic
log_error_verbosity = terse
log_checkpoints = off
EOF
}

# The server outlives this script, so it must not inherit descriptors beyond stdin/out/err (pg_ctl
# points those at /dev/null and the log): an inherited pipe would keep a caller such as
# `x=$(...)` or a CI log collector waiting for EOF, and the flock descriptor would keep the lock.
close_inherited_fds() {
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
        fd=${fd##*/}
        if ((fd > 2 && fd != 255)); then # 255: bash's handle on this script
            { exec {fd}>&-; } 2>/dev/null || true
        fi
    done
}

launch() {
    write_runtime_conf
    (
        close_inherited_fds
        as_server "$PG_BIN/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t "$READY_TIMEOUT_S" start
    ) >&2 || return 1
    wait_ready
}

ensure_database() {
    local exists
    exists=$(run_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")
    if [[ $exists != 1 ]]; then
        run_psql -d postgres -c "CREATE DATABASE $DATABASE" >&2
    fi
}

require_running() {
    if ! { postmaster_pid >/dev/null && accepting_connections; }; then
        die "PostgreSQL is not running on port $PORT (run: scripts/postgres.sh start)"
    fi
}

apply_schema() {
    run_psql -d "$DATABASE" -f "$SCHEMA_SQL" >&2 || die "applying $SCHEMA_SQL failed"
    log "schema applied: $SCHEMA_SQL"
}

# --- commands -----------------------------------------------------------------------------------
cmd_start() {
    local pid
    require_server_binaries
    ensure_base_dir
    take_lock
    if pid=$(postmaster_pid); then
        log "already running (pid $pid, port $PORT, $DATA_DIR)"
        wait_ready || { print_log_tail; die "the server (pid $pid) does not accept connections"; }
    else
        reap_leftovers
        if accepting_connections; then
            die "another server already listens on $HOST:$PORT (set ACTORAI_PG_PORT)"
        fi
        cluster_initialized || init_cluster
        if ! launch; then
            print_log_tail
            log "start failed; re-initialising $DATA_DIR and retrying once"
            as_server "$PG_BIN/pg_ctl" -D "$DATA_DIR" -m immediate stop >/dev/null 2>&1 || true
            reap_leftovers
            init_cluster
            launch || { print_log_tail; die "could not start PostgreSQL"; }
        fi
        log "started on $HOST:$PORT${EXTRA_ADDRESSES:+ and ${EXTRA_ADDRESSES[*]}} (data: $DATA_DIR, log: $LOG_FILE)"
    fi
    require_extra_listeners
    ensure_database
    apply_schema
    conn_string
}

cmd_stop() {
    local purge=false pid
    case ${1:-} in
        "") ;;
        --purge) purge=true ;;
        *) die "unknown option for stop: $1" ;;
    esac
    if [[ ! -d $BASE_DIR ]]; then
        log "not running (no $BASE_DIR)"
        return 0
    fi
    take_lock
    if pid=$(postmaster_pid); then
        if ! as_server "$PG_BIN/pg_ctl" -D "$DATA_DIR" -m fast -w -t "$READY_TIMEOUT_S" stop >&2; then
            log "fast shutdown did not finish; stopping immediately"
            as_server "$PG_BIN/pg_ctl" -D "$DATA_DIR" -m immediate -w stop >&2 || true
        fi
        log "stopped (was pid $pid)"
    else
        log "not running"
    fi
    reap_leftovers
    if $purge; then
        purge_dir
    fi
}

# Deletes BASE_DIR, but only when it holds nothing this script did not put there: ACTORAI_PG_DIR
# could point anywhere.
purge_dir() {
    local entry name
    shopt -s nullglob dotglob
    for entry in "$BASE_DIR"/*; do
        name=${entry##*/}
        case $name in
            data | postgres.log | .lock | ".s.PGSQL.$PORT" | ".s.PGSQL.$PORT.lock") ;;
            *) die "not purging $BASE_DIR: it contains '$name', which postgres.sh did not create" ;;
        esac
    done
    shopt -u nullglob dotglob
    rm -rf -- "$BASE_DIR"
    log "purged $BASE_DIR"
}

cmd_status() {
    if postmaster_pid >/dev/null && accepting_connections; then
        echo running
        conn_string
        return 0
    fi
    echo stopped
    conn_string
    return 3
}

cmd_schema() {
    require_running
    apply_schema
}

cmd_selftest() {
    require_running
    apply_schema
    run_psql -d "$DATABASE" -f "$SELFTEST_SQL" || die "selftest failed"
    log "selftest passed"
}

main() {
    local cmd=${1:-}
    shift || true
    case $cmd in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        status) cmd_status "$@" ;;
        schema) cmd_schema "$@" ;;
        selftest) cmd_selftest "$@" ;;
        url) conn_string ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
