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
  training)
    say "building actorai-bench ($CONFIGURATION)"
    dotnet build "$ROOT/src/ActorAI.Benchmarks/ActorAI.Benchmarks.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2
    exec dotnet "$ROOT/src/ActorAI.Benchmarks/bin/$CONFIGURATION/net10.0/linux-x64/actorai-bench.dll" training "${@:2}"
    ;;
  *)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
esac
