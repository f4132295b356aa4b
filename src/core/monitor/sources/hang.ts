// Live only: no new step for much longer than a step takes (detectHang) is a hang, said once per step.
import { detectHang } from '../../run/failure';
import { isEnded } from '../../run/state';
import type { RunSource, SourceContext } from './types';

export class HangSource implements RunSource {
  readonly name = 'hang';
  private hangStep: number | null | undefined;

  async poll(): Promise<void> {
    // Nothing to read: the check runs when a pass has read everything (idle).
  }

  idle(ctx: SourceContext): void {
    const s = ctx.state;
    if (!ctx.live || isEnded(s) || s.hang) return;
    const { hangFactor, hangMinSec } = ctx.options;
    const h = detectHang(s.progressTimes, ctx.now(), {
      ...(hangFactor !== undefined ? { factor: hangFactor } : {}),
      ...(hangMinSec !== undefined ? { minSec: hangMinSec } : {}),
    });
    if (!h?.hung || this.hangStep === s.step) return;
    this.hangStep = s.step;
    ctx.emit({ type: 'hang', sinceSec: Math.round(h.sinceSec), typicalStepSec: h.typicalStepSec });
  }
}
