// Lines of a text file read as a stream, each at most `maxLineBytes`: a file of any length is read in bounded memory
// (one chunk and one line at a time), and a line past the cap (a file with no newlines) is reported, not held.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export type LineItem = { line: number; text: string } | { line: number; tooLong: true };

export async function* readLines(file: string, maxLineBytes: number, signal?: AbortSignal): AsyncGenerator<LineItem> {
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
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
  try {
    for await (const chunk of stream) {
      if (signal?.aborted) return;
      let text = decoder.write(chunk as Buffer);
      if (first) {
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
  } finally {
    stream.destroy();
  }
}
