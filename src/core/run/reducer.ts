// The ONE reducer: RunEvent* → RunState. Pure: no I/O, no clock (time comes only from events' `at`/`wallTime`),
// never mutates its input (series share buffers safely, see series.ts). Every view and the CLI summary use it.
import { classifyFailure, isLauncherExceptionLine, isLauncherFailureLine } from './failure';
import { isMultiRank, rankLineText, ranksOnFailure, ranksOnLine, ranksOnTraceback } from './ranks';
import { OWN_LOGGERS, type Diagnosis, type RunEvent } from './events';
import { EMPTY_SERIES, seriesPut, seriesTruncateAfter } from './series';
import { mergeClipScores } from './clipScores';
import { timingOnPause, timingOnProgress, timingOnResume, timingOnScalar } from './stepTimes';
import { copyState, EMPTY_CLIP, initialRunState, isEnded, patchState, stepsPerEpoch, type CheckpointState, type RunState } from './state';

const MAX_TRACEBACKS = 5;
const MAX_ERROR_LINES = 50;
const MAX_LOG_TAIL = 50;
const MAX_NOTICES = 20;
const MAX_GPU_SAMPLES = 1000;
const MAX_PROGRESS_TIMES = 50;
function bounded<T>(list: readonly T[], item: T, max: number): T[] {
  const out = list.length >= max ? list.slice(list.length - max + 1) : list.slice();
  out.push(item);
  return out;
}

function upsertCheckpoint(list: readonly CheckpointState[], c: CheckpointState): CheckpointState[] {
  const out = list.filter((x) => x.step !== c.step);
  const old = list.find((x) => x.step === c.step);
  out.push(old ? { ...old, ...c } : c);
  return out.sort((a, b) => a.step - b.step);
}

function withEpoch(s: RunState): RunState {
  const spe = stepsPerEpoch(s.banner);
  if (!spe || s.step === null) return s;
  let epoch = Math.floor(Math.max(0, s.step - 1) / spe);
  if (s.numEpochs) epoch = Math.min(epoch, s.numEpochs - 1);
  return epoch === s.epoch ? s : patchState(s, { epoch });
}

/** The diagnosis the evidence so far supports (used at exit, and when the launcher reports the failure first). */
export function diagnose(s: RunState): Diagnosis {
  // In a multi-process run the other ranks' errors are mostly consequences of the first failing rank's (a peer that
  // closed the connection, a collective that timed out): classify by that rank's tracebacks and the launcher's, and
  // say which rank it was.
  const first = isMultiRank(s.ranks) ? s.ranks.firstFailure : null;
  const tracebacks = first ? s.tracebacks.filter((t) => t.rank === undefined || t.rank === first.rank) : s.tracebacks;
  const d = classifyFailure({
    tracebacks,
    lines: s.errorLines,
    exitCode: s.exit?.code ?? null,
    signal: s.exit?.signal ?? null,
    nanLossStep: s.nanLossStep,
    script: s.script,
    ...(s.args ? { args: s.args } : {}),
  });
  return first ? { ...d, message: `rank ${first.rank} failed first: ${d.message}` } : d;
}

function addWarning(s: RunState, d: Diagnosis): RunState {
  if (s.warnings.some((w) => w.class === d.class && w.message === d.message)) return s;
  return patchState(s, { warnings: [...s.warnings, d] });
}

/**
 * A checkpoint-N save is announced at step N (the scripts save right after that step's update), which tqdm may not
 * have drawn yet (it redraws at most every 0.1 s): the step reached is at least N. Never moves the step back.
 */
function reachedStep(s: RunState, step: number): RunState {
  return s.step === null || step > s.step ? withEpoch(patchState(s, { step })) : s;
}

function noteNan(s: RunState, step: number, value: number): RunState {
  if (!Number.isNaN(value) || s.nanLossStep !== null) return s;
  const next = patchState(s, { nanLossStep: step });
  return addWarning(next, classifyFailure({ nanLossStep: step, script: s.script, ...(s.args ? { args: s.args } : {}) }));
}

