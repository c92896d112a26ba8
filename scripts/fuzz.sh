#!/usr/bin/env bash
# Long libFuzzer campaign: every tests/fuzz/fuzz_*.cc target (or the ones
# named) for 600 s each by default. Same build, corpora and failure rules as
# scripts/fuzz-smoke.sh, which does the work.
#
#   scripts/fuzz.sh [seconds-per-target] [target...]
set -uo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-600}
shift $(($# > 0 ? 1 : 0))
exec bash scripts/fuzz-smoke.sh "$SECS" "$@"
