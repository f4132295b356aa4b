// The CLI's command table. Each command lives in its own file under src/cli/.
import type { CliCommand } from './io';

export interface CommandEntry {
  summary: string;
  run: CliCommand;
}

export const COMMANDS: Record<string, CommandEntry> = {
};
