// The layer rules of src/ as an ESLint rule: which folder may import which. One table, read by lint and by
// docs/ARCHITECTURE.md's "Layers" section (keep them together). A relative import is resolved against the importing
// file and its target's layer compared with the importer's; anything not listed here is not checked.
import { dirname, relative, resolve, sep } from 'node:path';

/** src/core's stages in pipeline order: a stage may import its own folder and the stages before it, never after. */
export const CORE_STAGES = [
  'util',
  'gpu',
  'events',
  'scripts',
  'config',
  'launch',
  'scriptHelp',
  'env',
  'hub',
  'clip',
  'dataset',
  'diagnostics',
  'run',
  'worker',
  'supervisor',
  'monitor',
  'generate',
  'publish',
  'view',
];

/** Other areas of src/ and what each may import (areas or core stages; `core` = every stage). */
export const AREAS = {
  shared: [],
  core: ['shared'],
  cli: ['core', 'shared', 'cli'],
  wrapper: ['core:supervisor', 'shared'],
  validateWorker: ['core:diagnostics', 'shared'],
  clipWorker: ['core:clip', 'shared'],
  extension: ['core', 'shared', 'extension'],
  webview: ['shared', 'webview'],
};

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** `{area, stage?}` of a file in the repository, or undefined outside the checked areas. */
export function layerOf(absPath) {
  const rel = relative(ROOT, absPath).split(sep).join('/');
  if (rel.startsWith('src/core/')) {
    const stage = rel.split('/')[2];
    return { area: 'core', stage: CORE_STAGES.includes(stage) ? stage : undefined };
  }
  if (rel.startsWith('src/shared/')) return { area: 'shared' };
  if (rel === 'src/cli.ts' || rel.startsWith('src/cli/')) return { area: 'cli' };
  if (rel === 'src/wrapper.ts') return { area: 'wrapper' };
  if (rel === 'src/validateWorker.ts') return { area: 'validateWorker' };
  if (rel === 'src/clipWorker.ts') return { area: 'clipWorker' };
  if (rel.startsWith('src/extension/')) return { area: 'extension' };
  if (rel.startsWith('webview/src/')) return { area: 'webview' };
  return undefined;
}

/** Why `from` may not import `to`, or undefined when it may. */
export function layerViolation(from, to) {
  if (from.area === 'core' && to.area === 'core') {
    if (from.stage === undefined) return 'a file directly in src/core/ belongs in one of its stage folders';
    if (to.stage === undefined) return 'src/core/ files live in stage folders';
    const a = CORE_STAGES.indexOf(from.stage);
    const b = CORE_STAGES.indexOf(to.stage);
    return b > a ? `core/${from.stage} comes before core/${to.stage} in the pipeline and may not import it` : undefined;
  }
  if (from.area === to.area) return undefined;
  const allowed = AREAS[from.area] ?? [];
  if (allowed.includes(to.area)) return undefined;
  if (to.area === 'core') {
    const limit = allowed.find((a) => a.startsWith('core:'));
    if (limit && CORE_STAGES.indexOf(to.stage) <= CORE_STAGES.indexOf(limit.slice(5))) return undefined;
  }
  return `${from.area} may import only ${allowed.join(', ') || 'nothing of src'}`;
}

const rule = {
  meta: { type: 'problem', docs: { description: 'src/ layer rules (docs/ARCHITECTURE.md#layers)' }, schema: [] },
  create(context) {
    const from = layerOf(context.filename);
    if (!from) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = layerOf(resolve(dirname(context.filename), spec));
      if (!to) return;
      const why = layerViolation(from, to);
      if (why) context.report({ node, message: `Layer rule: '${spec}': ${why} (docs/ARCHITECTURE.md#layers).` });
    };
    return {
      ImportDeclaration: (n) => check(n.source, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n.source, n.source.value),
      ExportAllDeclaration: (n) => check(n.source, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n.source, n.source.value),
    };
  },
};

export default { rules: { layers: rule } };
