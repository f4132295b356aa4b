// The loss chart's derived series, pure: whether the console's `step_loss` and the event file's `train_loss` carry the
// same numbers (then one line is drawn, not two on top of each other), and the mean loss per epoch.
import type { Table } from './stepTime';

/** Significant digits a printed value needs (1.12 → 3); the most over the series is its printed precision. */
export function significantDigits(v: number): number {
  if (!Number.isFinite(v) || v === 0) return 1;
  for (let p = 1; p < 17; p++) if (Number(v.toPrecision(p)) === v) return p;
  return 17;
}

/** The precision the console printed a series at: the most digits any of its values needs (tqdm's postfix: 3). */
export function printedDigits(t: Table): number {
  let d = 1;
  for (let i = 0; i < t.n && d < 17; i++) d = Math.max(d, significantDigits(t.ys[i]!));
  return d;
}

/** `full` (a float32 from the event file) shown at `digits` significant digits is `printed`, give or take the rounding. */
export function agreesAtPrecision(full: number, printed: number, digits: number): boolean {
  if (Number.isNaN(full) || Number.isNaN(printed)) return Number.isNaN(full) && Number.isNaN(printed);
  if (!Number.isFinite(full) || !Number.isFinite(printed)) return full === printed;
  if (printed === 0) return Math.abs(full) < 0.5 * 10 ** (1 - digits) * 1e-3;
  const halfUnit = 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(printed))) - digits + 1);
  // Slack for float32 storage and for a tie printed either way.
  return Math.abs(Math.fround(full) - printed) <= halfUnit * (1 + 1e-6) + Math.abs(printed) * 2 ** -23;
}

/**
 * Whether the event file's series and the console's carry the same numbers: over the steps both have reached, the
 * same steps, and every value equal at the console's printed precision. One may run ahead of the other (the event file
 * is flushed every so often), so only the common range counts; no common step is not "the same". Incremental: a
 * growing series costs only its new points (the webview asks after every delta); `reset` when a series was rewritten.
 */
export class LossAgreement {
  private i = 0;
  private j = 0;
  private digits = 1;
  private digitsSeen = 0;
  private common = 0;
  private differs = false;

  reset(): void {
    this.i = this.j = this.common = this.digitsSeen = 0;
    this.digits = 1;
    this.differs = false;
  }

  same(eventFile: Table, console: Table): boolean {
    if (eventFile.n < this.i || console.n < this.j || console.n < this.digitsSeen) this.reset();
    if (this.differs) return false;
    if (eventFile.n === 0 || console.n === 0) return false;
    // The console's printed precision so far; more digits than before makes the earlier comparisons too loose.
    let d = this.digits;
    for (let k = this.digitsSeen; k < console.n && d < 17; k++) d = Math.max(d, significantDigits(console.ys[k]!));
    this.digitsSeen = console.n;
    if (d !== this.digits) {
      const seen = this.digitsSeen;
      this.reset();
      this.digits = d;
      this.digitsSeen = seen;
    }
    const lo = Math.max(eventFile.xs[0]!, console.xs[0]!);
    let { i, j } = this;
    if (i === 0) while (i < eventFile.n && eventFile.xs[i]! < lo) i++;
    if (j === 0) while (j < console.n && console.xs[j]! < lo) j++;
    while (i < eventFile.n && j < console.n) {
      // A step one has and the other lacks, with both series past it: different step sets.
      if (eventFile.xs[i] !== console.xs[j] || !agreesAtPrecision(eventFile.ys[i]!, console.ys[j]!, this.digits)) {
        this.differs = true;
        return false;
      }
      this.common++;
      i++;
      j++;
    }
    this.i = i;
    this.j = j;
    return this.common > 0;
  }
}

/** One-off LossAgreement: the two series carry the same numbers (see there). */
export function sameLossSeries(eventFile: Table, console: Table): boolean {
  return new LossAgreement().same(eventFile, console);
}

/** Which loss series the chart draws: both, or the one that has reached further (the event file's on a tie). */
export function shownLossSeries(eventFile: Table | undefined, console: Table | undefined, agreement = new LossAgreement()): ('train_loss' | 'step_loss')[] {
  if (!eventFile || eventFile.n === 0) return console && console.n > 0 ? ['step_loss'] : [];
  if (!console || console.n === 0) return ['train_loss'];
  if (!agreement.same(eventFile, console)) return ['train_loss', 'step_loss'];
  return console.xs[console.n - 1]! > eventFile.xs[eventFile.n - 1]! ? ['step_loss'] : ['train_loss'];
}

/** 0-based epoch of a global step (steps count from 1 after the first optimizer update: steps 1..spe are epoch 0). */
export function epochOfStep(step: number, stepsPerEpoch: number): number {
  return Math.max(0, Math.ceil(step / stepsPerEpoch) - 1);
}

/**
 * The mean loss of each epoch, at the epoch's last logged step. An epoch still under way is left out unless
 * `includeLast` (the run ended, possibly mid-epoch at max_train_steps). Non-finite values (a nan loss) are skipped.
 */
export function epochAverages(t: Table, stepsPerEpoch: number, includeLast: boolean): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  if (!(stepsPerEpoch >= 1)) return { xs, ys };
  let epoch = -1;
  let sum = 0;
  let count = 0;
  let lastStep = 0;
  const flush = () => {
    if (count > 0) {
      xs.push(lastStep);
      ys.push(sum / count);
    }
  };
  for (let i = 0; i < t.n; i++) {
    const step = t.xs[i]!;
    const e = epochOfStep(step, stepsPerEpoch);
    if (e !== epoch) {
      if (epoch >= 0) flush();
      epoch = e;
      sum = 0;
      count = 0;
    }
    lastStep = step;
    const y = t.ys[i]!;
    if (Number.isFinite(y)) {
      sum += y;
      count++;
    }
  }
  if (epoch >= 0 && (includeLast || lastStep >= (epoch + 1) * stepsPerEpoch)) flush();
  return { xs, ys };
}
