/** What `fn` wrote to stderr (warnings are written there as they happen); nothing reaches the real stderr meanwhile. */
export function stderrOf(fn: () => void): string {
  const write = process.stderr.write;
  let out = '';
  process.stderr.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = write;
  }
  return out;
}
