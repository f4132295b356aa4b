// validateConfig: everything wrong or risky in a `*.sdxl.json`, as editor-ready diagnostics with quick fixes.
// Linear in the size of the file whatever it holds (see test/unit/validationScale.test.ts), and capped in what it says.
import { parseConfigText } from '../config/config';
import { checkArgs, checkDocumentShape } from './argChecks';
import { checkLaunchText } from './launchText';
import { checkDuplicateKeys } from './duplicateKeys';
import { runSemanticRules } from './semanticRules';
import { checkHubRefs } from './hubRules';
import { checkEnvironment } from './envRules';
import { checkLaunchProfile } from './profileRules';
import { DiagnosticSink, type Diagnostic, type ValidateContext } from './types';

export type { Diagnostic, Fix, FixEdit, GpuInfo, Severity, ValidateContext } from './types';
export { FP16_FIX_VAE, effectiveMixedPrecision } from './semanticRules';
export { MAX_SUGGESTIONS } from './suggest';
export type { HubFacts } from './hubRules';

/** Diagnostics per document; one more says how many were left out. */
export const MAX_DIAGNOSTICS = 200;

/** Syntax errors beyond this many add noise, not information (binary junk yields thousands). */
const MAX_SYNTAX_DIAGNOSTICS = 20;

export function validateConfig(text: string, ctx: ValidateContext = {}): Diagnostic[] {
  const parsed = parseConfigText(text);
  const sink = new DiagnosticSink(parsed, ctx.work);
  let syntax = 0;
  for (const p of parsed.problems) {
    const isSyntax = p.message.startsWith('Invalid JSON');
    if (isSyntax && ++syntax > MAX_SYNTAX_DIAGNOSTICS) continue;
    sink.addAt('error', p.code ?? (isSyntax ? 'json' : 'config-shape'), p.path, p.message, p.offset, p.length);
  }
  if (syntax > MAX_SYNTAX_DIAGNOSTICS) {
    sink.add('error', 'json', '', `…and ${syntax - MAX_SYNTAX_DIAGNOSTICS} more JSON syntax errors (is this a JSON file?).`);
  }
  checkDuplicateKeys(parsed, sink);
  checkDocumentShape(parsed, sink);
  checkLaunchText(parsed, sink);
  if (parsed.config) {
    checkArgs(parsed.config, sink, ctx.argTable);
    runSemanticRules(parsed.config, sink, ctx);
    checkHubRefs(parsed.config, sink, ctx);
    checkLaunchProfile(parsed.config, sink, ctx);
    if (ctx.environment) checkEnvironment(parsed.config, ctx.environment, sink);
  }
  return sink.finish(MAX_DIAGNOSTICS);
}
