// `run accept ID`: a queued run this machine did not create (a run.json committed to a repository, or queued on
// another machine) is never started by the queue by itself. This shows what it would run (secrets masked) and, once
// the user says yes (`--yes`, or an answer at a terminal), seals it with this machine's key and pumps the queue:
// Supervisor.acceptQueued, the same call as the extension's "Start It". `run stop ID` removes such a run instead.
import { copyableCommand } from '../../core/launch/launchCopy';
import { redactText } from '../../core/util/redact';
import { parseFlags, UsageError, type CliIo } from '../io';
import { assertWrapper, onlyFlags, openWorkspace, resolveRunId, workspaceRoot } from './context';

const USAGE = 'usage: run accept ID [--yes] [--workspace DIR]';

export async function runAccept(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['yes']);
  onlyFlags(flags, ['yes', 'workspace']);
  if (positional.length !== 1) throw new UsageError(USAGE);
  const ws = openWorkspace(workspaceRoot(flags, io, io.cwd), io);
  const id = await resolveRunId(ws, positional[0]!);
  const entry = (await ws.supervisor.list()).find((e) => e.record.id === id);
  if (!entry || entry.unreadable) {
    io.err(`run ${id}: its record cannot be read; nothing to accept\n`);
    return 1;
  }
  const { record } = entry;
  if (record.state !== 'queued') {
    io.err(`run ${id} is ${record.state}, not queued; nothing to accept\n`);
    return 1;
  }
  if (!entry.foreign) {
    io.out(`run ${id} was queued on this machine; it starts when the queue reaches it\n`);
    return 0;
  }
  const copy = copyableCommand(record.plan);
  const command = process.platform === 'win32' ? copy.powershell : copy.bash;
  io.out(
    `run ${id} ("${redactText(record.name, ws.secrets)}") was queued elsewhere: this machine did not create its record. Accepted, it runs:\n${command.replace(/^/gm, '  ')}\n`,
  );
  if (copy.masked.length > 0) io.out(`(secret values masked: ${copy.masked.join(', ')})\n`);
  if (!flags.has('yes')) {
    if (!io.ask) {
      io.err(`run ${id} not accepted: standard input is not a terminal, so nothing can ask; give --yes to accept it (\`run stop ${id}\` removes it)\n`);
      return 1;
    }
    const answer = (await io.ask(`Start run ${id} on this machine? [y/N] `))?.trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      io.out(`run ${id} not accepted; it stays queued and is not started (\`run stop ${id}\` removes it)\n`);
      return 1;
    }
  }
  assertWrapper(io);
  const pump = await ws.supervisor.acceptQueued(id);
  const failed = pump.failed.find((f) => f.id === id);
  if (failed) {
    io.err(`run ${id} accepted but could not start: ${redactText(failed.reason, ws.secrets)}\n`);
    return 1;
  }
  io.out(`run ${id} accepted: ${pump.started.includes(id) ? 'started' : 'queued; it starts when the queue reaches it'}\n`);
  return 0;
}
