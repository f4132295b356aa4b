// A local stand-in for the Hugging Face Hub's HTTP API, on loopback, for tests of the real `@huggingface/hub` client
// and of our own downloads: no test touches the network. It answers the endpoints the extension uses the way
// huggingface.co does (status codes, the X-Error-Code header the Python libraries read, ETag and Range handling):
//   GET  /api/whoami-v2                                      the token's user (401 without a valid token)
//   GET  /api/models?search=Q&limit=N, /api/datasets?…       search (ids containing Q, most downloads first)
//   GET  /api/models/ID[/revision/REV], /api/datasets/…      repo info (200 for a gated repo: info is public)
//   GET  /api/models/ID/tree/REV[/PATH]?recursive=…          file listing
//   GET|HEAD /ID/resolve/REV/PATH, /datasets/ID/resolve/…    file content, with Range (206 + Content-Range)
// and the writes @huggingface/hub's createRepo and commit send (a token with write access to the namespace needed):
//   POST /api/repos/create                                   {name, organization, visibility, type} (409 if it exists)
//   POST /api/models/ID/preupload/REV                        which files go by LFS (uploadMode "lfs" / "regular")
//   POST /ID.git/info/lfs/objects/batch                      answers transfer "basic" (the client offers xet too and
//                                                            falls back when the Hub does not pick it): one PUT each
//   PUT  /__lfs/OID                                          the LFS object's bytes (sha256 checked)
//   POST /api/models/ID/commit/REV                           NDJSON: header, file (base64), lfsFile, deletedFile
// Like the real Hub, a repo that does not exist or is private to someone else answers 401 without a token and 404 with
// one (X-Error-Code: RepoNotFound), so "not found" and "needs a token" cannot be told apart without a token; a gated
// repo's files answer 401 without a token and 403 with a token that was not granted access (X-Error-Code: GatedRepo).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface FakeRepo {
  /** `org/name`. */
  id: string;
  type?: 'model' | 'dataset';
  /** Files by path in the repo; strings are UTF-8. */
  files?: Record<string, string | Uint8Array>;
  gated?: false | 'auto' | 'manual';
  private?: boolean;
  /** Tokens that may read a gated or private repo. */
  grantedTo?: string[];
  downloads?: number;
  likes?: number;
  pipelineTag?: string;
}

/** One commit received (POST /api/models/ID/commit/REV). */
export interface FakeCommit {
  repo: string;
  title: string;
  /** Paths added or replaced, in the order sent. */
  files: string[];
  deleted: string[];
  oid: string;
}

export interface FakeHubOptions {
  repos?: FakeRepo[];
  /** Valid tokens and the user name each belongs to. */
  tokens?: Record<string, string>;
  /** Files at or above this size (and every *.safetensors / *.bin) are LFS files: ETag = sha256. Default 1024. */
  lfsThreshold?: number;
  /** Namespaces each token may create repos in and commit to (default: the token's user alone). */
  writeAccess?: Record<string, string[]>;
}

export interface FakeHubRequest {
  method: string;
  path: string;
  /** The Authorization header's token, if any. */
  token?: string;
  range?: string;
}

export interface FakeHub {
  /** `http://127.0.0.1:PORT`, the value for HF_ENDPOINT / hubUrl. */
  url: string;
  /** Every request, in order. */
  requests: FakeHubRequest[];
  /** The next `n` requests answer 429 with Retry-After. */
  rateLimitNext(n: number, retryAfterSeconds?: number): void;
  /** Requests whose path starts with `prefix` never get an answer until close() (a hung Hub). */
  hang(prefix: string): void;
  /** The next download of `path` (a repo file path) sends `bytes` bytes of its body, then the connection drops. */
  dropAfter(path: string, bytes: number): void;
  /** Adds or replaces a repo. */
  put(repo: FakeRepo): void;
  /** The repo as it stands now (created or committed to through the API included). */
  repo(id: string, type?: 'model' | 'dataset'): FakeRepo | undefined;
  /** Every commit received, in order. */
  commits: FakeCommit[];
  close(): Promise<void>;
}

interface FileEntry {
  path: string;
  data: Buffer;
  /** Git blob sha1 (regular files) or sha256 (LFS). */
  oid: string;
  lfs: boolean;
}

const COMMIT = 'a'.repeat(40);

