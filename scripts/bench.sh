#!/usr/bin/env bash
# Benchmarks: prints key=value lines, the headline figure last. Ratios are measured within one run.
#
#   scripts/bench.sh compute [args]   matmul peak; training tokens/s and MFU (tiny, small); generation
#                                     tokens/s with and without KV cache at batch 1 and 8; RSS over
#                                     300 training steps. Headline: mfu_small. Args go to
#                                     `actorai-compute bench` (e.g. --threads 2, --only generate).
#   scripts/bench.sh training [args]  the reference loop vs a job of 2 trainers and 2 parameter shards
#                                     on one in-process silo started once (same model, data, global batch,
#                                     threads), in alternating rounds: each round the reference, the job,
#                                     then the reference at the trainers' micro-batch (global batch / 2
#                                     rows). Per round: tokens/s of each and ratio_rN; then medians, the
#                                     job's wall step time and per-phase split (pull/compute/push/apply),
#                                     exchange bytes/s, the compute phase against the micro-batch
#                                     reference, the matmul peak and the MFU of each, the ratio's min/max.
#                                     Headline: ratio_distributed_over_reference_median. Args: --data DIR
#                                     (default: generated), --rounds 3, --steps 30 (measured, after
#                                     --warmup 2), --preset small, --global-batch 16, --threads (cores).
#   scripts/bench.sh serving [args]   one model (random weights, context 4096) and one seeded mix of prompts of
#                                     20-1,000 tokens: the baseline (cached in-process decoding, batch 1, whole
#                                     prompt in one pass); the replica's engine in process and a deployment over
#                                     HTTP (/v1/completions, streamed) at concurrency 1, 8, 32 (tokens/s, TTFT,
#                                     ITL or TPOT p50/p99); the c=32 FLOP rate as a fraction of the matmul peak
#                                     measured in the run; prefix caching (shared 200-token system prompt, and a
#                                     0% hit rate, on vs off); a 2,000-token arrival beside 8 decoding requests;
#                                     the c=1 overhead of HTTP vs the engine (alternating pairs); the naive ratio.
#                                     Headline: c=32 over HTTP / cached batch 1. Args: --preset small,
#                                     --context 4096, --tokens 128, --requests 64, --min-prompt, --max-prompt,
#                                     --concurrency 1,8,32, --checkpoint PATH.
#   scripts/bench.sh pipeline [args]  one model (random weights; preset medium, context 1024) served whole and as
#                                     pipelines of 2 and 4 model shards on one in-process silo, in alternating
#                                     rounds: tokens/s (median, spread), TTFT p50/p99, the FLOP rate as a fraction
#                                     of the matmul peak, bytes/s between the stages; the training bubble of a
#                                     GPipe job against (S-1)/(M+S-1). Headline: pipeline (S=2) tokens/s / unsplit.
#                                     Args: --preset, --context, --concurrency 8, --requests 16, --tokens 64,
#                                     --rounds 3, --stages 1,2,4.
#   scripts/bench.sh metrics [args]   serving throughput of a silo with Telemetry:Metrics on vs off (no
#                                     instruments, no listener), both silos in one process taking turns over
#                                     8 rounds, and the /metrics scrape time after traffic. Headline: metrics_throughput_ratio
#                                     (on/off; goal >= 0.98). Args: --preset, --checkpoint, --tokens 64,
#                                     --rounds 8, --concurrency 8, --requests 32.
#   scripts/bench.sh dashboard [args] an in-process silo seeded with 10,000 job catalog records (finished jobs) and
#                                     1,000 model versions: p50/p95 server time of /dashboard/jobs (plain, filtered,
#                                     deep page) and of a model's versions page with a signed-in cookie; the time from a
#                                     real job's step to its point on the open job page in Chromium (Playwright). Args:
#                                     --jobs 10000, --versions 1000, --requests 40, --samples 20, --chromium PATH.
#                                     Ends with the metrics comparison above; headline: metrics_throughput_ratio.
#   scripts/bench.sh artifacts [args] (root) 3 namespace hosts (scripts/hosts.sh, net 240): a plain TCP
#                                     stream between two hosts (the baseline: the network's peak), uploads
#                                     acknowledged on 2 stores, then SIGKILL host 1 and time until every
#                                     artifact is back to 2 live copies. Peak: the slower of the TCP stream
#                                     and a flushed write to this disk. Headline: transfer_mb_per_s, the
#                                     re-copy throughput between the surviving hosts. Args: --size-mb 128,
#                                     --count 4.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

COMPUTE_DLL=$ROOT/src/ActorAI.Compute.Host/bin/$CONFIGURATION/net10.0/linux-x64/actorai-compute.dll

case ${1:-} in
  compute)
    say "building actorai-compute ($CONFIGURATION)"
    dotnet build "$ROOT/src/ActorAI.Compute.Host/ActorAI.Compute.Host.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2
    exec dotnet "$COMPUTE_DLL" bench "${@:2}"
    ;;
  training|serving|pipeline|metrics|dashboard)
    say "building actorai-bench ($CONFIGURATION)"
    dotnet build "$ROOT/src/ActorAI.Benchmarks/ActorAI.Benchmarks.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2
    exec dotnet "$ROOT/src/ActorAI.Benchmarks/bin/$CONFIGURATION/net10.0/linux-x64/actorai-bench.dll" "$1" "${@:2}"
    ;;
  artifacts)
    say "building actorai-bench and actorai-silo ($CONFIGURATION)"
    dotnet build "$ROOT/src/ActorAI.Benchmarks/ActorAI.Benchmarks.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2
    build_products
    BENCH=$ROOT/src/ActorAI.Benchmarks/bin/$CONFIGURATION/net10.0/linux-x64/actorai-bench.dll
    export ACTORAI_HOSTS_NET=${ACTORAI_HOSTS_NET:-240} ACTORAI_HOSTS_PG_PORT=${ACTORAI_HOSTS_PG_PORT:-55439}
    export ACTORAI_CLUSTER_ID=bench-artifacts ACTORAI_SILO_DLL=$SILO_DLL
    hosts() { "$ROOT/scripts/hosts.sh" "$@"; }
    trap 'hosts down >/dev/null 2>&1 || true' EXIT
    hosts up 3 >&2
    net=198.18.$ACTORAI_HOSTS_NET
    tcp_out=$(mktemp)
    hosts exec 2 dotnet "$BENCH" tcp-sink --listen "$net.12:40000" >"$tcp_out" &
    sink=$!
    hosts exec 1 dotnet "$BENCH" tcp-send --to "$net.12:40000" --mb 2048
    wait "$sink"
    cat "$tcp_out"
    tcp=$(sed -n 's/^tcp_mb_per_s=//p' "$tcp_out")
    rm -f "$tcp_out"
    ca=$STATE_DIR/hosts-$ACTORAI_HOSTS_NET/ca
    dotnet "$BENCH" artifacts --gateway "$net.10:30000,$net.11:30000,$net.12:30000" --cluster-id bench-artifacts \
      --tls-cert "$ca/client.crt" --tls-key "$ca/client.key" --tls-ca "$ca/ca.crt" \
      --tcp-mb-per-s "$tcp" --disk-dir "$STATE_DIR" --kill "$ROOT/scripts/hosts.sh kill 1 >&2" "${@:2}"
    ;;
  *)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
esac
