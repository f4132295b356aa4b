// Small test images for the CLIP tests, written with sharp: random noise of various sizes and formats, plus the bad
// cases (a text file named .png, a truncated JPEG).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

function noise(width: number, height: number, channels: 3 | 4, seed: number): Buffer {
  let a = seed;
  const b = Buffer.alloc(width * height * channels);
  for (let i = 0; i < b.length; i++) {
    a = (a * 1103515245 + 12345) % 2147483648;
    b[i] = a >> 23;
  }
  return b;
}

/** Writes `count` noise images (PNG, JPEG, WebP, RGBA PNG in turn; sizes vary) and returns their paths. */
export async function writeNoiseImages(dir: string, count: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const width = 24 + ((i * 13) % 40);
    const height = 20 + ((i * 29) % 50);
    const kind = i % 4;
    const channels = kind === 3 ? 4 : 3;
    const img = sharp(noise(width, height, channels, i + 1), { raw: { width, height, channels } });
    const ext = kind === 1 ? 'jpg' : kind === 2 ? 'webp' : 'png';
    const file = join(dir, `img${i}.${ext}`);
    await (kind === 1 ? img.jpeg() : kind === 2 ? img.webp({ lossless: true }) : img.png()).toFile(file);
    paths.push(file);
  }
  return paths;
}

/** A text file named .png and a JPEG cut in half. */
export async function writeBadImages(dir: string): Promise<{ textAsPng: string; truncated: string }> {
  mkdirSync(dir, { recursive: true });
  const textAsPng = join(dir, 'notes.png');
  writeFileSync(textAsPng, 'this is not an image\n');
  const full = join(dir, 'full.jpg');
  await sharp(noise(64, 64, 3, 99), { raw: { width: 64, height: 64, channels: 3 } })
    .jpeg()
    .toFile(full);
  const truncated = join(dir, 'truncated.jpg');
  const bytes = readFileSync(full);
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  return { textAsPng, truncated };
}
