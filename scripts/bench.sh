#!/usr/bin/env bash
# Benchmarks: prints key=value lines, the headline figure last. Ratios are measured within one run.
#
#   scripts/bench.sh compute [args]   matmul peak; training tokens/s and MFU (tiny, small); generation
#                                     tokens/s with and without KV cache at batch 1 and 8; RSS over
#                                     300 training steps. Headline: mfu_small. Args go to
#                                     `actorai-compute bench` (e.g. --threads 2, --only generate).
#   scripts/bench.sh training [args]  the reference loop vs a job of 2 trainers and 2 parameter shards
#                                     on one in-process silo (same model, data, global batch): tokens/s
#                                     of each, exchange bytes/s, per-phase split; headline: the ratio.
#                                     Args: --data DIR (default: generated), --steps, --preset, --global-batch.
#   scripts/bench.sh serving [args]   one model, prompt and token count: naive in-process generation (batch
#                                     1, no KV cache), cached in-process generation, and a deployment on an
#                                     in-process silo over HTTP (/v1/completions, streamed) at concurrency 1,
#                                     8, 32: tokens/s, p50/p99 time to first token and latency. Headline:
#                                     c=32 / naive throughput, after the c=1 overhead vs cached in-process.
#                                     Args: --preset small | --checkpoint PATH, --tokens 128, --concurrency.
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
  training|serving)
    say "building actorai-bench ($CONFIGURATION)"
    dotnet build "$ROOT/src/ActorAI.Benchmarks/ActorAI.Benchmarks.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2
    exec dotnet "$ROOT/src/ActorAI.Benchmarks/bin/$CONFIGURATION/net10.0/linux-x64/actorai-bench.dll" "$1" "${@:2}"
    ;;
  *)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
esac
