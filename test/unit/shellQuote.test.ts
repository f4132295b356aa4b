import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { formatCommandLine, quoteBash, quotePowerShell } from '../../src/core/launch/shellQuote';
import { repoRoot } from './repoRoot';

const ECHO_BIN = join(repoRoot(), 'test', 'fixtures', 'argv-echo-bin');

const HOSTILE = [
  'plain',
  '',
  ' ',
  "it's",
  'say "hi"',
  '$(rm -rf /)',
  '`whoami`',
  '${HOME}',
  '$HOME',
  'a; echo pwned',
  'a && b || c',
  'line1\nline2',
  'tab\there',
  'héllo wörld 🎨 日本語',
  '-leading-dash',
  '--looks=like-a-flag',
  '*.png',
  '~',
  '~/x',
  'back\\slash',
  'trailing\\',
  '!!',
  '#not-a-comment',
  'a=b',
  '%PATH%',
  '‘smart’ quotes',
  "''",
  '\'"\'"',
  '{a,b}',
  '(x)',
  '<in >out',
];

/** Runs a bash command line and returns what the fake accelerate received. */
function runBash(line: string, showEnv: string[] = []): { argv: string[]; cwd: string; env: Record<string, string | null> } {
  const out = execFileSync('bash', ['-c', line], {
    env: { ...process.env, PATH: ECHO_BIN + delimiter + (process.env.PATH ?? ''), FAKE_ACCELERATE_ENV: showEnv.join(',') },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

test('quoteBash leaves safe words bare and single-quotes the rest', () => {
  assert.equal(quoteBash('--learning_rate'), '--learning_rate');
  assert.equal(quoteBash('stabilityai/stable-diffusion-xl-base-1.0'), 'stabilityai/stable-diffusion-xl-base-1.0');
  assert.equal(quoteBash('1e-06'), '1e-06');
  assert.equal(quoteBash('a b'), "'a b'");
  assert.equal(quoteBash("it's"), "'it'\\''s'");
  assert.equal(quoteBash(''), "''");
  assert.equal(quoteBash('~'), "'~'");
});

test('bash: every hostile word reaches the program as exactly one argument', () => {
  for (const multiline of [true, false]) {
    const argv = ['accelerate', 'launch', '--num_processes', '2', '--multi_gpu', 'train.py'];
    for (const [i, h] of HOSTILE.entries()) argv.push(`--arg${i}`, h);
    const line = formatCommandLine(argv, 'bash', { multiline });
    assert.equal(line.includes('\\\n'), multiline);
    assert.deepEqual(runBash(line).argv, argv.slice(1));
  }
});

test('bash: cwd and env prefixes are applied', () => {
  const dir = mkdtempSync(join(tmpdir(), "sdxl q'uote $dir "));
  try {
    const line = formatCommandLine(['accelerate', 'launch', 'x.py'], 'bash', { cwd: dir, env: { PYTHONUNBUFFERED: '1', WEIRD: "a'b $c\nd" } });
    const got = runBash(line, ['PYTHONUNBUFFERED', 'WEIRD']);
    assert.deepEqual(got.argv, ['launch', 'x.py']);
    assert.equal(got.cwd, dir);
    assert.deepEqual(got.env, { PYTHONUNBUFFERED: '1', WEIRD: "a'b $c\nd" });
    // A name that is not a shell identifier goes through `env`.
    assert.deepEqual(runBash(formatCommandLine(['accelerate', 'x'], 'bash', { env: { 'A.B': 'v' } }), ['A.B']).env, { 'A.B': 'v' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bash: an executable path with spaces or = is quoted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl bin='));
  try {
    execFileSync('cp', [join(ECHO_BIN, 'accelerate'), join(dir, 'accelerate')]);
    assert.deepEqual(runBash(formatCommandLine([join(dir, 'accelerate'), 'launch', 'a b'], 'bash')).argv, ['launch', 'a b']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Reads back the PowerShell subset formatCommandLine writes: bare words, '…' with doubled quotes, ` continuations. */
function readPowerShell(text: string): string[] {
  const words: string[] = [];
  const src = text.replace(/ `\n/g, ' ');
  assert.ok(src.startsWith('& '), 'starts with the call operator');
  let i = 2;
  const isQuote = (c: string | undefined): boolean => c !== undefined && /['\u2018\u2019\u201A\u201B]/.test(c);
  while (i < src.length) {
    if (src[i] === ' ') {
      i++;
      continue;
    }
    let w = '';
    if (isQuote(src[i])) {
      i++;
      for (;;) {
        assert.ok(i < src.length, 'unterminated quote');
        if (isQuote(src[i])) {
          if (isQuote(src[i + 1])) {
            w += src[i];
            i += 2;
            continue;
          }
          i++;
          break;
        }
        w += src[i++];
      }
    } else {
      while (i < src.length && src[i] !== ' ') w += src[i++];
      assert.doesNotMatch(w, /[$`'"@;&|(){}<>,#%]/, `bare word ${w} has a special character`);
    }
    words.push(w);
  }
  return words;
}

test('PowerShell: call operator, single quotes with quotes doubled, backtick continuations', () => {
  const argv = ['C:\\Program Files\\venv\\Scripts\\accelerate.exe', 'launch', '--num_processes', '2', 'train.py'];
  for (const [i, h] of HOSTILE.entries()) argv.push(`--arg${i}`, h);
  const multi = formatCommandLine(argv, 'powershell');
  assert.match(multi, /^& 'C:\\Program Files\\venv\\Scripts\\accelerate\.exe' launch `\n/);
  assert.deepEqual(readPowerShell(multi), argv);
  assert.deepEqual(readPowerShell(formatCommandLine(argv, 'powershell', { multiline: false })), argv);
  assert.equal(quotePowerShell("it's"), "'it''s'");
  assert.equal(quotePowerShell('‘x’'), "'‘‘x’’'");
  assert.equal(quotePowerShell('--flag'), '--flag');
  assert.equal(quotePowerShell('-a.b'), "'-a.b'");
  const withEnv = formatCommandLine(['accelerate', 'launch'], 'powershell', { cwd: "C:\\it's", env: { PYTHONUNBUFFERED: '1' } });
  assert.deepEqual(withEnv.split('\n').slice(0, 2), ["Set-Location -LiteralPath 'C:\\it''s'", "${env:PYTHONUNBUFFERED} = '1'"]);
});

test('bash: through `env`, an executable path holding = is still the program run, and names may start with -', () => {
  // `env` takes every word with `=` before the program for an assignment (quotes are gone by then), so
  // `env A.B=v '/x/with=sign/accelerate'` ran nothing the user meant.
  const dir = mkdtempSync(join(tmpdir(), 'sdxl bin='));
  try {
    const exe = join(dir, 'accelerate');
    execFileSync('cp', [join(ECHO_BIN, 'accelerate'), exe]);
    const env = { 'A.B': 'v=1', PYTHONUNBUFFERED: '1', '-X': "it's" };
    for (const multiline of [true, false]) {
      const line = formatCommandLine([exe, 'launch', 'a b', '--k=v'], 'bash', { env, cwd: dir, multiline });
      const got = runBash(line, Object.keys(env));
      assert.deepEqual(got.argv, ['launch', 'a b', '--k=v'], line);
      assert.deepEqual(got.env, env, line);
      assert.equal(got.cwd, dir);
    }
    // Without `env` (valid names only) the quoted path is not an assignment either.
    assert.deepEqual(runBash(formatCommandLine([exe, 'launch'], 'bash', { env: { HF_HOME: '/h' } }), ['HF_HOME']), {
      argv: ['launch'],
      cwd: process.cwd(),
      env: { HF_HOME: '/h' },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('what no command line can say is refused, not printed wrong', () => {
  for (const shell of ['bash', 'powershell'] as const) {
    assert.throws(() => formatCommandLine(['accelerate', 'launch', 'a\u0000'], shell), /argument 2 contains a NUL character/);
    assert.throws(() => formatCommandLine(['accelerate'], shell, { env: { 'A=B': '1' } }), /name "A=B" is empty or contains "="/);
    assert.throws(() => formatCommandLine(['accelerate'], shell, { env: { A: '\u0000' } }), /"A" contains a NUL character/);
  }
});
