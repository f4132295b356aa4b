// Lines of a text file read as a stream, each at most `maxLineBytes`: a file of any length is read in bounded memory
// (one chunk and one line at a time), and a line past the cap (a file with no newlines) is reported, not held.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export type LineItem = { line: number; text: string } | { line: number; tooLong: true };

export async function* readLines(file: string, maxLineBytes: number, signal?: AbortSignal): AsyncGenerator<LineItem> {
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
  try {
    yield* splitLines(stream as AsyncIterable<Buffer>, maxLineBytes, signal);
  } finally {
    stream.destroy();
  }
}

/** The lines of UTF-8 bytes arriving in chunks cut anywhere (the file reader's, or a test's in memory). */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  maxLineBytes: number,
  signal?: AbortSignal,
): AsyncGenerator<LineItem> {
  const decoder = new StringDecoder('utf8');
  let line = 1;
  let parts: string[] = [];
  let length = 0;
  let overflow = false;
  let first = true;
  const take = (s: string): void => {
    if (overflow) return;
    length += s.length;
    if (length > maxLineBytes) {
      overflow = true;
      parts = [];
    } else if (s !== '') parts.push(s);
  };
  const finish = (): LineItem => {
    const item: LineItem = overflow ? { line, tooLong: true } : { line, text: parts.join('').replace(/\r$/, '') };
    parts = [];
    length = 0;
    overflow = false;
    line++;
    return item;
  };
  for await (const chunk of chunks) {
    if (signal?.aborted) return;
    let text = decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    // The BOM is the file's first character, whichever chunk completes it (a chunk may end inside its three bytes).
    if (first && text !== '') {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    let at = 0;
    for (let nl = text.indexOf('\n', at); nl >= 0; nl = text.indexOf('\n', at)) {
      take(text.slice(at, nl));
      at = nl + 1;
      yield finish();
    }
    take(text.slice(at));
  }
  take(decoder.end());
  if (length > 0 || overflow) yield finish();
}
