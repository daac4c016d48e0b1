#!/usr/bin/env bash
# make e2e-vscode: the extension in a real VS Code (code-server, from npm),
# driven by Debian's Chromium headless through playwright-core. Not part of
# CI: it installs Debian packages and ~200 npm packages the first time, and
# takes minutes. See README.md beside this file.
#
# Needs: root (apt-get), Node.js 20, npm, the npm registry and Debian's
# packages; SYNTX_BIN (the server; `make e2e-vscode` passes bin/syntx) and
# editors/vscode/syntx.vsix (`make package-vscode`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
vsix="$here/../syntx.vsix"
repo="$(cd "$here/../../.." && pwd)"
: "${SYNTX_BIN:?set SYNTX_BIN to the syntx binary}"
CACHE="${SYNTX_E2E_CACHE:-$HOME/.cache/syntx-e2e}"   # code-server + playwright-core
CODE_SERVER_VERSION=4.100.3                             # the newest that accepts Node 20
PORT="${SYNTX_E2E_PORT:-18437}"
[ -f "$vsix" ] || { echo "e2e-vscode: $vsix missing (make package-vscode)"; exit 1; }

# Debian packages: code-server's native modules build against these;
# ripgrep stands in for @vscode/ripgrep's download; chromium drives the UI;
# neovim seeds the feedback the retrain step trains on.
need=()
for p in libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev ripgrep chromium neovim; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
fi

# @vscode/ripgrep downloads ripgrep from GitHub in its postinstall; this
# machine reaches only the package registries, so its download cache is
# filled beforehand with Debian's rg, under the names it looks for.
rgdir="$(mktemp -d)"
cp "$(command -v rg)" "$rgdir/rg"
for v in 1.15.9 1.15.10 1.15.11 1.15.12 1.15.13 1.15.14; do
  c="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$v"
  mkdir -p "$c"
  tar czf "$c/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$rgdir" rg
done
rm -rf "$rgdir"

