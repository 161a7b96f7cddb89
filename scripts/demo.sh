#!/usr/bin/env bash
# The ActorAI demo, end to end on this machine:
#   1. build, start a dev silo (embedded dev profile: localhost clustering, in-memory storage, no server
#      needed) in the background and wait until it is healthy;
#   2. prepare the demo corpus (Debian's fortunes, scripts/corpus.sh) unless it is already prepared;
#   3. push it into the cluster's artifact store as dataset `fortunes` (actorai data push) and train a small
#      GPT on it by name with 2 trainers and 2 parameter shards, with a live progress bar
#      ($ACTORAI_DEMO_STEPS steps, default 400: about 8 minutes here);
#   4. register the weights as a new version of model `fortune`, point its `production` alias at it and
#      deploy `fortune@production` with 2 replicas;
#   5. stream a few generations through the deployment;
#   6. leave the silo running and print its URLs and a ready curl line for /v1/chat/completions.
# Run again while the silo runs, it reuses the deployment and only streams generations.
#
#   scripts/demo.sh          run the demo (or reuse the running one)
#   scripts/demo.sh stop     stop the dev silo
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

DATA=${ACTORAI_CORPUS_DIR:-$ROOT/.actorai/corpus/fortunes}/prepared
STEPS=${ACTORAI_DEMO_STEPS:-400}
if actorai deployments show fortune >/dev/null 2>&1; then
  say "deployment 'fortune' is already serving; skipping training (scripts/demo.sh stop, then run again, to start over)"
else
  if [[ ! -f $DATA/manifest.json ]]; then
    "$ROOT/scripts/corpus.sh"
  fi
  say "actorai data push: the prepared corpus into the cluster's artifact store as dataset 'fortunes'"
  actorai data push "$DATA" --name fortunes
  JOB=demo-$(date +%Y%m%d-%H%M%S)
  say "actorai train: small GPT, 2 trainers + 2 parameter shards, $STEPS steps (job $JOB)"
  actorai train --data fortunes --preset small --steps "$STEPS" --global-batch 16 --workers 2 --shards 2 \
    --lr 2e-3 --min-lr 2e-4 --warmup 20 --job-id "$JOB"
  say "actorai models register fortune --job $JOB"
  registered=$(actorai models register fortune --job "$JOB" --tag demo)
  echo "$registered"
  version=$(sed -n 's/^Registered fortune v\([0-9]*\).*/\1/p' <<<"$registered")
  [[ -n $version ]] || fail "could not read the registered version from: $registered"
  actorai models alias fortune production "$version"
  say "actorai deploy fortune --model fortune@production --replicas 2"
  actorai deploy fortune --model fortune@production --replicas 2
fi

for prompt in "You will" "A man who" "The secret of life is"; do
  say "actorai generate fortune \"$prompt\""
  actorai generate fortune "$prompt" --max-tokens 160 --temperature 0.8
done

cat <<MSG

The dev silo is running (pid $pid) and serving deployment 'fortune' (model fortune@production, 2 replicas).
  health     curl http://127.0.0.1:$HTTP_PORT/health
  OpenAI API http://127.0.0.1:$HTTP_PORT/v1   (API key: $DEV_KEY)
  dashboard  http://127.0.0.1:$HTTP_PORT/   (sign in with the dev key: jobs, loss curves, models, deployments, playground)
  metrics    curl http://127.0.0.1:$HTTP_PORT/metrics -H 'Authorization: Bearer $DEV_KEY'   (Prometheus text)
  orleans    http://127.0.0.1:$HTTP_PORT/orleans   (the Orleans grain dashboard)
  chat       curl -N http://127.0.0.1:$HTTP_PORT/v1/chat/completions -H 'Authorization: Bearer $DEV_KEY' \\
               -H 'Content-Type: application/json' \\
               -d '{"model":"fortune","messages":[{"role":"user","content":"Tell me my fortune."}],"max_tokens":120,"stream":true}'
  CLI        dotnet $CLI_DLL generate fortune "Today"      (also: models show fortune, deployments show fortune)
  stop       scripts/demo.sh stop
MSG
