#!/usr/bin/env bash
# Certificates for a cluster with mutual TLS (Tls:* on silos, --tls-* for clients) and for HTTPS
# (Http:CertificatePath/KeyPath), made with openssl. Idempotent: existing files are kept.
#
#   scripts/certs.sh ca DIR                  DIR/ca.crt and DIR/ca.key: the cluster's CA (10 years)
#   scripts/certs.sh issue DIR NAME [ADDR...]  DIR/NAME.crt and DIR/NAME.key signed by DIR/ca.crt
#                                            (825 days), for serverAuth and clientAuth; each ADDR (an
#                                            IP address or a DNS name) goes into subjectAltName, next
#                                            to 127.0.0.1 and localhost
#
# A silo uses NAME.crt/NAME.key and ca.crt; so does a client (issue one per client). Keys are
# unencrypted PEM, mode 600: copy ca.key nowhere but where new certificates are issued.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

command -v openssl >/dev/null || fail "openssl is not installed"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

make_ca() {
  local dir=$1
  mkdir -p -- "$dir"
  if [[ -f $dir/ca.crt && -f $dir/ca.key ]]; then
    say "CA exists: $dir/ca.crt"
    return
  fi
  (umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.key.tmp")
  openssl req -x509 -new -sha256 -key "$dir/ca.key.tmp" -days 3650 -subj "/CN=ActorAI cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" -out "$dir/ca.crt.tmp" 2>/dev/null
  mv -- "$dir/ca.key.tmp" "$dir/ca.key"
  mv -- "$dir/ca.crt.tmp" "$dir/ca.crt"
  chmod 600 -- "$dir/ca.key"
  say "made CA $dir/ca.crt"
}

issue() {
  local dir=$1 name=$2 san="IP:127.0.0.1,DNS:localhost" addr config
  shift 2
  [[ $name =~ ^[A-Za-z0-9._-]+$ ]] || fail "NAME must be letters, digits, '.', '_' or '-' (was '$name')"
  [[ -f $dir/ca.crt && -f $dir/ca.key ]] || fail "no CA in $dir (run: scripts/certs.sh ca $dir)"
  if [[ -f $dir/$name.crt && -f $dir/$name.key ]]; then
    say "certificate exists: $dir/$name.crt"
    return
  fi
  for addr in "$@"; do
    if [[ $addr =~ ^[0-9.]+$ || $addr == *:* ]]; then san+=",IP:$addr"; else san+=",DNS:$addr"; fi
  done
  config=$dir/$name.ext.tmp
  cat >"$config" <<EOF
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  (umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$dir/$name.key.tmp")
  openssl req -new -sha256 -key "$dir/$name.key.tmp" -subj "/CN=$name" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -sha256 -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 825 -extfile "$config" -out "$dir/$name.crt.tmp" 2>/dev/null
  # PKCS#8, the PEM form X509Certificate2.CreateFromPemFile reads for every key type.
  (umask 077 && openssl pkcs8 -topk8 -nocrypt -in "$dir/$name.key.tmp" -out "$dir/$name.key")
  rm -f -- "$dir/$name.key.tmp" "$dir/$name.csr" "$config"
  mv -- "$dir/$name.crt.tmp" "$dir/$name.crt"
  chmod 600 -- "$dir/$name.key"
  say "issued $dir/$name.crt ($san)"
}

case ${1:-} in
  ca)
    [[ $# -eq 2 ]] || { usage >&2; exit 2; }
    make_ca "$2"
    ;;
  issue)
    [[ $# -ge 3 ]] || { usage >&2; exit 2; }
    issue "$2" "$3" "${@:4}"
    ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
