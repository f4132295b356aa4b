// What the config diagnostics know of an interpreter: plain data (posted to the validation worker as it is), from a
// probe the editor ran in the background (diagnostics/envRules.ts reads it).
import type { EnvProbe } from './probe';

export interface EnvironmentFacts {
  /** The interpreter probed, as the messages name it. */
  python: string;
  probe: EnvProbe;
  /** The diffusers release the config's script demands (its check_min_version), when read. */
  diffusersMinimum?: string;
  scriptPath?: string;
}
