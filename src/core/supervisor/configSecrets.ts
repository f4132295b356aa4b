// The secrets a run's config passes now, for a resume: run.json keeps none (secrets.ts). Apart from secrets.ts so the
// detached wrapper's bundle does not carry the config parser.
import { readFileSync, statSync } from 'node:fs';
import { parseConfigText } from '../config/config';
import { buildLaunchPlan } from '../launch/launchPlan';
import { splitSecrets, type Secrets } from './secrets';

/** Configs larger than this are not read for their secrets (the editor caps configs at 5 MB too). */
const MAX_CONFIG_BYTES = 5 << 20;

/** The secrets the config at `configPath` passes as it is now (its HF_TOKEN, say); {} when it cannot be read. */
export function secretsOfConfig(configPath: string | undefined): Secrets {
  if (!configPath) return {};
  try {
    const st = statSync(configPath);
    if (!st.isFile() || st.size > MAX_CONFIG_BYTES) return {};
    const { config } = parseConfigText(readFileSync(configPath, 'utf8'));
    return config ? splitSecrets(buildLaunchPlan(config, configPath)).secrets : {};
  } catch {
    return {};
  }
}
