// The settings table (src/extension/settingsTable.ts) and package.json's contributes.configuration are one list:
// every contributed setting is in the table and every table entry is contributed, with the same type and default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS, SETTING_KEYS, SETTING_SECTION, settingValue, type SettingKey } from '../../src/extension/settingsTable';
import { repoRoot } from './repoRoot';

interface Contributed {
  type: string;
  default: unknown;
  minimum?: number;
  enum?: string[];
}

const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Contributed> } };
};
const contributed = pkg.contributes.configuration.properties;

test('every contributed setting is in the settings table, and every table entry is contributed', () => {
  const names = Object.keys(contributed);
  assert.deepEqual(
    names.filter((n) => !SETTING_KEYS.some((k) => `${SETTING_SECTION}.${k}` === n)),
    [],
    'contributed, not in the table',
  );
  assert.deepEqual(
    SETTING_KEYS.filter((k) => !(`${SETTING_SECTION}.${k}` in contributed)),
    [],
    'in the table, not contributed',
  );
});

test('each setting has the same type, default and minimum in the table as in package.json', () => {
  for (const key of SETTING_KEYS) {
    const c = contributed[`${SETTING_SECTION}.${key}`]!;
    const spec: { type: string; default: unknown; minimum?: number; enum?: readonly string[] } = SETTINGS[key];
    assert.deepEqual(spec.enum, c.enum, `${key}: enum`);
    assert.equal(spec.type, c.type, `${key}: type`);
    assert.deepEqual(spec.default, c.default, `${key}: default`);
    assert.equal(spec.minimum, c.minimum, `${key}: minimum`);
  }
});

test('a value missing, of another type or below its minimum reads as the default or the minimum', () => {
  const cases: Array<[SettingKey, unknown, unknown]> = [
    ['stopOnNanLoss', undefined, true],
    ['stopOnNanLoss', false, false],
    ['stopOnNanLoss', 'no', true],
    ['nvidiaSmiPath', '', 'nvidia-smi'],
    ['nvidiaSmiPath', '/opt/nv/bin/nvidia-smi', '/opt/nv/bin/nvidia-smi'],
    ['nvidiaSmiPath', 7, 'nvidia-smi'],
    ['stopGracePeriodSeconds', -5, 0],
    ['stopGracePeriodSeconds', 2.5, 2.5],
    ['stopGracePeriodSeconds', '10', 10],
    ['hangFactor', Number.NaN, 20],
    ['hangFactor', 1, 2],
    ['speedUnit', 's/it', 's/it'],
    ['speedUnit', 'steps/hour', 'auto'],
  ];
  for (const [key, raw, want] of cases) assert.equal(settingValue(key, raw), want, `${key} = ${JSON.stringify(raw)}`);
});

test('settings are read only through src/extension/settings.ts (no getConfiguration with its own default elsewhere)', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
    });
  const readers = files(join(repoRoot(), 'src')).filter((f) => /\bgetConfiguration\(/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(
    readers.map((f) => f.slice(repoRoot().length + 1)),
    ['src/extension/settings.ts'],
  );
});
