// Publishing a run's files to a Hub model repo with the real @huggingface/hub client: the repo is created when missing
// (private or public), then one commit puts the files and the card. The client uploads large files first (LFS batch:
// xet when the Hub offers it, else basic PUTs) and commits last, so a cancel before the end leaves no commit. A
// re-publish is one more commit on the same repo: the files replaced, and the files an earlier publish put there that
// are no longer selected deleted. Which those are is kept in the repo itself (`.sdxl-publish.json`), so files the user
// uploaded by other means are never deleted.
import { openAsBlob } from 'node:fs';
import { commitIter, createRepo, downloadFile, HubApiError, listFiles, modelInfo, type CommitOperation } from '@huggingface/hub';
import { errText } from '../util/errText';
import { redactText } from '../util/redact';
import type { PublishEntry } from './publishFiles';

export const MANIFEST_FILE = '.sdxl-publish.json';
export const CARD_FILE = 'README.md';
const MANIFEST_TOOL = 'sdxl-trainer-vscode';

export interface PublishOptions {
  hubUrl: string;
  accessToken: string;
  /** `namespace/name`. */
  repoId: string;
  /** For a repo this creates; an existing repo keeps its visibility. */
  private: boolean;
  license?: string;
  files: readonly PublishEntry[];
  card: string;
  commitTitle?: string;
  signal?: AbortSignal;
  onProgress?: (p: PublishProgress) => void;
  fetch?: typeof fetch;
}

export interface PublishProgress {
  phase: 'checking' | 'preuploading' | 'hashing' | 'uploading' | 'committing';
  /** Bytes uploaded (hashing: hashed) so far, of `total`. */
  bytes: number;
  total: number;
}

export type PublishErrorKind = 'token' | 'forbidden' | 'exists' | 'network' | 'cancelled' | 'invalid' | 'hub';

export type PublishResult =
  | { ok: true; url: string; commit: string | undefined; created: boolean; uploaded: string[]; deleted: string[] }
  | { ok: false; kind: PublishErrorKind; message: string };

interface Manifest {
  tool: string;
  files: string[];
}

/** A Hub repo id the Hub accepts: `namespace/name`, letters, digits, `-`, `_`, `.` (no `--`/`..`, not at the ends). */
export function repoIdProblem(id: string): string | undefined {
  const parts = id.split('/');
  if (parts.length !== 2) return `"${id}" is not a repo id: expected namespace/name`;
  for (const p of parts)
    if (!/^[A-Za-z0-9]([A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/.test(p) || p.includes('--') || p.includes('..'))
      return `"${p}" in "${id}": letters, digits, "-", "_" and "." only, not at the start or end, no "--" or ".."`;
  return undefined;
}

function manifestOf(text: string | undefined): string[] {
  if (!text) return [];
  try {
    const m = JSON.parse(text) as Partial<Manifest>;
    return m.tool === MANIFEST_TOOL && Array.isArray(m.files) ? m.files.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return []; // not ours, or edited by hand: delete nothing
  }
}

interface ProgressHint {
  progressCallback?: (progress: number) => void;
}

/**
 * The client's fetch with byte progress for LFS PUTs: in Node the client reports a PUT's progress only when it ends
 * (its byte progress needs XMLHttpRequest), so the body is streamed through a counter. Content-Length is set from the
 * Blob's size, as storage's presigned URLs require (no chunked upload).
 */
export function progressFetch(base: typeof fetch): typeof fetch {
  return (input, init) => {
    const hint = (init as { progressHint?: ProgressHint } | undefined)?.progressHint;
    const body = init?.body;
    if (init?.method !== 'PUT' || !hint?.progressCallback || !(body instanceof Blob) || body.size === 0) return base(input, init);
    const size = body.size;
    const report = hint.progressCallback;
    let sent = 0;
    const counted = body.stream().pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          sent += chunk.byteLength;
          // Below 1 until the answer: the client says 1 itself once the PUT succeeded.
          report(Math.min(sent / size, 0.9999));
          out.enqueue(chunk);
        },
      }),
    );
    const headers = new Headers(init.headers);
    headers.set('Content-Length', String(size));
    return base(input, { ...init, headers, body: counted, duplex: 'half' } as RequestInit);
  };
}

class Failed extends Error {
  constructor(
    readonly kind: PublishErrorKind,
    message: string,
  ) {
    super(message);
  }
}

function named(e: unknown, o: PublishOptions, doing: string): Failed {
  if (e instanceof Failed) return e;
  const namespace = o.repoId.split('/')[0];
  if (o.signal?.aborted || (e instanceof Error && e.name === 'AbortError')) return new Failed('cancelled', 'Publishing was cancelled: nothing was committed.');
  if (e instanceof HubApiError) {
    const said = e.message ? `: ${e.message}` : '';
    switch (e.statusCode) {
      case 401:
        return new Failed(
          'token',
          `The Hub refused the token (401) while ${doing}: it is invalid or expired. Sign in again with a token that has write access.`,
        );
      case 403:
        return new Failed(
          'forbidden',
          `The token may not write to "${namespace}" (403) while ${doing}: it is read-only, or you have no write access to that organization${said}.`,
        );
      case 409:
        return new Failed('exists', `The repo ${o.repoId} exists already (409) but this token cannot see it: choose another name${said}.`);
      default:
        return new Failed(e.statusCode >= 500 || e.statusCode === 429 ? 'network' : 'hub', `The Hub answered ${e.statusCode} while ${doing}${said}.`);
    }
  }
  return new Failed('network', `The Hub (${o.hubUrl}) was not reached while ${doing}: ${errText(e)}.`);
}

