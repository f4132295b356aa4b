// The script kinds, on their own so that profiles.ts and scriptTables.ts can both use them without a cycle.
export const SCRIPT_KINDS = ['full', 'lora', 'dreambooth-lora'] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];

/** The kinds in words, for messages: `"full", "lora", "dreambooth-lora"`, or with `or` before the last, unquoted if asked. */
export function kindsInWords(opts: { quote: boolean; or: boolean }): string {
  const words = SCRIPT_KINDS.map((k) => (opts.quote ? JSON.stringify(k) : k));
  return opts.or ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : words.join(', ');
}
