// The training crop, against torchvision's own numbers. The table was generated once with the real worker's venv
// (torchvision 0.14.1, Pillow 9.4) by:
//   from PIL import Image; import torchvision.transforms as T
//   r = T.Resize(res)(Image.new('RGB', (w, h)))
//   y1 = max(0, int(round((r.height - res) / 2.0))); x1 = max(0, int(round((r.width - res) / 2.0)))
// (the scripts' centre-crop lines, diffusers v0.27.2) and printed as [w, h, res, r.width, r.height, y1, x1].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pyRound, resizedSize, trainingCrop } from '../../src/core/dataset/trainingCrop';

const TORCHVISION: ReadonlyArray<[number, number, number, number, number, number, number]> = [
  [64, 64, 64, 64, 64, 0, 0],
  [100, 50, 64, 128, 64, 0, 32],
  [50, 100, 64, 64, 128, 32, 0],
  [1000, 333, 512, 1537, 512, 0, 512],
  [333, 1000, 512, 512, 1537, 512, 0],
  [1920, 1080, 1024, 1820, 1024, 0, 398],
  [1080, 1920, 1024, 1024, 1820, 398, 0],
  [640, 427, 512, 767, 512, 0, 128],
  [513, 512, 512, 513, 512, 0, 0],
  [515, 512, 512, 515, 512, 0, 2],
  [517, 512, 512, 517, 512, 0, 2],
  [4000, 3000, 1024, 1365, 1024, 0, 170],
  [300, 200, 1024, 1536, 1024, 0, 256],
  [1023, 1025, 1024, 1024, 1026, 1, 0],
  [7, 3, 5, 11, 5, 0, 3],
];

test('centre crop: resize (int, not round, of the long side) and top/left with round-half-to-even, as torchvision', () => {
  for (const [w, h, res, rw, rh, top, left] of TORCHVISION) {
    const c = trainingCrop(w, h, res, { centerCrop: true, flip: false });
    const label = `${w}×${h} @${res}`;
    assert.deepEqual([c.resizedWidth, c.resizedHeight, c.top, c.left], [rw, rh, top, left], label);
    assert.deepEqual(c.originalSize, [h, w], label);
    assert.deepEqual(c.cropsCoordsTopLeft, [top, left], label);
    assert.equal(c.size, res);
    assert.equal(c.flipped, false);
    assert.ok(Math.abs(c.keptFraction - (res * res) / (rw * rh)) < 1e-12, label);
  }
  assert.equal(trainingCrop(64, 64, 64, { centerCrop: true, flip: false }).keptFraction, 1);
});

test('pyRound is Python 3 round: halves to even', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, 1.4999, 2.5001].map(pyRound), [0, 2, 2, 4, 1, 3]);
  assert.deepEqual(resizedSize(1000, 333, 512), { width: 1537, height: 512 });
});

test('random crop: RandomCrop.get_params draws top then left in [0, H′−res] and [0, W′−res]; the flip is drawn first', () => {
  const draws = (values: number[]) => {
    let i = 0;
    return () => values[i++]!;
  };
  // 1920×1080 → 1820×1024: top can only be 0, left in [0, 796].
  const low = trainingCrop(1920, 1080, 1024, { centerCrop: false, flip: false, random: draws([0, 0]) });
  assert.deepEqual([low.top, low.left], [0, 0]);
  const high = trainingCrop(1920, 1080, 1024, { centerCrop: false, flip: false, random: draws([0.999999, 0.999999]) });
  assert.deepEqual([high.top, high.left, high.flipped], [0, 796, false]);
  const flipped = trainingCrop(1080, 1920, 1024, { centerCrop: false, flip: true, random: draws([0.25, 0.5, 0.1]) });
  assert.equal(flipped.flipped, true);
  assert.deepEqual(flipped.cropsCoordsTopLeft, [Math.floor(0.5 * 797), 0]);
  const notFlipped = trainingCrop(1080, 1920, 1024, { centerCrop: true, flip: true, random: draws([0.75]) });
  assert.equal(notFlipped.flipped, false);
  assert.deepEqual([notFlipped.top, notFlipped.left], [398, 0]);
  assert.throws(() => trainingCrop(0, 10, 64, { centerCrop: true, flip: false }), RangeError);
});
