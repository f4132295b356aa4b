// Which queued runs this machine created. Records live in the workspace, so a repository can carry a queued
// run.json whose argv would run as soon as a trusted window pumps the queue. Every record written here is sealed
// with an HMAC of its identity and launch (id, argv, env, cwd) under a per-machine key kept OUTSIDE the workspace;
// the queue starts only records whose seal verifies, and anything else is "queued elsewhere" for the user to decide.
// One key file serves the extension, the CLI and the wrappers' queue pumps: `$SDXL_TRAINER_MACHINE_KEY_FILE`, else
// `<config dir>/sdxl-trainer/machine-key` (XDG_CONFIG_HOME or ~/.config; %APPDATA% on Windows), mode 0600.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RunRecord } from './types';

/** Environment variable naming the key file; the supervisor sets it for the wrappers it starts. */
export const MACHINE_KEY_ENV = 'SDXL_TRAINER_MACHINE_KEY_FILE';
const MAC_PREFIX = 'hmac-sha256:';

/** Where this machine's key is kept (never inside a workspace). */
export function defaultMachineKeyFile(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const given = env[MACHINE_KEY_ENV];
  if (given) return given;
  const base = platform === 'win32' ? env['APPDATA'] || join(homedir(), 'AppData', 'Roaming') : env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(base, 'sdxl-trainer', 'machine-key');
}

export class MachineKeyError extends Error {}

function readKey(file: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MachineKeyError(`cannot read the machine key ${file}: ${(e as Error).message}`);
  }
  if (!/^[0-9a-f]{64}$/.test(text))
    throw new MachineKeyError(`the machine key ${file} is not 64 hex digits; delete it to make a new one (queued runs then need confirming again)`);
  return Buffer.from(text, 'hex');
}

/**
 * This machine's key: read from `file`, or made (32 random bytes, hex, mode 0600) when there is none. Made with a
 * hard link from a private temporary file, so two processes making it at once end with one key, never a half file.
 */
export function loadMachineKey(file: string = defaultMachineKeyFile()): Buffer {
  const existing = readKey(file);
  if (existing) return tightened(file, existing);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  } catch (e) {
    throw new MachineKeyError(`cannot create the machine key ${file}: ${(e as Error).message}`);
  } finally {
    rmSync(tmp, { force: true });
  }
  const made = readKey(file);
  if (!made) throw new MachineKeyError(`the machine key ${file} vanished while it was made`);
  return made;
}

/** A key others can read is no secret: made private again (best effort; Windows has no mode bits). */
function tightened(file: string, key: Buffer): Buffer {
  if (process.platform === 'win32') return key;
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } catch {
    // not ours to change: still usable
  }
  return key;
}

/** What the seal covers: the run's identity and everything that decides what runs. */
function sealedText(record: Pick<RunRecord, 'id' | 'plan'>): string {
  const env = Object.entries(record.plan.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(['sdxl-trainer launch v1', record.id, record.plan.argv, env, record.plan.cwd]);
}

/** The seal to store in `record.launchMac`. */
export function launchMac(key: Buffer, record: Pick<RunRecord, 'id' | 'plan'>): string {
  return MAC_PREFIX + createHmac('sha256', key).update(sealedText(record)).digest('hex');
}

/** The record carries a seal made with this key over exactly its id and launch. */
export function isSealedBy(key: Buffer, record: Pick<RunRecord, 'id' | 'plan' | 'launchMac'>): boolean {
  if (typeof record.launchMac !== 'string') return false;
  const want = Buffer.from(launchMac(key, record));
  const got = Buffer.from(record.launchMac);
  return got.length === want.length && timingSafeEqual(got, want);
}
