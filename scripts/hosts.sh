#!/usr/bin/env bash
# Several hosts on this machine: N Linux network namespaces joined by a bridge, each with its own IP
# address, its own directories and one silo of the `cluster` profile. The only thing they share is a
# PostgreSQL (scripts/postgres.sh) that listens on the bridge address in the root namespace. Needs root.
#
#   scripts/hosts.sh up N           create hosts 0..N-1 (N = 1-99) and start their silos; idempotent: what
#                                   runs is kept, leftovers of a crashed run are replaced, hosts >= N are
#                                   removed. On failure it removes what it made (logs are kept)
#   scripts/hosts.sh status         one line per host, tab-separated key=value fields (address, silo state
#                                   and pid, HTTPS URL, gateway, directories, log), then postgres=CONNECTION
#                                   STRING, then the CA certificate and a client certificate and key
#                                   (tls_ca, tls_client_cert, tls_client_key); exit 3 when there is no host
#   scripts/hosts.sh kill I         SIGKILL host I's silo; the host (namespace, address) stays
#   scripts/hosts.sh exec I CMD...  run CMD inside host I's namespace (e.g. curl, ss -tlnp, ip addr)
#   scripts/hosts.sh down [--keep]  stop the silos and the PostgreSQL, delete the namespaces, veths and the
#                                   bridge and (unless --keep) the host directories
#
# Address plan, with K = ACTORAI_HOSTS_NET (default 0): the subnet 198.18.K.0/24 of the benchmarking range
# (RFC 2544), the bridge aaiK-br = 198.18.K.1 in the root namespace, host I = namespace aaiK-hI with address
# 198.18.K.(10+I) on its eth0, whose peer aaiK-hI is a port of the bridge. No default route, no NAT, no IP
# forwarding: hosts reach each other and the bridge address, nothing else. Each silo listens on its host's
# address with the same ports: silo 11111, gateway 30000, HTTPS 8080. Silos talk mutual TLS to each other and
# at their gateways, with certificates from a CA made by scripts/certs.sh in hosts-K/ca/ (host I gets its own
# certificate and a copy of the CA certificate in host-I/tls/; hosts-K/ca/client.* is for callers). Host I's directory
# ${ACTORAI_STATE_DIR:-.actorai}/hosts-K/host-I holds home/, tmp/, work/ (its HOME, TMPDIR and working directory),
# artifacts/ and silo.log.
#
# Environment:
#   ACTORAI_HOSTS_NET        K above, 0-255: sets with different values run side by side
#   ACTORAI_HOSTS_PG_PORT    the shared PostgreSQL's port (default 55434) and directory (default
#   ACTORAI_HOSTS_PG_DIR     ${TMPDIR:-/tmp}/actorai-hosts-pg-PORT); it is started by `up`, stopped by `down`
#   ACTORAI_CLUSTER_ID       the silos' cluster id (default actorai)
#   ACTORAI_HOSTS_ADMIN_KEY  the silos' bootstrap admin key (default: generated into hosts-K/admin-key)
#   ACTORAI_SILO_DLL         the silo host to run (default: build it, as cluster.sh does)
#   ACTORAI_HOSTS_SILO_ARGS  extra silo settings for every host, split on spaces (e.g. --Artifacts:TransferWindow=16)
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

