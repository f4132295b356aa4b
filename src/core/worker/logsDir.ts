// Where a run's TensorBoard event files are: the one answer the monitor, summarize and "Open in TensorBoard" share.
import { resolve } from 'node:path';
import type { ArgValue } from '../scripts/scriptTables';

/**
 * `<output_dir>/<logging_dir>` as the scripts build it (`Path(output_dir, logging_dir)`): `logs` by default, and an
 * absolute logging_dir replaces output_dir.
 */
export function logsDirOf(outputDir: string, args: Readonly<Record<string, ArgValue>> | null | undefined): string {
  const logging = args?.logging_dir;
  return resolve(outputDir, typeof logging === 'string' && logging ? logging : 'logs');
}
