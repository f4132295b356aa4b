import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { ARG_RANGES, buildCombinedSchema, buildSchema, NOT_SUGGESTED, renderSchemaFiles, SCHEMA_FILES, type JsonSchema } from '../../src/core/config/schema';
import { validateConfig } from '../../src/core/diagnostics';
import { SCRIPT_KINDS, SCRIPTS, type ScriptKind } from '../../src/core/scripts/scriptTables';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { repoRoot } from './repoRoot';

const ajv = new Ajv({ strict: false, allErrors: true });
const combined = ajv.compile(buildCombinedSchema());
const perScript = Object.fromEntries(SCRIPT_KINDS.map((k) => [k, ajv.compile(buildSchema(k))])) as Record<ScriptKind, ReturnType<Ajv['compile']>>;

const BASE: Record<ScriptKind, Record<string, unknown>> = {
  full: { pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0', dataset_name: 'x/y' },
  lora: { pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0', dataset_name: 'x/y' },
  'dreambooth-lora': { pretrained_model_name_or_path: 'm', instance_prompt: 'a photo of sks dog', instance_data_dir: 'dog' },
};

function argProps(schema: JsonSchema): Record<string, JsonSchema> {
  return (schema.properties as Record<string, JsonSchema>).args!.properties as Record<string, JsonSchema>;
}

test('committed schemas/ equal what generation produces', () => {
  for (const [name, text] of renderSchemaFiles()) {
    const file = join(repoRoot(), 'schemas', name);
    const committed = existsSync(file) ? readFileSync(file, 'utf8') : '<missing>';
    assert.ok(committed === text, `schemas/${name} differs from what the argument tables generate: run \`npm run generate\``);
  }
});

test('package.json validates *.sdxl.json with the combined schema', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { contributes: { jsonValidation: { fileMatch: string; url: string }[] } };
  const entry = pkg.contributes.jsonValidation.find((v) => v.fileMatch === '*.sdxl.json');
  assert.equal(entry?.url, `./schemas/${SCHEMA_FILES.combined}`);
});

test('every argument of every script is in its schema with type, default, choices and required', () => {
  const jsonType = { str: 'string', int: 'integer', float: 'number', 'bool-flag': 'boolean', bool: 'boolean' } as const;
  for (const kind of SCRIPT_KINDS) {
    const schema = buildSchema(kind);
    const props = argProps(schema);
    assert.deepEqual(Object.keys(props).sort(), SCRIPTS[kind].args.map((a) => a.dest).sort(), kind);
    for (const spec of SCRIPTS[kind].args) {
      const p = props[spec.dest]!;
      const types = Array.isArray(p.type) ? p.type : [p.type];
      assert.equal(types[0], jsonType[spec.type], `${kind} ${spec.dest} type`);
      assert.equal(types.includes('null'), spec.default === null && spec.type !== 'bool-flag', `${kind} ${spec.dest} nullable`);
      if (spec.default !== null) assert.deepEqual(p.default, spec.default, `${kind} ${spec.dest} default`);
      if (spec.choices)
        assert.deepEqual(
          (p.enum as unknown[]).filter((v) => v !== null),
          spec.choices,
          `${kind} ${spec.dest} enum`,
        );
      else assert.equal(p.enum, undefined);
      if (spec.help) assert.ok(String(p.description).startsWith(spec.help), `${kind} ${spec.dest} description`);
      assert.match(String(p.markdownDescription), /Default: /);
      if (spec.notes) assert.ok(String(p.markdownDescription).includes(spec.notes), `${kind} ${spec.dest} notes`);
    }
    const required = (schema.properties as Record<string, JsonSchema>).args!.required;
    assert.deepEqual(
      required,
      SCRIPTS[kind].args.filter((a) => a.required).map((a) => a.dest),
    );
  }
});

test('arguments only LoRA scripts have are absent from the full script schema', () => {
  const full = new Set(SCRIPTS.full.args.map((a) => a.dest));
  const loraOnly = SCRIPTS.lora.args.map((a) => a.dest).filter((d) => !full.has(d));
  assert.ok(loraOnly.includes('rank'));
  const props = argProps(buildSchema('full'));
  for (const d of loraOnly) assert.equal(props[d], undefined, d);
  // …while the LoRA schema types them (a LoRA-only key in a full config is reported by validateConfig, see below).
  assert.equal(combined({ script: 'lora', args: { ...BASE.lora, rank: 8 } }), true, JSON.stringify(combined.errors));
  assert.equal(combined({ script: 'lora', args: { ...BASE.lora, rank: 'eight' } }), false);
  assert.equal(combined({ script: 'full', args: { ...BASE.full, use_ema: 'yes' } }), false);
});

test('unknown keys are reported once, by validateConfig with its fix, not also by the schema', () => {
  // VS Code validates *.sdxl.json with the combined schema too: `additionalProperties: false` would add a second
  // "Property … is not allowed" entry in Problems for every key validateConfig already reports.
  const walk = (v: unknown, where: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}/${i}`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        assert.notEqual(k === 'additionalProperties' && x === false, true, `additionalProperties: false at ${where}`);
        walk(x, `${where}/${k}`);
      }
    }
  };
  walk(buildCombinedSchema(), '#');
  for (const kind of SCRIPT_KINDS) walk(buildSchema(kind), kind);
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ script: 'full', args: { ...BASE.full, lerning_rate: 1e-5 } }, '/args/lerning_rate'],
    [{ script: 'full', args: { ...BASE.full, rank: 8 } }, '/args/rank'],
    [{ script: 'full', args: BASE.full, nmae: 'x' }, '/nmae'],
    [{ script: 'full', args: BASE.full, launch: { pyhton: 'x' } }, '/launch/pyhton'],
  ];
  for (const [doc, path] of cases) {
    assert.equal(combined(doc), true, `schema flags ${path}: ${JSON.stringify(combined.errors)}`);
    assert.equal(perScript[doc.script as ScriptKind]!(doc), true, `per-script schema flags ${path}`);
    const reports = validateConfig(JSON.stringify(doc, null, 2)).filter((d) => d.path === path);
    assert.equal(reports.length, 1, `${path}: ${JSON.stringify(reports)}`);
    assert.ok(reports[0]!.fix, `${path} has a fix`);
  }
});

test('launcher-set and secret arguments are not offered in completion (doNotSuggest), and are still described', () => {
  assert.ok('local_rank' in NOT_SUGGESTED);
  for (const kind of SCRIPT_KINDS) {
    const props = argProps(buildSchema(kind));
    for (const [dest, p] of Object.entries(props)) {
      assert.equal(p.doNotSuggest === true, dest in NOT_SUGGESTED, `${kind} ${dest} doNotSuggest`);
      if (dest in NOT_SUGGESTED) assert.match(String(p.markdownDescription), /Not offered in completion/);
    }
    // The combined (editor) schema carries the same flag, and the value stays valid.
    const combinedProps = ((buildCombinedSchema().definitions as Record<string, JsonSchema>)[kind]!.properties as Record<string, JsonSchema>).args!
      .properties as Record<string, JsonSchema>;
    assert.equal(combinedProps.local_rank!.doNotSuggest, true, kind);
    assert.equal(combined({ script: kind, args: { ...BASE[kind], local_rank: 0 } }), true);
  }
});

test('ranges the scripts check appear as bounds', () => {
  const p = argProps(buildSchema('full')).proportion_empty_prompts!;
  assert.equal(p.minimum, 0);
  assert.equal(p.maximum, 1);
  assert.equal(combined({ script: 'full', args: { ...BASE.full, proportion_empty_prompts: 1.5 } }), false);
  assert.equal(combined({ script: 'full', args: { ...BASE.full, proportion_empty_prompts: 0.2 } }), true);
  for (const dest of Object.keys(ARG_RANGES)) assert.ok(SCRIPTS.full.byDest.has(dest), `range for unknown arg ${dest}`);
});

test('the combined schema picks the argument set by script, per-script schemas agree', () => {
  const cases: Array<[unknown, boolean]> = [
    [{ script: 'full', args: BASE.full }, true],
    [{ script: 'dreambooth-lora', args: BASE['dreambooth-lora'] }, true],
    [{ script: 'dreambooth-lora', args: { ...BASE['dreambooth-lora'], prodigy_decouple: false, optimizer: 'prodigy' } }, true],
    [{ script: 'dreambooth-lora', args: { pretrained_model_name_or_path: 'm' } }, false], // instance_prompt required
    [{ script: 'full', args: { ...BASE.full, learning_rate: '1e-5' } }, false], // wrong type
    [{ script: 'full', args: { ...BASE.full, train_batch_size: 1.5 } }, false], // integer
    [{ script: 'full', args: { ...BASE.full, mixed_precision: 'fp8' } }, false], // not a choice
    [{ script: 'full', args: { ...BASE.full, mixed_precision: null, seed: null } }, true],
    [{ script: 'full', args: { ...BASE.full, lerning_rate: 1e-5 } }, true], // a typo: validateConfig reports it (see above)
    [{ script: 'full', args: BASE.full, extra: 1 }, true],
    [
      {
        script: 'full',
        name: 'run',
        $schema: './x.json',
        args: BASE.full,
        launch: {
          python: '/v/bin/python',
          env: { A: 'b' },
          accelerateArgs: { num_processes: 2, multi_gpu: true, mixed_precision: 'bf16', use_deepspeed: true },
        },
      },
      true,
    ],
    [{ script: 'full', args: BASE.full, launch: { accelerateArgs: { mixed_precision: 'fp32' } } }, false],
    [{ script: 'full', args: BASE.full, launch: { env: { A: 1 } } }, false],
    [{ script: 'full', args: BASE.full, launch: { pyhton: 'x' } }, true],
  ];
  for (const [doc, ok] of cases) {
    assert.equal(combined(doc), ok, JSON.stringify(doc));
    const kind = (doc as { script: ScriptKind }).script;
    assert.equal(perScript[kind]!(doc), ok, `per-script ${JSON.stringify(doc)}`);
  }
  assert.equal(combined({ script: 'sdxl', args: {} }), false);
  assert.equal(combined({ args: {} }), false);
});

test('the combined schema is self-contained: every $ref is local and resolves', () => {
  const schema = buildCombinedSchema();
  const refs: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref') refs.push(String(x));
        else walk(x);
      }
    }
  };
  walk(schema);
  assert.ok(refs.length >= SCRIPT_KINDS.length);
  for (const ref of refs) {
    assert.match(ref, /^#\//);
    let node: unknown = schema;
    for (const seg of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[seg];
    assert.ok(node && typeof node === 'object', ref);
  }
  const script = (schema.properties as Record<string, JsonSchema>).script!;
  assert.deepEqual(script.enum, [...SCRIPT_KINDS]);
  assert.equal((script.enumDescriptions as string[]).length, SCRIPT_KINDS.length);
});

test('CLI: schema --script prints the per-script schema; generate-schemas writes and checks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-schemas-'));
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    readStdin: async () => '',
    cwd: dir,
  };
  try {
    assert.equal(await main(['schema', '--script', 'lora'], io), 0);
    assert.deepEqual(JSON.parse(stdout), buildSchema('lora'));
    assert.equal(await main(['schema', '--script', 'sdxl'], io), 2);
    assert.equal(await main(['generate-schemas', 'out', '--check'], io), 1);
    assert.match(stderr, /npm run generate/);
    assert.equal(await main(['generate-schemas', 'out'], io), 0);
    for (const [name, text] of renderSchemaFiles()) assert.equal(readFileSync(join(dir, 'out', name), 'utf8'), text);
    assert.equal(await main(['generate-schemas', 'out', '--check'], io), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
