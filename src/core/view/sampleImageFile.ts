// "Save image as…" from the samples viewer: the webview names an image by (run, epoch, index) — the same indexing as
// the dashboard's gallery (dashboardModel.ts galleryView) — and this maps it to the file the run's state knows. No path
// from the webview is ever used; an unknown run or image is refused with a message that says which.
import type { RunState } from '../run/state';
import { validationStep } from '../run/clipScores';
import { epochNumber } from '../../shared/epochs';

export interface SaveImageRequest {
  runId: string;
  epoch: number | 'test';
  index: number;
}

export type SampleImageFile = { ok: true; path: string; suggestedName: string } | { ok: false; message: string };

/** The run as the host knows it (undefined when it knows no run of that id). */
export interface KnownRun {
  id: string;
  /** The run's display name, for the suggested file name. */
  label: string;
  state: Pick<RunState, 'validation' | 'banner' | 'totalSteps' | 'step'>;
}

export function sampleImageFile(run: KnownRun | undefined, req: SaveImageRequest): SampleImageFile {
  if (!run) return { ok: false, message: `SDXL: cannot save the image: no run ${JSON.stringify(req.runId)} is known.` };
  const what = req.epoch === 'test' ? 'the final test images' : `epoch ${epochNumber(req.epoch)}`;
  const entry = run.state.validation.entries.find((e) => (req.epoch === 'test' ? e.tag === 'test' : e.tag !== 'test' && e.epoch === req.epoch));
  const image = entry?.images[req.index];
  if (!entry || !image) return { ok: false, message: `SDXL: cannot save the image: run ${run.id} has no image ${req.index + 1} of ${what}.` };
  // An in-memory key (not a file) cannot be copied: only images cut to files (core/worker/validationImages.ts) can.
  if (!/\.(png|jpe?g|webp)$/i.test(image.ref))
    return { ok: false, message: `SDXL: cannot save the image: image ${req.index + 1} of ${what} of run ${run.id} is not a file.` };
  const step = validationStep(run.state, entry.tag, entry.epoch);
  const ext = /\.[a-z]+$/i.exec(image.ref)![0].toLowerCase();
  const where = req.epoch === 'test' ? 'test' : `epoch${epochNumber(req.epoch)}`;
  const name = `${safeName(run.label)}-${where}${step !== undefined ? `-step${step}` : ''}-${req.index + 1}${ext}`;
  return { ok: true, path: image.ref, suggestedName: name };
}

/** A run label as a file name part: letters, digits, dot, dash and underscore; the rest becomes `_`. */
function safeName(label: string): string {
  const s = label.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+|_+$/g, '');
  return s.slice(0, 80) || 'run';
}
