/**
 * README.md's code blocks, as its examples test sees them: every fenced block with its language,
 * the heading it sits under and the comment right before it, which says how a ```ts block is
 * checked:
 *
 * - none: a complete program. It must compile alone; if it calls `execute`, it is also run.
 * - `<!-- example-context: env, clicks -->`: a fragment, continued from the names listed, which
 *   test/docs/readme-context.ts declares.
 * - `<!-- example-excerpt: path -->`: an excerpt of a repository file, which must contain it.
 * - `<!-- example-not-run: why -->`: a complete program that is type-checked but not run.
 */

export type BlockCheck =
  | { readonly kind: 'complete'; readonly run: true }
  | { readonly kind: 'complete'; readonly run: false; readonly why: string }
  | { readonly kind: 'context'; readonly names: readonly string[] }
  | { readonly kind: 'excerpt'; readonly file: string };

export interface CodeBlock {
  /** The fence's info string: `ts`, `` (none), `yaml`… */
  readonly lang: string;
  /** README line (1-based) of the block's first line of code. */
  readonly line: number;
  /** The nearest heading above it, without its `#`s. */
  readonly heading: string;
  /** Its text, with the fence's indentation removed, ending with a newline. */
  readonly code: string;
  /** The comment line right before the fence, if there is one. */
  readonly comment: string | null;
}

export interface TsBlock extends CodeBlock {
  /** 1-based among the ```ts blocks, in README order. */
  readonly index: number;
  readonly check: BlockCheck;
  /** How the test names it: heading, line, and its first line of code after the imports. */
  readonly title: string;
}

const FENCE = /^(\s*)```(.*)$/;

/** Every fenced code block of a markdown text, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) {
      const h = /^#{1,6} (.*)$/.exec(lines[i]!);
      if (h) heading = h[1]!;
      continue;
    }
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j]!)) body.push(lines[j++]!.slice(indent));
    const before = i > 0 ? lines[i - 1]!.trim() : '';
    blocks.push({
      lang: open[2]!.trim(),
      line: i + 2,
      heading,
      code: body.map((l) => `${l}\n`).join(''),
      comment: before.startsWith('<!--') ? before : null,
    });
    i = j;
  }
  return blocks;
}

/** The check a ```ts block's comment asks for; a comment of another kind is an error. */
export function checkOf(comment: string | null): BlockCheck {
  if (comment === null || !comment.startsWith('<!-- example')) return { kind: 'complete', run: true };
  const m = /^<!-- example-(context|excerpt|not-run): (.+?) -->$/.exec(comment);
  if (!m) throw new Error(`unreadable example comment ${comment}: example-context: names, example-excerpt: file or example-not-run: why`);
  const value = m[2]!.trim();
  if (m[1] === 'context') return { kind: 'context', names: value.split(',').map((n) => n.trim()).filter(Boolean) };
  if (m[1] === 'excerpt') return { kind: 'excerpt', file: value };
  return { kind: 'complete', run: false, why: value };
}

/** README's ```ts blocks with their checks. */
export function tsBlocks(markdown: string): TsBlock[] {
  return codeBlocks(markdown)
    .filter((b) => b.lang === 'ts')
    .map((b, i) => ({ ...b, index: i + 1, check: checkOf(b.comment), title: `${b.heading} (README:${b.line}): ${firstStatement(b.code).slice(0, 70)}` }));
}

/** The first line of code after the imports: what tells a block from its neighbours. */
function firstStatement(code: string): string {
  let inImport = false;
  for (const raw of code.split('\n')) {
    const line = raw.trim();
    if (inImport || line.startsWith('import ')) {
      inImport = !/ from '[^']+';?$/.test(line);
      continue;
    }
    if (line !== '') return line;
  }
  return code.trim().split('\n')[0] ?? '';
}

/** A program that runs a job: what a complete block must do to be run. */
export function runsAJob(code: string): boolean {
  return /\.execute(Async)?\(|\.executeAndCollect\(/.test(code);
}
