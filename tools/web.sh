#!/bin/sh
# web.sh — the web UI's tool chain (web/, Vite), apart from the C build so that `make` works
# without Node.js. Debian packages are installed through apt (sudo when not root) only when
# missing; npm packages come from web/package-lock.json with `npm ci`.
#   web.sh node       Node.js >= 18 and npm (Debian 12: nodejs 18 and npm 9)
#   web.sh browser    Debian's chromium for the browser tests (/usr/bin/chromium), and
#                     fonts-noto-cjk so that Chinese renders in its screenshots
#   web.sh modules    node + `npm ci` in web/ when node_modules is missing or older than the lock
#                     (a symbolic link to another checkout's node_modules is used as it is)
#   web.sh build OUT  modules + `vite build` into OUT, then FILE.gz beside each text asset
set -eu
cd "$(dirname "$0")/.."

apt_install() {
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing Debian packages: $*" >&2
    $sudo apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@" >&2
}

node_ok() {
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
        [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 18 ]
}

need_node() {
    node_ok && return 0
    # Debian 12 ships nodejs 18 and npm 9; a Node.js from elsewhere (NodeSource) brings its npm
    if command -v node >/dev/null 2>&1; then
        echo "web.sh: Node.js $(node --version) or its npm is not usable: need Node.js >= 18 with npm" >&2
        command -v npm >/dev/null 2>&1 || apt_install npm
    else
        apt_install nodejs npm
    fi
    node_ok
}

need_modules() {
    need_node
    stamp=web/node_modules/.package-lock.json
    if [ ! -f "$stamp" ] || [ web/package-lock.json -nt "$stamp" ] || [ web/package.json -nt "$stamp" ]; then
        # a node_modules linked from another checkout (a git worktree sharing the main one's)
        # is that checkout's: `npm ci` would empty it through the link, under its owner's feet,
        # and a fresh worktree's lock file is always newer than it. Use it as it is.
        if [ -L web/node_modules ] && [ -f "$stamp" ]; then
            echo "web.sh: web/node_modules links to $(readlink web/node_modules), older than" \
                "web/package-lock.json: used as it is (run 'npm ci' where it lives if it is stale)" >&2
            return 0
        fi
        (cd web && npm ci --no-audit --no-fund --loglevel=error >&2)
    fi
}

case "${1:-}" in
node) need_node ;;
browser)
    missing=""
    [ -x /usr/bin/chromium ] || missing="chromium"
    dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing fonts-noto-cjk"
    # shellcheck disable=SC2086
    [ -z "$missing" ] || apt_install $missing
    [ -x /usr/bin/chromium ]
    ;;
modules) need_modules ;;
build)
    out="${2:?usage: web.sh build OUTDIR}"
    need_modules
    case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
    (cd web && PMIS_WEB_OUT="$out" node node_modules/vite/bin/vite.js build --logLevel warn)
    # precompressed copies: `pmis serve` sends FILE.gz to clients that accept gzip
    find "$out" -type f \( -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \
        -o -name '*.json' \) -size +1k -exec gzip -9 -n -k -f {} +
    touch "$out/index.html"
    ;;
*)
    echo "usage: web.sh node|browser|modules|build OUTDIR" >&2
    exit 64
    ;;
esac
