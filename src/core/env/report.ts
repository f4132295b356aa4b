// The doctor's report as text (the CLI) and as Markdown (the editor's read-only document).
import type { EnvFix } from './assess';
import type { DoctorReport } from './doctor';

const MARK = { ok: 'ok   ', warn: 'warn ', error: 'ERROR' } as const;
/** Words, not emoji: the report is read as Markdown source too, in any font. */
const WORD = { ok: 'ok', warn: 'WARNING', error: 'ERROR' } as const;

/** How a fix reads in a report: the argv shown as a command line for reading (it is run as an argv, never a shell). */
export function fixInWords(fix: EnvFix): string {
  if (fix.kind === 'argv') return `run: ${fix.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')}`;
  if (fix.kind === 'command') return `run the command "SDXL: ${fix.title}"`;
  return `see ${fix.url}`;
}

/** Why a simulated config's report does not matter to its runs. */
export function simulationNote(configName: string): string {
  return `${configName} runs a simulation (SDXL_STANDIN_TRAINER in launch.env: the demo's stand-in trainer), which needs no Python environment: nothing below stops it. This is the interpreter a real run of it would use.`;
}

/** "2 errors, 1 warning" (the counts that are not zero), or undefined when there is no problem. */
export function problemCounts(r: DoctorReport): string | undefined {
  const errors = r.checks.filter((c) => c.status === 'error').length;
  const warns = r.checks.filter((c) => c.status === 'warn').length;
  const parts = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warns ? `${warns} warning${warns === 1 ? '' : 's'}` : ''];
  return errors + warns === 0 ? undefined : parts.filter(Boolean).join(', ');
}

export function reportText(r: DoctorReport): string {
  const lines = [`Python: ${r.python} (${r.why})`];
  if (r.simulation !== undefined) lines.push(`note  ${simulationNote(r.simulation)}`);
  for (const c of r.checks) {
    lines.push(`${MARK[c.status]} ${c.id}: ${c.message}`);
    if (c.fix) lines.push(`      fix: ${fixInWords(c.fix)}`);
  }
  const counts = problemCounts(r);
  lines.push(counts === undefined ? 'The environment looks ready.' : `${counts}.`);
  return lines.join('\n') + '\n';
}

/** Escapes only what would change the text's meaning (an underscore inside a word is plain in CommonMark). */
function escapeMd(s: string): string {
  return s.replace(/([\\`*[\]<])/g, '\\$1');
}

/**
 * A message as Markdown. Paired backticks are the code spans the message meant (`accelerate config default`): kept as
 * code, their text verbatim (no escapes work inside a span); an unpaired one is escaped like the rest.
 */
function md(s: string): string {
  const parts = s.split('`');
  if (parts.length < 3 || parts.length % 2 === 0 || parts.some((p, i) => i % 2 === 1 && p.trim() === '')) return escapeMd(s);
  return parts.map((p, i) => (i % 2 === 1 ? `\`${p}\`` : escapeMd(p))).join('');
}

export function reportMarkdown(r: DoctorReport): string {
  const out = [`# SDXL Environment — ${md(r.python)}`, '', `Interpreter: \`${r.python.replace(/`/g, "'")}\` (${md(r.why)})`, ''];
  if (r.simulation !== undefined) out.push(`**Note:** ${md(simulationNote(r.simulation))}`, '');
  for (const c of r.checks) {
    out.push(`- **${WORD[c.status]}** ${md(c.id)}: ${md(c.message)}`);
    if (c.fix) out.push(`  - Fix: ${md(fixInWords(c.fix))}`);
  }
  out.push('', r.status === 'ok' ? 'The environment looks ready.' : 'Run "SDXL: Check Environment" again after a fix; it offers the fixes above.', '');
  return out.join('\n');
}
