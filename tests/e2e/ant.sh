# shellcheck shell=bash
# tests/e2e/ant.sh: aind configuration generation and ANT helpers (filled in next).
