// The CLIP BPE tokenizer, as transformers' CLIPTokenizer does it (the slow one, which the diffusers scripts load with
// use_fast=False, with ftfy installed): ftfy-like cleanup, whitespace collapsed, lower-cased, the CLIP pre-tokenizer
// regex, byte-level unicode mapping, BPE by merge rank with `</w>` at each word's end, unknown → the unk token.
// Reads a model's `tokenizer/` (or `tokenizer_2/`) folder: vocab.json, merges.txt, special_tokens_map.json and
// tokenizer_config.json. Linear in the text: BPE runs per word with a heap (n log n) and a bounded cache.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLIP_MAX_POSITIONS, type TokenCounter } from './types';
import { cleanCaption } from './textCleanup';

// transformers' CLIPTokenizer pattern (after the special tokens, which are split out first); the text is already
// lower-cased, so its re.IGNORECASE changes nothing here.
const PIECES = /'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/gu;
const WORD_END = '</w>';
/** Words are cached up to this length (longer ones are rare and would only fill the cache). */
const CACHE_WORD_MAX = 64;
const CACHE_MAX = 20000;

export interface ModelInput {
  /** BOS + ids + EOS, truncated to the length and padded with the pad token. */
  inputIds: number[];
  /** 1 for BOS, the ids and EOS; 0 for the padding. */
  attentionMask: number[];
}

export interface ClipTokenizerFiles {
  /** vocab.json's content: token → id. */
  vocab: Record<string, number>;
  /** merges.txt's content (its `#version` line is skipped). */
  merges: string;
  /** special_tokens_map.json / tokenizer_config.json, merged (the map wins); undefined when absent. */
  special?: Readonly<Record<string, unknown>>;
}

export class ClipTokenizer {
  private readonly vocab: Map<string, number>;
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();
  /** The special tokens' texts, longest first: the slow tokenizer splits them out of the text before anything else. */
  private readonly special: RegExp;
  private readonly specialIds = new Map<string, number>();
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly unkId: number;

  constructor(files: ClipTokenizerFiles, where = 'the tokenizer') {
    this.vocab = new Map(Object.entries(files.vocab));
    let rank = 0;
    for (const line of files.merges.split('\n')) {
      const l = line.trim();
      if (!l || l.startsWith('#version')) continue;
      const parts = l.split(/\s+/);
      if (parts.length !== 2) throw new Error(`${where}: merges.txt line ${rank + 1} is not two tokens: ${JSON.stringify(l.slice(0, 80))}`);
      const key = pairKey(parts[0]!, parts[1]!);
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
      rank++;
    }
    const special = files.special ?? {};
    const id = (name: string, fallback: string): number => {
      const token = tokenText(special[name]) ?? fallback;
      const found = this.vocab.get(token);
      if (found === undefined) throw new Error(`${where}: its ${name} ${JSON.stringify(token)} is not in vocab.json`);
      return found;
    };
    this.bosId = id('bos_token', '<|startoftext|>');
    this.eosId = id('eos_token', '<|endoftext|>');
    this.unkId = id('unk_token', '<|endoftext|>');
    this.padId = id('pad_token', tokenText(special.eos_token) ?? '<|endoftext|>');
    for (const name of ['bos_token', 'eos_token', 'unk_token', 'pad_token']) {
      const t = tokenText(special[name]);
      const v = t === undefined ? undefined : this.vocab.get(t);
      if (t && v !== undefined) this.specialIds.set(t, v);
    }
    const alternatives = Array.from(this.specialIds.keys())
      .sort((a, b) => b.length - a.length)
      .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.special = new RegExp(alternatives.join('|') || '(?!)', 'g');
  }

  /** The ids of a text, without BOS/EOS. */
  encode(text: string): number[] {
    const out: number[] = [];
    let last = 0;
    // Special tokens written in the text are split out first and kept, as the slow tokenizer's added-token split does
    // (so with SDXL's tokenizer_2, whose pad token is `!`, a `!` in a caption is the pad id, not `!</w>`).
    for (const m of text.matchAll(this.special)) {
      this.encodePlain(text.slice(last, m.index), out);
      out.push(this.specialIds.get(m[0]) ?? this.unkId);
      last = m.index + m[0].length;
    }
    this.encodePlain(text.slice(last), out);
    return out;
  }

  /** A TokenCounter: the number of ids of a caption, without BOS/EOS. */
  readonly countTokens: TokenCounter = (text) => this.encode(text).length;

  /** The text encoder's input: BOS + ids + EOS, truncated (EOS kept) and padded to `length`. */
  encodeForModel(text: string, length = CLIP_MAX_POSITIONS): ModelInput {
    if (length < 2) throw new Error(`a model input needs at least 2 positions, not ${length}`);
    const ids = this.encode(text).slice(0, length - 2);
    const inputIds = [this.bosId, ...ids, this.eosId];
    const attentionMask = inputIds.map(() => 1);
    while (inputIds.length < length) {
      inputIds.push(this.padId);
      attentionMask.push(0);
    }
    return { inputIds, attentionMask };
  }

  private encodePlain(raw: string, out: number[]): void {
    const text = cleanCaption(raw);
    if (!text) return;
    for (const m of text.matchAll(PIECES)) {
      for (const id of this.word(m[0])) out.push(id);
    }
  }

  private word(piece: string): number[] {
    const cached = this.cache.get(piece);
    if (cached) return cached;
    const symbols = Array.from(new TextEncoder().encode(piece), (b) => BYTE_TO_UNICODE[b]!);
    symbols[symbols.length - 1] += WORD_END;
    const ids = bpe(symbols, this.ranks).map((t) => this.vocab.get(t) ?? this.unkId);
    if (piece.length <= CACHE_WORD_MAX) {
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(piece, ids);
    }
    return ids;
  }
}