mkdir -p "$CACHE"
if [ ! -x "$CACHE/node_modules/.bin/code-server" ] || [ ! -d "$CACHE/node_modules/playwright-core" ] || [ ! -f "$CACHE/.postinstalled" ]; then
  [ -f "$CACHE/package.json" ] || echo '{"private":true}' > "$CACHE/package.json"
  # code-server's postinstall builds its native modules; it refuses to run
  # without unsafe-perm as root, and npm 11 runs no install script it was
  # not told to allow (install-scripts approve).
  export npm_config_yes=true npm_config_nodedir=/usr npm_config_unsafe_perm=true
  (cd "$CACHE" && npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" playwright-core@1)
  if npm install-scripts --help >/dev/null 2>&1; then
    (cd "$CACHE" && npm install-scripts approve code-server argon2 && npm rebuild code-server argon2)
  fi
  touch "$CACHE/.postinstalled"
fi
cs="$CACHE/node_modules/.bin/code-server"

# A throwaway VS Code profile, workspace and SyntX data directory.
work="$(mktemp -d /tmp/syntx-e2e-vscode.XXXXXX)"
export XDG_CONFIG_HOME="$work/xdg-config" XDG_DATA_HOME="$work/xdg-data" XDG_CACHE_HOME="$work/xdg-cache"
mkdir -p "$work/user/User" "$work/ext" "$work/ws" "$work/out" "$XDG_CONFIG_HOME"
cp "$repo/testdata/demo/inventory.go" "$work/ws/"
# Two sites whose fixes are safe, so the base policy shows them unasked.
cat > "$work/ws/check.py" <<'PY'
def check(x, items, d):
    if x is 1:
        return True
    if not x in items:
        return False
    return x
PY
# A legacy script whose var declarations are one source action (a migration).
cat > "$work/ws/legacy.js" <<'JS'
function total(items) {
  var sum = 0;
  for (var i = 0; i < items.length; i++) {
    sum += items[i].price;
  }
  return sum;
}
JS
# The same in TypeScript, converted by codeActionsOnSave (settings below):
# VS Code resolves the migration's edit before it applies it on save.
cat > "$work/ws/onsave.ts" <<'TS'
export function count(items: string[]): number {
  var n = 0;
  for (var i = 0; i < items.length; i++) {
    n += items[i].length;
  }
  return n;
}
TS
syntx_home="$work/syntx-home"

# Feedback to retrain on: headless Neovim with the plugin applies every
# suggestion of the demo files three times through the real server, undoing the
# style ones and keeping the others (the Neovim end-to-end test's "seed"
# scenario), into the data directory VS Code's server then uses.
command -v nvim >/dev/null || { echo "e2e-vscode: nvim is needed to seed feedback (apt-get install neovim)"; exit 1; }
seed="$work/seed"
files=""
for r in 1 2 3; do
  mkdir -p "$seed/round$r"
  for f in cart.js events.ts inventory.go settings.py; do
    cp "$repo/testdata/demo/$f" "$seed/round$r/"
    files="$files${files:+,}{\"path\":\"$seed/round$r/$f\"}"
  done
done
printf '{"mode":"seed","out":"%s","files":[%s]}' "$work/out/seed.json" "$files" > "$seed/spec.json"
(cd "$seed" && SYNTX_BIN="$SYNTX_BIN" SYNTX_HOME="$syntx_home" SYNTX_E2E_SPEC="$seed/spec.json" \
  SYNTX_INIT_OPTIONS='{"train":{"idle_delay":"1h"},"capture":{"checkpoints":["200ms","1s"]}}' \
  timeout 120 nvim --headless --clean -u "$repo/editors/neovim/test/minimal_init.lua" \
    -c "luafile $repo/editors/neovim/test/scenario.lua" > "$work/out/seed.log" 2>&1)
echo "--- seeded: $(SYNTX_HOME="$syntx_home" "$SYNTX_BIN" status | grep -E '^(Events|Preferences)' | tr -s ' ' | tr '\n' ';')"
cat > "$work/user/User/settings.json" <<EOF
{
  "syntx.path": "$SYNTX_BIN",
  "syntx.dataDirectory": "$syntx_home",
  "syntx.initializationOptions": { "train": { "idle_delay": "1h" } },
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "security.workspace.trust.enabled": false,
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "editor.lightbulb.enabled": "on",
  "files.autoSave": "off",
  "[typescript]": { "editor.codeActionsOnSave": { "source.syntx": "explicit" } }
}
EOF

common=(--user-data-dir "$work/user" --extensions-dir "$work/ext" --disable-telemetry --disable-update-check)
"$cs" "${common[@]}" --install-extension "$vsix"

"$cs" "${common[@]}" --auth none --bind-addr "127.0.0.1:$PORT" --disable-workspace-trust \
  --disable-getting-started-override "$work/ws" > "$work/out/code-server.log" 2>&1 &
cs_pid=$!
trap 'kill $cs_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 1
done

status=0
NODE_PATH="$CACHE/node_modules" SYNTX_E2E_URL="http://127.0.0.1:$PORT/?folder=$work/ws" \
  SYNTX_E2E_OUT="$work/out" SYNTX_E2E_WS="$work/ws" SYNTX_E2E_HOME="$syntx_home" SYNTX_BIN="$SYNTX_BIN" \
  timeout 400 node "$here/drive.cjs" || status=$?

echo "--- syntx status --json (SYNTX_HOME=$syntx_home)"
SYNTX_HOME="$syntx_home" "$SYNTX_BIN" status --json | tee "$work/out/status.json" || status=1
node -e '
const s = require(process.argv[1]);
const e = s.events || {};
const bad = [];
if (!(e.offered >= 1)) bad.push("events.offered = " + e.offered);
if (!(e.accepted >= 1)) bad.push("events.accepted = " + e.accepted);
if (!(e.undone >= 1)) bad.push("events.undone = " + e.undone);
if (!s.adapter) bad.push("adapter = " + s.adapter + " (the retrain left no adapter active)");
if (bad.length) { console.error("e2e-vscode: FAIL: " + bad.join(", ")); process.exit(1); }
console.log("e2e-vscode: the server recorded offers, acceptances and the undo; adapter " + s.adapter + " is active");
' "$work/out/status.json" || status=1
echo "screenshots and logs: $work/out"
exit $status
