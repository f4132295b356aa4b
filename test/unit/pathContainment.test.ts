import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containPath, isWithin } from '../../src/core/util/pathContainment';
import { runFolders } from '../../src/core/supervisor/runFolders';

/**
 * base/out (the run's output_dir) with checkpoint-1, checkpoint-2 (a link to base/store/checkpoint-2, as listed by the
 * run's state) and link-out (a link to base/outside); beside it out-evil, outside, store/other and a stray checkpoint-1.
 */
function layout(): { base: string; out: string; roots: string[] } {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'sdxl-contain-')));
  for (const d of ['out/checkpoint-1', 'out-evil', 'outside', 'store/checkpoint-2', 'store/other', 'checkpoint-1'])
    mkdirSync(join(base, d), { recursive: true });
  symlinkSync(join(base, 'outside'), join(base, 'out', 'link-out'));
  symlinkSync(join(base, 'store', 'checkpoint-2'), join(base, 'out', 'checkpoint-2'));
  const out = join(base, 'out');
  return { base, out, roots: [out, join(out, 'checkpoint-1'), join(out, 'checkpoint-2')] };
}

test("paths inside the run's folders are allowed, relative ones taken against the run's cwd; the real path is returned", async () => {
  const { base, out, roots } = layout();
  assert.deepEqual(await containPath('out/checkpoint-1', roots, base), { ok: true, path: join(out, 'checkpoint-1') });
  assert.deepEqual(await containPath(out, roots, base), { ok: true, path: out });
  assert.deepEqual(await containPath(join(out, 'checkpoint-1', '..'), roots, base), { ok: true, path: out });
  // A listed checkpoint that is a link elsewhere is the run's folder: its real path is allowed.
  assert.deepEqual(await containPath('out/checkpoint-2', roots, base), { ok: true, path: join(base, 'store', 'checkpoint-2') });
});

test('outside paths, `..` out, a symlink out and a prefix trick are refused', async () => {
  const { base, out, roots } = layout();
  const refused = [
    join(base, 'outside'),
    '/etc',
    'out/../outside',
    join(out, 'checkpoint-1', '..', '..', 'outside'),
    'out/link-out', // a link inside out pointing out
    'out/link-out/..', // `..` after the link: the link's parent (base), not out
    'out/link-out/../checkpoint-1', // as text this is out/checkpoint-1; the file system says base/checkpoint-1
    join(base, 'out-evil'), // shares the prefix "/…/out"
    `${out}-evil`,
    'out/checkpoint-2/..', // the listed link's real parent: store
    join(base, 'store', 'other'),
    'out/checkpoint-9', // does not exist
    'out/checkpoint-1\0/x',
  ];
  for (const p of refused) {
    const r = await containPath(p, roots, base);
    assert.equal(r.ok, false, `${p} should be refused, got ${JSON.stringify(r)}`);
  }
  assert.match(JSON.stringify(await containPath('out/link-out', roots, base)), /outside the run's folders/);
  assert.equal((await containPath('out/checkpoint-1', roots, 'relative/base')).ok, false);
  // Roots that do not exist allow nothing.
  assert.equal((await containPath(join(base, 'outside'), [join(base, 'gone')], base)).ok, false);
});

test('isWithin compares path segments', () => {
  assert.equal(isWithin('/out', '/out'), true);
  assert.equal(isWithin('/out', '/out/checkpoint-1'), true);
  assert.equal(isWithin('/out', '/out/..x'), true); // a folder named "..x"
  assert.equal(isWithin('/out', '/out-evil'), false);
  assert.equal(isWithin('/out', '/'), false);
  assert.equal(isWithin('/out', '/other/out'), false);
});

test("runFolders: output_dir (recorded, else from the plan) and the listed checkpoints, against the plan's cwd", () => {
  const plan = { argv: ['accelerate', 'launch', 'train_text_to_image_lora_sdxl.py', '--output_dir=runs/a'], env: {}, cwd: '/work/ws', script: 'lora' as const };
  assert.deepEqual(runFolders({ plan }, [{ path: 'runs/a/checkpoint-5' }, { path: '/mnt/ckpt/checkpoint-9' }]), [
    '/work/ws/runs/a',
    '/work/ws/runs/a/checkpoint-5',
    '/mnt/ckpt/checkpoint-9',
  ]);
  assert.deepEqual(runFolders({ plan, outputDir: '/data/out' }, []), ['/data/out']);
});
