#!/usr/bin/env bash
# Installs the test VS Code (code-server 4.100.3, bundling VS Code 1.100.3, which runs on Node 20) and Debian's
# Chromium into .cache/ (ignored). Idempotent: a finished install is kept. Works offline but for the npm registry
# and Debian's packages: code-server's ripgrep download is served from a local tarball of Debian's rg.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache"
cs_version="4.100.3"
dest="$cache/code-server"
marker="$dest/.installed-$cs_version"

# Chromium drives the workbench; ripgrep and the -dev packages let code-server's native modules build; python3-venv
# (venv + ensurepip) for the environment setup test (test/real/setupEnvironment.real.ts).
need_apt=()
for pkg in chromium ripgrep libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev python3-venv; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "install-test-vscode: please install: ${need_apt[*]} (apt-get install -y ${need_apt[*]})" >&2
    exit 1
  fi
fi

if [ -f "$marker" ]; then
  echo "install-test-vscode: code-server $cs_version already installed in $dest"
  exit 0
fi

mkdir -p "$dest"
tmp="$cache/tmp"
mkdir -p "$tmp"
# @vscode/ripgrep looks for this cached archive before trying to download from GitHub.
rgcache="$tmp/vscode-ripgrep-cache-1.15.11"
mkdir -p "$rgcache"
stage="$(mktemp -d)"
cp "$(command -v rg)" "$stage/rg"
tar -czf "$rgcache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$stage" rg
rm -rf "$stage"

cat > "$dest/package.json" <<JSON
{ "name": "sdxl-trainer-test-vscode", "private": true, "dependencies": { "code-server": "$cs_version" } }
JSON
echo "install-test-vscode: installing code-server $cs_version (a few minutes)…"
(
  cd "$dest"
  TMPDIR="$tmp" npm_config_unsafe_perm=true npm_config_yes=true npm_config_dangerously_allow_all_scripts=true ONNXRUNTIME_NODE_INSTALL=skip \
    npm install --no-audit --no-fund --loglevel=error
)
test -x "$dest/node_modules/.bin/code-server"
touch "$marker"
echo "install-test-vscode: done"
