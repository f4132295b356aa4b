// Entry for the end-to-end tests: `node --import tsx test/e2e/run.ts [name-filter...]`.
// Builds nothing: expects dist/sdxl-trainer.vsix (`npm run package`) and the test VS Code
// (scripts/install-test-vscode.sh). Runs every test/e2e/*.e2e.ts with node:test, one file at a time (each starts
// its own code-server and Chromium; two at once overload a 2-core machine), and exits 1 if any test failed or
// left a process behind.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_BIN, CODE_SERVER_BIN, DEFAULT_VSIX, REPO_ROOT } from './harness.js';

/** Pids whose command line mentions `marker` (this run's private temp dir), excluding ourselves. */
function processesMentioning(marker: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmd.includes(marker)) found.push({ pid: Number(entry), cmd });
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

async function main(): Promise<number> {
  const missing: string[] = [];
  if (!existsSync(DEFAULT_VSIX)) missing.push(`${DEFAULT_VSIX} (run \`npm run package\`)`);
  if (!existsSync(CODE_SERVER_BIN)) missing.push(`${CODE_SERVER_BIN} (run scripts/install-test-vscode.sh)`);
  if (!existsSync(CHROMIUM_BIN)) missing.push(`${CHROMIUM_BIN} (run scripts/install-test-vscode.sh)`);
  if (missing.length) {
    console.error(`e2e: missing:\n  ${missing.join('\n  ')}`);
    return 1;
  }

  const dir = join(REPO_ROOT, 'test', 'e2e');
  const filters = process.argv.slice(2);
  const specs = readdirSync(dir)
    .filter((f) => f.endsWith('.e2e.ts'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort()
    .map((f) => join(dir, f));
  if (specs.length === 0) {
    console.error(`e2e: no spec matches ${filters.length ? filters.join(', ') : '*.e2e.ts'} in ${dir}`);
    return 1;
  }

  // A private TMPDIR for this run: every temp dir the harness makes lies under it, so processes left behind are
  // recognisable by their command line.
  const runDir = await mkdtemp(join(tmpdir(), 'sdxl-e2e-run-'));
  const started = Date.now();
  const code = await new Promise<number>((resolveCode) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', `--test-reporter=${process.env.SDXL_E2E_REPORTER ?? 'spec'}`, ...specs],
      { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, TMPDIR: runDir } },
    );
    child.once('error', (err) => {
      console.error(`e2e: could not start node --test: ${err.message}`);
      resolveCode(1);
    });
    child.once('exit', (c, signal) => resolveCode(c ?? (signal ? 1 : 0)));
  });

  let status = code === 0 ? 0 : 1;
  const leftovers = processesMentioning(runDir);
  if (leftovers.length) {
    status = 1;
    console.error(`e2e: ${leftovers.length} process(es) left running by the tests (killed now):`);
    for (const p of leftovers) {
      console.error(`  ${p.pid} ${p.cmd.slice(0, 200)}`);
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  if (process.env.SDXL_E2E_KEEP !== '1') await rm(runDir, { recursive: true, force: true });
  console.log(`# e2e: ${specs.length} spec file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s; exit ${status}`);
  return status;
}

main().then(
  (status) => process.exit(status),
  (err: unknown) => {
    console.error(`e2e: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
