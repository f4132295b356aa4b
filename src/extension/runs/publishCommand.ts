// "SDXL: Publish to Hugging Face Hub…": a finished run's weights (and, if wanted, its checkpoints' weights and its last
// validation images) with a model card, to a Hub model repo. Thin over core/publish; the questions: repo id (default
// `<token's user>/<run name>`), private or public, license, checkpoints, sample images, then a look at the card. A Hub
// write is network access with the user's token: trusted workspaces only; the token is never shown or logged.
import * as vscode from 'vscode';
import { hubEndpoint } from '../../core/hub/endpoint';
import { tokenOwner } from '../../core/hub/whoami';
import { DEFAULT_LICENSE } from '../../core/publish/modelCard';
import { publishToHub, repoIdProblem } from '../../core/publish/publish';
import { generationImages, lastValidationImages, type SampleImage } from '../../core/publish/publishFiles';
import { planPublish, publishFactsOf, repoNameOf } from '../../core/publish/publishPlan';
import { launchFactsOf } from '../../core/supervisor/runRecord';
import type { HubController } from '../hub/hubController';
import type { CommandHandler } from '../commandTable';
import type { RunsController } from './runsController';
import { resolveRunId } from './runCommands';
import { isSimulated } from './simulation';
import type { GenerationFeed } from '../generate/generationFeed';
import type { GenerationState } from '../../core/generate/types';

