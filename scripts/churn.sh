#!/usr/bin/env bash
# scripts/churn.sh [COUNT]: the long version of the sim churn test (issue 10,
# "Under load, nothing breaks"; tests/sim/ant_churn_test.cc): COUNT ANT
# set-ups and teardowns (default 100,000) through one AIN in waves of 10,000
# live ANTs, every engine table back to its baseline after each wave, RSS
# after every later wave within 4 MiB of RSS after the first and malloc's
# bytes in use within 256 KiB. CI runs 30,000 (10,000 under ASan). Prints
# RSS and heap per wave and the CPU time it took.
# Environment: AINET_BUILD_DIR (default build; a RelWithDebInfo build).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${AINET_BUILD_DIR:-build}
BIN=$BUILD/tests/sim_tests
[ -x "$BIN" ] || { echo "churn.sh: $BIN not built (cmake --build $BUILD --target sim_tests)"; exit 1; }
export AINET_CHURN_ANTS=${1:-100000}
TIMEFORMAT="churn.sh: %U s user, %S s system, %R s wall"
time "$BIN" --gtest_filter='AntChurn.*'
