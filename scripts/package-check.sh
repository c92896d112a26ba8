#!/usr/bin/env bash
# Install check of the Debian package that scripts/package.sh built:
#
#   1. dpkg --root installs it into an empty scratch root (no chroot needed:
#      the package has no maintainer scripts; its library dependencies are
#      the host's, so --force-depends);
#   2. every path it installed is exactly the expected list below, with the
#      expected modes (nothing missing, nothing extra);
#   3. the installed binaries run: aind, ainctl and ain-endpoint --version
#      print the package's version; ain-endpoint --check accepts the example
#      endpoint.toml; aind --check reads the example aind.toml up to the
#      directory file; ainet-exit-nat prints its usage;
#   4. man -l renders every installed man page without a single warning;
#   5. systemd-analyze verify accepts both units (instances ain1 and home)
#      with no message at all, and systemd-analyze security scores them.
#
#   scripts/package-check.sh [DEB]     (default: build-deb/ainet_*.deb)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
DEB=${1:-$(ls build-deb/ainet_*.deb 2>/dev/null | grep -v dbgsym | head -n 1)}
[ -n "$DEB" ] && [ -f "$DEB" ] || { echo "package-check: no .deb (run scripts/package.sh first)" >&2; exit 1; }
VERSION=$(dpkg-deb -f "$DEB" Version)

R=$(mktemp -d /tmp/ainet-root-XXXXXX)
trap 'rm -rf "$R"' EXIT
FAILED=0
ok() { echo "  ok   $*"; }
bad() { echo "  FAIL $*"; FAILED=1; }

echo "=== package-check: dpkg --root=$R -i $(basename "$DEB")"
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"
if out=$(dpkg --root="$R" --force-depends --log=/dev/null -i "$DEB" 2>&1); then
  ok "installed (dpkg: $(dpkg --root="$R" -l ainet 2>/dev/null | awk '/^ii/ {print $1, $2, $3}'))"
else
  echo "$out" | sed 's/^/    /'
  bad "dpkg --root -i failed"
  exit 1
fi

echo "=== package-check: every installed path"
# mode path: regular files; directories are implied by them.
EXPECTED="0755 usr/sbin/aind
0755 usr/sbin/ainctl
0755 usr/sbin/ain-endpoint
0755 usr/sbin/ainet-exit-nat
0644 lib/systemd/system/aind@.service
0644 lib/systemd/system/ain-endpoint@.service
0644 usr/share/man/man8/aind.8.gz
0644 usr/share/man/man8/ainctl.8.gz
0644 usr/share/man/man8/ain-endpoint.8.gz
0644 usr/share/man/man8/ainet-exit-nat.8.gz
0644 usr/share/man/man5/aind.toml.5.gz
0644 usr/share/man/man5/endpoint.toml.5.gz
0644 usr/share/doc/ainet/examples/aind.toml
0644 usr/share/doc/ainet/examples/endpoint.toml
0644 usr/share/doc/ainet/README.md.gz
0644 usr/share/doc/ainet/protocol.md.gz
0644 usr/share/doc/ainet/control.md.gz
0644 usr/share/doc/ainet/metrics.md.gz
0644 usr/share/doc/ainet/pcap.md.gz
0644 usr/share/doc/ainet/ike.md.gz
0644 usr/share/doc/ainet/copyright
0644 usr/share/doc/ainet/changelog.gz"
ACTUAL=$(cd "$R" && find . -path ./var -prune -o \( -type f -o -type l \) -printf '%m %P\n' | sed 's/^\([0-7]\{3\}\) /0\1 /' | sort)
DIFF=$(diff <(sort <<<"$EXPECTED") <(echo "$ACTUAL"))
if [ -z "$DIFF" ]; then
  ok "$(wc -l <<<"$EXPECTED") files, each where and with the mode expected"
else
  echo "$DIFF" | sed 's/^</    missing:/; s/^>/    unexpected:/' | grep -v '^---\|^[0-9]'
  bad "the installed files differ from the expected list"
