# shellcheck shell=bash
# tests/e2e/ant.sh: aind configuration generation and ANT helpers (filled in next).

E2E_AIND=${AINET_AIND:-${AINET_BUILD_DIR:-$E2E_ROOT/build}/src/daemon/aind}
E2E_AINCTL=${AINET_AINCTL:-${AINET_BUILD_DIR:-$E2E_ROOT/build}/src/cli/ainctl}
declare -a E2E_AIND_PIDS=()

# e2e_aind_runnable: aind exists and answers --version.
e2e_aind_runnable() { [ -x "$E2E_AIND" ] && "$E2E_AIND" --version >/dev/null 2>&1; }
