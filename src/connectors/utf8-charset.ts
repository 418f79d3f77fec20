/**
 * The one charset the file connectors take: Flink's formats and encoders name any Java charset,
 * files here are UTF-8 only. `charsetName` if it names UTF-8; else a TypeError naming `owner`
 * and what it does with the text (`'written'`, `'read'`).
 */
export function utf8CharsetName(owner: string, verb: 'read' | 'written', charsetName: unknown): string {
  if (typeof charsetName !== 'string' || !/^utf-?8$/i.test(charsetName)) {
    throw new TypeError(`${owner}: only UTF-8 is ${verb} here; got ${JSON.stringify(charsetName)}.`);
  }
  return charsetName;
}
