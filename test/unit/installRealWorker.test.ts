// scripts/install-real-worker.sh's kit way with a fake kit (an install.sh that only writes the layout and counts its
// calls): installs once, copies the scripts next to the environment, is a no-op while the kit is unchanged, and
// installs again when the kit changes or the install is incomplete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './supervisorTestKit';

const SCRIPT = join(repoRoot, 'scripts', 'install-real-worker.sh');
const FAKE_INSTALL = `#!/usr/bin/env bash
set -euo pipefail
mkdir -p "$1/venv/bin" "$1/tiny/model" "$1/hf"
echo call >> "$1/../calls"
echo 'export REAL_WORKER_KIT="kit"' > "$1/env.sh"
printf '#!/bin/sh\\n' > "$1/venv/bin/accelerate"; chmod +x "$1/venv/bin/accelerate"
echo '{}' > "$1/tiny/model/model_index.json"
`;

function fakeKit(root: string): string {
  const kit = join(root, 'kit');
  mkdirSync(join(kit, 'diffusers-examples', 'examples', 'dreambooth'), { recursive: true });
  writeFileSync(join(kit, 'install.sh'), FAKE_INSTALL);
  writeFileSync(join(kit, 'diffusers-examples', 'examples', 'dreambooth', 'train_dreambooth_lora_sdxl.py'), '# v0.27.2\n');
  return kit;
}

function install(dest: string, kit: string) {
  return spawnSync('bash', [SCRIPT, dest], { encoding: 'utf8', env: { ...process.env, SDXL_REAL_WORKER_KIT: kit } });
}

const calls = (root: string) => readFileSync(join(root, 'calls'), 'utf8').trim().split('\n').length;

test(
  'install-real-worker: the kit way installs once, stamps, and installs again when the kit or the install changes',
  { skip: process.platform === 'win32' && 'bash script' },
  () => {
    const root = mkdtempSync(join(tmpdir(), 'real-worker-install-'));
    try {
      const kit = fakeKit(root);
      const dest = join(root, 'dest');
      let r = install(dest, kit);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(calls(root), 1);
      assert.equal(readFileSync(join(dest, 'diffusers-examples', 'examples', 'dreambooth', 'train_dreambooth_lora_sdxl.py'), 'utf8'), '# v0.27.2\n');
      assert.match(readFileSync(join(dest, '.sdxl-real-worker-installed'), 'utf8'), /^kit [0-9a-f]{16}\n$/);

      r = install(dest, kit);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /already installed/);
      assert.equal(calls(root), 1, 'a second call does not install again');

      // A kit file changed (a newer kit): installed again.
      utimesSync(join(kit, 'install.sh'), new Date(), new Date(Date.now() + 5_000));
      r = install(dest, kit);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(calls(root), 2);

      // Part of the install gone: installed again.
      rmSync(join(dest, 'tiny'), { recursive: true });
      r = install(dest, kit);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(calls(root), 3);
      assert.ok(existsSync(join(dest, 'tiny', 'model', 'model_index.json')));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);

test('install-real-worker: a kit folder without install.sh is refused, naming the variable', { skip: process.platform === 'win32' && 'bash script' }, () => {
  const root = mkdtempSync(join(tmpdir(), 'real-worker-install-'));
  try {
    const r = install(join(root, 'dest'), root);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      new RegExp(`${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has no install\\.sh \\(SDXL_REAL_WORKER_KIT must name the kit folder\\)`),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
