// What the chat's language model tools (and "SDXL: Copy Run Summary") say, as plain text built from the core's own
// readings of a run: the tool layer (src/extension/chat/) only finds the run and passes these along. Every text is
// masked (the run's known secrets and any Hugging Face token) before it leaves here.
import { isAbsolute, relative } from 'node:path';
import { toSummary, type SummaryState } from '../monitor/summarize';
import type { RunShow } from '../monitor/runShow';
import type { ConsoleExcerpt } from '../monitor/consoleExcerpt';
import type { RunState } from '../run/state';
import type { RunEntry } from '../supervisor/runRecord';
import { failureTitle } from '../run/failure';
import { describeFix } from '../config/fixes';
import { formatArgValue } from '../config/editConfig';
import type { ArgChange } from '../config/proposeChange';
import { validateConfig } from '../diagnostics';
import { redactorOf } from '../util/redact';
import { describeRun, formatDuration } from './format';

/** The tools, as `contributes.languageModelTools` names them (a test holds package.json to this list). */
export const CHAT_TOOL_NAMES = ['sdxl_listRuns', 'sdxl_runSummary', 'sdxl_explainFailure', 'sdxl_proposeConfigChange'] as const;
export type ChatToolName = (typeof CHAT_TOOL_NAMES)[number];

/**
 * Every tool's answer in an untrusted workspace. They are registered there too, so the chat says why instead of
 * failing: a cloned folder's run records and consoles are text written by someone else, which could steer the model.
 */
export const UNTRUSTED_REFUSAL =
  'SDXL Trainer does not read training runs or change configs for the chat in an untrusted workspace (Restricted Mode): ' +
  "the run records and consoles of a folder you have not trusted may hold text written to steer an assistant. Trust the workspace (command 'Workspaces: Manage Workspace Trust') and ask again.";

/** How many runs `sdxl_listRuns` lists (the newest); the rest are counted. */
export const LIST_LIMIT = 50;

/** One run as `sdxl_listRuns` lists it. */
export interface ChatRunRow {
  id: string;
  name: string;
  /** The config it was started from, relative to the workspace when inside it. */
  config: string | null;
  script: string;
  state: SummaryState;
  /** A failure's (or warning's) title: "Out of GPU memory". */
  outcome: string | null;
  step: number | null;
  totalSteps: number | null;
  /** ISO time the training started (the record's creation time until then). */
  startedAt: string;
  /** Seconds from start to end, or to `now` while it runs; null when unknown. */
  durationSec: number | null;
  lastLoss: number | null;
}

/** A run's row from its record and its state (the monitor's, or `summarize`'s). */
export function chatRunRow(entry: RunEntry, state: RunState, opts: { workspaceRoot?: string; now?: number } = {}): ChatRunRow {
  const r = entry.record;
  const summary = toSummary(state, 'record', r.state);
  const startedAt = r.startedAt ?? r.createdAt;
  const start = Date.parse(startedAt);
  const endIso = r.endedAt ?? entry.exit?.endedAt;
  const end = endIso ? Date.parse(endIso) : summary.state === 'running' ? (opts.now ?? Date.now()) : NaN;
  const config = r.configPath
    ? opts.workspaceRoot && isAbsolute(r.configPath) && !relative(opts.workspaceRoot, r.configPath).startsWith('..')
      ? relative(opts.workspaceRoot, r.configPath)
      : r.configPath
    : null;
  return {
    id: r.id,
    name: r.name,
    config,
    script: r.script,
    state: summary.state,
    outcome: summary.failure ? failureTitle(summary.failure.class) : null,
    step: summary.step,
    totalSteps: summary.totalSteps,
    startedAt,
    durationSec: Number.isFinite(start) && Number.isFinite(end) && end >= start ? (end - start) / 1000 : null,
    lastLoss: summary.stepLoss,
  };
}

/** `sdxl_listRuns`: the runs, newest first, at most `limit`, and how many more there are. */
export function runListText(rows: readonly ChatRunRow[], opts: { limit?: number; secrets?: readonly string[] } = {}): string {
  const limit = opts.limit ?? LIST_LIMIT;
  if (rows.length === 0) return 'No training runs in this workspace yet (records are kept in .sdxl/runs).';
  const sorted = [...rows].sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
  const shown = sorted.slice(0, limit);
  const lines = [
    `${rows.length} training run${rows.length === 1 ? '' : 's'} in this workspace, newest first${rows.length > limit ? ` (the newest ${limit} listed)` : ''}:`,
  ];
  for (const r of shown) {
    const parts = [
      `${r.state}${r.outcome ? ` (${r.outcome})` : ''}`,
      `step ${r.step ?? '?'}/${r.totalSteps ?? '?'}`,
      `started ${r.startedAt}`,
      ...(r.durationSec !== null ? [`${r.state === 'running' ? 'running for' : 'took'} ${formatDuration(r.durationSec)}`] : []),
      ...(r.lastLoss !== null ? [`last loss ${r.lastLoss}`] : []),
    ];
    lines.push(`- ${r.id} "${r.name}": ${r.script}${r.config ? `, config ${r.config}` : ''}; ${parts.join('; ')}`);
  }
  if (rows.length > limit) lines.push(`… and ${rows.length - limit} older run${rows.length - limit === 1 ? '' : 's'} not listed.`);
  lines.push('Ask for a run by its id (sdxl_runSummary, sdxl_explainFailure).');
  return redactorOf(opts.secrets)(lines.join('\n'));
}

