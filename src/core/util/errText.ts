/** What an error says, for a message: its `message`, or the thrown value as text. */
export const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