NET=${ACTORAI_HOSTS_NET:-0}
[[ $NET =~ ^[0-9]{1,3}$ ]] && ((10#$NET <= 255)) || fail "ACTORAI_HOSTS_NET must be 0-255 (was '$NET')"
NET=$((10#$NET))
PREFIX=aai$NET-
BRIDGE=${PREFIX}br
SUBNET=198.18.$NET
BRIDGE_ADDRESS=$SUBNET.1
HOSTS_DIR=$STATE_DIR/hosts-$NET
CLUSTER_ID=${ACTORAI_CLUSTER_ID:-actorai}
SILO_PORT=11111 GATEWAY_PORT=30000 HTTP_PORT=8080
PG_PORT=${ACTORAI_HOSTS_PG_PORT:-55434}
PG_DIR=${ACTORAI_HOSTS_PG_DIR:-${TMPDIR:-/tmp}/actorai-hosts-pg-$PG_PORT}
PG_OWNED=$HOSTS_DIR/postgres-started # present while the PostgreSQL is one that `up` started

host_ns() { printf '%s' "${PREFIX}h$1"; }
host_address() { printf '%s' "$SUBNET.$((10 + $1))"; }
host_dir() { printf '%s' "$HOSTS_DIR/host-$1"; }
postgres() { ACTORAI_PG_PORT=$PG_PORT ACTORAI_PG_DIR=$PG_DIR ACTORAI_PG_EXTRA_LISTEN=$BRIDGE_ADDRESS/24 "$ROOT/scripts/postgres.sh" "$@"; }
postgres_connection_string() { printf 'Host=%s;Port=%s;Database=actorai;Username=postgres' "$BRIDGE_ADDRESS" "$PG_PORT"; }

# The command line of host I's silo after `dotnet actorai-silo.dll`, in SILO_ARGS: the one place for the
# silo's arguments (settings that differ per host, and any a cluster of hosts needs, such as TLS).
silo_args() {
  local i=$1 address
  address=$(host_address "$i")
  local tls
  tls=$(host_dir "$i")/tls
  SILO_ARGS=(
    --config cluster --name "host-$i" --cluster-id "$CLUSTER_ID" --postgres "$(postgres_connection_string)"
    --advertised-address "$address" --silo-port "$SILO_PORT" --gateway-port "$GATEWAY_PORT"
    --http-port "$HTTP_PORT" "--Http:Address=$address" --artifacts "$(host_dir "$i")/artifacts"
    # Mutual TLS between silos and at the gateway, HTTPS on the front: all from the host's own copy of its
    # certificate and of the cluster's CA certificate.
    --Tls:Enabled=true "--Tls:CertificatePath=$tls/host.crt" "--Tls:KeyPath=$tls/host.key" "--Tls:CaPath=$tls/ca.crt"
    "--Http:CertificatePath=$tls/host.crt" "--Http:KeyPath=$tls/host.key"
  )
  # Extra settings for every silo, e.g. ACTORAI_HOSTS_SILO_ARGS='--Artifacts:TransferWindow=16' (split on spaces).
  if [[ -n ${ACTORAI_HOSTS_SILO_ARGS:-} ]]; then
    local -a extra
    read -r -a extra <<<"$ACTORAI_HOSTS_SILO_ARGS"
    SILO_ARGS+=("${extra[@]}")
  fi
}

# The cluster's CA (kept in the hosts' parent directory, as an operator would keep it off the hosts), a client
# certificate for callers in the root namespace, and for each host its own certificate and copy of the CA
# certificate. Idempotent.
make_certificates() {
  local count=$1 i dir
  "$ROOT/scripts/certs.sh" ca "$HOSTS_DIR/ca" >/dev/null
  "$ROOT/scripts/certs.sh" issue "$HOSTS_DIR/ca" client >/dev/null
  for ((i = 0; i < count; i++)); do
    dir=$(host_dir "$i")/tls
    mkdir -p "$dir"
    "$ROOT/scripts/certs.sh" issue "$HOSTS_DIR/ca" "host-$i" "$(host_address "$i")" >/dev/null
    install -m 644 "$HOSTS_DIR/ca/ca.crt" "$dir/ca.crt"
    install -m 644 "$HOSTS_DIR/ca/host-$i.crt" "$dir/host.crt"
    install -m 600 "$HOSTS_DIR/ca/host-$i.key" "$dir/host.key"
  done
}

# Indexes of the hosts whose namespace exists, ascending.
existing_hosts() {
  ip netns list | awk '{print $1}' | sed -n "s/^${PREFIX}h\([0-9]\{1,2\}\)\$/\1/p" | sort -n
}

ns_exists() { ip netns list | awk '{print $1}' | grep -qxF -- "$1"; }
link_exists() { ip link show dev "$1" >/dev/null 2>&1; }

# The silo's pid while it runs inside host I's namespace (a stale pid file, or a reused pid, is not it).
silo_pid() {
  local file pid
  file=$(host_dir "$1")/silo.pid
  [[ -f $file ]] && read -r pid <"$file" && [[ $pid =~ ^[0-9]+$ ]] || return 1
  ns_exists "$(host_ns "$1")" && ip netns pids "$(host_ns "$1")" 2>/dev/null | grep -qxF -- "$pid" || return 1
  printf '%s\n' "$pid"
}

# Ends every process in host I's namespace: SIGTERM (a silo leaves the cluster cleanly), SIGKILL after 10 s.
stop_host_processes() {
  local ns pids deadline=$((SECONDS + 10))
  ns=$(host_ns "$1")
  ns_exists "$ns" || return 0
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  [[ -n $pids ]] || return 0
  # shellcheck disable=SC2086 # one pid per word
  kill -TERM $pids 2>/dev/null || true
  while [[ -n $(ip netns pids "$ns" 2>/dev/null || true) ]]; do
    if ((SECONDS >= deadline)); then
      pids=$(ip netns pids "$ns" 2>/dev/null || true)
      say "host-$1: SIGKILL ${pids//$'\n'/ } (still running 10 s after SIGTERM)"
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null || true
      deadline=$((SECONDS + 10))
    fi
    sleep 0.2
  done
}

remove_host() { # I: its processes, its namespace (which takes the veth pair with it), its veth if left over
  local ns
  ns=$(host_ns "$1")
  stop_host_processes "$1"
  if ns_exists "$ns"; then ip netns delete "$ns"; fi
  if link_exists "$ns"; then ip link delete "$ns"; fi
  rm -f -- "$(host_dir "$1")/silo.pid"
}

require_root() {
  [[ $(id -u) -eq 0 ]] || fail "scripts/hosts.sh needs root (it creates network namespaces, veths and a bridge)"
  ip netns list >/dev/null 2>&1 || fail "'ip netns' does not work here (iproute2 with network namespace support is needed)"
}

bridge_up() {
  local route
  route=$(ip -4 route show "$SUBNET.0/24" 2>/dev/null | grep -v "dev $BRIDGE " || true)
  [[ -z $route ]] || fail "$SUBNET.0/24 is already routed elsewhere ($route); choose another ACTORAI_HOSTS_NET"
  link_exists "$BRIDGE" || ip link add "$BRIDGE" type bridge
  ip addr replace "$BRIDGE_ADDRESS/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

# Namespace, veth pair, addresses and loopback of host I; a part left by a crashed run is replaced.
host_network_up() {
  local i=$1 ns address
  ns=$(host_ns "$i")
  address=$(host_address "$i")
  ns_exists "$ns" || ip netns add "$ns"
  if ! link_exists "$ns" || ! ip -n "$ns" link show dev eth0 >/dev/null 2>&1; then
    if link_exists "$ns"; then ip link delete "$ns"; fi
    ip link add "$ns" type veth peer name eth0 netns "$ns"
  fi
  ip link set "$ns" master "$BRIDGE" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr replace "$address/24" dev eth0
  ip -n "$ns" link set eth0 up
}

start_silo() {
  local i=$1 dir ns key
  dir=$(host_dir "$i")
  ns=$(host_ns "$i")
  mkdir -p "$dir/home" "$dir/tmp" "$dir/work" "$dir/artifacts"
  key=${ACTORAI_HOSTS_ADMIN_KEY:-$(cat "$HOSTS_DIR/admin-key")}
  silo_args "$i"
  # A clean environment: HOME, TMPDIR and the working directory are the host's own; no ACTORAI_* setting of
  # the caller's shell leaks in.
  launch_detached "$dir/work" "$dir/silo.log" ip netns exec "$ns" env -i \
    "PATH=$PATH" "HOME=$dir/home" "TMPDIR=$dir/tmp" ${DOTNET_ROOT:+"DOTNET_ROOT=$DOTNET_ROOT"} \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 "ACTORAI_Auth__BootstrapAdminKey=$key" \
    dotnet "$SILO" "${SILO_ARGS[@]}"
  echo "$LAUNCHED_PID" >"$dir/silo.pid"
  say "host-$i: started its silo in $ns (pid $LAUNCHED_PID, https://$(host_address "$i"):$HTTP_PORT, log $dir/silo.log)"
}

# Starts the shared PostgreSQL unless one that `up` started runs (recorded in PG_OWNED, or, when a crashed run
# lost its host directories, recognised by its configuration listening on this bridge address); refuses a
# server someone else started.
postgres_up() {
  if postgres status >/dev/null 2>&1 && [[ ! -f $PG_OWNED ]] &&
    ! grep -qs "^listen_addresses = '.*,$BRIDGE_ADDRESS'" "$PG_DIR/data/actorai.conf"; then
    fail "a PostgreSQL that hosts.sh did not start already runs on port $PG_PORT; set ACTORAI_HOSTS_PG_PORT"
  fi
  : >"$PG_OWNED"
  postgres start >/dev/null
}

cmd_up() {
  local count=${1:-} i pid
  [[ $count =~ ^[1-9][0-9]?$ ]] || fail "usage: scripts/hosts.sh up N (N = 1-99)"
  require_root
  if [[ -n ${ACTORAI_SILO_DLL:-} ]]; then
    SILO=$ACTORAI_SILO_DLL
  else
    build_products
    SILO=$SILO_DLL
  fi
  [[ -f $SILO ]] || fail "no silo host at $SILO"
  trap 'up_failed $?' EXIT
  trap 'exit 130' INT TERM
  mkdir -p "$HOSTS_DIR"
  if [[ -z ${ACTORAI_HOSTS_ADMIN_KEY:-} && ! -f $HOSTS_DIR/admin-key ]]; then
    (umask 077 && random_key >"$HOSTS_DIR/admin-key")
  fi
  for i in $(existing_hosts); do
    if ((i >= count)); then
      say "host-$i: removing (up $count)"
      remove_host "$i"
    fi
  done
  make_certificates "$count"
  bridge_up
  postgres_up
  for ((i = 0; i < count; i++)); do
    host_network_up "$i"
    if pid=$(silo_pid "$i"); then
      say "host-$i: silo already running (pid $pid)"
    else
      stop_host_processes "$i"
      start_silo "$i"
    fi
  done
  for ((i = 0; i < count; i++)); do
    wait_healthy "$HTTP_PORT" "$(cat "$(host_dir "$i")/silo.pid")" "$(host_dir "$i")/silo.log" "$(host_address "$i")" "$HOSTS_DIR/ca/ca.crt"
  done
  trap - EXIT INT TERM
  say "$count hosts up on $SUBNET.0/24; PostgreSQL: $(postgres_connection_string)"
  [[ -n ${ACTORAI_HOSTS_ADMIN_KEY:-} ]] || say "admin key (for /api and the dashboard at /orleans): $HOSTS_DIR/admin-key"
  cmd_status
}

up_failed() {
  trap - EXIT INT TERM
  ((${1:-1} != 0)) || return 0
  say "up failed; removing what it created (host directories and logs are kept in $HOSTS_DIR)"
  teardown
  exit "$1"
}

# Everything but the host directories.
teardown() {
  local i
  for i in $(existing_hosts); do stop_host_processes "$i" & done
  wait
  for i in $(existing_hosts); do remove_host "$i"; done
  # A veth whose namespace is already gone, e.g. after `ip netns delete` by hand.
  for i in $(ip -o link show | awk -F': ' '{print $2}' | sed -n "s/^\(${PREFIX}h[0-9]\{1,2\}\)@.*/\1/p"); do
    ip link delete "$i" 2>/dev/null || true
  done
  if link_exists "$BRIDGE"; then ip link delete "$BRIDGE"; fi
  if [[ -f $PG_OWNED ]]; then
    postgres stop --purge >/dev/null
    rm -f -- "$PG_OWNED"
  fi
}

cmd_down() {
  local keep=false
  case ${1:-} in
    "") ;;
    --keep) keep=true ;;
    *) fail "usage: scripts/hosts.sh down [--keep]" ;;
  esac
  require_root
  teardown
  if $keep; then
    say "removed the hosts of $SUBNET.0/24; their directories are kept in $HOSTS_DIR"
  else
    rm -rf -- "$HOSTS_DIR"
    say "removed the hosts of $SUBNET.0/24 and $HOSTS_DIR"
  fi
}

cmd_status() {
  local i dir address state pid found=false
  for i in $(existing_hosts); do
    found=true
    dir=$(host_dir "$i")
    address=$(host_address "$i")
    if pid=$(silo_pid "$i"); then state=running; else state=stopped pid=; fi
    printf 'host=%s\tnamespace=%s\taddress=%s\tsilo=%s\tpid=%s\thttp=%s\tgateway=%s\tdir=%s\thome=%s\twork=%s\tartifacts=%s\tlog=%s\n' \
      "$i" "$(host_ns "$i")" "$address" "$state" "$pid" "https://$address:$HTTP_PORT" "$address:$GATEWAY_PORT" \
      "$dir" "$dir/home" "$dir/work" "$dir/artifacts" "$dir/silo.log"
  done
  $found || { say "no hosts on $SUBNET.0/24"; return 3; }
  printf 'postgres=%s\n' "$(postgres_connection_string)"
  printf 'tls_ca=%s\ttls_client_cert=%s\ttls_client_key=%s\n' "$HOSTS_DIR/ca/ca.crt" "$HOSTS_DIR/ca/client.crt" "$HOSTS_DIR/ca/client.key"
}

cmd_kill() {
  local i=${1:-} pid
  [[ $i =~ ^[0-9]{1,2}$ ]] || fail "usage: scripts/hosts.sh kill I"
  require_root
  pid=$(silo_pid "$i") || fail "host-$i has no running silo"
  kill -KILL "$pid"
  # Gone from the namespace (a zombie has no namespace; kill -0 would still find it).
  while ip netns pids "$(host_ns "$i")" 2>/dev/null | grep -qxF -- "$pid"; do sleep 0.05; done
  rm -f -- "$(host_dir "$i")/silo.pid"
  say "host-$i: SIGKILLed its silo (pid $pid)"
}

cmd_exec() {
  local i=${1:-}
  [[ $i =~ ^[0-9]{1,2}$ && $# -ge 2 ]] || fail "usage: scripts/hosts.sh exec I CMD..."
  require_root
  ns_exists "$(host_ns "$i")" || fail "host-$i does not exist"
  shift
  exec ip netns exec "$(host_ns "$i")" "$@"
}

case ${1:-} in
  up) cmd_up "${@:2}" ;;
  down) cmd_down "${@:2}" ;;
  status) cmd_status ;;
  kill) cmd_kill "${@:2}" ;;
  exec) cmd_exec "${@:2}" ;;
  *)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
esac
