// Diagnostics from the environment the config runs in (ValidateContext.environment, a probe the editor ran): a package
// the config asks for that its interpreter lacks or cannot import (`env-missing-package`: use_8bit_adam without
// bitsandbytes, report_to tensorboard without tensorboard, …), and a diffusers older than the script's
// check_min_version (`env-diffusers-too-old`). Each names the interpreter and the pip command.
import type { SdxlConfig } from '../config/config';
import { diffusersFix, packageProblem, type EnvFix } from '../env/assess';
import type { EnvironmentFacts } from '../env/facts';
import { envNeedsOf } from '../env/needs';
import { fixInWords } from '../env/report';
import { atLeast } from '../env/version';
import type { Fix } from '../config/fixes';
import type { DiagnosticSink } from './types';

/** The config's own way out where one exists: turn the switch off. */
const SWITCH_OFF: Record<string, string> = {
  '/args/use_8bit_adam': 'Turn off use_8bit_adam (plain AdamW)',
  '/args/enable_xformers_memory_efficient_attention': 'Turn off xformers attention',
};

function nextStep(fix: EnvFix, verb = 'Install it'): string {
  return fix.kind === 'argv' ? `${verb}: ${fixInWords(fix).replace(/^run: /, '')}` : `Fix: ${fixInWords(fix)}`;
}

export function checkEnvironment(config: SdxlConfig, facts: EnvironmentFacts, sink: DiagnosticSink): void {
  const { probe, python } = facts;
  const needs = envNeedsOf(config);
  const scriptPointer = typeof config.launch?.scriptPath === 'string' ? '/launch/scriptPath' : '/script';
  for (const need of needs.packages) {
    const problem = packageProblem(probe, need.pkg, python);
    if (!problem) continue;
    const off = SWITCH_OFF[need.path];
    const fix: Fix | undefined = off ? { title: off, edits: [{ op: 'remove', path: need.path }] } : undefined;
    sink.add(
      need.severity === 'error' ? 'error' : 'warning',
      'env-missing-package',
      need.path === '' ? scriptPointer : need.path,
      `${problem.message.replace(/\.$/, '')}, and ${need.why}${need.pkg === 'tensorboard' ? ': the run would log no curves' : ': the script stops'}. ${nextStep(problem.fix)}`,
      fix,
    );
  }
  const installed = probe.packages.diffusers;
  const min = facts.diffusersMinimum;
  if (installed !== null && min !== undefined && atLeast(installed, min) === false) {
    sink.add(
      'error',
      'env-diffusers-too-old',
      scriptPointer,
      `diffusers ${installed} in ${python} is older than ${min}, which the script demands (check_min_version${facts.scriptPath ? ` in ${facts.scriptPath}` : ''}): it stops at import. ${nextStep(diffusersFix(python, min), 'Upgrade it')}`,
    );
  }
}
