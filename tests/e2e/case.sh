#!/usr/bin/env bash
# tests/e2e/case.sh TEST_FUNCTION: runs one e2e test in its own bash process
# (own namespace prefix, own cleanup trap). run.sh bounds it with timeout(1).
# Exit status: 0 passed, 77 skipped, anything else failed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$HERE/lib.sh"
# shellcheck source=tests/e2e/apps.sh
source "$HERE/apps.sh"
# shellcheck source=tests/e2e/ant.sh
source "$HERE/ant.sh"
for f in "$HERE"/cases_*.sh; do
  # shellcheck disable=SC1090
  source "$f"
done
declare -F "$1" >/dev/null || { echo "no test $1" >&2; exit 2; }
# docs/pcap.md: every test captures into its own directory (fresh keys each).
if [ -n "${AINET_PCAP_DIR:-}" ]; then
  export AINET_PCAP_DIR="$AINET_PCAP_DIR/${1#test_}"
  rm -rf "$AINET_PCAP_DIR"
fi
"$1"
