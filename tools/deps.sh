#!/bin/sh
# deps.sh check|install — check for / install the Debian packages in deps/debian.txt.
# `check` exits 1 and names what is missing; `install` runs apt-get (through sudo when not root).
set -eu
cd "$(dirname "$0")/.."
missing=""
for p in $(grep -v '^#' deps/debian.txt); do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
case "${1:-check}" in
check)
    if [ -n "$missing" ]; then
        echo "missing Debian packages:$missing" >&2
        exit 1
    fi
    ;;
install)
    [ -z "$missing" ] && exit 0
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing:$missing" >&2
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $missing
    ;;
*)
    echo "usage: deps.sh check|install" >&2
    exit 64
    ;;
esac
