// `sdxl-trainer schema [--script full|lora|dreambooth-lora]`: print a config schema (the combined one without --script).
import { buildCombinedSchema, buildSchema } from '../core/config/schema';
import { isScriptKind, SCRIPT_KINDS } from '../core/scripts/scriptTables';
import { parseFlags, UsageError, type CliIo } from './io';

export async function schemaCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args);
  if (positional.length > 0) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const script = flags.get('script');
  if (script !== undefined && !isScriptKind(script)) {
    throw new UsageError(`--script must be one of ${SCRIPT_KINDS.join(', ')}`);
  }
  const schema = script === undefined ? buildCombinedSchema() : buildSchema(script);
  io.out(JSON.stringify(schema, null, 2) + '\n');
  return 0;
}
