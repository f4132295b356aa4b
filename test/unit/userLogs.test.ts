// Shapes of real users' logs, from public issue reports (diffusers, kohya_ss, accelerate, xformers, huggingface_hub):
// test/fixtures/console/users/. Each is summarized as a bare console log, the way `summarize LOG` reads a pasted log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarizePath } from '../../src/core/monitor/summarize';
import { parseConsole } from '../../src/core/worker/consoleParser';
import { failureTitle } from '../../src/core/run/failure';
import type { RunEventOf } from '../../src/core/run/events';

const USERS = join(__dirname, '..', 'fixtures', 'console', 'users');
const summarize = async (name: string) => (await summarizePath(join(USERS, name))).summary;

test("torch >= 2.3 elastic: every traceback line prefixed `[rank0]: `; the child's OOM is the cause, not ChildFailedError", async () => {
  const tbs = parseConsole(readFileSync(join(USERS, 'rank0-traceback.log')))
    .filter((e): e is RunEventOf<'traceback'> => e.type === 'traceback')
    .map((e) => e.traceback);
  assert.equal(tbs[0]?.rank, 0);
  assert.match(tbs[0]!.exception!, /^torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate 2\.50 GiB/);
  assert.ok(
    tbs[0]!.lines.every((l) => !l.startsWith('[rank0]')),
    'the prefix is not part of the traceback',
  );
  const s = await summarize('rank0-traceback.log');
  assert.equal(s.state, 'failed');
  assert.equal(s.failure?.class, 'cuda_oom');
  assert.equal(s.script, 'lora');
});

test('`[rank0]: ` chained tracebacks with blank prefixed lines: the Hub refusal is found, sign in', async () => {
  const s = await summarize('rank0-chained.log');
  assert.equal(s.state, 'failed');
  assert.equal(s.failure?.class, 'hub_auth');
  assert.match(s.failure!.message, /401 Client Error: Unauthorized/);
  assert.match(s.failure!.remedy, /Sign in with `hf auth login`/);
  assert.equal(s.failure?.configKey, '/args/pretrained_model_name_or_path');
  assert.equal(failureTitle(s.failure!.class), 'Hugging Face Hub access refused');
});

test("GatedRepoError: request access on the model's page (named), then sign in", async () => {
  const s = await summarize('hub-gated.log');
  assert.equal(s.failure?.class, 'hub_auth');
  assert.match(s.failure!.message, /GatedRepoError: 401 Client Error/);
  assert.match(
    s.failure!.remedy,
    /stabilityai\/stable-diffusion-3-medium-diffusers is gated: request access on its Hub page \(https:\/\/huggingface\.co\/stabilityai\/stable-diffusion-3-medium-diffusers\)/,
  );
  assert.match(s.failure!.remedy, /sign in/);
  assert.equal(s.failure?.configKey, '/args/pretrained_model_name_or_path');
});

test('RepositoryNotFoundError (401 for a misspelt id): check the id, named; sign in for private repos', async () => {
  const s = await summarize('hub-repo-not-found.log');
  assert.equal(s.failure?.class, 'hub_auth');
  assert.match(s.failure!.message, /RepositoryNotFoundError: 401 Client Error/);
  assert.match(s.failure!.remedy, /^Check the id "stabilityai\/stable-diffusion-xl-base-1\.O"/);
  assert.match(s.failure!.remedy, /hf auth login/);
  assert.equal(s.failure?.configKey, '/args/pretrained_model_name_or_path');
});

test("a log that starts at the exception line (no Traceback header): failed, the exception named, not the launcher's", async () => {
  const s = await summarize('starts-at-exception.log');
  assert.equal(s.state, 'failed');
  assert.equal(s.failure?.class, 'other');
  assert.match(s.failure!.message, /^RuntimeError: Expected all tensors to be on the same device/);
  const alone = await summarize('starts-at-exception-only.log');
  assert.equal(alone.state, 'failed', 'no launcher line and no exit status: the exception is the evidence');
  assert.equal(alone.failure?.message, 'RuntimeError: Input type (float) and bias type (c10::Half) should be the same');
});

test('a traceback cut off before its exception line: failed, cause unknown, never "no failure"', async () => {
  const s = await summarize('cut-off-traceback.log');
  assert.equal(s.state, 'failed');
  assert.equal(s.failure?.class, 'other');
  assert.match(s.failure!.message, /ends inside a traceback, before its exception line: the cause is unknown/);
  assert.equal(s.step, 1);
});

test('xformers installed but built without CUDA: its own explanation and fix, not "missing package"', async () => {
  const s = await summarize('xformers-no-cuda.log');
  assert.equal(s.state, 'failed');
  assert.equal(s.failure?.class, 'xformers_build');
  assert.match(s.failure!.message, /^NotImplementedError: No operator found for `memory_efficient_attention_forward`/);
  assert.match(s.failure!.remedy, /built without CUDA/);
  assert.doesNotMatch(s.failure!.remedy, /pip install xformers`\)/);
  assert.equal(s.failure?.configKey, '/args/enable_xformers_memory_efficient_attention');
});
