// Titles of a multi-step input flow (quick picks and input boxes one after another).

/**
 * "Title (i/n): step" for each step, counting only the steps that will be shown, so a flow that skips a question
 * does not end at "(3/3)" after two; a lone step gets no counter.
 */
export function stepTitles(title: string, steps: readonly string[]): string[] {
  if (steps.length === 1) return [`${title}: ${steps[0]!}`];
  return steps.map((step, i) => `${title} (${i + 1}/${steps.length}): ${step}`);
}
