#!/usr/bin/env bash
# The long fuzz campaign (not part of the test command; scripts/fuzz-smoke.sh
# is the short CI run). Every tests/fuzz/fuzz_*.cc target, or the ones named,
# runs for a number of executions in the clang build with libFuzzer +
# AddressSanitizer + UndefinedBehaviorSanitizer (-DAINET_FUZZ=ON, see the
# top-level CMakeLists.txt), one target after the other. Afterwards the
# committed corpus tests/fuzz/corpus/<target>/ (which fuzz-smoke.sh reads as
# its seeds) becomes the minimised union of itself and what the campaign
# found: libFuzzer -set_cover_merge=1 over edge coverage (-use_counters=0)
# keeps the smallest set of inputs it finds that reaches every edge any of
# them reaches, plus the hand-made seeds (seed*.bin, tests/fuzz/make_seeds.py).
#
#   scripts/fuzz.sh [--runs N] [--max-time S] [--no-merge] [target...]
#   scripts/fuzz.sh --minimise [target...]
#
#   --runs N      executions per target (default 10000000)
#   --max-time S  bound per target in seconds (default 14400); a target that
#                 hits it before N executions is reported SHORT (exit 1)
#   --no-merge    leave tests/fuzz/corpus/ alone
#   --minimise    only minimise the committed corpora (no fuzzing)
#
# Run it at low priority on a shared machine: nice -n 19 scripts/fuzz.sh
# Any crash, leak, sanitizer report, timeout (>10 s per input) or
# out-of-memory (>2 GB) fails the target; the input is saved under
# <build>/fuzz-artifacts/. A table of executions per target is printed and
# written to <build>/fuzz-campaign.txt.
#
# Environment (optional): AINET_FUZZ_BUILD_DIR (default build-fuzz),
# AINET_JOBS (default 2), AINET_FUZZ_SUMMARY (the table's file; default
# <build>/fuzz-campaign.txt; set it when two campaigns share a build).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

RUNS=10000000
MAXT=14400
MERGE=1
MINIMISE_ONLY=0
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=${2:-}; shift 2 ;;
    --max-time) MAXT=${2:-}; shift 2 ;;
    --no-merge) MERGE=0; shift ;;
    --minimise) MINIMISE_ONLY=1; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
for v in "$RUNS" "$MAXT"; do
  if ! [[ "$v" =~ ^[0-9]+$ ]] || [ "$v" -lt 1 ]; then
    echo "fuzz.sh: --runs and --max-time take a positive integer" >&2
    exit 2
  fi
