#!/usr/bin/env bash
# Packs what .NET users install into a local folder feed:
#   ActorAI.Abstractions  grain interfaces and wire contracts (NuGet library)
#   ActorAI.Client        the .NET client library: ActorAIClient, the deployment router, an IChatClient
#   actorai               the command-line tool (dotnet tool install)
# each with its symbols package (.snupkg). The version is VersionPrefix in Directory.Build.props.
#
#   scripts/pack.sh [--output DIR] [--version-suffix SUFFIX] [--configuration CONFIG] [--no-build]
#
#   --output DIR            the feed folder (default <repo>/artifacts/packages, which git ignores)
#   --version-suffix S      a prerelease suffix: 0.1.0-S (default none)
#   --configuration CONFIG  Release (default) or Debug
#   --no-build              pack what the configuration already built (the tests do this)
#
# The last stdout line is the feed folder. Then, in a project:
#   dotnet add package ActorAI.Client --source DIR [--version 0.1.0-S]
#   dotnet tool install --global actorai --add-source DIR [--version 0.1.0-S]
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

output=$ROOT/artifacts/packages
suffix=
configuration=$CONFIGURATION
build=()
while (($#)); do
  case $1 in
    --output) output=${2:?--output needs a folder}; shift 2 ;;
    --version-suffix) suffix=${2:?--version-suffix needs a value}; shift 2 ;;
    --configuration) configuration=${2:?--configuration needs a value}; shift 2 ;;
    --no-build) build=(--no-build); shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument '$1' (see scripts/pack.sh --help)" ;;
  esac
done
mkdir -p "$output"
output=$(cd -- "$output" && pwd)

version_args=()
[[ -n $suffix ]] && version_args=("-p:VersionSuffix=$suffix")

for project in ActorAI.Abstractions ActorAI.Client ActorAI.Cli; do
  say "packing $project ($configuration${suffix:+, suffix $suffix})"
  dotnet pack "$ROOT/src/$project/$project.csproj" -c "$configuration" -o "$output" "${build[@]}" "${version_args[@]}" \
    -nologo -v quiet -clp:ErrorsOnly >&2
done
ls -1 "$output" | grep -E '^(ActorAI\.(Abstractions|Client)|actorai)\.' >&2 || fail "no packages were written to $output"
echo "$output"
