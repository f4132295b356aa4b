#!/usr/bin/env bash
# Demo: a browser VS Code (code-server) with the SDXL Trainer extension installed, on a copy of demo-workspace/.
# Installs what it needs like .ci/run (set SKIP_SETUP=1 to reuse the existing install and build; the real worker too
# when ../shared/real-worker holds its kit), then serves
# http://127.0.0.1:${PORT:-8080}/ until Ctrl-C. HOST=0.0.0.0 to serve other machines (no password: --auth none).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
port="${PORT:-8080}"
host="${HOST:-127.0.0.1}"

if [ "${SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/install-test-vscode.sh
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
  npm run package
  # The real worker (diffusers' script on CPU, tiny SDXL) when its offline kit is here, as .ci/run installs it.
  if [ -d "$root/../shared/real-worker" ] || [ -n "${SDXL_REAL_WORKER_KIT:-}" ]; then bash scripts/install-real-worker.sh; fi
fi
code_server="$root/.cache/code-server/node_modules/.bin/code-server"
vsix="$root/dist/sdxl-trainer.vsix"
[ -x "$code_server" ] || { echo "demo: $code_server missing: run scripts/install-test-vscode.sh" >&2; exit 1; }
[ -f "$vsix" ] || { echo "demo: $vsix missing: run npm run package" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/sdxl-demo-XXXXXX")"
pgid=""
hub_pid=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$hub_pid" ]; then kill -TERM "$hub_pid" 2>/dev/null || true; fi
  if [ -n "$pgid" ] && kill -0 -- "-$pgid" 2>/dev/null; then
    kill -TERM -- "-$pgid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pgid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cp -r "$root/demo-workspace" "$tmp/workspace"
# The demo's configs run the stand-in trainer (a simulation): fill in this checkout's paths.
node "$root/scripts/standin-workspace.cjs" "$tmp/workspace"
# With the real worker installed, also a real training of the tiny SDXL on CPU (tiny-real-lora.sdxl.json).
node "$root/scripts/real-worker-workspace.cjs" "$tmp/workspace"
# With Slurm installed (slurm-wlm + munge) and run as root, the one-node test cluster the Slurm tests use, and a config
# that submits the simulation to it (squares-slurm.sdxl.json). A machine whose slurm.conf is not that cluster's (a
# real cluster) is left alone. The cluster is left running after Ctrl-C, as the tests leave it.
if [ -x /usr/sbin/slurmctld ] && [ "$(id -u)" = 0 ] && { [ ! -e /etc/slurm/slurm.conf ] || head -n 1 /etc/slurm/slurm.conf | grep -q '^# Written by scripts/slurm-cluster.sh'; }; then
  bash scripts/slurm-cluster.sh status >/dev/null 2>&1 || bash scripts/slurm-cluster.sh start || echo "demo: the test Slurm cluster did not start; no Slurm config" >&2
fi
node "$root/scripts/slurm-demo-workspace.cjs" "$tmp/workspace"
mkdir -p "$tmp/user-data/User" "$tmp/extensions"
cat > "$tmp/user-data/User/settings.json" <<'JSON'
{
  "workbench.colorTheme": "Default Dark Modern",
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "security.workspace.trust.enabled": false
}
JSON
# The Hub: a stand-in on loopback (scripts/demo-hub.ts: well-known SDXL ids with placeholder files, and the real
# worker's tiny SDXL as sdxl-trainer-demo/tiny-sdxl, a tiny random CLIP as Xenova/clip-vit-base-patch32), so id completion, the Hub checks and Download Base Model work
# without network; DEMO_HUB=real uses $HF_ENDPOINT or huggingface.co instead. Downloads go to the temp dir.
export HF_HUB_CACHE="$tmp/hf-hub-cache"
if [ "${DEMO_HUB:-stand-in}" != real ]; then
  node --import tsx "$root/scripts/demo-hub.ts" >"$tmp/hub.url" 2>"$tmp/hub.log" &
  hub_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/hub.url" ] && break; sleep 0.1; done
  [ -s "$tmp/hub.url" ] || { cat "$tmp/hub.log" >&2; echo "demo: the stand-in Hub did not start" >&2; exit 1; }
  export HF_ENDPOINT="$(head -n 1 "$tmp/hub.url")"
fi

# code-server's own config and state go to the temp dir, not ~/.config/code-server; $PORT would override --bind-addr.
export XDG_CONFIG_HOME="$tmp/xdg-config" XDG_DATA_HOME="$tmp/xdg-data"
unset PORT
common=(--user-data-dir "$tmp/user-data" --extensions-dir "$tmp/extensions")
"$code_server" "${common[@]}" --install-extension "$vsix"

# setsid: code-server and the children it leaves behind (file watcher, extension host) share one process group,
# which cleanup kills as a whole.
setsid "$code_server" "${common[@]}" --bind-addr "$host:$port" --auth none --disable-telemetry \
  --disable-update-check --disable-workspace-trust --disable-getting-started-override "$tmp/workspace" \
  >"$tmp/code-server.log" 2>&1 &
pgid=$!

for _ in $(seq 600); do
  grep -q "HTTP server listening on" "$tmp/code-server.log" 2>/dev/null && break
  kill -0 "$pgid" 2>/dev/null || { cat "$tmp/code-server.log" >&2; echo "demo: code-server exited" >&2; exit 1; }
  sleep 0.1
done
grep -q "HTTP server listening on" "$tmp/code-server.log" || { cat "$tmp/code-server.log" >&2; echo "demo: code-server did not start" >&2; exit 1; }

url_host="$host"; [ "$host" = 0.0.0.0 ] && url_host=127.0.0.1
echo
echo "SDXL Trainer demo is running. Open:"
echo "  http://$url_host:$port/?folder=$tmp/workspace"
[ -n "$hub_pid" ] && echo "The Hub is a stand-in at $HF_ENDPOINT (placeholder files; DEMO_HUB=real for huggingface.co)."
echo "(log: $tmp/code-server.log; Ctrl-C to stop)"
wait "$pgid"
