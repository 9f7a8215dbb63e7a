/** Results go to stdout: JSON for machines with --json, plain lines for people otherwise. */
export function printResult(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/**
 * A note about a result (empty, cut short) for the person running the command: on stderr, so that what stdout
 * carries (a table, CSV, JSON) stays the result alone.
 */
export function printNote(text: string): void {
  process.stderr.write(`flowtrail: ${text}\n`);
}