async function repoState(o: PublishOptions): Promise<{ exists: boolean }> {
  try {
    await modelInfo({ name: o.repoId, hubUrl: o.hubUrl, accessToken: o.accessToken, ...(o.fetch ? { fetch: o.fetch } : {}) });
    return { exists: true };
  } catch (e) {
    if (e instanceof HubApiError && e.statusCode === 404) return { exists: false };
    throw named(e, o, `checking ${o.repoId}`);
  }
}

async function existingFiles(o: PublishOptions): Promise<{ paths: Set<string>; manifest: string[] }> {
  const paths = new Set<string>();
  const common = { repo: o.repoId, hubUrl: o.hubUrl, accessToken: o.accessToken, ...(o.fetch ? { fetch: o.fetch } : {}) };
  for await (const f of listFiles({ ...common, recursive: true })) if (f.type === 'file') paths.add(f.path);
  const blob = paths.has(MANIFEST_FILE) ? await downloadFile({ ...common, path: MANIFEST_FILE }) : null;
  return { paths, manifest: manifestOf(blob ? await blob.text() : undefined) };
}

/** Creates the repo if missing and commits the files, the card and the manifest in one commit. */
export async function publishToHub(o: PublishOptions): Promise<PublishResult> {
  const problem = repoIdProblem(o.repoId);
  if (problem) return { ok: false, kind: 'invalid', message: problem };
  const total = o.files.reduce((s, f) => s + f.size, 0) + Buffer.byteLength(o.card);
  const report = (phase: PublishProgress['phase'], bytes: number): void => o.onProgress?.({ phase, bytes: Math.min(bytes, total), total });
  const secrets = [o.accessToken];
  try {
    report('checking', 0);
    let created = false;
    if (!(await repoState(o)).exists) {
      try {
        await createRepo({
          repo: o.repoId,
          hubUrl: o.hubUrl,
          accessToken: o.accessToken,
          private: o.private,
          ...(o.license ? { license: o.license } : {}),
          ...(o.fetch ? { fetch: o.fetch } : {}),
        });
        created = true;
      } catch (e) {
        throw named(e, o, `creating ${o.repoId}`);
      }
    }
    o.signal?.throwIfAborted();
    const before = created
      ? { paths: new Set<string>(), manifest: [] }
      : await existingFiles(o).catch((e: unknown) => Promise.reject(named(e, o, `listing ${o.repoId}`)));
    const selected = new Set([...o.files.map((f) => f.repoPath), CARD_FILE]);
    const stale = before.manifest.filter((p) => !selected.has(p) && p !== MANIFEST_FILE && before.paths.has(p)).sort();
    const manifest: Manifest = { tool: MANIFEST_TOOL, files: [...selected].sort() };
    const sizes = new Map<string, number>();
    const operations: CommitOperation[] = [];
    for (const f of o.files) {
      operations.push({ operation: 'addOrUpdate', path: f.repoPath, content: await openAsBlob(f.localPath) });
      sizes.set(f.repoPath, f.size);
    }
    operations.push({ operation: 'addOrUpdate', path: CARD_FILE, content: new Blob([o.card]) });
    sizes.set(CARD_FILE, Buffer.byteLength(o.card));
    operations.push({ operation: 'addOrUpdate', path: MANIFEST_FILE, content: new Blob([JSON.stringify(manifest, null, 2) + '\n']) });
    for (const path of stale) operations.push({ operation: 'delete', path });
    const done = new Map<string, number>();
    const sum = (): number => {
      let s = 0;
      for (const v of done.values()) s += v;
      return s;
    };
    const iter = commitIter({
      repo: o.repoId,
      hubUrl: o.hubUrl,
      accessToken: o.accessToken,
      operations,
      title: o.commitTitle ?? 'Publish with SDXL Trainer for VS Code',
      ...(o.signal ? { abortSignal: o.signal } : {}),
      fetch: progressFetch(o.fetch ?? fetch),
    });
    let phase: PublishProgress['phase'] = 'preuploading';
    let res = await iter.next();
    while (!res.done) {
      const ev = res.value;
      if (ev.event === 'phase') {
        phase = ev.phase === 'uploadingLargeFiles' ? 'uploading' : ev.phase === 'committing' ? 'committing' : 'preuploading';
        report(phase, sum());
      } else if (ev.event === 'fileProgress' && ev.state === 'uploading') {
        done.set(ev.path, Math.round((sizes.get(ev.path) ?? 0) * Math.min(1, ev.progress)));
        report('uploading', sum());
      } else if (ev.event === 'fileProgress' && ev.state === 'hashing') report('hashing', 0);
      res = await iter.next();
    }
    report('committing', total);
    return { ok: true, url: `${o.hubUrl}/${o.repoId}`, commit: res.value?.commit.oid, created, uploaded: [...selected].sort(), deleted: stale };
  } catch (e) {
    const f = named(e, o, `uploading to ${o.repoId}`);
    return { ok: false, kind: f.kind, message: redactText(f.message, secrets) };
  }
}
