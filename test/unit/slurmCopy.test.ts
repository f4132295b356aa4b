// The Launch Command view of a `slurm`-profile config (issue 15, part E): the job script Start writes, with the record
// folder as `<records>/<run id>`, and the sbatch command; no secret in either, the secret variables named as left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLaunchPlan } from '../../src/core/launch/launchPlan';
import { RUN_ID_PLACEHOLDER, slurmLaunchText } from '../../src/core/launch/slurmCopy';
import { sbatchScript } from '../../src/core/launch/sbatchScript';
import { maskSecret } from '../../src/core/util/redact';

const TOKEN = 'hf_FAKEfakeFAKEfakeFAKEfakeFAKEfake9z8y';

function plan(env: Record<string, string> = {}, args: Record<string, string> = {}) {
  return buildLaunchPlan(
    {
      script: 'lora',
      name: 'dog lora',
      launch: { cwd: '/ws', env: { SOME: 'v', ...env }, profile: 'slurm', slurm: { partition: 'debug', time: '00:30:00' } },
      args: { pretrained_model_name_or_path: 'm', output_dir: 'out', ...args },
    },
    '/ws/dog.sdxl.json',
    { platform: 'linux' },
  );
}

test('a slurm config shows the job script Start writes, in the record folder, and the sbatch that submits it', () => {
  const p = plan();
  assert.ok(p.slurm, 'the plan has a Slurm job');
  const text = slurmLaunchText(p, { recordsDir: '/ws/.sdxl/runs/', jobName: 'dog lora' });
  const folder = `/ws/.sdxl/runs/${RUN_ID_PLACEHOLDER}`;
  // Exactly what the Supervisor writes (sbatchScript), with the folder not yet named.
  assert.equal(text.script, sbatchScript(p, { outputFile: `${folder}/console.log`, jobName: 'dog lora', exportEnv: p.env }));
  assert.match(text.script, /^#SBATCH --partition=debug$/m);
  assert.match(text.script, /^#SBATCH --time=00:30:00$/m);
  // The placeholder has a space: sbatch's own quoting of a path (sbatchPath) shows as it would for such a folder.
  assert.match(text.script, /^#SBATCH --output="\/ws\/\.sdxl\/runs\/<run id>\/console\.log"$/m);
  assert.match(text.script, /^srun .*accelerate.* launch .*train_text_to_image_lora_sdxl\.py/m);
  assert.equal(text.submit, `cd '${folder}' && sbatch --parsable job.sbatch`);
  assert.deepEqual(text.masked, []);
  assert.deepEqual(text.leftOut, []);
});

test('no secret in the shown script: a token variable is left out (named), a token argument masked', () => {
  const text = slurmLaunchText(plan({ HF_TOKEN: TOKEN }, { validation_prompt: `uses ${TOKEN}` }), {
    recordsDir: '/ws/.sdxl/runs',
    jobName: 'dog lora',
  });
  assert.ok(!text.script.includes(TOKEN), text.script);
  assert.ok(!text.script.includes('HF_TOKEN'), 'the secret variable is no line of the script');
  assert.deepEqual(text.leftOut, ['HF_TOKEN']);
  assert.ok(text.masked.includes(maskSecret(TOKEN)), JSON.stringify(text.masked));
  assert.match(text.script, /export SOME=/);
});

test('a local config has no Slurm job: the view shows its command line instead', () => {
  const p = buildLaunchPlan({ script: 'lora', args: { pretrained_model_name_or_path: 'm' } }, '/ws/a.sdxl.json', { platform: 'linux' });
  assert.equal(p.slurm, undefined);
  assert.throws(() => slurmLaunchText(p, { recordsDir: '/r', jobName: 'a' }), /no Slurm job/);
});
