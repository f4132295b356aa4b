// The questions of "SDXL: Generate Samples…" as one multi-step flow (step titles, Back, kept open when focus moves):
// first "Accept defaults" or "Choose…", then sources, prompts, negative prompt, steps, guidance, seed, size, images
// per prompt. Answers are parsed by core/generate/sampleQuestions.ts; the result is checked by settingsProblems.
import * as vscode from 'vscode';
import type { GenerationSettings, GenerationSource } from '../../core/generate/types';
import {
  defaultSourceLabels,
  describeSettings,
  joinPrompts,
  parseGuidance,
  parseSize,
  parseWholeNumber,
  splitPrompts,
  type Parsed,
} from '../../core/generate/sampleQuestions';

const BACK = 'back';
type Answer<T> = T | typeof BACK | undefined;

interface StepFrame {
  title: string;
  step: number;
  totalSteps: number;
}

type SourceItem = vscode.QuickPickItem & { source: GenerationSource };

function pickSources(frame: StepFrame, sources: readonly GenerationSource[], picked: readonly string[]): Promise<Answer<GenerationSource[]>> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<SourceItem>();
    Object.assign(qp, frame);
    qp.canSelectMany = true;
    qp.ignoreFocusOut = true;
    qp.placeholder = 'Which weights to generate with (the same seeds for each, so the images compare)';
    qp.buttons = [vscode.QuickInputButtons.Back];
    qp.items = sources.map((s) => ({
      label: s.label,
      description: s.kind === 'base' ? 'the base model as it is' : `${s.kind}${s.step !== undefined ? ` · step ${s.step}` : ''}`,
      ...(s.path ? { detail: s.path } : {}),
      source: s,
    }));
    qp.selectedItems = qp.items.filter((i) => picked.includes(i.label));
    let done = false;
    const finish = (a: Answer<GenerationSource[]>) => {
      if (done) return;
      done = true;
      resolve(a);
      qp.dispose();
    };
    qp.onDidTriggerButton(() => finish(BACK));
    qp.onDidAccept(() => {
      if (qp.selectedItems.length === 0) {
        qp.placeholder = 'Choose at least one source (Space ticks one), then Enter';
        return;
      }
      finish(qp.selectedItems.map((i) => i.source));
    });
    qp.onDidHide(() => finish(undefined));
    qp.show();
  });
}

function ask(
  frame: StepFrame,
  o: { value: string; prompt: string; placeholder: string; check?: (text: string) => string | undefined; back: boolean },
): Promise<Answer<string>> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    Object.assign(box, frame);
    box.value = o.value;
    box.prompt = o.prompt;
    box.placeholder = o.placeholder;
    box.ignoreFocusOut = true;
    box.buttons = o.back ? [vscode.QuickInputButtons.Back] : [];
    let done = false;
    const finish = (a: Answer<string>) => {
      if (done) return;
      done = true;
      resolve(a);
      box.dispose();
    };
    box.onDidChangeValue((v) => (box.validationMessage = o.check?.(v)));
    box.onDidTriggerButton(() => finish(BACK));
    box.onDidAccept(() => {
      const problem = o.check?.(box.value);
      box.validationMessage = problem;
      if (!problem) finish(box.value);
    });
    box.onDidHide(() => finish(undefined));
    box.show();
  });
}

type ChoiceItem = vscode.QuickPickItem & { accept: boolean };

function firstChoice(frame: StepFrame, defaults: GenerationSettings): Promise<Answer<boolean>> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<ChoiceItem>();
    Object.assign(qp, frame);
    qp.ignoreFocusOut = true;
    qp.placeholder = 'Enter generates with the defaults';
    qp.items = [
      { label: '$(check) Accept defaults', description: describeSettings(defaults), detail: `Sources: ${defaults.sources.map((s) => s.label).join(', ')} · prompt: ${joinPrompts(defaults.prompts)}`, accept: true },
      { label: '$(settings) Choose sources, prompts and settings…', accept: false },
    ];
    let done = false;
    const finish = (a: Answer<boolean>) => {
      if (done) return;
      done = true;
      resolve(a);
      qp.dispose();
    };
    qp.onDidAccept(() => finish(qp.selectedItems[0]?.accept ?? qp.activeItems[0]?.accept ?? true));
    qp.onDidHide(() => finish(undefined));
    qp.show();
  });
}

