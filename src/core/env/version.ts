// Version comparison after PEP 440, as much as package versions need: epoch, release, pre (a/b/rc), post, dev; a
// local part (`+cu121`, `+gitunknown`) does not change the order. `0.27.0.dev0` < `0.27.0rc1` < `0.27.0` < `0.27.0.post1`.

export interface Pep440 {
  epoch: number;
  release: number[];
  /** [phase 0 a, 1 b, 2 rc, number] */
  pre: [number, number] | undefined;
  post: number | undefined;
  dev: number | undefined;
}

const PATTERN =
  /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(?:post|rev|r)[-_.]?(\d*))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?\s*$/i;

const PHASE: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 };

export function parseVersion(text: string): Pep440 | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  const num = (s: string | undefined): number => (s ? Number(s) : 0);
  return {
    epoch: num(m[1]),
    release: m[2]!.split('.').map(Number),
    pre: m[3] !== undefined ? [PHASE[m[3].toLowerCase()]!, num(m[4])] : undefined,
    post: m[5] !== undefined ? Number(m[5]) : m[6] !== undefined ? num(m[6]) : undefined,
    dev: m[7] !== undefined ? num(m[7]) : undefined,
  };
}

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** -1, 0 or 1 as `a` is older than, the same as or newer than `b`; undefined when either is not a PEP 440 version. */
export function compareVersions(a: string, b: string): number | undefined {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return undefined;
  let c = cmp(x.epoch, y.epoch);
  if (c) return c;
  const n = Math.max(x.release.length, y.release.length);
  for (let i = 0; i < n; i++) {
    c = cmp(x.release[i] ?? 0, y.release[i] ?? 0);
    if (c) return c;
  }
  // A dev release of the final version (no pre, no post) comes before its pre-releases.
  const preKey = (v: Pep440): [number, number] => v.pre ?? (v.post === undefined && v.dev !== undefined ? [-1, 0] : [3, 0]);
  const [xp, yp] = [preKey(x), preKey(y)];
  c = cmp(xp[0], yp[0]) || cmp(xp[1], yp[1]);
  if (c) return c;
  c = cmp(x.post ?? -1, y.post ?? -1);
  if (c) return c;
  return cmp(x.dev ?? Infinity, y.dev ?? Infinity);
}

/** Whether `installed` is at least `minimum` (undefined when either cannot be read). */
export function atLeast(installed: string, minimum: string): boolean | undefined {
  const c = compareVersions(installed, minimum);
  return c === undefined ? undefined : c >= 0;
}
