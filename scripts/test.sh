#!/usr/bin/env bash
# The single test command (the README's second command; .ci/run runs
# exactly `./scripts/test.sh`).
#
#   1. installs the Debian dependencies          (scripts/install-deps.sh)
#   2. release build (RelWithDebInfo, Ninja) + ctest
#   3. Debian package: debhelper build + lintian (scripts/package.sh), then
#      its install check: dpkg --root into a scratch root, every path, the
#      binaries run, man -l of every page without warnings, systemd-analyze
#      verify of both units (scripts/package-check.sh)
#   4. ASan+UBSan build (-DAINET_SANITIZE=ON) + ctest
#   5. short bounded fuzz run of every target, two at a time (scripts/fuzz-smoke.sh)
#   6. end-to-end tests in network namespaces      (tests/e2e/run.sh, if present;
#      cases_ops.sh checks live metrics with promtool)
#
# Needs root (packages, namespaces, dpkg --root): as a normal user it says so
# in one line and runs itself again with sudo when there is one.
#
# Every step runs even if an earlier test step failed (a failed build skips
# only the tests of that build), so one run shows every problem. A summary
# table is printed at the end; the exit status is non-zero if any step failed.
#
# Environment (all optional):
#   AINET_BUILD_DIR       release build directory   (default: build)
#   AINET_ASAN_BUILD_DIR  sanitizer build directory (default: build-asan)
#   AINET_JOBS            parallel build/test jobs  (default: 2)
#   AINET_SKIP_DEPS=1     do not run install-deps.sh (offline developer runs)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=scripts/need-root.sh
source scripts/need-root.sh
ainet_need_root "$0" "$@"

BUILD=${AINET_BUILD_DIR:-build}
ASAN_BUILD=${AINET_ASAN_BUILD_DIR:-build-asan}
JOBS=${AINET_JOBS:-2}

declare -a STEP_NAMES=() STEP_RESULTS=() STEP_TIMES=()
FAILED=0
T_START=$(date +%s)

# run_step NAME COMMAND...: runs the command, records PASS/FAIL and seconds.
run_step() {
  local name=$1
  shift
  echo
  echo "=== [test.sh] ${name}: $*"
  local t0 t1 rc
  t0=$(date +%s)
  "$@"
  rc=$?
  t1=$(date +%s)
  STEP_NAMES+=("$name")
  STEP_TIMES+=("$((t1 - t0))")
  if [ $rc -eq 0 ]; then
    STEP_RESULTS+=("PASS")
  else
    STEP_RESULTS+=("FAIL (exit $rc)")
    FAILED=1
  fi
  return $rc
}

skip_step() {
  STEP_NAMES+=("$1")
  STEP_TIMES+=("0")
  STEP_RESULTS+=("SKIP ($2)")
}

configure_and_build() {
  local dir=$1
  shift
  cmake -S "$ROOT" -B "$dir" -G Ninja "$@" && cmake --build "$dir" -j"$JOBS"
}

run_ctest() {
  ctest --test-dir "$1" --output-on-failure -j"$JOBS" --timeout 900
}

# 1. Dependencies.
if [ "${AINET_SKIP_DEPS:-0}" = 1 ]; then
  skip_step "install deps" "AINET_SKIP_DEPS=1"
else
  run_step "install deps" bash scripts/install-deps.sh
fi

# 2. Release build and tests. -O2 as RelWithDebInfo, but -g1 (line tables)
# instead of -g: backtraces keep file:line, and the build needs about a third
# less CPU (measured on tests/sim/ant_basic_test.cc: 11.4 s -> 7.7 s). The
# Debian package (step 3) is built with Debian's own flags, full -g included.
if run_step "release build ($BUILD)" configure_and_build "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"; then
  run_step "release ctest" run_ctest "$BUILD"
else
  skip_step "release ctest" "build failed"
fi

# 3. The Debian package and its install check (scripts/package.sh,
#    scripts/package-check.sh): lintian errors, a missing or extra path, a
#    binary that does not run, a man page warning or a systemd-analyze
#    message each fail.
if run_step "deb package: build + lintian" bash scripts/package.sh --out build-deb; then
  run_step "deb package: install check" bash scripts/package-check.sh
else
  skip_step "deb package: install check" "package build failed"
fi

# 4. Sanitizer build and tests. halt_on_error makes any UB report a failure.
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# -O0 -g1 (line tables) instead of RelWithDebInfo's -O2 -g: sanitizer reports
# keep file:line stack traces, asserts stay on (no NDEBUG), nothing is
# optimised away before the checks run, and the build needs far less CPU
# (tests/sim/ant_basic_test.cc with ASan+UBSan: -O1 -g1 43 s, -O0 -g1 17 s;
# tests/unit/sa/esp_sa_test.cc: -O2 -g 40 s, -O1 -g1 16 s).
if run_step "asan+ubsan build ($ASAN_BUILD)" configure_and_build "$ASAN_BUILD" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAINET_SANITIZE=ON -DAINET_BENCH=OFF \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O0 -g1" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O0 -g1"; then
  run_step "asan+ubsan ctest" run_ctest "$ASAN_BUILD"
else
  skip_step "asan+ubsan ctest" "build failed"
fi

# 5. Fuzz smoke test (owned by the wire layer; bounded in time by that script).
if [ -x scripts/fuzz-smoke.sh ] || [ -f scripts/fuzz-smoke.sh ]; then
  run_step "fuzz smoke" bash scripts/fuzz-smoke.sh
else
  skip_step "fuzz smoke" "scripts/fuzz-smoke.sh not present"
fi

# 6. ----- End-to-end tests (network namespaces; added by the daemon work) -----
#    tests/e2e/run.sh gets the release build directory as AINET_BUILD_DIR.
if [ -f tests/e2e/run.sh ]; then
  run_step "e2e" env AINET_BUILD_DIR="$ROOT/$BUILD" bash tests/e2e/run.sh
else
  skip_step "e2e" "tests/e2e/run.sh not present"
fi
# -----------------------------------------------------------------------------

T_END=$(date +%s)
echo
echo "=== [test.sh] summary"
for i in "${!STEP_NAMES[@]}"; do
  printf '  %-36s %-22s %5ss\n' "${STEP_NAMES[$i]}" "${STEP_RESULTS[$i]}" "${STEP_TIMES[$i]}"
done
printf '  %-36s %-22s %5ss\n' "total (wall)" "" "$((T_END - T_START))"
# CPU time of everything this script ran (children's user + sys), so a run on
# a loaded machine still tells how long it takes on an idle one (~CPU / cores).
# (`times` must run in this shell, not in a $(...) subshell, to see them.)
TIMES_FILE=$(mktemp)
times >"$TIMES_FILE"
CHILD_CPU=$(tail -n 1 "$TIMES_FILE" | awk '{ split($1, u, "m"); split($2, s, "m");
  printf "%d", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
rm -f "$TIMES_FILE"
printf '  %-36s %-22s %5ss\n' "total (CPU, user+sys)" "" "$CHILD_CPU"
if [ $FAILED -ne 0 ]; then
  echo "=== [test.sh] FAILED"
  exit 1
fi
echo "=== [test.sh] ALL PASSED"