done
BUILD=${AINET_FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${AINET_JOBS:-2}

if [ ${#TARGETS[@]} -eq 0 ]; then
  for src in "$ROOT"/tests/fuzz/fuzz_*.cc; do
    [ -e "$src" ] && TARGETS+=("$(basename "$src" .cc)")
  done
fi
if [ ${#TARGETS[@]} -eq 0 ]; then
  echo "fuzz.sh: no fuzz targets in tests/fuzz" >&2
  exit 1
fi

echo "=== fuzz.sh: configure and build $BUILD (clang, libFuzzer + ASan + UBSan)"
mkdir -p "$BUILD"
if ! cmake -S "$ROOT" -B "$BUILD" -G Ninja -DAINET_FUZZ=ON \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD/configure.log" 2>&1; then
  cat "$BUILD/configure.log" >&2
  echo "fuzz.sh: configure FAILED" >&2
  exit 1
fi
if ! cmake --build "$BUILD" --target "${TARGETS[@]}" -j "$JOBS"; then
  echo "fuzz.sh: build FAILED" >&2
  exit 1
fi

# minimise BIN SEEDS [MORE_DIRS...]: SEEDS becomes the set-cover minimum
# (by edges) of SEEDS and MORE_DIRS, plus every hand-made seed. libFuzzer
# names the files it writes by the SHA-1 of their content (40 hex digits);
# any other name is a hand-made seed (tests/fuzz/make_seeds.py) and stays,
# and a found file with a hand-made seed's content is not kept twice.
minimise() {
  local bin=$1 seeds=$2 t min f
  shift 2
  t=$(basename "$seeds")
  min="$BUILD/fuzz-campaign/$t.min"
  rm -rf "$min" && mkdir -p "$min"
  "$bin" -set_cover_merge=1 -use_counters=0 -rss_limit_mb=2048 -timeout=10 -max_len=4096 \
    "$min" "$seeds" "$@" >"$BUILD/fuzz-artifacts/$t-minimise.log" 2>&1 || return 1
  for f in "$seeds"/*; do
    [ -f "$f" ] || continue
    [[ $(basename "$f") =~ ^[0-9a-f]{40}$ ]] && continue
    cp "$f" "$min"/
    rm -f "$min/$(sha1sum <"$f" | cut -d' ' -f1)"
  done
  find "$seeds" -type f -delete && cp "$min"/* "$seeds"/ && rm -rf "$min"
}

mkdir -p "$BUILD/fuzz-artifacts"
if [ "$MINIMISE_ONLY" = 1 ]; then
  rc=0
  for t in "${TARGETS[@]}"; do
    seeds="$ROOT/tests/fuzz/corpus/$t"
    [ -d "$seeds" ] || continue
    before="$(find "$seeds" -type f | wc -l) files, $(du -sb "$seeds" | cut -f1) bytes"
    if minimise "$BUILD/tests/fuzz/$t" "$seeds"; then
      echo "$t: $before -> $(find "$seeds" -type f | wc -l) files, $(du -sb "$seeds" | cut -f1) bytes"
    else
      echo "$t: minimising FAILED (log: $BUILD/fuzz-artifacts/$t-minimise.log)"
      rc=1
    fi
  done
  exit $rc
fi
SUMMARY=${AINET_FUZZ_SUMMARY:-$BUILD/fuzz-campaign.txt}
declare -a ROWS=()
FAILED=0
for t in "${TARGETS[@]}"; do
  bin="$BUILD/tests/fuzz/$t"
  work="$BUILD/fuzz-campaign/$t"
  seeds="$ROOT/tests/fuzz/corpus/$t"
  mkdir -p "$work" "$seeds"
  log="$BUILD/fuzz-artifacts/$t-campaign.log"
  echo "=== fuzz.sh: $t, $RUNS executions (at most ${MAXT}s; log: $log)"
  t0=$(date +%s)
  # New inputs go to $work (first corpus dir); the committed seeds are read.
  "$bin" -runs="$RUNS" -max_total_time="$MAXT" -rss_limit_mb=2048 -timeout=10 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$BUILD/fuzz-artifacts/$t-" \
    "$work" "$seeds" >"$log" 2>&1
  rc=$?
  secs=$(($(date +%s) - t0))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
  execs=${execs:-0}
  status=PASS
  if [ $rc -ne 0 ]; then
    status="FAIL (exit $rc)"
    FAILED=1
    tail -n 40 "$log" >&2
  elif [ "$execs" -lt "$RUNS" ]; then
    status="SHORT (time bound)"
    FAILED=1
  fi
  before=$(find "$seeds" -type f | wc -l)
  if [ "$MERGE" = 1 ] && [ $rc -eq 0 ]; then
    minimise "$bin" "$seeds" "$work" || {
      status="$status, minimise FAILED"
      FAILED=1
    }
  fi
  files=$(find "$seeds" -type f | wc -l)
  bytes=$(du -sb "$seeds" | cut -f1)
  ROWS+=("$(printf '%-20s %-28s %12s %7ss %9s/s  corpus %4s -> %4s files, %7s bytes' "$t" "$status" "$execs" \
    "$secs" "$((execs / (secs > 0 ? secs : 1)))" "$before" "$files" "$bytes")")
done

{
  echo "=== fuzz.sh campaign: $RUNS executions per target, libFuzzer + ASan + UBSan ($(date -u +%F))"
  printf '%s\n' "${ROWS[@]}"
} | tee "$SUMMARY"
exit $FAILED
