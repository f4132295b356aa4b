// Starts the detached wrapper (dist/wrapper.js) for one record folder. The wrapper, not the extension host, is
// the training's parent, so closing or reloading the editor never touches the run.
import { ChildProcess, spawn } from 'node:child_process';
import { MACHINE_KEY_ENV } from './machineKey';
import { SECRETS_ENV, secretsEnvValue, type Secrets } from './secrets';

export interface WrapperLauncher {
  /** Node-compatible executable; inside VS Code this is Electron, made to act as Node by ELECTRON_RUN_AS_NODE. */
  execPath: string;
  /** Path of the bundled wrapper script (dist/wrapper.js). */
  wrapperScript: string;
  /** Extra arguments for execPath before the script (e.g. `--import tsx` to run the TypeScript source in tests). */
  execArgs?: string[];
  /** This machine's key file (machineKey.ts), passed on so the wrapper's queue pump verifies with the same key. */
  machineKeyFile?: string;
}

/**
/**
 * Spawns the wrapper in its own session/process group with no stdio, and lets it outlive this process. Never throws:
 * a launcher spawn() refuses outright (it throws for, say, a NUL in a path) is reported as the child's 'error' event,
 * like a missing executable, so callers record it instead of leaving the run 'starting'. `secrets`: the run's secret
 * environment values, which run.json does not keep (secrets.ts); they travel in the wrapper's spawn environment, which
 * only the wrapper and the user who owns it can read.
 */
export function launchWrapper(launcher: WrapperLauncher, recordDir: string, secrets: Secrets = {}): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ELECTRON_RUN_AS_NODE: '1',
    ...(launcher.machineKeyFile ? { [MACHINE_KEY_ENV]: launcher.machineKeyFile } : {}),
  };
  delete env[SECRETS_ENV];
  const value = secretsEnvValue(secrets);
  if (value !== undefined) env[SECRETS_ENV] = value;
  let child: ChildProcess;
  try {
    child = spawn(launcher.execPath, [...(launcher.execArgs ?? []), launcher.wrapperScript, recordDir], {
      detached: true,
      stdio: 'ignore',
      windowsHide: true,
      env,
    });
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    child = new ChildProcess();
    // After the caller has subscribed, as spawn() reports a missing executable.
    process.nextTick(() => child.emit('error', error));
  }
  child.on('error', () => {
    // Reported through the record by the caller (the wrapper never writes its pid); never an uncaught error.
  });
  child.unref();
  return child;
}

/** The launcher a running wrapper uses to start the next queued run: the same executable and script as itself. */
export function selfLauncher(): WrapperLauncher {
  const execArgs = process.execArgv.filter((a, i, all) => a === '--import' || all[i - 1] === '--import');
  const machineKeyFile = process.env[MACHINE_KEY_ENV];
  return { execPath: process.execPath, wrapperScript: process.argv[1]!, execArgs, ...(machineKeyFile ? { machineKeyFile } : {}) };
}