const TITLE = 'Publish to Hugging Face Hub';
const mb = (n: number): string => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 0)} MB`;

async function yesNo(title: string, yes: string, no: string, yesFirst: boolean): Promise<boolean | undefined> {
  const items = yesFirst ? [yes, no] : [no, yes];
  const pick = await vscode.window.showQuickPick(items, { title: `${TITLE}: ${title}`, ignoreFocusOut: true });
  return pick === undefined ? undefined : pick === yes;
}

type ImagesChoice = { kind: 'validation' } | { kind: 'none' } | { kind: 'job'; job: GenerationState };

/**
 * Which sample images go with the card: the run's last validation images, a finished Generate Samples job of this run
 * (its images of the published weights, prompts as asked), or none. Undefined when the user cancelled.
 */
async function pickImages(runId: string, feed: GenerationFeed | undefined): Promise<ImagesChoice | undefined> {
  type Item = vscode.QuickPickItem & { choice: ImagesChoice };
  const jobs = (feed?.jobs() ?? []).filter((j) => j.runId === runId && j.status === 'succeeded' && j.images.some((i) => i.source === 'final'));
  const items: Item[] = [
    ...jobs
      .slice()
      .reverse()
      .map((job) => ({
        label: `Generated samples: ${job.name}`,
        description: `${job.images.filter((i) => i.source === 'final').length} image(s) of the final weights`,
        detail: job.settings?.prompts.join(' | '),
        choice: { kind: 'job' as const, job },
      })),
    { label: 'Validation images', description: "the run's last validation images", choice: { kind: 'validation' } },
    { label: 'No sample images', choice: { kind: 'none' } },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: `${TITLE}: sample images`, ignoreFocusOut: true });
  return pick?.choice;
}

export function publishCommands(runs: RunsController, hub: HubController, feed?: GenerationFeed): Record<string, CommandHandler> {
  return {
    'sdxl.publishToHub': async (arg?: unknown) => {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('SDXL: publishing to the Hub is available in a trusted workspace only.');
        return false;
      }
      // A simulation's weights are the stand-in trainer's placeholders: never offered, and refused from its menu.
      const id = await resolveRunId(runs, arg, (ended, r) => ended && !isSimulated(r.entry.record));
      const run = id ? runs.get(id) : undefined;
      if (!run) return false;
      if (isSimulated(run.entry.record)) {
        void vscode.window.showWarningMessage(
          `SDXL: "${runs.displayName(run.id)}" is a simulation (the demo's stand-in trainer): its weights are placeholders, not a model to publish.`,
        );
        return false;
      }
      const name = runs.displayName(run.id);
      const facts = publishFactsOf(launchFactsOf(run.entry.record as unknown as Record<string, unknown>, run.dir), run.entry.record.name);
      if ('error' in facts) {
        void vscode.window.showErrorMessage(`SDXL: ${facts.error}`);
        return false;
      }
      const token = await hub.currentToken();
      if (!token) {
        const signIn = 'Sign In';
        const pick = await vscode.window.showWarningMessage('SDXL: publishing needs a Hugging Face token with write access.', signIn);
        if (pick === signIn) await vscode.commands.executeCommand('sdxl.hubSignIn');
        return false;
      }
      const endpoint = hubEndpoint();
      const who = await tokenOwner(endpoint, token.value);
      if (!who.ok && who.refused) {
        void vscode.window.showErrorMessage(
          `SDXL: the Hub (${endpoint}) refused the Hugging Face token (401): sign in again with a token that has write access.`,
        );
        return false;
      }
      const repoName = repoNameOf(facts.name);
      const repoId = await vscode.window.showInputBox({
        title: `${TITLE}: repo id`,
        prompt: `A model repo on ${endpoint}; created if it does not exist, else updated with a new commit`,
        value: who.ok ? `${who.name}/${repoName}` : repoName,
        ignoreFocusOut: true,
        validateInput: (v) => repoIdProblem(v.trim()),
      });
      if (!repoId) return false;
      const isPrivate = await yesNo('visibility of a new repo', 'Private', 'Public', true);
      if (isPrivate === undefined) return false;
      const license = await vscode.window.showInputBox({
        title: `${TITLE}: license`,
        prompt: "The card's license (a Hub license id); SDXL's own is openrail++",
        value: DEFAULT_LICENSE,
        ignoreFocusOut: true,
        validateInput: (v) => (/^[a-z0-9][a-z0-9.+-]*$/i.test(v.trim()) ? undefined : 'A license id such as openrail++, mit, apache-2.0 or other'),
      });
      if (!license) return false;
      const checkpoints = await yesNo("checkpoints' weights", 'Include checkpoints', 'Final weights only', false);
      if (checkpoints === undefined) return false;
      const imagesChoice = await pickImages(run.id, feed);
      if (imagesChoice === undefined) return false;
      const prompt = typeof facts.args.validation_prompt === 'string' ? facts.args.validation_prompt : '';
      const imagesOf = (fromCheckpoint?: number): SampleImage[] =>
        imagesChoice.kind === 'none'
          ? []
          : imagesChoice.kind === 'job'
            ? generationImages(imagesChoice.job, fromCheckpoint === undefined ? 'final' : { checkpoint: fromCheckpoint })
            : lastValidationImages(run.state.validation.entries, prompt);
      const images = imagesOf();
      const secrets = [token.value, ...runs.secrets.list];
      const base = { facts, repoId: repoId.trim(), license: license.trim(), includeCheckpoints: checkpoints, images, secrets };
      let plan = await planPublish(base);
      if (!plan.ok && plan.newestCheckpoint !== undefined) {
        const use = `Publish checkpoint-${plan.newestCheckpoint}`;
        const pick = await vscode.window.showWarningMessage(`SDXL: ${runs.secrets.redact(plan.error)}`, { modal: true }, use);
        if (pick !== use) return false;
        plan = await planPublish({ ...base, images: imagesOf(plan.newestCheckpoint), fromCheckpoint: plan.newestCheckpoint });
      }
      if (!plan.ok) {
        void vscode.window.showErrorMessage(`SDXL: ${runs.secrets.redact(plan.error)}`);
        return false;
      }
      const files = plan.selection.files;
      const total = files.reduce((s, f) => s + f.size, 0) + Buffer.byteLength(plan.card);
      const publish = 'Publish';
      const preview = 'Preview Card';
      let answer = await vscode.window.showInformationMessage(
        `Publish ${name} to ${repoId.trim()}: ${files.length + 1} file(s), ${mb(total)}${isPrivate ? ' (private)' : ''}?`,
        { modal: true, detail: files.map((f) => f.repoPath).join('\n') + '\nREADME.md' },
        publish,
        preview,
      );
      if (answer === preview) {
        const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: plan.card });
        await vscode.window.showTextDocument(doc, { preview: false });
        answer = await vscode.window.showInformationMessage(
          `Publish ${name} to ${repoId.trim()} with this card (edits to it are used)?`,
          { modal: true },
          publish,
        );
        if (answer === publish) plan = { ...plan, card: doc.getText() };
      }
      if (answer !== publish) return false;
      const card = plan.card;
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Publishing ${name} to ${repoId.trim()}`, cancellable: true },
        async (progress, cancel) => {
          const abort = new AbortController();
          const sub = cancel.onCancellationRequested(() => abort.abort());
          let shown = 0;
          try {
            return await publishToHub({
              hubUrl: endpoint,
              accessToken: token.value,
              repoId: repoId.trim(),
              private: isPrivate,
              license: license.trim(),
              files,
              card,
              signal: abort.signal,
              onProgress: (p) => {
                const pct = p.total > 0 ? (p.bytes / p.total) * 100 : 100;
                progress.report({ message: `${p.phase}: ${mb(p.bytes)} of ${mb(p.total)}`, increment: Math.max(0, pct - shown) });
                shown = Math.max(shown, pct);
              },
            });
          } finally {
            sub.dispose();
          }
        },
      );
      if (!result.ok) {
        const text = `SDXL: ${runs.secrets.redact(result.message)}`;
        if (result.kind === 'cancelled') void vscode.window.showInformationMessage(text);
        else if (result.kind === 'token') {
          const signIn = 'Sign In';
          if ((await vscode.window.showErrorMessage(text, signIn)) === signIn) await vscode.commands.executeCommand('sdxl.hubSignIn');
        } else void vscode.window.showErrorMessage(text);
        return false;
      }
      const open = 'Open on the Hub';
      const said = `SDXL: published ${name} to ${repoId.trim()}${result.deleted.length ? ` (${result.deleted.length} stale file(s) removed)` : ''}.`;
      if ((await vscode.window.showInformationMessage(said, open)) === open) await vscode.env.openExternal(vscode.Uri.parse(result.url));
      return true;
    },
  };
}
