// The CLIP tokenizer against transformers' CLIPTokenizer, live, in the real worker's Python (transformers 4.39 with
// ftfy): the real worker's tiny tokenizer (as installed), and the small BPE tokenizers the unit tests write (with
// `<|endoftext|>` and `!` as pad token). test/unit/clipTokenizer.test.ts holds the same comparison as a fixed table.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadClipTokenizer } from '../../src/core/clip/tokenizer';
import { TOKENIZER_CAPTIONS, writeTinyTokenizer } from '../clip/tinyTokenizer';
import { repoRoot } from '../unit/repoRoot';
import { realWorkerOrSkip } from './realWorker';

const { worker, skip } = realWorkerOrSkip();

test('CLIPTokenizer (live) and ours give the same ids and model inputs on every caption', { skip, timeout: 120_000 }, async () => {
  const w = worker!;
  const python = join(w.dest, 'venv', 'bin', 'python');
  const d = mkdtempSync(join(tmpdir(), 'clip-tok-real-'));
  const folders = {
    installed: join(w.tiny.model, 'tokenizer'),
    installed2: join(w.tiny.model, 'tokenizer_2'),
    bpe: writeTinyTokenizer(join(d, 'bpe')),
    bpe2: writeTinyTokenizer(join(d, 'bpe2'), '!'),
  };
  const extra = ['Wow!!! so good!', 'A <|startoftext|> and <|endoftext|>', 'x'.repeat(300), 'tab\tand  CAPS, mixed-Case ünïcode 😀'];
  const captions = [...TOKENIZER_CAPTIONS, ...extra];
  for (const [name, dir] of Object.entries(folders)) {
    const out = execFileSync(python, [join(repoRoot(), 'test', 'clip', 'clipTokenizerReference.py')], {
      input: JSON.stringify({ dir, captions }),
      encoding: 'utf8',
      env: { ...process.env, TRANSFORMERS_VERBOSITY: 'error' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const want = JSON.parse(out) as { ids: number[]; input: number[] }[];
    const tok = await loadClipTokenizer(dir);
    captions.forEach((c, i) => {
      assert.deepEqual(tok.encode(c), want[i]!.ids, `${name}: ${JSON.stringify(c)}`);
      assert.deepEqual(tok.encodeForModel(c).inputIds, want[i]!.input, `${name} (model input): ${JSON.stringify(c)}`);
    });
  }
});