function gitBlobSha(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

function entriesOf(repo: FakeRepo, lfsThreshold: number): FileEntry[] {
  return Object.entries(repo.files ?? {}).map(([path, content]) => {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const lfs = data.length >= lfsThreshold || /\.(safetensors|bin|ckpt|pt|onnx)$/.test(path);
    return { path, data, lfs, oid: lfs ? createHash('sha256').update(data).digest('hex') : gitBlobSha(data) };
  });
}

export async function startFakeHub(options: FakeHubOptions = {}): Promise<FakeHub> {
  const lfsThreshold = options.lfsThreshold ?? 1024;
  const tokens = options.tokens ?? {};
  const repos = new Map<string, FakeRepo>();
  const put = (repo: FakeRepo): void => void repos.set(`${repo.type ?? 'model'}:${repo.id}`, repo);
  const commits: FakeCommit[] = [];
  /** LFS objects uploaded, by sha256. */
  const lfsObjects = new Map<string, Buffer>();
  let serverUrl = '';
  for (const r of options.repos ?? []) put(r);
  const requests: FakeHubRequest[] = [];
  let rateLimited = 0;
  let retryAfter = 1;
  const hung: string[] = [];
  const drops = new Map<string, number>();
  const sockets = new Set<Socket>();

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, code: string, message: string): void =>
    json(res, status, { error: message }, { 'X-Error-Code': code, 'X-Error-Message': message });

  const canRead = (repo: FakeRepo, token: string | undefined): boolean =>
    (!repo.private && !repo.gated) || (token !== undefined && (repo.grantedTo ?? []).includes(token));
  /** The repo if the caller may see that it exists; else answers as the Hub does and returns undefined. */
  const visibleRepo = (res: ServerResponse, type: string, id: string, token: string | undefined): FakeRepo | undefined => {
    const repo = repos.get(`${type}:${id}`);
    if (repo && (!repo.private || canRead(repo, token))) return repo;
    if (token === undefined) fail(res, 401, 'RepoNotFound', 'Invalid username or password.');
    else fail(res, 404, 'RepoNotFound', 'Repository not found');
    return undefined;
  };

  const info = (repo: FakeRepo) => ({
    _id: createHash('md5').update(repo.id).digest('hex').slice(0, 24),
    id: repo.id,
    author: repo.id.split('/')[0],
    private: repo.private ?? false,
    gated: repo.gated ?? false,
    disabled: false,
    downloads: repo.downloads ?? 0,
    likes: repo.likes ?? 0,
    pipeline_tag: repo.pipelineTag ?? (repo.type === 'dataset' ? undefined : 'text-to-image'),
    tags: [],
    sha: COMMIT,
    lastModified: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    createdAt: '2025-01-01T00:00:00.000Z',
    siblings: Object.keys(repo.files ?? {}).map((rfilename) => ({ rfilename })),
  });

  const readBody = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  const mayWrite = (res: ServerResponse, token: string | undefined, namespace: string): boolean => {
    if (token === undefined) {
      fail(res, 401, 'InvalidCredentials', 'Invalid credentials in Authorization header');
      return false;
    }
    const allowed = options.writeAccess?.[token] ?? [tokens[token]!];
    if (allowed.includes(namespace)) return true;
    fail(res, 403, 'Forbidden', `You don't have the rights to create or write to a repo under the namespace "${namespace}"`);
    return false;
  };
  const lfsOf = (path: string, size: number): boolean => size >= lfsThreshold || /\.(safetensors|bin|ckpt|pt|onnx)$/.test(path);

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    const token = bearer !== undefined && tokens[bearer] !== undefined ? bearer : undefined;
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      ...(bearer ? { token: bearer } : {}),
      ...(req.headers.range ? { range: req.headers.range } : {}),
    });
    if (hung.some((p) => url.pathname.startsWith(p))) return; // never answered
    if (rateLimited > 0) {
      rateLimited--;
      const message = 'You have been rate-limited; you can retry this action in about 1 minute.';
      json(res, 429, { error: message }, { 'X-Error-Code': 'RateLimited', 'Retry-After': String(retryAfter) });
      return;
    }
    // A token that is not valid is refused everywhere, as the Hub does.
    if (bearer !== undefined && token === undefined) {
      fail(res, 401, 'InvalidCredentials', 'Invalid credentials in Authorization header');
      return;
    }
    const parts = url.pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
    if (req.method === 'POST' || req.method === 'PUT') {
      readBody(req).then(
        (body) => write(req.method ?? 'POST', parts, body, token, res),
        () => res.destroy(),
      );
      return;
    }
    if (parts[0] === 'api') return api(parts.slice(1), url, token, res);
    // /ID/resolve/REV/PATH or /datasets/ID/resolve/REV/PATH
    const type = parts[0] === 'datasets' ? 'dataset' : 'model';
    const rest = type === 'dataset' ? parts.slice(1) : parts;
    if (rest.length >= 5 && rest[2] === 'resolve') return resolveFile(type, `${rest[0]}/${rest[1]}`, rest.slice(4).join('/'), token, req, res);
    fail(res, 404, 'NotFound', `no route for ${url.pathname}`);
  };

  const api = (parts: string[], url: URL, token: string | undefined, res: ServerResponse): void => {
    if (parts[0] === 'whoami-v2') {
      if (token === undefined) return fail(res, 401, 'InvalidCredentials', 'Invalid credentials in Authorization header');
      return json(res, 200, { type: 'user', name: tokens[token], auth: { type: 'access_token', accessToken: { displayName: 'test', role: 'read' } } });
    }
    const type = parts[0] === 'models' ? 'model' : parts[0] === 'datasets' ? 'dataset' : undefined;
    if (!type) return fail(res, 404, 'NotFound', `no API route /api/${parts.join('/')}`);
    if (parts.length === 1) {
      const q = (url.searchParams.get('search') ?? '').toLowerCase();
      const limit = Number(url.searchParams.get('limit') ?? '1000');
      const found = [...repos.values()]
        .filter((r) => (r.type ?? 'model') === type && !r.private && r.id.toLowerCase().includes(q))
        .sort((a, b) => (b.downloads ?? 0) - (a.downloads ?? 0) || a.id.localeCompare(b.id))
        .slice(0, Number.isFinite(limit) && limit > 0 ? limit : 1000);
      return json(res, 200, found.map(info));
    }
    const id = `${parts[1]}/${parts[2]}`;
    const repo = visibleRepo(res, type, id, token);
    if (!repo) return;
    if (parts.length === 3 || parts[3] === 'revision') return json(res, 200, info(repo));
    if (parts[3] === 'tree') {
      const prefix = parts.slice(5).join('/');
      const recursive = url.searchParams.get('recursive') === 'true';
      const files = entriesOf(repo, lfsThreshold).filter((f) => prefix === '' || f.path.startsWith(`${prefix}/`));
      const below = (p: string): string => (prefix === '' ? p : p.slice(prefix.length + 1));
      const listed = new Map<string, unknown>();
      for (const f of files) {
        const segs = below(f.path).split('/');
        if (!recursive && segs.length > 1) {
          const dir = prefix === '' ? segs[0]! : `${prefix}/${segs[0]}`;
          listed.set(dir, { type: 'directory', oid: 'd'.repeat(40), size: 0, path: dir });
          continue;
        }
        if (recursive)
          for (let i = 1; i < segs.length; i++) {
            const dir = [prefix, ...segs.slice(0, i)].filter((s) => s !== '').join('/');
            listed.set(dir, { type: 'directory', oid: 'd'.repeat(40), size: 0, path: dir });
          }
        listed.set(f.path, {
          type: 'file',
          oid: f.lfs ? gitBlobSha(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${f.oid}\nsize ${f.data.length}\n`)) : f.oid,
          size: f.data.length,
          path: f.path,
          ...(f.lfs ? { lfs: { oid: f.oid, size: f.data.length, pointerSize: 134 } } : {}),
        });
      }
      return json(res, 200, [...listed.values()]);
    }
    fail(res, 404, 'NotFound', `no API route /api/${parts.join('/')}`);
  };

  /** The write routes (createRepo, preupload, LFS batch and upload, commit). */
  const write = (method: string, parts: string[], body: Buffer, token: string | undefined, res: ServerResponse): void => {
    const bodyJson = (): Record<string, unknown> => {
      try {
        return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return {};
      }
    };
    if (method === 'PUT' && parts[0] === '__lfs' && parts[1]) {
      const oid = parts[1];
      if (createHash('sha256').update(body).digest('hex') !== oid) return fail(res, 400, 'BadRequest', `the body's sha256 is not ${oid}`);
      lfsObjects.set(oid, body);
      res.writeHead(200, { ETag: `"${oid}"` });
      return void res.end();
    }
    if (parts[0] === 'api' && parts[1] === 'repos' && parts[2] === 'create') {
      const b = bodyJson();
      const name = typeof b.name === 'string' ? b.name : '';
      const namespace = typeof b.organization === 'string' && b.organization ? b.organization : token !== undefined ? tokens[token]! : '';
      if (!mayWrite(res, token, namespace)) return;
      const type = b.type === 'dataset' ? 'dataset' : 'model';
      const id = `${namespace}/${name}`;
      if (repos.has(`${type}:${id}`)) return fail(res, 409, 'RepoExists', 'You already created this model repo');
      put({ id, type, private: b.visibility === 'private', grantedTo: [token!], files: {} });
      return json(res, 200, {
        url: `${serverUrl}/${type === 'dataset' ? 'datasets/' : ''}${id}`,
        name: id,
        id: createHash('md5').update(id).digest('hex').slice(0, 24),
      });
    }
    // /ID.git/info/lfs/objects/batch
    if (parts.length === 6 && parts[1]!.endsWith('.git') && parts.slice(2).join('/') === 'info/lfs/objects/batch') {
      const id = `${parts[0]}/${parts[1]!.slice(0, -4)}`;
      if (!mayWrite(res, token, parts[0]!)) return;
      if (!repos.has(`model:${id}`)) return fail(res, 404, 'RepoNotFound', 'Repository not found');
      const objects = Array.isArray(bodyJson().objects) ? (bodyJson().objects as Array<{ oid: string; size: number }>) : [];
      res.writeHead(200, { 'Content-Type': 'application/vnd.git-lfs+json' });
      return void res.end(
        JSON.stringify({
          transfer: 'basic',
          objects: objects.map((o) => ({
            oid: o.oid,
            size: o.size,
            ...(lfsObjects.has(o.oid) ? {} : { actions: { upload: { href: `${serverUrl}/__lfs/${o.oid}` } } }),
          })),
        }),
      );
    }
    if (parts[0] === 'api' && parts[1] === 'models' && parts.length >= 6 && (parts[4] === 'preupload' || parts[4] === 'commit')) {
      const id = `${parts[2]}/${parts[3]}`;
      if (!mayWrite(res, token, parts[2]!)) return;
      const repo = repos.get(`model:${id}`);
      if (!repo) return fail(res, 404, 'RepoNotFound', 'Repository not found');
      if (parts[4] === 'preupload') {
        const files = Array.isArray(bodyJson().files) ? (bodyJson().files as Array<{ path: string; size: number }>) : [];
        return json(res, 200, { files: files.map((f) => ({ path: f.path, uploadMode: lfsOf(f.path, f.size) ? 'lfs' : 'regular', shouldIgnore: false })) });
      }
      const lines = body
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { key: string; value: Record<string, unknown> });
      const next: Record<string, string | Uint8Array> = { ...(repo.files ?? {}) };
      const commit: FakeCommit = { repo: id, title: '', files: [], deleted: [], oid: '' };
      for (const { key, value } of lines) {
        const path = String(value.path ?? '');
        if (key === 'header') commit.title = String(value.summary ?? '');
        else if (key === 'file') {
          next[path] = Buffer.from(String(value.content ?? ''), 'base64');
          commit.files.push(path);
        } else if (key === 'lfsFile') {
          const data = lfsObjects.get(String(value.oid));
          if (!data) return fail(res, 422, 'LfsObjectMissing', `the LFS object of ${path} was never uploaded`);
          next[path] = data;
          commit.files.push(path);
        } else if (key === 'deletedFile') {
          if (!(path in next)) return fail(res, 404, 'EntryNotFound', `${path} does not exist`);
          delete next[path];
          commit.deleted.push(path);
        }
      }
      repo.files = next;
      commit.oid = createHash('sha1').update(`${id}#${commits.length}`).digest('hex');
      commits.push(commit);
      return json(res, 200, { success: true, commitOid: commit.oid, commitUrl: `${serverUrl}/${id}/commit/${commit.oid}` });
    }
    fail(res, 404, 'NotFound', `no route for ${method} /${parts.join('/')}`);
  };

  const resolveFile = (type: 'model' | 'dataset', id: string, path: string, token: string | undefined, req: IncomingMessage, res: ServerResponse): void => {
    const repo = visibleRepo(res, type, id, token);
    if (!repo) return;
    if (!canRead(repo, token)) {
      const message = `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`;
      return token === undefined
        ? fail(res, 401, 'GatedRepo', message)
        : fail(res, 403, 'GatedRepo', `Access to model ${id} is restricted and you are not in the authorized list.`);
    }
    const file = entriesOf(repo, lfsThreshold).find((f) => f.path === path);
    if (!file) return fail(res, 404, 'EntryNotFound', `${path} does not exist on "main"`);
    const size = file.data.length;
    const headers: Record<string, string> = {
      ETag: `"${file.oid}"`,
      'X-Repo-Commit': COMMIT,
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      ...(file.lfs ? { 'X-Linked-ETag': `"${file.oid}"`, 'X-Linked-Size': String(size) } : {}),
    };
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = req.headers.range;
    if (range !== undefined) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (!m || (m[1] === '' && m[2] === '')) return fail(res, 416, 'RangeNotSatisfiable', `bad range ${range}`);
      if (m[1] === '') start = Math.max(0, size - Number(m[2]));
      else {
        start = Number(m[1]);
        if (m[2] !== '') end = Math.min(end, Number(m[2]));
      }
      if (start >= size || start > end) {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` });
        res.end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    const body = file.data.subarray(start, end + 1);
    headers['Content-Length'] = String(body.length);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') return void res.end();
    const drop = drops.get(path);
    if (drop !== undefined) {
      drops.delete(path);
      res.write(body.subarray(0, drop), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  };

  const server: Server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  serverUrl = `http://127.0.0.1:${port}`;
  return {
    url: serverUrl,
    requests,
    commits,
    repo: (id, type = 'model') => repos.get(`${type}:${id}`),
    rateLimitNext(n, retryAfterSeconds = 1) {
      rateLimited = n;
      retryAfter = retryAfterSeconds;
    },
    hang: (prefix) => void hung.push(prefix),
    dropAfter: (path, bytes) => void drops.set(path, bytes),
    put,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Files of a small diffusers SDXL repo in the Hub's layout (configs as JSON text, weights as a few bytes each). */
export function sdxlRepoFiles(options: { fp16Variant?: boolean; binToo?: boolean } = {}): Record<string, string | Uint8Array> {
  const weights = (n: number): Uint8Array => Uint8Array.from({ length: 2048 + n }, (_, i) => (i * 31 + n) % 251);
  const files: Record<string, string | Uint8Array> = {
    'model_index.json': JSON.stringify({ _class_name: 'StableDiffusionXLPipeline', _diffusers_version: '0.27.2' }),
    'README.md': '# tiny sdxl\n',
    'scheduler/scheduler_config.json': JSON.stringify({ _class_name: 'EulerDiscreteScheduler' }),
    'tokenizer/vocab.json': '{}',
    'tokenizer/merges.txt': '#version: 0.2\n',
    'tokenizer/tokenizer_config.json': '{}',
    'tokenizer/special_tokens_map.json': '{}',
    'tokenizer_2/vocab.json': '{}',
    'tokenizer_2/merges.txt': '#version: 0.2\n',
    'tokenizer_2/tokenizer_config.json': '{}',
    'tokenizer_2/special_tokens_map.json': '{}',
    'text_encoder/config.json': JSON.stringify({ architectures: ['CLIPTextModel'] }),
    'text_encoder/model.safetensors': weights(1),
    'text_encoder_2/config.json': JSON.stringify({ architectures: ['CLIPTextModelWithProjection'] }),
    'text_encoder_2/model.safetensors': weights(2),
    'unet/config.json': JSON.stringify({ _class_name: 'UNet2DConditionModel' }),
    'unet/diffusion_pytorch_model.safetensors': weights(3),
    'vae/config.json': JSON.stringify({ _class_name: 'AutoencoderKL' }),
    'vae/diffusion_pytorch_model.safetensors': weights(4),
    'sd_xl_base_1.0.safetensors': weights(5),
  };
  if (options.fp16Variant) {
    files['text_encoder/model.fp16.safetensors'] = weights(11);
    files['text_encoder_2/model.fp16.safetensors'] = weights(12);
    files['unet/diffusion_pytorch_model.fp16.safetensors'] = weights(13);
    files['vae/diffusion_pytorch_model.fp16.safetensors'] = weights(14);
  }
  if (options.binToo) {
    files['unet/diffusion_pytorch_model.bin'] = weights(23);
    files['vae/diffusion_pytorch_model.bin'] = weights(24);
  }
  return files;
}

/** A folder's files as a repo's (`files` of a FakeRepo): paths relative to `dir`, with forward slashes. */
export function filesUnder(dir: string): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p).split('\\').join('/')] = readFileSync(p);
    }
  };
  walk(dir);
  return out;
}
