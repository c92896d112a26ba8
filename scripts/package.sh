#!/usr/bin/env bash
# Builds the Debian package ainet_<version>_<arch>.deb with debhelper
# (debian/), then runs lintian on it; fails on any lintian error.
#
#   scripts/package.sh [--out DIR]
#
# The build runs dpkg-buildpackage on a copy of the source tree in a scratch
# directory (so neither the tree nor its parent get build files), without
# root (Rules-Requires-Root: no). The .deb (and its -dbgsym .deb, .buildinfo,
# .changes) land in DIR (default build-deb/); the lintian report is
# DIR/lintian.txt. scripts/package-check.sh then installs the .deb into a
# scratch root and checks it (the test command runs both).
#
# Environment: AINET_JOBS (parallel build jobs, default 2).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
OUT=build-deb
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=${2:?--out needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "package.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $OUT in /*) ;; *) OUT=$ROOT/$OUT ;; esac
JOBS=${AINET_JOBS:-2}

for tool in dpkg-buildpackage dh lintian pandoc; do
  command -v "$tool" >/dev/null ||
    { echo "package.sh: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/ainet-package-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
SRC="$WORK/ainet"
mkdir -p "$SRC"
# The tree without build directories, VCS data or packaging leftovers.
tar -C "$ROOT" --exclude-vcs --exclude='./build*' --exclude='./debian/ainet' --exclude='./debian/.debhelper' \
  --exclude='./debian/tmp' --exclude='./obj-*' --exclude='./out' -cf - . | tar -C "$SRC" -xf - ||
  { echo "package.sh: copying the source tree failed" >&2; exit 1; }

echo "=== package.sh: dpkg-buildpackage -b (debhelper, CMake; log: $OUT/build.log)"
mkdir -p "$OUT"
rm -f "$OUT"/ainet_*.deb "$OUT"/ainet-dbgsym_*.deb "$OUT"/ainet_*.buildinfo "$OUT"/ainet_*.changes
if ! (cd "$SRC" && DEB_BUILD_OPTIONS="parallel=$JOBS" dpkg-buildpackage -b -us -uc) >"$OUT/build.log" 2>&1; then
  tail -n 40 "$OUT/build.log" >&2
  echo "package.sh: dpkg-buildpackage FAILED (log: $OUT/build.log)" >&2
  exit 1
fi
cp "$WORK"/ainet_*.deb "$WORK"/ainet_*.buildinfo "$WORK"/ainet_*.changes "$OUT"/ 2>/dev/null
cp "$WORK"/ainet-dbgsym_*.*deb "$OUT"/ 2>/dev/null || true
DEB=$(ls "$OUT"/ainet_*.deb 2>/dev/null | head -n 1)
[ -n "$DEB" ] || { echo "package.sh: no ainet_*.deb was built" >&2; exit 1; }
echo "built $DEB ($(du -k "$DEB" | cut -f1) KiB)"

echo "=== package.sh: lintian $(basename "$DEB")"
# --fail-on error: warnings and info tags are reported, errors fail.
lintian --fail-on error --display-info "$DEB" >"$OUT/lintian.txt" 2>&1
rc=$?
sed 's/^/  /' "$OUT/lintian.txt"
errors=$(grep -c '^E: ' "$OUT/lintian.txt")
warnings=$(grep -c '^W: ' "$OUT/lintian.txt")
echo "lintian: $errors error(s), $warnings warning(s) (report: $OUT/lintian.txt)"
if [ $rc -ne 0 ] || [ "$errors" -ne 0 ]; then
  echo "package.sh: lintian FAILED" >&2
  exit 1
fi
