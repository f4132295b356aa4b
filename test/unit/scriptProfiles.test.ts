// Each script kind's profile is complete and agrees with its argument table, so a new kind (table + profile entry)
// cannot silently disagree with the script it describes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCRIPT_KINDS, SCRIPTS, scriptKindFromPath } from '../../src/core/scripts/scriptTables';
import { kindsInWords } from '../../src/core/scripts/kinds';
import { byKind, profileOfRecorded, SCRIPT_PROFILES, TRACKER_PROJECTS } from '../../src/core/scripts/profiles';
import { SCHEMA_FILES } from '../../src/core/config/schema';
import { ConsoleParser } from '../../src/core/worker/consoleParser';
import { repoRoot } from './repoRoot';

const hasArg = (kind: (typeof SCRIPT_KINDS)[number], dest: string): boolean => SCRIPTS[kind].byDest.has(dest);

test('every kind has a profile, and only kinds do', () => {
  assert.deepEqual(Object.keys(SCRIPT_PROFILES).sort(), [...SCRIPT_KINDS].sort());
  for (const kind of SCRIPT_KINDS) {
    const p = SCRIPT_PROFILES[kind];
    assert.equal(p.kind, kind);
    for (const [key, value] of Object.entries(p)) assert.notEqual(value, undefined, `${kind}.${key}`);
    for (const key of ['fileName', 'label', 'noun', 'defaultOutputDir', 'schemaFile', 'eventScalars', 'finalWeightsFile'] as const) {
      assert.ok(p[key].length > 0, `${kind}.${key} is empty`);
    }
  }
});

test('each profile agrees with its argument table', () => {
  for (const kind of SCRIPT_KINDS) {
    const p = SCRIPT_PROFILES[kind];
    const table = p.table;
    assert.ok(table.source.endsWith(`/${p.fileName}`), `${kind}: the table is read from ${table.source}, not ${p.fileName}`);
    assert.equal(SCRIPTS[kind].fileName, p.fileName);
    assert.equal(p.trackerProjects[0], table.tracker_project_name, `${kind}: the table's tracker project comes first`);
    assert.equal(SCRIPTS[kind].byDest.get('output_dir')?.default, p.defaultOutputDir, `${kind}: output_dir default`);
    assert.ok(hasArg(kind, p.datasetArg), `${kind}: no ${p.datasetArg} in its table`);
    assert.ok(hasArg(kind, 'dataset_name'), `${kind}: no dataset_name`);
    assert.equal(hasArg(kind, 'with_prior_preservation'), p.priorPreservation, `${kind}: with_prior_preservation`);
    assert.equal(hasArg(kind, 'optimizer'), p.prodigy, `${kind}: optimizer (prodigy)`);
    assert.equal(hasArg(kind, 'do_edm_style_training'), p.edmStyleTraining, `${kind}: do_edm_style_training`);
    assert.equal(hasArg(kind, 'timestep_bias_strategy'), p.timestepBias, `${kind}: timestep_bias_strategy`);
    assert.equal(hasArg(kind, 'use_ema'), p.memory.fullUnet, `${kind}: use_ema is the full UNet's`);
    assert.equal(hasArg(kind, 'train_text_encoder'), !p.memory.fullUnet, `${kind}: train_text_encoder is LoRA's`);
    assert.ok(p.predictionTypes.includes('epsilon') && p.predictionTypes.includes('v_prediction'), `${kind}: prediction types`);
    if (p.fixedColumns) {
      for (const [dest, name] of Object.entries(p.fixedColumns)) assert.equal(SCRIPTS[kind].byDest.get(dest)?.default, name, `${kind}: ${dest}`);
    }
    if (p.prodigy)
      assert.ok(
        SCRIPTS[kind].args.some((a) => a.type === 'bool' && a.dest.startsWith('prodigy_')),
        `${kind}: prodigy's type=bool flags`,
      );
    else
      assert.ok(
        SCRIPTS[kind].args.every((a) => a.type !== 'bool'),
        `${kind}: type=bool arguments without prodigy`,
      );
    assert.equal(p.checkpointWeights === 'unet', p.finalWeightsFile === 'model_index.json', `${kind}: a full pipeline's weights`);
    assert.equal(SCRIPTS[kind].title, `${p.label} (${p.fileName})`);
  }
});

test('derived per-kind tables come from the profiles', () => {
  for (const kind of SCRIPT_KINDS) {
    assert.equal(SCHEMA_FILES[kind], `${kind}.schema.json`);
    assert.ok(existsSync(join(repoRoot(), 'schemas', SCHEMA_FILES[kind])), `schemas/${SCHEMA_FILES[kind]}`);
    assert.equal(scriptKindFromPath(`/x/examples/${SCRIPT_PROFILES[kind].fileName}`), kind);
  }
  assert.deepEqual(
    byKind((p) => p.kind),
    { full: 'full', lora: 'lora', 'dreambooth-lora': 'dreambooth-lora' },
  );
  const projects = TRACKER_PROJECTS.map(([project]) => project);
  assert.equal(new Set(projects).size, projects.length, 'a tracker project names one script');
  assert.equal(profileOfRecorded('full'), SCRIPT_PROFILES.full);
  for (const odd of ['sdxl-3', 'toString', '__proto__', '', null, undefined]) assert.equal(profileOfRecorded(odd), undefined, String(odd));
});

test('the data folder holds one argument table per kind', () => {
  const tables = readdirSync(join(repoRoot(), 'src/core/scripts/data'))
    .filter((f) => f.endsWith('.args.json'))
    .sort();
  assert.deepEqual(tables, SCRIPT_KINDS.map((k) => `${k}.args.json`).sort());
  for (const kind of SCRIPT_KINDS) {
    const raw = JSON.parse(readFileSync(join(repoRoot(), 'src/core/scripts/data', `${kind}.args.json`), 'utf8')) as { source: string };
    assert.equal(raw.source, SCRIPT_PROFILES[kind].table.source, `${kind}: the profile holds its own table`);
  }
});

test('the console parser knows each script by its file name, as a path component only', () => {
  for (const kind of SCRIPT_KINDS) {
    const name = SCRIPT_PROFILES[kind].fileName;
    const seen = (line: string): string | undefined => {
      const p = new ConsoleParser();
      const events = p.push(`${line}\n`);
      const hint = events.find((e) => e.type === 'scriptHint');
      return hint && hint.type === 'scriptHint' ? hint.script : undefined;
    };
    assert.equal(seen(`subprocess.CalledProcessError: Command '['python', '/w/${name}', '--x']'`), kind);
    assert.equal(seen(`python ${name} --x`), kind);
    assert.equal(seen(`python my_${name} --x`), undefined, `${kind}: my_${name} is another file`);
  }
});

test('messages that list the kinds list them all', () => {
  assert.equal(kindsInWords({ quote: true, or: false }), '"full", "lora", "dreambooth-lora"');
  assert.equal(kindsInWords({ quote: true, or: true }), '"full", "lora" or "dreambooth-lora"');
  assert.equal(kindsInWords({ quote: false, or: true }), 'full, lora or dreambooth-lora');
});
