// A stand-in for the `vscode` module, so extension code that only registers things can be loaded on plain Node:
// `commands.registerCommand` records the ids; everything else is an inert object that can be read, called and
// constructed (enough for modules to load and for handlers to be created, never run).
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';

/** The names `vscode` exports (its namespaces, classes, enums), from its type declarations: a bundle copies them. */
function vscodeNames(): string[] {
  const dts = readFileSync(createRequire(__filename).resolve('@types/vscode/index.d.ts'), 'utf8');
  return [...dts.matchAll(/^\texport (?:class|enum|namespace|const|function|let|var) (\w+)/gm)].map((m) => m[1]!);
}

function inert(): unknown {
  const target = function () {
    return undefined;
  };
  return new Proxy(target, {
    get: (_t, key) => (key === 'then' || typeof key === 'symbol' ? undefined : inert()),
    apply: () => inert(),
    construct: () => inert() as object,
  });
}

/** Loads `modulePath` (relative to this folder) with `vscode` faked; returns its exports and the registered command ids. */
export function loadWithFakeVscode<T>(modulePath: string): { exports: T; registered: string[] } {
  const registered: string[] = [];
  const commands = {
    registerCommand: (id: string) => {
      registered.push(id);
      return { dispose: () => undefined };
    },
  };
  const fake: Record<string, unknown> = {};
  for (const name of vscodeNames()) fake[name] = inert();
  fake['commands'] = commands;
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const original = loader._load;
  loader._load = function (request, parent, isMain) {
    return request === 'vscode' ? fake : original.call(this, request, parent, isMain);
  };
  try {
    return { exports: createRequire(__filename)(modulePath) as T, registered };
  } finally {
    loader._load = original;
  }
}
