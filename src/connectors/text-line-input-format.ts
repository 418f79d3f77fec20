import { utf8CharsetName } from './utf8-charset.js';

/**
 * The format of `FileSource.forRecordStreamFormat(new TextLineInputFormat(), path)`: each line of
 * a file a record, cut at `\n`, `\r` or `\r\n` (Flink's `TextLineInputFormat`, which reads with
 * Java's `readLine`). Files are read as UTF-8, the one charset taken here (Flink takes any Java
 * charset name). The same source as `FileSource.forTextLines(path)`.
 */
export class TextLineInputFormat {
  readonly charsetName: string;

  constructor(charsetName = 'UTF-8') {
    this.charsetName = utf8CharsetName('TextLineInputFormat', 'read', charsetName);
  }
}
