// CLIPTokenizer's text cleanup: ftfy.fix_text (when ftfy is installed, as in the diffusers training environments),
// then whitespace collapsed and the text lower-cased. Of ftfy's fixes this does the cheap, common ones (HTML entities
// when the text has no '<', Latin ligatures, full-width forms, curly quotes, line breaks, terminal escapes, control
// characters, NFC). It skips mojibake repair (fix_encoding and its C1/byte-A0/lossy-sequence helpers): guessing
// a caption was mis-decoded needs ftfy's statistics, and a caption that needs it is garbled either way.

const HTML_NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
const HTML_ENTITY = /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});/g;
// Python's str.isspace(), which CLIPTokenizer's whitespace_clean (re \s) uses; JS's \s differs (U+FEFF, U+1C–1F, U+85).
const PY_SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
const ANSI = /\x1b\[((?:\d|;)*)([a-zA-Z])/g;
const CONTROL = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;
const LIGATURES: Readonly<Record<string, string>> = {
  Ĳ: 'IJ',
  ĳ: 'ij',
  ŉ: 'ʼn',
  Ǳ: 'DZ',
  ǲ: 'Dz',
  ǳ: 'dz',
  Ǆ: 'DŽ',
  ǅ: 'Dž',
  ǆ: 'dž',
  Ǉ: 'LJ',
  ǈ: 'Lj',
  ǉ: 'lj',
  Ǌ: 'NJ',
  ǋ: 'Nj',
  ǌ: 'nj',
};
const LIGATURE = /[\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3\ufb00-\ufb06]/g;
const WIDE = /[\u3000\uff01-\uffef]/g;

/** The text CLIPTokenizer splits into words: ftfy-like fixes, whitespace collapsed and trimmed, lower-cased. */
export function cleanCaption(text: string): string {
  let t = text;
  if (!t.includes('<')) t = t.replace(HTML_ENTITY, htmlEntity);
  t = t
    .replace(LIGATURE, (c) => LIGATURES[c] ?? c.normalize('NFKC'))
    .replace(WIDE, (c) => (c === '\u3000' ? ' ' : c.normalize('NFKC')))
    .replace(/[\u201c-\u201f]/g, '"')
    .replace(/[\u02bc\u2018-\u201b]/g, "'")
    .replace(/\r\n|[\r\u2028\u2029\x85]/g, '\n')
    .replace(ANSI, '')
    .replace(CONTROL, '')
    .normalize('NFC');
  return t.replace(PY_SPACE, ' ').trim().toLowerCase();
}

function htmlEntity(whole: string, body: string): string {
  if (body.startsWith('#')) {
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
  }
  // ftfy also decodes the all-caps spelling of entities (&AMP;).
  return HTML_NAMED[body] ?? HTML_NAMED[body.toLowerCase()] ?? whole;
}
