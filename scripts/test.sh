#!/usr/bin/env bash
# Runs every test of the solution: installs Debian's chromium for the browser tests when it is missing, starts a
# throwaway PostgreSQL 15 (its own port and directory, so a dev server is left alone), runs `dotnet test`, and stops
# and removes the server whatever happens.
# Extra arguments go to `dotnet test` (e.g. --filter ...).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

export ACTORAI_PG_PORT=${ACTORAI_TEST_PG_PORT:-55442}
export ACTORAI_PG_DIR=${ACTORAI_TEST_PG_DIR:-${TMPDIR:-/tmp}/actorai-test-pg-$ACTORAI_PG_PORT}
trap '"$ROOT/scripts/postgres.sh" stop --purge >/dev/null 2>&1 || true' EXIT

# The browser tests drive Debian's chromium; a fresh CI machine does not have it yet.
ensure_chromium

say "starting PostgreSQL for the integration tests"
ACTORAI_TEST_POSTGRES=$("$ROOT/scripts/postgres.sh" start | tail -n 1)
export ACTORAI_TEST_POSTGRES

say "running the tests"
dotnet test "$ROOT/ActorAI.sln" -nologo --blame-hang-timeout 15m "$@"
