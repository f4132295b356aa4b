// The extension's settings: one table of key, type and default, the same as package.json's
// contributes.configuration (test/unit/settings.test.ts compares them both ways). No vscode import: the table and
// how a raw value is read are tested on plain Node; settings.ts reads them from VS Code.

interface SettingSpec {
  type: 'boolean' | 'number' | 'string';
  default: boolean | number | string;
  /** Numbers: the smallest allowed (package.json's `minimum`); a smaller value is read as this. */
  minimum?: number;
  /** Strings: the allowed values (package.json's `enum`); another value is read as the default. */
  enum?: readonly string[];
}

/** Every `sdxl.*` setting, without the `sdxl.` prefix. */
export const SETTINGS = {
  'memoryEstimate.codeLens': { type: 'boolean', default: true },
  'scriptArguments.readHelp': { type: 'boolean', default: true },
  nvidiaSmiPath: { type: 'string', default: 'nvidia-smi' },
  stopOnNanLoss: { type: 'boolean', default: true },
  stopGracePeriodSeconds: { type: 'number', default: 10, minimum: 0 },
  hangFactor: { type: 'number', default: 20, minimum: 2 },
  'environment.probeInBackground': { type: 'boolean', default: true },
  'hub.checkIds': { type: 'boolean', default: true },
  'clip.model': { type: 'string', default: 'Xenova/clip-vit-base-patch32' },
  'clip.scoreValidationImages': { type: 'boolean', default: true },
  'clip.scoreDatasetCaptions': { type: 'boolean', default: true },
  speedUnit: { type: 'string', default: 'auto', enum: ['auto', 'it/s', 's/it'] },
  /** `unfocused` | `always` | `never` (package.json's enum; another value reads as `unfocused`: core/view/runAlert.ts alertModeOf). */
  'alerts.notify': { type: 'string', default: 'unfocused', enum: ['unfocused', 'always', 'never'] },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

interface TypeOf {
  boolean: boolean;
  number: number;
  string: string;
}

export type SettingValue<K extends SettingKey> = TypeOf[(typeof SETTINGS)[K]['type']];

export const SETTING_SECTION = 'sdxl';

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/**
 * A setting's value from what the configuration holds: the default when it is missing or of another type (a
 * hand-edited settings.json), or an empty string (a program path); a number below its minimum is the minimum.
 */
export function settingValue<K extends SettingKey>(key: K, raw: unknown): SettingValue<K> {
  const spec: SettingSpec = SETTINGS[key];
  const fallback = spec.default as SettingValue<K>;
  switch (spec.type) {
    case 'boolean':
      return (typeof raw === 'boolean' ? raw : fallback) as SettingValue<K>;
    case 'string':
      return (typeof raw === 'string' && raw !== '' && (!spec.enum || spec.enum.includes(raw)) ? raw : fallback) as SettingValue<K>;
    case 'number': {
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return fallback;
      return (spec.minimum !== undefined ? Math.max(spec.minimum, raw) : raw) as SettingValue<K>;
    }
  }
}
