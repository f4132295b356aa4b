// Per-rank state of a multi-process run (torch.distributed / accelerate): which ranks printed, what each printed last,
// which failed and which failed first. Pure, bounded: at most MAX_RANKS ranks are kept whatever the console holds (a
// garbage console with millions of rank numbers sets `more` instead of growing). docs/worker-formats.md#rank-prefixes.
import type { TracebackInfo } from './events';

/** Ranks kept; a real job on one node has at most 8–16 local ranks, and the views show a compact list. */
export const MAX_RANKS = 64;

export interface RankInfo {
  rank: number;
  /** The last non-blank line it printed (prefix removed, at most 200 characters). */
  lastLine: string | null;
  /** What it failed with: its own exception line, else the launcher's word (exit code, signal). */
  error: string | null;
  exitCode: number | null;
  signal: string | null;
}

export interface RanksState {
  /** By rank number, at most MAX_RANKS. */
  ranks: readonly RankInfo[];
  /** Lines or failures of ranks not kept (past MAX_RANKS); counted, not listed. */
  more: number;
  /** The rank whose failure is the cause (not a peer's consequence), with its error; see firstFailureOf. */
  firstFailure: { rank: number; error: string } | null;
  /** The rank torch.distributed named under `Root Cause (first observed failure)`. */
  rootCause: number | null;
}

export const EMPTY_RANKS: RanksState = Object.freeze({ ranks: Object.freeze([]), more: 0, firstFailure: null, rootCause: null });

/**
 * Errors a rank gets because ANOTHER rank died or stalled: its peer closed the connection (gloo), a collective timed
 * out or was aborted (NCCL), the launcher stopped it (SIGTERM). They never name the first failing rank when a rank
 * with an error of its own is known (the recorded real run: rank 1 killed, rank 0 `Connection closed by peer`, and
 * torch's Root Cause table names rank 0).
 */
const CONSEQUENCE_RE =
  /Connection closed by peer|Connection reset by peer|Broken pipe|collective operation timeout|communicator was aborted|DistBackendError|ProcessGroupNCCL.*(?:abort|timeout)|SIGTERM|exit code -15\b/i;

export function isConsequence(error: string): boolean {
  return CONSEQUENCE_RE.test(error);
}

function upsert(s: RanksState, rank: number, patch: (old: RankInfo) => RankInfo): RanksState {
  const i = s.ranks.findIndex((r) => r.rank === rank);
  if (i >= 0) {
    const ranks = s.ranks.slice();
    ranks[i] = patch(s.ranks[i]!);
    return { ...s, ranks };
  }
  if (s.ranks.length >= MAX_RANKS) return { ...s, more: s.more + 1 };
  const fresh: RankInfo = { rank, lastLine: null, error: null, exitCode: null, signal: null };
  const ranks = [...s.ranks, patch(fresh)].sort((a, b) => a.rank - b.rank);
  return { ...s, ranks };
}

/** A rank's line as kept: at most MAX_RANK_LINE characters (longer ones cut, with `…`). */
export const MAX_RANK_LINE = 200;
export function rankLineText(text: string): string {
  return text.length > MAX_RANK_LINE ? text.slice(0, MAX_RANK_LINE - 1) + '…' : text;
}

/** A line rank `rank` printed (already cut by rankLineText). */
export function ranksOnLine(s: RanksState, rank: number, text: string): RanksState {
  const known = s.ranks.find((r) => r.rank === rank);
  if (known && known.lastLine === text) return s;
  return upsert(s, rank, (r) => ({ ...r, lastLine: text }));
}

/** A traceback: a rank's own exception (launcher exceptions, which carry no rank, are not). */
export function ranksOnTraceback(s: RanksState, tb: TracebackInfo, isLauncherException: (line: string) => boolean): RanksState {
  if (tb.rank === undefined || !tb.exception || isLauncherException(tb.exception)) return s;
  const error = tb.exception;
  return withFirstFailure(
    upsert(s, tb.rank, (r) => (r.error && !isConsequence(r.error) ? r : { ...r, error })),
    tb.rank,
    error,
  );
}

/** An entry of the ChildFailedError table. */
export function ranksOnFailure(s: RanksState, e: { rank: number; exitCode?: number; signal?: string; rootCause: boolean }): RanksState {
  const launcherWord = e.signal ? `killed by ${e.signal}` : e.exitCode !== undefined ? `exit code ${e.exitCode}` : 'failed';
  let next = upsert(s, e.rank, (r) => ({
    ...r,
    exitCode: e.exitCode ?? r.exitCode,
    signal: e.signal ?? r.signal,
    // A rank's own exception says more than the launcher's exit code; a signal says more than a peer's consequence.
    error: r.error && !(e.signal && isConsequence(r.error)) ? r.error : launcherWord,
  }));
  if (e.rootCause) next = { ...next, rootCause: e.rank };
  const info = next.ranks.find((r) => r.rank === e.rank);
  return withFirstFailure(next, e.rank, info?.error ?? launcherWord);
}

/**
 * The first failing rank: the first failure seen that is not a consequence of another's; until one is seen, the
 * first failure at all. Consequences are replaced by a cause when one arrives, a cause is never replaced.
 */
function withFirstFailure(s: RanksState, rank: number, error: string): RanksState {
  const cur = s.firstFailure;
  if (cur && !isConsequence(cur.error)) return s;
  if (cur && isConsequence(error)) return s;
  return { ...s, firstFailure: { rank, error } };
}

/** More than one rank printed: the run is a multi-process one and the views show its ranks. */
export function isMultiRank(s: RanksState): boolean {
  return s.ranks.length + (s.more > 0 ? 1 : 0) > 1;
}