/** Reads a tokenizer folder (vocab.json, merges.txt, special_tokens_map.json, tokenizer_config.json). */
export async function loadClipTokenizer(dir: string): Promise<ClipTokenizer> {
  const read = async (name: string, required: boolean): Promise<string | undefined> => {
    try {
      return await readFile(join(dir, name), 'utf8');
    } catch (e) {
      if (required) throw new Error(`CLIP tokenizer ${dir}: cannot read ${name}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const json = (text: string | undefined, name: string): Record<string, unknown> => {
    if (text === undefined) return {};
    try {
      const v: unknown = JSON.parse(text);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // reported below
    }
    throw new Error(`CLIP tokenizer ${join(dir, name)}: not a JSON object`);
  };
  const vocabText = await read('vocab.json', false);
  let vocabRaw: Record<string, unknown>;
  let merges: string;
  let vocabFile = join(dir, 'vocab.json');
  if (vocabText === undefined && (await read('tokenizer.json', false)) !== undefined) {
    // tokenizers' single file: model.vocab and model.merges ("a b" strings, or [a, b] pairs in newer files).
    vocabFile = join(dir, 'tokenizer.json');
    const model = json(await read('tokenizer.json', true), 'tokenizer.json').model as { vocab?: unknown; merges?: unknown } | undefined;
    vocabRaw = json(JSON.stringify(model?.vocab ?? null), 'tokenizer.json model.vocab');
    const list = Array.isArray(model?.merges) ? (model.merges as unknown[]) : [];
    merges = list.map((m) => (Array.isArray(m) ? m.join(' ') : String(m))).join('\n');
  } else {
    vocabRaw = json(vocabText ?? (await read('vocab.json', true)), 'vocab.json');
    merges = (await read('merges.txt', true)) ?? '';
  }
  const vocab: Record<string, number> = {};
  for (const [k, v] of Object.entries(vocabRaw)) {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`CLIP tokenizer ${vocabFile}: the id of ${JSON.stringify(k)} is not an integer`);
    vocab[k] = v;
  }
  const special = {
    ...json(await read('tokenizer_config.json', false), 'tokenizer_config.json'),
    ...json(await read('special_tokens_map.json', false), 'special_tokens_map.json'),
  };
  return new ClipTokenizer({ vocab, merges, special }, `CLIP tokenizer ${dir}`);
}

function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

function pairKey(a: string, b: string): string {
  return `${a} ${b}`;
}

/** GPT-2's bytes_to_unicode: each byte a printable character, so that BPE never sees whitespace or control bytes. */
const BYTE_TO_UNICODE: string[] = (() => {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const table: string[] = new Array<string>(256);
  for (const b of keep) table[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (table[b] === undefined) table[b] = String.fromCodePoint(256 + n++);
  }
  return table;
})();

interface Candidate {
  rank: number;
  /** Index of the left symbol; its `version` at push time, to drop stale entries. */
  left: number;
  version: number;
}

/**
 * BPE of one word: repeatedly merges the adjacent pair of lowest merge rank (leftmost first on ties), as
 * CLIPTokenizer.bpe does, with a linked list and a binary heap so a long word costs n log n instead of n².
 */
export function bpe(symbols: readonly string[], ranks: ReadonlyMap<string, number>): string[] {
  const n = symbols.length;
  if (n < 2) return symbols.slice();
  const sym = symbols.slice();
  const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
  const prev = Array.from({ length: n }, (_, i) => i - 1);
  const version = new Array<number>(n).fill(0);
  const alive = new Array<boolean>(n).fill(true);
  const heap: Candidate[] = [];
  const rankAt = (left: number): number | undefined => {
    const right = next[left]!;
    return right < 0 ? undefined : ranks.get(pairKey(sym[left]!, sym[right]!));
  };
  const push = (left: number): void => {
    const rank = rankAt(left);
    if (rank !== undefined) heapPush(heap, { rank, left, version: version[left]! });
  };
  for (let i = 0; i + 1 < n; i++) push(i);
  for (;;) {
    const c = heapPop(heap);
    if (!c) break;
    const { left } = c;
    if (!alive[left] || version[left] !== c.version || rankAt(left) !== c.rank) continue;
    // Merge the right symbol into the left one; the pairs on both sides change.
    const right = next[left]!;
    sym[left] += sym[right]!;
    alive[right] = false;
    const after = next[right]!;
    next[left] = after;
    if (after >= 0) prev[after] = left;
    version[left]!++;
    push(left);
    const p = prev[left]!;
    if (p >= 0) {
      version[p]!++;
      push(p);
    }
  }
  const out: string[] = [];
  for (let i = 0; i >= 0; i = next[i]!) out.push(sym[i]!);
  return out;
}

function less(a: Candidate, b: Candidate): boolean {
  return a.rank < b.rank || (a.rank === b.rank && a.left < b.left);
}

function heapPush(h: Candidate[], c: Candidate): void {
  h.push(c);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!less(h[i]!, h[p]!)) break;
    swap(h, i, p);
    i = p;
  }
}

function heapPop(h: Candidate[]): Candidate | undefined {
  const top = h[0];
  const last = h.pop();
  if (h.length > 0 && last) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l]!, h[m]!)) m = l;
      if (r < h.length && less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      swap(h, i, m);
      i = m;
    }
  }
  return top;
}

function swap(h: Candidate[], a: number, b: number): void {
  const t = h[a]!;
  h[a] = h[b]!;
  h[b] = t;
}
