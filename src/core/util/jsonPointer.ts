// JSON pointers (RFC 6901), the addresses diagnostics and fixes use for a value in a config.

/** Decode a JSON pointer (`/args/learning_rate`) into path segments. */
export function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.includes('~')) return pointer.slice(1).split('/');
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function pathToPointer(path: ReadonlyArray<string | number>): string {
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
