// The script kinds, on their own so that profiles.ts and scriptTables.ts can both use them without a cycle.
export const SCRIPT_KINDS = ['full', 'lora', 'dreambooth-lora'] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];
