#!/usr/bin/env bash
# Short, bounded libFuzzer run of every tests/fuzz/fuzz_*.cc target; used by
# scripts/test.sh. Fails if the fuzz build fails or any target finds a crash,
# leak, sanitizer report, timeout or out-of-memory.
#
#   scripts/fuzz-smoke.sh [seconds-per-target] [target...]
#
# seconds-per-target defaults to 10; with no targets, all fuzz_* are run.
# Environment (optional):
#   AINET_FUZZ_BUILD_DIR  build directory (default: build-fuzz)
#   AINET_JOBS            parallel build jobs, and targets fuzzed at once (default: 2)
# Crash inputs are saved to <build>/fuzz-artifacts/<target>-crash-*; new
# corpus entries go to <build>/fuzz-corpus/<target>/ (the committed seeds in
# tests/fuzz/corpus/<target>/ are only read).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SECS=${1:-10}
shift $(($# > 0 ? 1 : 0))
BUILD=${AINET_FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${AINET_JOBS:-2}

if ! [[ "$SECS" =~ ^[0-9]+$ ]] || [ "$SECS" -lt 1 ]; then
  echo "usage: $0 [seconds-per-target] [target...]" >&2
  exit 2
fi

if [ $# -gt 0 ]; then
  TARGETS=("$@")
else
  TARGETS=()
  for src in "$ROOT"/tests/fuzz/fuzz_*.cc; do
    [ -e "$src" ] || continue
    TARGETS+=("$(basename "$src" .cc)")
  done
fi
if [ ${#TARGETS[@]} -eq 0 ]; then
  echo "fuzz-smoke: no fuzz targets in tests/fuzz" >&2
  exit 1
fi

echo "=== fuzz-smoke: configure $BUILD (clang, AINET_FUZZ=ON)"
mkdir -p "$BUILD"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DAINET_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD/configure.log" 2>&1 || {
  cat "$BUILD/configure.log" >&2
  echo "fuzz-smoke: configure FAILED" >&2
  exit 1
}
echo "=== fuzz-smoke: build ${TARGETS[*]}"
if ! cmake --build "$BUILD" --target "${TARGETS[@]}" -j "$JOBS"; then
  echo "fuzz-smoke: build FAILED" >&2
  exit 1
fi

mkdir -p "$BUILD/fuzz-artifacts"
# fuzz_one T: runs target T for SECS seconds and writes its summary line to
# $BUILD/fuzz-artifacts/T.result (PASS/FAIL first word).
fuzz_one() {
  local t=$1
  local bin="$BUILD/tests/fuzz/$t"
  local work="$BUILD/fuzz-corpus/$t"
  local seeds="$ROOT/tests/fuzz/corpus/$t"
  mkdir -p "$work"
  local corpora=("$work")
  [ -d "$seeds" ] && corpora+=("$seeds")
  local log="$BUILD/fuzz-artifacts/$t.log"
  # -timeout: one input taking >10 s is a finding; -rss_limit_mb bounds memory.
  "$bin" -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$BUILD/fuzz-artifacts/$t-" \
    "${corpora[@]}" >"$log" 2>&1
  local rc=$?
  local execs
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  if [ $rc -eq 0 ]; then
    printf '%-28s PASS  %s execs\n' "$t" "${execs:-?}" >"$BUILD/fuzz-artifacts/$t.result"
  else
    printf '%-28s FAIL  exit %d, see %s\n' "$t" "$rc" "$log" >"$BUILD/fuzz-artifacts/$t.result"
  fi
}

# The targets are independent single-threaded processes, so JOBS of them run
# at once (the CI machine has 2 cores; each still gets SECS seconds).
declare -a RESULTS=()
FAILED=0
running=0
for t in "${TARGETS[@]}"; do
  rm -f "$BUILD/fuzz-artifacts/$t.result"
  if [ "$running" -ge "$JOBS" ]; then
    wait -n
    running=$((running - 1))
  fi
  echo "=== fuzz-smoke: $t for ${SECS}s (log: $BUILD/fuzz-artifacts/$t.log)"
  fuzz_one "$t" &
  running=$((running + 1))
done
wait
for t in "${TARGETS[@]}"; do
  line=$(cat "$BUILD/fuzz-artifacts/$t.result" 2>/dev/null ||
    printf '%-28s FAIL  no result' "$t")
  RESULTS+=("$line")
  case $line in
    *" PASS "*) ;;
    *)
      FAILED=1
      tail -n 40 "$BUILD/fuzz-artifacts/$t.log" >&2
      ;;
  esac
done

echo
echo "=== fuzz-smoke summary (${SECS}s per target)"
printf '%s\n' "${RESULTS[@]}"
exit $FAILED