function failNow(s: RunState): RunState {
  const computed = diagnose(s);
  // A diagnosis from outside the console (a `failure` event) outranks the fallback; an earlier fallback does not.
  const failure = s.failure && s.failure.class !== 'other' && computed.class === 'other' ? s.failure : computed;
  return patchState(s, { state: s.stopRequested ? 'stopped' : 'failed', failure: s.stopRequested ? null : failure });
}

export function reduce(state: RunState, event: RunEvent): RunState {
  let s: RunState = event.at !== undefined ? patchState(state, { lastEventAt: event.at }) : state;
  // Console output means the run has started, whatever the event. Slurm's answer does not: a pending job is not running.
  if (s.state === 'queued' && event.type !== 'runInfo' && event.type !== 'stopRequested' && event.type !== 'checkpointScan' && event.type !== 'slurm') {
    s = patchState(s, { state: 'starting' });
  }
  switch (event.type) {
    case 'runInfo':
      return patchState(s, {
        ...(event.script && s.scriptStrength < 4 ? { script: event.script, scriptStrength: 4 } : {}),
        ...(event.args ? { args: event.args } : {}),
        ...(event.outputDir ? { outputDir: event.outputDir } : {}),
        ...(event.numProcesses ? { numProcesses: event.numProcesses } : {}),
        ...(event.startedAt !== undefined ? { timing: { ...s.timing, startedAt: event.startedAt } } : {}),
      });
    case 'scriptHint':
      return event.strength > s.scriptStrength ? patchState(s, { script: event.script, scriptStrength: event.strength }) : s;
    case 'phase': {
      if (isEnded(s)) return s;
      const kind = event.phase === 'validating' ? 'validation' : event.phase === 'saving' ? 'checkpoint' : undefined;
      return patchState(s, { state: event.phase, ...(kind ? { timing: timingOnPause(s.timing, s.step, kind) } : {}) });
    }
    case 'progress': {
      const changed = event.step !== s.step;
      // The hottest event (every bar redraw): one copy, then assignments.
      let next: RunState = copyState(s);
      next.step = event.step;
      next.totalSteps = event.total ?? s.totalSteps;
      next.rateItPerSec = event.rateItPerSec ?? (changed ? null : s.rateItPerSec);
      next.elapsedSec = event.elapsedSec ?? s.elapsedSec;
      next.etaSec = event.remainingSec ?? null;
      if (changed && event.at !== undefined) next.progressTimes = bounded(s.progressTimes, event.at, MAX_PROGRESS_TIMES);
      if (changed) next.hang = null;
      next.timing = timingOnProgress(s.timing, event.step, event.elapsedSec, event.at);
      if (!isEnded(next) && (next.state === 'starting' || next.state === 'pre-computing')) next = patchState(next, { state: 'training' });
      return withEpoch(next);
    }
    case 'postfix': {
      let next: RunState = copyState(s);
      if (event.stepLoss !== undefined) {
        next.stepLoss = event.stepLoss;
        next.loss = { ...s.loss, step_loss: seriesPut(s.loss.step_loss, { step: event.step, value: event.stepLoss }) };
        next = noteNan(next, event.step, event.stepLoss);
      }
      if (event.lr !== undefined) {
        next.lr = event.lr;
        next.lrSeries = seriesPut(s.lrSeries, { step: event.step, value: event.lr });
      }
      return next;
    }
    case 'banner': {
      const { type: _t, at: _a, ...fields } = event;
      const banner = { ...s.banner, ...fields };
      return withEpoch(
        patchState(s, {
          banner,
          ...(banner.totalSteps !== undefined && s.totalSteps === null ? { totalSteps: banner.totalSteps } : {}),
          ...(banner.numEpochs !== undefined ? { numEpochs: banner.numEpochs } : {}),
        }),
      );
    }
    case 'accelerateState':
      return patchState(s, {
        ...(event.numProcesses !== undefined ? { numProcesses: event.numProcesses } : {}),
        ...(event.mixedPrecision !== undefined ? { mixedPrecision: event.mixedPrecision } : {}),
        ...(event.device !== undefined ? { device: event.device } : {}),
      });
    case 'epoch':
      return patchState(s, { epoch: event.epoch });
    case 'log': {
      // accelerate >= 1.13 names the rank in the message (`[RANK 1] …`): a rank seen even without torch's line prefixes.
      if (event.rank !== undefined) {
        const ranks = ranksOnLine(s.ranks, event.rank, rankLineText(event.message));
        if (ranks !== s.ranks) s = patchState(s, { ranks });
      }
      if (event.level === 'INFO' || event.level === 'DEBUG') return s;
      const next = patchState(s, { logTail: bounded(s.logTail, { level: event.level, logger: event.logger, message: event.message }, MAX_LOG_TAIL) });
      if (OWN_LOGGERS.includes(event.logger) && !s.notices.includes(event.message)) next.notices = bounded(s.notices, event.message, MAX_NOTICES);
      return next;
    }
    case 'checkpointSaving':
      return reachedStep(
        patchState(s, {
          checkpoints: upsertCheckpoint(s.checkpoints, { step: event.step, path: event.path, complete: false, saving: true }),
          timing: timingOnPause(s.timing, event.step, 'checkpoint'),
        }),
        event.step,
      );
    case 'checkpointSaved':
      return reachedStep(
        patchState(s, { checkpoints: upsertCheckpoint(s.checkpoints, { step: event.step, path: event.path, complete: true, saving: false }) }),
        event.step,
      );
    case 'checkpointsRemoved': {
      const names = new Set(event.names);
      return patchState(s, { checkpoints: s.checkpoints.filter((c) => !names.has(`checkpoint-${c.step}`)) });
    }
    case 'checkpointScan': {
      // A run's checkpoints are the ones its console said it saves (another run may share output_dir); the disk says
      // which of them still exist (pruned or deleted ones go) and vouches for completeness with the console.
      if (event.adopt) return patchState(s, { checkpoints: event.checkpoints.slice().sort((a, b) => a.step - b.step) });
      const onDisk = new Map(event.checkpoints.map((c) => [c.step, c]));
      const checkpoints: CheckpointState[] = [];
      for (const old of s.checkpoints) {
        const c = onDisk.get(old.step);
        if (!c) {
          // Announced but not on disk yet: the save is under way (until the run ends).
          if (old.saving && !isEnded(s)) checkpoints.push(old);
          continue;
        }
        const complete = c.complete || old.complete;
        checkpoints.push({ ...c, complete, ...(old.saving && !complete ? { saving: true } : {}) });
      }
      return patchState(s, { checkpoints });
    }
    case 'validationStarted': {
      const current = {
        ...(s.validation.current ?? {}),
        ...(event.numImages !== undefined ? { numImages: event.numImages } : {}),
        ...(event.prompt !== undefined ? { prompt: event.prompt } : {}),
      };
      return patchState(s, {
        validation: { ...s.validation, current },
        ...(event.final ? {} : { timing: timingOnPause(s.timing, s.step, 'validation') }),
        ...(isEnded(s) ? {} : { state: event.final ? ('finishing' as const) : ('validating' as const) }),
      });
    }
    case 'validationImages': {
      const entries = s.validation.entries.filter((v) => !(v.tag === event.tag && v.epoch === event.epoch));
      entries.push({ tag: event.tag, epoch: event.epoch, images: event.images });
      entries.sort((a, b) => a.epoch - b.epoch || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
      return patchState(s, { validation: { current: null, entries }, epoch: Math.max(s.epoch ?? 0, event.epoch) });
    }
    case 'clipScores':
      return patchState(s, { clip: mergeClipScores(event.reset ? EMPTY_CLIP : s.clip, event.scores) });
    case 'scalar': {
      const p = { step: event.step, value: event.value, wallTime: event.wallTime };
      let next: RunState = copyState(s);
      if (event.tag === 'train_loss' || event.tag === 'loss') {
        next.timing = timingOnScalar(s.timing, event.step, event.wallTime);
        next.loss = { ...s.loss, train_loss: seriesPut(s.loss.train_loss, p, 'wallTime') };
        next = noteNan(next, event.step, event.value);
      } else {
        next.scalars = { ...s.scalars, [event.tag]: seriesPut(s.scalars[event.tag] ?? EMPTY_SERIES, p, 'wallTime') };
      }
      // Event files alone (no console) still tell how far the run got.
      if (s.step === null || event.step > s.step) {
        next.step = event.step;
        next = withEpoch(next);
      }
      return next;
    }
    case 'gpuSample':
      return patchState(s, { gpu: { latest: event.gpus, samples: bounded(s.gpu.samples, { wallTime: event.wallTime, gpus: event.gpus }, MAX_GPU_SAMPLES) } });
    case 'resumed':
      // The bar restarts at fromStep; console values past it belong to the earlier attempt.
      return patchState(s, {
        resumedFrom: { step: event.fromStep, checkpoint: event.checkpoint },
        loss: { ...s.loss, step_loss: seriesTruncateAfter(s.loss.step_loss, event.fromStep) },
        lrSeries: seriesTruncateAfter(s.lrSeries, event.fromStep),
        timing: timingOnResume(s.timing, event.fromStep),
      });
    case 'resumeNotFound':
      return patchState(s, { resumeNotFound: event.checkpoint });
    case 'finalInference':
      return patchState(s, { finalInference: { step: event.step, total: event.total }, ...(isEnded(s) ? {} : { state: 'finishing' as const }) });
    case 'traceback':
      return afterEvidence(
        patchState(s, {
          ranks: ranksOnTraceback(s.ranks, event.traceback, isLauncherExceptionLine),
          tracebacks: bounded(s.tracebacks, event.traceback, MAX_TRACEBACKS),
          launcherFailed: s.launcherFailed || isLauncherFailureLine(event.traceback.exception ?? ''),
        }),
      );
    case 'errorLine':
      return afterEvidence(
        patchState(s, {
          errorLines: bounded(s.errorLines, event.text, MAX_ERROR_LINES),
          launcherFailed: s.launcherFailed || isLauncherFailureLine(event.text),
        }),
      );
    case 'failure':
      if (event.fatal === false) return addWarning(s, event.diagnosis);
      return patchState(s, { failure: event.diagnosis, ...(isEnded(s) ? {} : { state: 'failed' as const }) });
    case 'stopRequested':
      return patchState(s, { stopRequested: true });
    case 'hang':
      return patchState(s, { hang: { sinceSec: event.sinceSec, typicalStepSec: event.typicalStepSec } });
    case 'exit': {
      const endedAt = event.endedAt ?? event.at;
      const next: RunState = patchState(s, {
        exit: { code: event.code, signal: event.signal },
        ...(endedAt !== undefined ? { timing: { ...s.timing, endedAt } } : {}),
      });
      if (event.code === 0) return patchState(next, { state: 'finished', failure: null });
      if (next.stopRequested) return patchState(next, { state: 'stopped', failure: null });
      return failNow(next);
    }
    case 'labels':
      return patchState(s, {
        labels: { ...(event.name !== undefined ? { name: event.name } : {}), ...(event.note !== undefined ? { note: event.note } : {}), tags: event.tags },
      });
    case 'slurm':
      return patchState(s, { slurm: { ...event.job } });
    case 'rankLine': {
      const ranks = ranksOnLine(s.ranks, event.rank, event.text);
      return ranks === s.ranks ? s : patchState(s, { ranks });
    }
    case 'rankFailure':
      return afterEvidence(patchState(s, { ranks: ranksOnFailure(s.ranks, event) }));
  }
}

/** Once the run is known to have failed, each new piece of error output may sharpen the diagnosis. */
function afterEvidence(s: RunState): RunState {
  const failed = s.launcherFailed || (s.exit !== null && s.exit.code !== 0);
  if (!failed || s.state === 'finished' || s.state === 'stopped') return s;
  return failNow(s);
}

/** Folds events into a state (a fresh one by default). */
export function reduceAll(events: Iterable<RunEvent>, state: RunState = initialRunState()): RunState {
  let s = state;
  for (const e of events) s = reduce(s, e);
  return s;
}
