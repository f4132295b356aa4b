// Images for the dataset check's tests, made with sharp: block patterns from a seed (distinct seeds give distinct
// perceptual hashes; the same seed re-encoded gives a near duplicate), and a PNG whose header claims any size.
import { writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** A width×height RGB image of 12×12 flat blocks, grey levels drawn from `seed`. */
export function blocks(width: number, height: number, seed: number): sharp.Sharp {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s & 0xff;
  };
  const cols = 12;
  const rows = 12;
  const levels = Array.from({ length: cols * rows }, () => next());
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v = levels[Math.floor((y * rows) / height) * cols + Math.floor((x * cols) / width)]!;
      data.fill(v, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

export async function writePng(path: string, width: number, height: number, seed: number): Promise<void> {
  await blocks(width, height, seed).png().toFile(path);
}

export async function writeJpeg(path: string, width: number, height: number, seed: number): Promise<Buffer> {
  const buf = await blocks(width, height, seed).jpeg({ quality: 90 }).toBuffer();
  writeFileSync(path, buf);
  return buf;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A PNG whose IHDR says width×height (8-bit grey) with a tiny IDAT: a header that claims a huge image, in a few bytes. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A word counter standing in for the CLIP tokenizer (part C's): one token per word. */
export const wordCount = (text: string): number => text.split(/\s+/).filter((w) => w !== '').length;
