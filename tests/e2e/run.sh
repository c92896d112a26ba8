#!/usr/bin/env bash
# tests/e2e/run.sh [PATTERN...]: the end-to-end tests in network namespaces
# (scripts/test.sh step 5). Each test_* function of tests/e2e/cases_*.sh runs
# in its own process (case.sh) under timeout(1); PATTERNs (grep -E) select
# tests by name. Prints one line per test and "N passed, N failed, N skipped".
#
# Tests that need aind are SKIPPED (and said so) while
# $AINET_BUILD_DIR/src/daemon/aind is missing or `aind --version` fails;
# everything else (harness self-tests, kernel-forwarding baselines) always runs.
#
# After all tests it checks that nothing was left behind: no namespace with
# this run's prefix, no process started in one, no change to the root
# nftables ruleset. A leak is a failure (and is removed).
#
# Environment: AINET_BUILD_DIR (default <repo>/build), AINET_PCAP_DIR (see
# docs/pcap.md), AINET_E2E_TIMEOUT (seconds per test, default 420),
# AINET_ENDPOINT_CMD (customer endpoint command, tests/e2e/README.md),
# AINET_E2E_FORCE_AIND=1 (run the aind tests even if `aind --version` fails).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${AINET_BUILD_DIR:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export AINET_BUILD_DIR=$BUILD
export AINET_E2E_RUN="ainet-$$"
TIMEOUT=${AINET_E2E_TIMEOUT:-420}

if [ "$(id -u)" -ne 0 ]; then
  echo "e2e: needs root (network namespaces); 0 passed, 0 failed, all skipped"
  exit 0
fi

export AINET_AIND="$BUILD/src/daemon/aind" AINET_AINCTL="$BUILD/src/cli/ainctl"
if [ -x "$AINET_AIND" ] && { [ "${AINET_E2E_FORCE_AIND:-0}" = 1 ] || "$AINET_AIND" --version >/dev/null 2>&1; }; then
  export AINET_AIND_OK=1
  echo "e2e: aind: $("$AINET_AIND" --version 2>&1 | head -1)"
else
  export AINET_AIND_OK=0
  echo "e2e: aind not runnable ($AINET_AIND missing or --version failed): aind tests will be SKIPPED"
fi

# The list of tests, in file order.
mapfile -t TESTS < <(grep -ho '^test_[a-z0-9_]*()' "$HERE"/cases_*.sh | tr -d '()')
if [ $# -gt 0 ]; then
  pat=$(IFS='|'; echo "$*")
  mapfile -t TESTS < <(printf '%s\n' "${TESTS[@]}" | grep -E "$pat")
fi

watched='aind|ainctl|iperf3|dumpcap|http_server|dns_server|wireguard-go|ipsec/charon|sleep 300'
pids_before=$(pgrep -f "$watched" | sort)
nft_before=$(nft list ruleset 2>/dev/null | md5sum)

passed=0 failed=0 skipped=0
declare -a FAILED_TESTS=() SKIPPED_TESTS=()
LOGDIR=$(mktemp -d "/tmp/$AINET_E2E_RUN-logs-XXXX")
for t in "${TESTS[@]}"; do
  t0=$(date +%s)
  timeout -k 15 "$TIMEOUT" bash "$HERE/case.sh" "$t" >"$LOGDIR/$t.log" 2>&1
  rc=$?
  dt=$(($(date +%s) - t0))
  case $rc in
    0) passed=$((passed + 1)); printf 'PASS    %-44s %4ss\n' "$t" "$dt" ;;
    77) skipped=$((skipped + 1)); SKIPPED_TESTS+=("$t")
        printf 'SKIPPED %-44s %4ss  (%s)\n' "$t" "$dt" "$(grep -o 'SKIP: .*' "$LOGDIR/$t.log" | head -1)" ;;
    *) failed=$((failed + 1)); FAILED_TESTS+=("$t")
       [ $rc -eq 124 ] && echo "  (timed out after ${TIMEOUT}s)" >>"$LOGDIR/$t.log"
       printf 'FAIL    %-44s %4ss  (exit %s)\n' "$t" "$dt" "$rc"
       sed 's/^/    | /' "$LOGDIR/$t.log" | tail -n 40 ;;
  esac
done

# AINET_E2E_LEAK_PROBE=1 (used by test_harness_leak_check_fires): leave one
# namespace and one process behind on purpose, to show the check fires.
if [ "${AINET_E2E_LEAK_PROBE:-0}" = 1 ]; then
  ip netns add "$AINET_E2E_RUN-probe"
  sleep 300 >/dev/null 2>&1 &
  sleep 0.2
fi

# Leak check.
leaks=0
for ns in $(ip netns list | awk '{print $1}' | grep "^$AINET_E2E_RUN-"); do
  echo "LEAK: namespace $ns (pids: $(ip netns pids "$ns" | tr '\n' ' '))"
  for p in $(ip netns pids "$ns"); do kill -KILL "$p" 2>/dev/null; done
  ip netns del "$ns"
  leaks=$((leaks + 1))
done
# Every process a test starts inherits AINET_E2E_RUN; only those are ours.
for p in $(comm -13 <(echo "$pids_before") <(pgrep -f "$watched" | sort)); do
  [ "$p" = $$ ] && continue
  tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -q "^AINET_E2E_RUN=$AINET_E2E_RUN\(-.*\)\?$" || continue
  echo "LEAK: process $p ($(tr '\0' ' ' <"/proc/$p/cmdline" | head -c 80))"
  kill -KILL "$p" 2>/dev/null
  leaks=$((leaks + 1))
done
if [ "$(nft list ruleset 2>/dev/null | md5sum)" != "$nft_before" ]; then
  echo "LEAK: the root namespace's nftables ruleset changed"
  leaks=$((leaks + 1))
fi
if [ $leaks -eq 0 ]; then
  echo "PASS    leak check (no namespace, process or nftables rule left behind)"
  passed=$((passed + 1))
else
  echo "FAIL    leak check ($leaks leaks)"
  failed=$((failed + 1))
fi

echo "e2e: $passed passed, $failed failed, $skipped skipped${SKIPPED_TESTS:+ (SKIPPED: ${SKIPPED_TESTS[*]})}"
if [ $failed -eq 0 ] && [ "${AINET_E2E_KEEP:-0}" != 1 ]; then
  rm -rf "$LOGDIR"
  exit 0
fi
echo "e2e: logs in $LOGDIR"
exit 1
