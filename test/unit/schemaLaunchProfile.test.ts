// The schema of launch.profile (an enum, a description per profile) and launch.slurm (every SlurmSettings key).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv from 'ajv';
import { buildCombinedSchema, launchProfileSchema, slurmSchema, type JsonSchema } from '../../src/core/config/schema';
import { LAUNCH_PROFILES, SLURM_KEYS } from '../../src/core/config/config';

const ajv = new Ajv({ strict: false, allErrors: true });
const combined = ajv.compile(buildCombinedSchema());
const config = (launch: unknown) => ({ script: 'lora', launch, args: { pretrained_model_name_or_path: 'm', dataset_name: 'x/y' } });

test('launch.profile: every profile, each with a description in words and in markdown', () => {
  const s = launchProfileSchema();
  assert.deepEqual(s.enum, [...LAUNCH_PROFILES]);
  const md = s.markdownEnumDescriptions as string[];
  const plain = s.enumDescriptions as string[];
  assert.equal(md.length, LAUNCH_PROFILES.length);
  assert.equal(plain.length, LAUNCH_PROFILES.length);
  assert.match(md[LAUNCH_PROFILES.indexOf('multi-gpu')]!, /--multi_gpu/);
  assert.match(md[LAUNCH_PROFILES.indexOf('multi-node')]!, /main_process_ip/);
  assert.ok(combined(config({ profile: 'multi-gpu' })));
  assert.ok(!combined(config({ profile: 'cluster' })));
});

test('launch.slurm: every SlurmSettings key with a description, types and minimums; examples such as "12:00:00"', () => {
  const props = slurmSchema().properties as Record<string, JsonSchema>;
  assert.deepEqual(Object.keys(props).sort(), [...SLURM_KEYS].sort());
  for (const [k, p] of Object.entries(props)) assert.ok(typeof p.description === 'string' && p.description.length > 10, k);
  assert.equal(props.nodes!.minimum, 1);
  assert.equal(props.gpusPerNode!.minimum, 0);
  assert.equal(props.mainProcessPort!.maximum, 65535);
  assert.ok((props.time!.examples as string[]).includes('12:00:00'));
  assert.ok(combined(config({ profile: 'slurm', slurm: { nodes: 2, gpusPerNode: 4, time: '12:00:00', setup: ['module load cuda'] } })));
  assert.ok(!combined(config({ profile: 'slurm', slurm: { nodes: 0 } })));
  assert.ok(!combined(config({ profile: 'slurm', slurm: { setup: 'module load cuda' } })));
});
