// Command-line front over the same core the extension uses: for scripts, CI, and testing the core as a user would.
import { createInterface } from 'node:readline';
import { readCapped, UsageError, type CliCommand, type CliIo } from './cli/io';
import { COMMANDS } from './cli/commands';
import { errText } from './core/util/errText';

const USAGE = `usage: sdxl-trainer <command> [options]
commands:
${Object.entries(COMMANDS)
  .map(([name, c]) =>
    [`  ${name.padEnd(18)} ${c.summary}`, ...(c.subcommands ?? []).map(([synopsis, what]) => `    ${synopsis}\n${' '.repeat(8)}${what}`)].join('\n'),
  )
  .join('\n')}`;

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE + '\n');
    return name ? 0 : 2;
  }
  const command: { run: CliCommand } | undefined = COMMANDS[name];
  if (!command) {
    io.err(`sdxl-trainer: unknown command '${name}'\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`sdxl-trainer ${name}: ${e.message}\n`);
      return 2;
    }
    io.err(`sdxl-trainer ${name}: ${errText(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  // `sdxl-trainer … | head` closes the pipe early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  const io: CliIo = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    readStdin: async (maxBytes) => {
      try {
        return await readCapped(process.stdin, maxBytes);
      } finally {
        process.stdin.destroy(); // nothing more is read: a writer still going gets EPIPE rather than keeping us waiting
      }
    },
    cwd: process.cwd(),
    ...(process.stdin.isTTY && process.stdout.isTTY ? { ask: askAtTerminal } : {}),
    // While a command listens (run --follow), Ctrl-C goes to it instead of ending the process.
    onInterrupt: (handler) => {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
  };
  main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}

/** One question at the terminal; undefined when input ends (Ctrl-D) before an answer. */
function askAtTerminal(question: string): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  return new Promise<string | undefined>((resolve) => {
    rl.once('close', () => resolve(undefined));
    rl.question(question, (answer) => resolve(answer));
  }).finally(() => rl.close());
}
