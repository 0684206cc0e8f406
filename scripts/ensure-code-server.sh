#!/usr/bin/env bash
# Installs what the editor tests and `npm start` need, once, into .cache/ (reused after; safe to run again):
#   - Debian packages: chromium (driven by playwright-core), and to install code-server the first time
#     ripgrep (code-server's search) and libkrb5-dev (to build its kerberos module).
#     As root (or with password-less sudo) it installs the missing ones; otherwise it prints the exact
#     command and fails.
#   - code-server 4.100.3 (VS Code 1.100.3 served to a browser; the last line that runs on Node 20)
#     into .cache/code-server (ignored by git).
# Nothing is downloaded from outside the npm registry and Debian: code-server's postinstall, which would
# fetch ripgrep from GitHub, is skipped and Debian's ripgrep is used instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=4.100.3
cache="$root/.cache/code-server"
marker="$cache/.ready-$version"

need=()
# Chromium is needed on every run; the others only to install code-server.
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ! -f "$marker" ]; then
  command -v rg >/dev/null || need+=(ripgrep)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
fi
if [ ${#need[@]} -gt 0 ]; then
  # As root, or through sudo when it needs no password; otherwise say exactly what to run.
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "The editor needs these Debian packages; install them with:" >&2
    echo "  sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "Installing Debian packages: ${need[*]}"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

[ -f "$marker" ] && exit 0

# Two runs at once (npm start in two terminals, or tests while it starts) would build the native
# modules into the same folders and break each other: the second waits for the first, then finds
# the marker.
mkdir -p "$root/.cache"
exec 9>"$root/.cache/code-server.lock"
if ! flock -n 9; then
  echo "Waiting for another install of code-server to finish…"
  flock 9
fi
[ -f "$marker" ] && exit 0

echo "Installing code-server $version into .cache/code-server (first run only, a few minutes)"
mkdir -p "$cache"
cd "$cache"
[ -f package.json ] || echo '{"name":"team-notes-code-server","private":true}' > package.json
npm install --no-save --ignore-scripts --no-audit --no-fund "code-server@$version" >/dev/null
# Native modules: argon2 (password hashing) built here, VS Code's own ones rebuilt for this Node.
npm_config_build_from_source=true npm rebuild argon2 >/dev/null
vscode="$cache/node_modules/code-server/lib/vscode"
(cd "$vscode" && npm install --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
(cd "$vscode" && npm_config_yes=true npm rebuild @parcel/watcher @vscode/deviceid @vscode/spdlog kerberos native-watchdog node-pty >/dev/null)
mkdir -p "$vscode/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$vscode/node_modules/@vscode/ripgrep/bin/rg"
ln -sfn node_modules "$vscode/node_modules.asar"
(cd "$vscode/extensions" && npm install --omit=dev --no-audit --no-fund >/dev/null)
touch "$marker"
echo "code-server $version ready"
