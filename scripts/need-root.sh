# shellcheck shell=bash
# Sourced by scripts/demo.sh and scripts/test.sh (the README's two commands):
#   ainet_need_root "$0" "$@"
# As root: returns. Otherwise it says in one line that root is needed and
# how, and with sudo available runs the script again through sudo (keeping
# the AINET_* environment); without sudo it exits 1. A fresh Debian root
# shell has no sudo, and needs none.
ainet_need_root() {
  [ "$(id -u)" -eq 0 ] && return 0
  local script name
  script=$(readlink -f "$1")
  name=$(basename "$script")
  shift
  if command -v sudo >/dev/null 2>&1; then
    echo "$name: needs root (it installs Debian packages and builds network namespaces); running it again with sudo" >&2
    local -a env_args=()
    local v
    for v in $(compgen -e); do
      case $v in AINET_*) env_args+=("$v=${!v}") ;; esac
    done
    exec sudo -- env "${env_args[@]}" bash "$script" "$@"
  fi
  echo "$name: needs root (it installs Debian packages and builds network namespaces): run it as root, e.g. su -c '$script'" >&2
  exit 1
}
