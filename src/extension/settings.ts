// Reading the extension's settings (settingsTable.ts: keys, types, defaults) and hearing when they change, so a
// consumer (the nvidia-smi path, the GPU query cache, the monitors' hang factor) re-reads instead of keeping the
// value it started with.
import * as vscode from 'vscode';
import { SETTING_KEYS, SETTING_SECTION, settingValue, type SettingKey, type SettingValue } from './settingsTable';

/** The current value of `sdxl.<key>`, typed, with the table's default. */
export function setting<K extends SettingKey>(key: K): SettingValue<K> {
  return settingValue(key, vscode.workspace.getConfiguration(SETTING_SECTION).get<unknown>(key));
}

/** Calls `listener` with the settings that changed, whenever any `sdxl.*` setting does. */
export function onDidChangeSettings(listener: (changed: ReadonlySet<SettingKey>) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    const changed = new Set(SETTING_KEYS.filter((k) => e.affectsConfiguration(`${SETTING_SECTION}.${k}`)));
    if (changed.size > 0) listener(changed);
  });
}
