// A run's offer for "Generate Samples…": every source it has weights for (core/generate/sources.ts: base, complete
// checkpoints, final) and the defaults from its arguments — or why it offers nothing to generate with.
import { defaultSettings, finalWeightsExist, generationSources } from '../../core/generate/sources';
import type { GenerationSettings } from '../../core/generate/types';
import type { RunView } from '../runs/runsController';
import { isSimulated } from '../runs/simulation';

export async function runSampleDefaults(run: RunView): Promise<GenerationSettings | { problem: string }> {
  // The stand-in trainer's files are placeholders: said here, not as a Python traceback once the job has started.
  if (isSimulated(run.entry.record))
    return { problem: 'it is a simulation (the demo’s stand-in trainer): its weights are placeholders, not a model to generate with' };
  const s = run.state;
  const outputDir = s.outputDir ?? run.entry.record.outputDir;
  if (!outputDir) return { problem: 'its output_dir is not known, so its weights cannot be found' };
  const script = s.script ?? run.entry.record.script;
  const sources = generationSources({
    script,
    outputDir,
    checkpoints: s.checkpoints,
    finalExists: await finalWeightsExist(outputDir, script),
    lastStep: s.step,
  });
  if (!sources.some((x) => x.kind !== 'base')) return { problem: 'it has no complete checkpoint and no final weights to generate with' };
  return defaultSettings({ script, args: s.args, sources, cwd: run.entry.record.plan.cwd });
}
