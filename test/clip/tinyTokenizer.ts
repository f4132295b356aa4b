// A small CLIP BPE tokenizer folder for tests: the 256 byte symbols, the same with `</w>`, a few real merges (so BPE
// really merges, in rank order), then <|startoftext|> and <|endoftext|> last, as openai's CLIP vocabulary orders them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Merges in rank order; each result is added to the vocabulary after the byte symbols. */
export const TINY_MERGES: readonly string[] = [
  't h',
  'th e</w>',
  'a t</w>',
  'c at</w>',
  'i n',
  'in g</w>',
  'o n</w>',
  'a n',
  'an d</w>',
  'e r</w>',
  'o g</w>',
  'd og</w>',
  'p h',
  'ph o',
  'pho t',
  'phot o</w>',
  'o f</w>',
  'a </w>',
  'r e',
  's </w>',
  'l l',
  'e ll',
  'th e',
  'the r</w>',
  'a a',
  'aa a</w>',
];

function bytesToUnicode(): string[] {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const out: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) out.push(keep.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + n++));
  return out;
}

/**
 * Writes vocab.json, merges.txt, special_tokens_map.json and tokenizer_config.json into `dir`. `pad` is the pad token
 * (`<|endoftext|>` as CLIP-L's tokenizer, `!` as SDXL's tokenizer_2).
 */
export function writeTinyTokenizer(dir: string, pad = '<|endoftext|>'): string {
  mkdirSync(dir, { recursive: true });
  const symbols = bytesToUnicode();
  const tokens = [...symbols, ...symbols.map((s) => `${s}</w>`), ...TINY_MERGES.map((m) => m.replace(' ', '')), '<|startoftext|>', '<|endoftext|>'];
  const vocab: Record<string, number> = {};
  for (const t of tokens) if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(vocab));
  writeFileSync(join(dir, 'merges.txt'), ['#version: 0.2', ...TINY_MERGES].join('\n') + '\n');
  const special = { bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', pad_token: pad };
  writeFileSync(join(dir, 'special_tokens_map.json'), JSON.stringify(special));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ ...special, model_max_length: 77, tokenizer_class: 'CLIPTokenizer', do_lower_case: true }),
  );
  return dir;
}

/** Captions whose ids the tests compare with transformers' CLIPTokenizer. */
export const TOKENIZER_CAPTIONS: readonly string[] = [
  'A photo of the cat',
  'a dog and the other dog',
  '  multiple   spaces\tand\nnew\r\nlines  ',
  "The DOG's ball isn't here, we're sure they'll come",
  'café naïve résumé Ångström',
  'ﬁne ﬂowers',
  'ＦＵＬＬ　width ＡＢＣ１２３',
  '\u201ccurly\u201d \u2018quotes\u2019',
  'fish &amp; chips &lt;3 &#233;',
  'a <b>tag</b> &amp; more',
  'emoji 🐱🎨 and ✨sparkle✨',
  '数字123 and 4.5 and 1,000',
  'hello<|endoftext|>world',
  'hyphen-ated under_score slash/path (parens) [brackets]',
  '',
  '   ',
  'aaaa aaa aa a',
  'thethethe thether',
  'Ünïcödé COMBINING e\u0301',
  'tab\u00a0nbsp\u2003emspace\ufeffbom',
  'photo photograph photos, PHOTO!',
  Array.from({ length: 60 }, (_, i) => `word${i}`).join(' '),
];
