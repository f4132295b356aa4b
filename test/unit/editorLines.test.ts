// Console line numbers must be the editor's: VS Code ends a line at \r\n, \n and a lone \r, however the bytes arrive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EditorLines } from '../../src/core/monitor/editorLines';

/** Feeds `text` in pieces cut at `cuts`, and returns, per line number, the text seen on it (breaks removed). */
function linesOf(text: string, cuts: number[]): Map<number, string> {
  const bytes = Buffer.from(text, 'latin1');
  const out = new Map<number, string>();
  const counter = new EditorLines();
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    counter.feed(bytes.subarray(from, to), (piece, line) => out.set(line, (out.get(line) ?? '') + piece.toString('latin1').replace(/[\r\n]/g, '')));
    from = to;
  }
  return out;
}

test('lines are numbered as VS Code numbers them, for every way of cutting the input into chunks', () => {
  const text = 'banner\n\rSteps: 0/8\rSteps: 1/8\rSteps: 2/8Traceback (most recent call last):\r\n  File "x.py"\r\n\r\nError: boom\n\rlast';
  const editor = text.split(/\r\n|\r|\n/); // what the editor shows, line by line
  for (let a = 0; a <= text.length; a++) {
    for (const b of [a, Math.min(text.length, a + 1), Math.min(text.length, a + 7)]) {
      const got = linesOf(text, [a, b]);
      for (let i = 0; i < editor.length; i++) {
        if (editor[i] !== '') assert.equal(got.get(i + 1), editor[i], `line ${i + 1} with cuts at ${a}, ${b}`);
      }
      assert.ok(Math.max(...got.keys()) <= editor.length, `no line past the last one (cuts ${a}, ${b})`);
    }
  }
});

test('a \\r\\n split across two reads is one break; a \\r then text then \\n is two', () => {
  const c = new EditorLines();
  c.feed(Buffer.from('a\r'), () => undefined);
  c.feed(Buffer.from('\nb'), () => undefined);
  assert.equal(c.line, 2);
  const d = new EditorLines();
  d.feed(Buffer.from('a\rb\nc'), () => undefined);
  assert.equal(d.line, 3);
});
