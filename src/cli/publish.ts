// `publish RUN_ID|OUTPUT_DIR --repo ID [--private] [--include-checkpoints] [--license L] [--no-images] [--generation JOB_ID]
// [--from-checkpoint N] [--dry-run] [--workspace DIR]`: a finished run's weights, sample images and model card to a
// Hub model repo, through the same core as the extension's "Publish to Hugging Face Hub…". The token comes from
// $HF_TOKEN (else the Hugging Face CLI's token file), never from a flag: a command line is seen by every process.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { hubEndpoint } from '../core/hub/endpoint';
import { resolveHubToken } from '../core/hub/token';
import { publishToHub, repoIdProblem } from '../core/publish/publish';
import { generationImages, lastValidationImages, type SampleImage } from '../core/publish/publishFiles';
import { generationsDir } from '../core/generate/jobs';
import { readGenerationState } from '../core/generate/monitor';
import { outputDirFacts, planPublish, publishFactsOf, type PublishRunFacts } from '../core/publish/publishPlan';
import { launchFactsOf } from '../core/supervisor/runRecord';
import { envSecrets, redactText } from '../core/util/redact';
import { readRunWithImages } from '../core/view/runExport';
import { parseFlags, UsageError, type CliIo } from './io';
import { onlyFlags, openWorkspace, resolveRunId, stringFlag, workspaceRoot } from './run/context';

const USAGE =
  'usage: publish RUN_ID|OUTPUT_DIR --repo NAMESPACE/NAME [--private] [--include-checkpoints] [--license L] [--no-images] [--generation JOB_ID] [--from-checkpoint N] [--dry-run] [--workspace DIR]';

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const mb = (n: number): string => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 0)} MB`;

export async function publishCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['private', 'include-checkpoints', 'dry-run', 'no-images']);
  onlyFlags(flags, ['repo', 'private', 'include-checkpoints', 'license', 'dry-run', 'no-images', 'generation', 'from-checkpoint', 'workspace']);
  if (positional.length !== 1) throw new UsageError(USAGE);
  const repoId = stringFlag(flags, 'repo');
  if (repoId === undefined) throw new UsageError(`--repo is required. ${USAGE}`);
  const problem = repoIdProblem(repoId);
  if (problem) throw new UsageError(`--repo: ${problem}`);
  const fromText = stringFlag(flags, 'from-checkpoint');
  const fromCheckpoint = fromText === undefined ? undefined : Number(fromText);
  if (fromCheckpoint !== undefined && !(Number.isInteger(fromCheckpoint) && fromCheckpoint >= 0))
    throw new UsageError(`--from-checkpoint ${fromText}: a checkpoint's step (checkpoint-N)`);
  const env = io.env ?? process.env;
  const secrets = envSecrets(env);
  const given = positional[0]!;
  let facts: PublishRunFacts;
  let images: SampleImage[] = [];
  const asDir = resolve(io.cwd, given);
  if (isDir(asDir) && !existsSync(resolve(asDir, 'run.json'))) {
    facts = outputDirFacts(asDir);
  } else {
    const ws = openWorkspace(workspaceRoot(flags, io, io.cwd), io);
    const id = await resolveRunId(ws, given);
    const { dir, record } = await ws.supervisor.get(id);
    const f = publishFactsOf(launchFactsOf(record as unknown as Record<string, unknown>, dir), record.name);
    if ('error' in f) {
      io.err(`error: ${f.error}\n`);
      return 1;
    }
    facts = f;
    if (!flags.has('no-images')) {
      const state = await readRunWithImages(dir, ws.imageCacheDir, ws.secrets);
      const prompt = typeof facts.args.validation_prompt === 'string' ? facts.args.validation_prompt : '';
      images = lastValidationImages(state.validation.entries, prompt);
    }
  }
  const job = stringFlag(flags, 'generation');
  if (job !== undefined && !flags.has('no-images')) {
    // A generation job's images of the published weights replace the validation images.
    const dir = generationsDir(workspaceRoot(flags, io, io.cwd));
    const ids = existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(job)) : [];
    const id = ids.includes(job) ? job : ids.length === 1 ? ids[0]! : undefined;
    if (id === undefined) throw new UsageError(`--generation ${job}: ${ids.length ? `matches ${ids.length} jobs` : `no generation job in ${dir}`}`);
    const state = await readGenerationState(resolve(dir, id));
    images = generationImages(state, fromCheckpoint === undefined ? 'final' : { checkpoint: fromCheckpoint });
    if (images.length === 0) io.err(`note: generation ${id} has no images of the published weights: none are published\n`);
  }
  const license = stringFlag(flags, 'license');
  const plan = await planPublish({
    facts,
    repoId,
    ...(license ? { license } : {}),
    includeCheckpoints: flags.has('include-checkpoints'),
    images,
    ...(fromCheckpoint !== undefined ? { fromCheckpoint } : {}),
    secrets,
  });
  if (!plan.ok) {
    io.err(`error: ${plan.error}\n`);
    if (plan.newestCheckpoint !== undefined)
      io.err(`note: --from-checkpoint ${plan.newestCheckpoint} publishes checkpoint-${plan.newestCheckpoint}'s weights instead\n`);
    return 1;
  }
  const files = plan.selection.files;
  const total = files.reduce((s, f) => s + f.size, 0);
  if (flags.has('dry-run')) {
    io.out(`Would publish ${files.length + 1} file(s), ${mb(total)}, to ${hubEndpoint(env)}/${repoId}:\n`);
    for (const f of files) io.out(`  ${f.repoPath}\t${f.size}\t${f.localPath}\n`);
    io.out(`  README.md\t${Buffer.byteLength(plan.card)}\t(the model card below)\n\n${plan.card}`);
    return 0;
  }
  const token = resolveHubToken({ env });
  if (!token) {
    io.err('error: no Hugging Face token: set HF_TOKEN to a token with write access (or run `huggingface-cli login`)\n');
    return 1;
  }
  const abort = new AbortController();
  const unhook = io.onInterrupt?.(() => abort.abort());
  let shown = -1;
  try {
    const r = await publishToHub({
      hubUrl: hubEndpoint(env),
      accessToken: token.value,
      repoId,
      private: flags.has('private'),
      ...(license ? { license } : {}),
      files,
      card: plan.card,
      signal: abort.signal,
      onProgress: (p) => {
        const pct = p.total > 0 ? Math.floor((p.bytes / p.total) * 10) * 10 : 100;
        if (pct !== shown) io.err(`${p.phase}: ${mb(p.bytes)} of ${mb(p.total)} (${pct}%)\n`);
        shown = pct;
      },
    });
    if (!r.ok) {
      io.err(`error: ${redactText(r.message, [token.value, ...secrets])}\n`);
      return 1;
    }
    io.out(
      `${r.created ? 'Created and published' : 'Published'} ${repoId}: ${r.uploaded.length + 1} file(s)${r.deleted.length ? `, ${r.deleted.length} stale file(s) deleted` : ''}\n${r.url}\n`,
    );
    return 0;
  } finally {
    unhook?.();
  }
}
