/**
 * The sentence a failure means. An activity failure's own message is "Activity task failed"; what
 * AWS said is in its cause chain, and that is what an operator reading the state needs.
 */
export function failureText(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e.message && !/^Activity task (failed|timed out)$/.test(e.message)) messages.push(e.message);
    else if (e.message === 'Activity task timed out') messages.push('activity timed out');
  }
  return messages.length ? [...new Set(messages)].join(': ') : String(err);
}
