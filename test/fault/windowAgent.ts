// A second "window" for the two-windows fault (twoWindows.fault.ts): its own process and its own Supervisor on the
// same workspace, as a second VS Code window (or a second terminal) has. Waits for the go file, then:
//   start CONFIG WS GO   `run start CONFIG --json` through the CLI (in this process), prints its JSON or error
//   pump WS GO ID        pumps the queue until run ID is no longer queued, prints what this process started
// The wrapper to use comes in $SDXL_TEST_WRAPPER (bundled once by the test).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli';
import { waitUntil } from '../../src/core/supervisor/poll';
import { readRecord } from '../../src/core/supervisor/runRecord';
import { Supervisor } from '../../src/core/supervisor/supervisor';

async function run(): Promise<number> {
  const [what, ...args] = process.argv.slice(2);
  const launcher = { execPath: process.execPath, wrapperScript: process.env.SDXL_TEST_WRAPPER ?? '' };
  const go = what === 'start' ? args[2]! : args[1]!;
  await waitUntil(() => existsSync(go), 30_000, 2);
  if (what === 'start') {
    const [config, ws] = args as [string, string];
    let out = '';
    let err = '';
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), readStdin: async () => '', cwd: ws, launcher };
    const code = await main(['run', 'start', config, '--json', '--workspace', ws], io);
    process.stdout.write(JSON.stringify({ code, out, err }) + '\n');
    return 0;
  }
  if (what === 'pump') {
    const [ws, , id] = args as [string, string, string];
    const sup = new Supervisor({ recordsDir: join(ws, '.sdxl', 'runs'), ...launcher });
    const started: string[] = [];
    await waitUntil(
      async () => {
        started.push(...(await sup.pump()).started);
        return readRecord(sup.dirOf(id)).state !== 'queued';
      },
      60_000,
      5,
    );
    process.stdout.write(JSON.stringify({ started }) + '\n');
    return 0;
  }
  process.stderr.write(`unknown: ${what}\n`);
  return 2;
}

void run().then((code) => (process.exitCode = code));