/**
 * `sdxl_runSummary` and "SDXL: Copy Run Summary": one line saying what the run is, then exactly `run show ID --json`'s
 * object (showRun), so an assistant given either reads the same data.
 */
export function runSummaryText(show: RunShow, opts: { name?: string; secrets?: readonly string[] } = {}): string {
  const outcome = show.failure ? `, ${failureTitle(show.failure.class)}` : '';
  const head = `SDXL training run ${show.id}${opts.name ? ` "${opts.name}"` : ''}: ${show.state}${outcome}, step ${show.step ?? '?'}/${show.totalSteps ?? '?'} (the same data as \`sdxl-trainer run show ${show.id} --json\`):`;
  return redactorOf(opts.secrets)(`${head}\n\`\`\`json\n${JSON.stringify(show, null, 2)}\n\`\`\`\n`);
}

/**
 * `sdxl_explainFailure`: the diagnosis the dashboard's failure banner shows (class, title, message, remedy, fix) and
 * the console lines around the line it quotes. A run without a failure says what it is doing instead.
 */
export function failureExplanationText(
  run: { id: string; name?: string; state: RunState; excerpt?: ConsoleExcerpt; consolePath?: string },
  opts: { secrets?: readonly string[] } = {},
): string {
  const s = run.state;
  const f = s.failure ?? s.warnings.find((w) => w.class === 'nan_loss') ?? s.warnings[0] ?? null;
  const who = `Run ${run.id}${run.name ? ` "${run.name}"` : ''}`;
  if (!f) return redactorOf(opts.secrets)(`${who} has no failure or warning to explain: ${describeRun(s)}.`);
  const lines = [
    `${who} ${s.failure ? 'failed' : 'has a warning'}: ${failureTitle(f.class)} (class ${f.class}).`,
    `Message: ${f.message}`,
    `Remedy: ${f.remedy}`,
    ...(f.configKey ? [`Config key: ${f.configKey}`] : []),
    ...(f.fix ? [`Fix the extension offers (the failure banner's button, or sdxl_proposeConfigChange): ${describeFix(f.fix)}.`] : []),
  ];
  const ex = run.excerpt;
  if (ex) {
    const last = ex.firstLine + ex.lines.length - 1;
    const width = String(last).length;
    lines.push(
      '',
      `Console${run.consolePath ? ` (${run.consolePath})` : ''}, lines ${ex.firstLine}–${last}; the failure is at line ${ex.line}${ex.truncated ? '; long lines cut, some left out' : ''}:`,
      '```text',
      ...ex.lines.map((t, i) => `${ex.firstLine + i === ex.line ? '>' : ' '}${String(ex.firstLine + i).padStart(width)} | ${t}`),
      '```',
    );
  } else lines.push('', 'The console line of the failure was not found (the console may have been removed or cut).');
  return redactorOf(opts.secrets)(lines.join('\n'));
}

function valueText(v: unknown): string {
  return v === undefined ? '(not set: the script default)' : formatArgValue(v) === '' ? '""' : formatArgValue(v);
}

/** The change as lines, `arg: old → new`, for the confirmation and the result. */
export function changeLines(changes: readonly ArgChange[]): string[] {
  return changes.map((c) => `${c.arg}: ${valueText(c.old)} → ${valueText(c.new)}`);
}

/**
 * The confirmation `sdxl_proposeConfigChange` asks for (Markdown): the exact change per argument, the reason given,
 * and the errors the config would have on the changed arguments afterwards (validateConfig on the new text).
 */
export function proposalConfirmation(file: string, changes: readonly ArgChange[], reason: string, newText: string): { title: string; message: string } {
  const changed = new Set(changes.map((c) => `/args/${c.arg}`));
  const after = validateConfig(newText).filter((d) => d.severity === 'error' && changed.has(d.path));
  const message = [
    `Change ${changes.length} argument${changes.length === 1 ? '' : 's'} of \`${file}\` (one edit, undo with Ctrl+Z):`,
    '',
    ...changeLines(changes).map((l) => `- \`${l}\``),
    '',
    `Reason given: ${reason.trim() || '(none)'}`,
    ...(after.length ? ['', 'After the change the config would have these errors:', ...after.map((d) => `- ${d.message}`)] : []),
  ].join('\n');
  return { title: `Change ${file}?`, message };
}

/** What `sdxl_proposeConfigChange` returns once the edit was applied. */
export function proposalAppliedText(file: string, changes: readonly ArgChange[]): string {
  return [`Changed ${file} (one edit; the user can undo it):`, ...changeLines(changes).map((l) => `- ${l}`)].join('\n');
}
