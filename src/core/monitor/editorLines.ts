// Cuts console bytes into line segments numbered the way VS Code's editor numbers lines: `\r\n`, `\n` and a lone `\r`
// each end a line, so each tqdm redraw (`\r…`) is a line of its own. A console line number shown to users ("Open
// console at line 61") must be the line the editor shows, whatever the chunking of the reads.

export class EditorLines {
  /** 1-based number of the line the next byte belongs to. */
  line = 1;
  /** The byte just before the unread part was a `\r`: a `\n` right after it ends the same line. */
  private afterCR = false;
  /** The byte just before the unread part was a line break (or there was none): no line is open. */
  private atBreak = true;

  /**
   * Calls `segment` for each piece of `buf` that ends at a line break (break included) or at the end of `buf`, with
   * the number of the line the piece is on. A lone break right after a break (an empty line, the second half of a
   * `\r\n`) is counted but not passed on: it has nothing to parse, and a `\r` storm is mostly these (a call and a
   * Buffer view per byte followed a flooded console at 1 MB/s).
   */
  feed(buf: Buffer, segment: (piece: Buffer, line: number) => void): void {
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i];
      if (b !== 10 && b !== 13) continue;
      const crlf = b === 10 && i === start && this.afterCR;
      if (i > start || !this.atBreak) segment(buf.subarray(start, i + 1), crlf ? this.line - 1 : this.line);
      start = i + 1;
      if (!crlf) this.line++;
      this.afterCR = b === 13;
      this.atBreak = true;
    }
    if (start < buf.length) {
      segment(buf.subarray(start), this.line);
      this.afterCR = false;
      this.atBreak = false;
    }
  }
}
