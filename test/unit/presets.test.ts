// The starting configs of "SDXL: New Training Config…" (core/config/presets.ts): each validates clean and fits its card
// by the memory estimate; 8 GB and 16 GB LoRA presets exist; LoRA is offered first; the description says the basis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromPreset, PRESETS, presetMemoryNote, presetScriptOrder, renderConfig } from '../../src/core/config/presets';
import { estimateMemory } from '../../src/core/config/memoryEstimate';
import { validateConfig } from '../../src/core/diagnostics';

test('every preset validates with no errors and its estimated peak fits its GPU size', () => {
  for (const p of PRESETS) {
    const text = renderConfig(configFromPreset(p, './schemas/sdxl-config.schema.json'), ['a preset']);
    const errors = validateConfig(text).filter((d) => d.severity === 'error');
    assert.deepEqual(
      errors.map((d) => `${d.code} ${d.path}: ${d.message}`),
      [],
      p.id,
    );
    const est = estimateMemory(configFromPreset(p));
    assert.ok(est.totalGiB <= p.gpuGiB, `${p.id}: ${est.totalGiB} GiB > ${p.gpuGiB}`);
  }
});

test('LoRA presets for 8 GB and 16 GB cards, LoRA listed first, ids unique', () => {
  const lora = PRESETS.filter((p) => p.script === 'lora');
  assert.deepEqual(
    lora.map((p) => p.gpuGiB),
    [8, 12, 16, 24],
  );
  for (const id of ['lora-8gb', 'lora-16gb']) {
    const p = PRESETS.find((x) => x.id === id)!;
    assert.equal(p.args.gradient_checkpointing, true, id);
    assert.equal(p.args.train_batch_size, 1, id);
    assert.equal(p.args.mixed_precision, 'fp16', id);
  }
  assert.equal(PRESETS.find((x) => x.id === 'lora-8gb')!.args.use_8bit_adam, true);
  assert.equal(PRESETS.find((x) => x.id === 'lora-8gb')!.args.resolution, 512);
  assert.equal(PRESETS[0]!.script, 'lora');
  assert.deepEqual(presetScriptOrder(), ['lora', 'dreambooth-lora', 'full']);
  // Within each kind by GPU size, and every LoRA-kind preset before any full one.
  const firstFull = PRESETS.findIndex((p) => p.script === 'full');
  assert.ok(PRESETS.slice(firstFull).every((p) => p.script === 'full'));
  assert.equal(new Set(PRESETS.map((p) => p.id)).size, PRESETS.length);
});

test("a preset's description gives its estimate and what the figure assumes", () => {
  for (const p of PRESETS) {
    const note = presetMemoryNote(p);
    const est = estimateMemory(configFromPreset(p));
    assert.ok(note.startsWith(`Estimated peak ${est.totalGiB.toFixed(1)} GiB of ${p.gpuGiB} GB: SDXL base 1.0 weights, peak during the `), note);
    assert.match(note, /attention/);
    assert.match(note, /validation not counted/);
  }
  assert.match(presetMemoryNote(PRESETS.find((p) => p.id === 'dreambooth-lora-8gb')!), /text encoders freed/);
});
