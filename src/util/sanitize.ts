/**
 * Text from outside (a CLI argument, a config value, a name read from a file) made safe to show
 * on a terminal: control characters could move the cursor, recolour or clear the screen, or
 * start a line that looks like ours, and a megabyte-long argument would bury the message.
 */

/**
 * C0 and C1 controls, DEL, the Unicode line and paragraph separators and the bidirectional
 * overrides and isolates (which can make text read differently from what it is).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, except tab and newline: for output that is several lines on purpose. */
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** How long an echo of user input may be before it is cut. */
export const MAX_ECHO_LENGTH = 200;

/**
 * One line of text with every control character shown as an escape (`\n`, `\x1b`, `\u202e`),
 * cut to `max` characters with a note of how many were left out.
 */
export function oneLine(text: string, max = Number.POSITIVE_INFINITY): string {
  if (text.length <= max) return text.replace(UNSAFE, escapeChar);
  // Never cut a surrogate pair in half.
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end).replace(UNSAFE, escapeChar)}… (${text.length - end} more characters)`;
}

/** User input as it may appear inside a message: one line, at most {@link MAX_ECHO_LENGTH} characters. */
export function echo(input: unknown): string {
  return oneLine(typeof input === 'string' ? input : String(input), MAX_ECHO_LENGTH);
}

/** Text of several lines (tabs kept too) with every other control character shown as an escape. */
export function safeLines(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escapeChar);
}
