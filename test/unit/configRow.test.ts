// What a Configs view row says: script kind, memory estimate (the code lens's number) and the last run's outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configRowDescription, configRowTooltip } from '../../src/core/view/configRow';
import { estimateMemory } from '../../src/core/config/memoryEstimate';
import { parseConfigText } from '../../src/core/config/config';
import { slurmSubmitTitle } from '../../src/core/view/slurmView';

test('a config row shows script kind, the estimate as the code lens rounds it, and the last run', () => {
  const parsed = parseConfigText(JSON.stringify({ script: 'lora', args: { pretrained_model_name_or_path: 'x', resolution: 1024, train_batch_size: 1 } }));
  const est = estimateMemory(parsed.config!).totalGiB;
  const facts = { script: 'lora', estimateGiB: est };
  assert.equal(configRowDescription(facts), `lora · ~${est.toFixed(1)} GiB`);
  assert.match(configRowTooltip(facts).join('\n'), /Not run yet/);
  const failed = {
    ...facts,
    lastRun: { name: 'rank 32', state: 'failed' as const, summary: 'failed: CUDA out of memory at step 3', createdAt: '2026-11-29T10:00:00Z' },
  };
  assert.equal(configRowDescription(failed), `lora · ~${est.toFixed(1)} GiB · last: ✗ failed`);
  assert.match(configRowTooltip(failed).join('\n'), /Last run: rank 32 — failed: CUDA out of memory at step 3 \(started /);
  assert.equal(configRowDescription({ ...facts, lastRun: { ...failed.lastRun, state: 'validating' } }), `lora · ~${est.toFixed(1)} GiB · last: running`);
  assert.equal(configRowDescription({ problem: 'line 1: unexpected end' }), 'not a valid config');
  assert.deepEqual(configRowTooltip({ problem: 'line 1: unexpected end' }), ['line 1: unexpected end']);
});

test('a config row names a launch profile other than local; a slurm one says how Start submits it', () => {
  assert.equal(configRowDescription({ script: 'lora', profile: 'multi-gpu', estimateGiB: 11.84 }), 'lora · multi-gpu · ~11.8 GiB');
  assert.match(configRowTooltip({ script: 'lora', profile: 'multi-gpu' }).join('\n'), /Launch profile: multi-gpu/);
  const config = parseConfigText(
    JSON.stringify({
      script: 'lora',
      launch: { profile: 'slurm', slurm: { partition: 'gpu', nodes: 2, gpusPerNode: 4 } },
      args: { pretrained_model_name_or_path: 'x' },
    }),
  ).config!;
  const slurmSubmit = slurmSubmitTitle(config)!;
  const facts = { script: 'lora', profile: 'slurm', slurmSubmit };
  assert.equal(configRowDescription(facts), 'lora · slurm');
  assert.ok(configRowTooltip(facts).includes('Start: Submit to Slurm (partition gpu, 2 nodes × 4 GPUs)'));
});