fi
# dpkg knows the same list.
listed=$(dpkg --root="$R" -L ainet | while read -r p; do [ -f "$R$p" ] && echo "${p#/}"; done | sort)
[ "$listed" = "$(awk '{print $2}' <<<"$EXPECTED" | sort)" ] && ok "dpkg -L lists exactly them" || bad "dpkg -L differs"

echo "=== package-check: the installed programs run"
for b in aind ainctl; do
  v=$("$R/usr/sbin/$b" --version 2>&1)
  [ "$v" = "$b $VERSION" ] && ok "$b --version: $v" || bad "$b --version: '$v' (want '$b $VERSION')"
done
v=$("$R/usr/sbin/ain-endpoint" --version 2>&1)
[[ $v == "ain-endpoint $VERSION "* ]] && ok "ain-endpoint --version: $v" || bad "ain-endpoint --version: '$v'"
v=$("$R/usr/sbin/ain-endpoint" --check "$R/usr/share/doc/ainet/examples/endpoint.toml" 2>&1) &&
  ok "ain-endpoint --check examples/endpoint.toml: $v" || bad "ain-endpoint --check examples/endpoint.toml: $v"
sed "s|^file = \"/etc/ainet/directory.toml\"|file = \"$R/no-directory.toml\"|" \
  "$R/usr/share/doc/ainet/examples/aind.toml" >"$R/aind-example.toml"
v=$("$R/usr/sbin/aind" --check --config "$R/aind-example.toml" 2>&1)
# The example parses completely: the first problem is the directory file.
[ "$v" = "aind: $R/no-directory.toml: cannot read: No such file or directory" ] &&
  ok "aind --check examples/aind.toml: parses; stops at the missing directory as it should" ||
  bad "aind --check examples/aind.toml: $v"
rm -f "$R/aind-example.toml"
v=$("$R/usr/sbin/ainet-exit-nat" 2>&1)
[[ $v == *"usage: exit-nat.sh up|down|show"* ]] && ok "ainet-exit-nat prints its usage" || bad "ainet-exit-nat: $v"

echo "=== package-check: man -l renders every page without warnings"
for page in "$R"/usr/share/man/man*/*.gz; do
  name=$(basename "$page" .gz)
  warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
  text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -E UTF-8 -l "$page" 2>/dev/null)
  if [ -n "$warn" ]; then
    echo "$warn" | sed 's/^/    /'
    bad "man -l $name: warnings"
  elif ! grep -q '^NAME' <<<"$text" || ! grep -q '^SEE ALSO' <<<"$text"; then
    bad "man -l $name: no NAME or SEE ALSO section"
  else
    ok "man -l $name ($(wc -l <<<"$text") lines)"
  fi
done

echo "=== package-check: systemd-analyze verify and security"
# verify --root needs the units the ainet units refer to (targets) and the
# commands they run: copy the host's unit directory (without clobbering
# ours) and kill(1) into the scratch root.
cp -an /lib/systemd/system/. "$R/lib/systemd/system/" 2>/dev/null
mkdir -p "$R/bin" && cp /bin/kill "$R/bin/kill"
for unit in aind@ain1.service ain-endpoint@home.service; do
  out=$(systemd-analyze verify --man=no --root="$R" "$unit" 2>&1)
  rc=$?
  if [ $rc -eq 0 ] && [ -z "$out" ]; then
    ok "systemd-analyze verify $unit: clean"
  else
    echo "$out" | sed 's/^/    /'
    bad "systemd-analyze verify $unit (exit $rc)"
  fi
  score=$(systemd-analyze security --offline=yes --root="$R" "$unit" 2>/dev/null | grep -o 'Overall exposure level for .*')
  echo "  info $score"
done

if [ $FAILED -ne 0 ]; then
  echo "=== package-check: FAILED"
  exit 1
fi
echo "=== package-check: $(basename "$DEB") installs and works"