const problemOf = <T>(p: Parsed<T>): string | undefined => ('error' in p ? p.error : undefined);
const valueOf = <T>(p: Parsed<T>): T => {
  if ('error' in p) throw new Error(p.error);
  return p.value;
};

/**
 * Asks for the settings of a job of `runName`. `defaults` holds every source the run offers in `sources` and the
 * run's defaults (core/generate/sources.ts); the default choice of sources is base + newest checkpoint + final.
 * Undefined when the user cancelled.
 */
export async function askGenerationSettings(runName: string, defaults: GenerationSettings): Promise<GenerationSettings | undefined> {
  const offered = defaults.sources;
  const chosenLabels = defaultSourceLabels(offered);
  const s: GenerationSettings = { ...defaults, sources: offered.filter((x) => chosenLabels.includes(x.label)) };
  const title = `Generate Samples: ${runName}`;
  const total = 9;
  const frame = (step: number): StepFrame => ({ title, step, totalSteps: total });
  let acceptRest = false;
  const steps: Array<() => Promise<Answer<true | 'accepted'>>> = [
    async () => {
      const a = await firstChoice(frame(1), s);
      if (a === undefined || a === BACK) return a;
      // A run without a validation prompt: the defaults still need one, asked next.
      acceptRest = a && s.prompts.length === 0;
      return a && !acceptRest ? 'accepted' : true;
    },
    async () => {
      const a = await pickSources(
        frame(2),
        offered,
        s.sources.map((x) => x.label),
      );
      if (a === undefined || a === BACK) return a;
      // In the run's order (base, checkpoints by step, final), whatever order they were ticked in.
      s.sources = offered.filter((x) => a.includes(x));
      return true;
    },
    async () => {
      const a = await ask(frame(3), {
        value: joinPrompts(s.prompts),
        prompt: 'Prompts',
        placeholder: 'One prompt, or several separated by | (e.g. a photo of sks dog | sks dog on a beach)',
        check: (t) => (splitPrompts(t).length ? undefined : 'Give at least one prompt.'),
        back: true,
      });
      if (a === undefined || a === BACK) return a;
      s.prompts = splitPrompts(a);
      return acceptRest ? 'accepted' : true;
    },
    async () => {
      const a = await ask(frame(4), { value: s.negativePrompt ?? '', prompt: 'Negative prompt', placeholder: 'What to keep out of the images (empty: none)', back: true });
      if (a === undefined || a === BACK) return a;
      const neg = a.trim();
      if (neg) s.negativePrompt = neg;
      else delete s.negativePrompt;
      return true;
    },
    ...(
      [
        ['Denoising steps', 'steps', (t: string) => parseWholeNumber(t, 'steps', 1, 1000)],
        ['Guidance scale', 'guidance', parseGuidance],
        ['Seed (image k of each prompt uses seed + k)', 'seed', (t: string) => parseWholeNumber(t, 'seed', 0, 2 ** 32 - 1)],
      ] as const
    ).map(([prompt, key, parse], i) => async (): Promise<Answer<true>> => {
      const a = await ask(frame(5 + i), { value: String(s[key]), prompt, placeholder: prompt, check: (t) => problemOf(parse(t)), back: true });
      if (a === undefined || a === BACK) return a;
      s[key] = valueOf(parse(a));
      return true;
    }),
    async () => {
      const a = await ask(frame(8), {
        value: `${s.width}x${s.height}`,
        prompt: 'Image size',
        placeholder: 'WIDTHxHEIGHT, multiples of 8 (e.g. 1024x1024)',
        check: (t) => problemOf(parseSize(t)),
        back: true,
      });
      if (a === undefined || a === BACK) return a;
      Object.assign(s, valueOf(parseSize(a)));
      return true;
    },
    async () => {
      const parse = (t: string) => parseWholeNumber(t, 'images per prompt', 1, 64);
      const a = await ask(frame(9), { value: String(s.numImages), prompt: 'Images per prompt (per source)', placeholder: '1 to 64', check: (t) => problemOf(parse(t)), back: true });
      if (a === undefined || a === BACK) return a;
      s.numImages = valueOf(parse(a));
      return true;
    },
  ];
  let i = 0;
  while (i < steps.length) {
    const a = await steps[i]!();
    if (a === undefined) return undefined;
    if (a === 'accepted') return s;
    if (a === BACK) i = acceptRest ? 0 : Math.max(0, i - 1);
    else i = acceptRest && i === 0 ? 2 : i + 1;
  }
  return s;
}
