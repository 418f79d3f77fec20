import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  ALL_OPTIONS,
  CheckpointingOptions as C,
  Configuration,
  CoreOptions,
  PipelineOptions,
  RestartStrategyOptions as R,
  StateBackendOptions,
  loadConfiguration,
} from '../../src/config/index.js';
import { ConfigError } from '../../src/util/errors.js';
import { tempRoot } from '../helpers/temp-root.js';

const tmp = tempRoot('flink-config-test-');

let homes = 0;
/** A fresh home whose config.yaml holds `yaml` (no file if undefined). */
function home(yaml?: string): string {
  const dir = path.join(tmp, `home-${homes++}`);
  fs.mkdirSync(dir);
  if (yaml !== undefined) fs.writeFileSync(path.join(dir, 'config.yaml'), yaml);
  return dir;
}

/** Asserts that `fn` throws a ConfigError whose message is exactly `message`. */
/** `-D <property>` over an empty home is refused with `message`. */
function refusesDynamic(property: string, message: string | RegExp): void {
  throwsConfig(() => loadConfiguration({ home: home(), dynamicProperties: [property] }), message);
}

function throwsConfig(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}

describe('defaults', () => {
  it('match the table in SPEC.md and Flink 2.x', () => {
    const h = home();
    const c = loadConfiguration({ home: h });
    assert.equal(c.get(C.CHECKPOINTING_INTERVAL), undefined);
    assert.equal(c.get(C.CHECKPOINTING_CONSISTENCY_MODE), 'EXACTLY_ONCE');
    assert.equal(c.get(C.CHECKPOINTING_TIMEOUT), 600_000);
    assert.equal(c.get(C.MIN_PAUSE_BETWEEN_CHECKPOINTS), 0);
    assert.equal(c.get(C.MAX_CONCURRENT_CHECKPOINTS), 1);
    assert.equal(c.get(C.TOLERABLE_FAILURE_NUMBER), 0);
    assert.equal(c.get(C.MAX_RETAINED_CHECKPOINTS), 1);
    assert.equal(c.get(C.EXTERNALIZED_CHECKPOINT_RETENTION), 'RETAIN_ON_CANCELLATION');
    assert.equal(c.get(C.CHECKPOINTS_DIRECTORY), path.join(h, 'checkpoints'));
    assert.equal(c.get(C.SAVEPOINT_DIRECTORY), path.join(h, 'savepoints'));
    assert.equal(c.get(C.INCREMENTAL_CHECKPOINTS), false);
    assert.equal(c.get(StateBackendOptions.STATE_BACKEND), 'hashmap');
    assert.equal(c.get(R.RESTART_STRATEGY), 'none');
    assert.equal(c.get(R.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS), 1);
    assert.equal(c.get(R.RESTART_STRATEGY_FIXED_DELAY_DELAY), 1000);
    assert.equal(c.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF), 1000);
    assert.equal(c.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF), 60_000);
    assert.equal(c.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER), 1.5);
    assert.equal(c.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD), 3_600_000);
    assert.equal(c.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR), 0.1);
    assert.equal(c.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS), 2_147_483_647);
    assert.equal(c.get(R.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL), 1);
    assert.equal(c.get(R.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL), 60_000);
    assert.equal(c.get(R.RESTART_STRATEGY_FAILURE_RATE_DELAY), 1000);
    assert.equal(c.get(CoreOptions.DEFAULT_PARALLELISM), 1);
    assert.equal(c.get(PipelineOptions.MAX_PARALLELISM), 128);
    assert.equal(c.isSet(CoreOptions.DEFAULT_PARALLELISM), false);
  });

  it('restart strategy defaults to exponential-delay once checkpointing is on', () => {
    const c = loadConfiguration({ home: home(), dynamicProperties: ['execution.checkpointing.interval=1 s'] });
    assert.equal(c.get(R.RESTART_STRATEGY), 'exponential-delay');
    assert.equal(c.isSet(R.RESTART_STRATEGY), false);
    const explicit = c.with('restart-strategy.type', 'none');
    assert.equal(explicit.get(R.RESTART_STRATEGY), 'none');
  });

  it('toRecord lists every effective key, durations in ms, unset interval left out', () => {
    const h = home();
    const rec = loadConfiguration({ home: h }).toRecord();
    assert.equal(rec['execution.checkpointing.timeout'], 600_000);
    assert.equal(rec['execution.checkpointing.dir'], path.join(h, 'checkpoints'));
    assert.equal(rec['restart-strategy.type'], 'none');
    assert.ok(!('execution.checkpointing.interval' in rec));
    assert.equal(Object.keys(rec).length, ALL_OPTIONS.length - 1);
  });
});

describe('config.yaml', () => {
  it('reads flat keys', () => {
    const c = loadConfiguration({
      home: home(
        [
          'execution.checkpointing.interval: 10 s',
          'execution.checkpointing.mode: AT_LEAST_ONCE',
          'parallelism.default: 4',
          'execution.checkpointing.incremental: true',
          'restart-strategy.type: fixed-delay',
          'restart-strategy.fixed-delay.attempts: 3',
          'restart-strategy.exponential-delay.backoff-multiplier: 2.0',
        ].join('\n'),
      ),
    });
    assert.equal(c.get(C.CHECKPOINTING_INTERVAL), 10_000);
    assert.equal(c.get(C.CHECKPOINTING_CONSISTENCY_MODE), 'AT_LEAST_ONCE');
    assert.equal(c.get(CoreOptions.DEFAULT_PARALLELISM), 4);
    assert.equal(c.get(C.INCREMENTAL_CHECKPOINTS), true);
    assert.equal(c.get(R.RESTART_STRATEGY), 'fixed-delay');
    assert.equal(c.get(R.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS), 3);
    assert.equal(c.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER), 2);
    const file = path.join(c.home, 'config.yaml');
    assert.equal(c.sourceOf(CoreOptions.DEFAULT_PARALLELISM), file);
  });

  it('reads nested maps, also mixed with dotted keys', () => {
    const c = loadConfiguration({
      home: home(
        [
          'execution:',
          '  checkpointing:',
          '    interval: 500 ms',
          '    dir: file:///data/cp',
          'restart-strategy:',
          '  type: exponential-delay',
          '  exponential-delay.max-backoff: 2 min',
          'pipeline:',
          '  max-parallelism: 256',
        ].join('\n'),
      ),
    });
    assert.equal(c.get(C.CHECKPOINTING_INTERVAL), 500);
    assert.equal(c.get(C.CHECKPOINTS_DIRECTORY), '/data/cp');
    assert.equal(c.get(R.RESTART_STRATEGY), 'exponential-delay');
    assert.equal(c.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF), 120_000);
    assert.equal(c.get(PipelineOptions.MAX_PARALLELISM), 256);
  });

  it('an empty or comment-only file is all defaults; a missing file too', () => {
    assert.equal(loadConfiguration({ home: home('') }).isSet(CoreOptions.DEFAULT_PARALLELISM), false);
    assert.equal(loadConfiguration({ home: home('# nothing\n') }).toRecord()['parallelism.default'], 1);
    assert.equal(loadConfiguration({ home: home() }).get(CoreOptions.DEFAULT_PARALLELISM), 1);
  });

  it('accepts Flink enum spellings case-insensitively and restart aliases', () => {
    const c = loadConfiguration({
      home: home('execution.checkpointing.mode: at_least_once\nrestart-strategy.type: fixeddelay\nstate.backend.type: HashMap\n'),
    });
    assert.equal(c.get(C.CHECKPOINTING_CONSISTENCY_MODE), 'AT_LEAST_ONCE');
    assert.equal(c.get(R.RESTART_STRATEGY), 'fixed-delay');
    assert.equal(c.get(StateBackendOptions.STATE_BACKEND), 'hashmap');
  });
});

describe('-D', () => {
  it('overrides the file, later -D wins, values are trimmed and may contain =', () => {
    const h = home('parallelism.default: 2\nexecution.checkpointing.interval: 1 min\n');
    const c = loadConfiguration({
      home: h,
      dynamicProperties: ['parallelism.default=3', 'parallelism.default = 5', 'execution.checkpointing.savepoint-dir=/sp/a=b'],
    });
    assert.equal(c.get(CoreOptions.DEFAULT_PARALLELISM), 5);
    assert.equal(c.sourceOf(CoreOptions.DEFAULT_PARALLELISM), '-D');
    assert.equal(c.get(C.CHECKPOINTING_INTERVAL), 60_000);
    assert.equal(c.get(C.SAVEPOINT_DIRECTORY), '/sp/a=b');
  });

  it('parses booleans, ints and durations from strings', () => {
    const c = loadConfiguration({
      home: home(),
      dynamicProperties: ['execution.checkpointing.incremental=TRUE', 'execution.checkpointing.num-retained=3', 'execution.checkpointing.timeout=2h'],
    });
    assert.equal(c.get(C.INCREMENTAL_CHECKPOINTS), true);
    assert.equal(c.get(C.MAX_RETAINED_CHECKPOINTS), 3);
    assert.equal(c.get(C.CHECKPOINTING_TIMEOUT), 7_200_000);
  });
});

describe('durations', () => {
  const cases: [unknown, number][] = [
    ['500 ms', 500],
    ['10 s', 10_000],
    ['10s', 10_000],
    ['1 min', 60_000],
    ['2 h', 7_200_000],
    ['1 d', 86_400_000],
    ['250', 250],
    [750, 750],
  ];
  for (const [raw, ms] of cases) {
    it(`'${String(raw)}' is ${ms} ms`, () => {
      assert.equal(new Configuration(tmp).with('execution.checkpointing.timeout', raw).get(C.CHECKPOINTING_TIMEOUT), ms);
    });
  }
});

describe('errors name the key and the source, in one line', () => {
  it('malformed YAML names the file and line', () => {
    const h = home('parallelism.default: 2\nexecution: [\n');
    throwsConfig(() => loadConfiguration({ home: h }), new RegExp(`^${path.join(h, 'config.yaml')}: line \\d+: .+`));
    const dup = home('parallelism.default: 2\nparallelism.default: 3\n');
    throwsConfig(() => loadConfiguration({ home: dup }), `${path.join(dup, 'config.yaml')}: line 2: Map keys must be unique.`);
    const bad = home('a: 1\n  b: 2\n');
    throwsConfig(() => loadConfiguration({ home: bad }), new RegExp(`^${path.join(bad, 'config.yaml')}: line 1: `));
  });

  it('a key given both flat and nested', () => {
    const h = home('parallelism.default: 2\nparallelism:\n  default: 3\n');
    throwsConfig(() => loadConfiguration({ home: h }), `${path.join(h, 'config.yaml')}: key 'parallelism.default' is set twice.`);
  });

  it('a file that is not a map', () => {
    const h = home('- a\n- b\n');
    throwsConfig(() => loadConfiguration({ home: h }), /config\.yaml: expected a map of settings/);
  });

  it('a file that is not UTF-8 text (UTF-16, NUL bytes, Latin-1) is named as such, not as a malformed map; a UTF-8 byte-order mark is fine', () => {
    const withBytes = (bytes: Buffer) => {
      const h = home();
      fs.writeFileSync(path.join(h, 'config.yaml'), bytes);
      return h;
    };
    const utf16 = withBytes(Buffer.from('\ufeffparallelism.default: 2\n', 'utf16le'));
    throwsConfig(() => loadConfiguration({ home: utf16 }), `Cannot read ${path.join(utf16, 'config.yaml')}: it is UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8; save it as UTF-8.`);
    const nul = withBytes(Buffer.from('parallelism.default: 2\n\u0000\n'));
    throwsConfig(() => loadConfiguration({ home: nul }), /config\.yaml: it holds a NUL byte \(line 2\), so it is not UTF-8 text/);
    const latin1 = withBytes(Buffer.from('# caf\u00e9\nparallelism.default: 2\n', 'latin1'));
    throwsConfig(() => loadConfiguration({ home: latin1 }), /config\.yaml: it is not UTF-8 text \(line 1 holds a byte that is not UTF-8/);
    const bom = withBytes(Buffer.from('\ufeffparallelism.default: 2\n# caf\u00e9\n', 'utf8'));
    assert.equal(loadConfiguration({ home: bom }).get(CoreOptions.DEFAULT_PARALLELISM), 2);
  });

  it('unknown keys, with a suggestion when close', () => {
    const h = home('execution.checkpointing.intervall: 10 s\n');
    const file = path.join(h, 'config.yaml');
    throwsConfig(
      () => loadConfiguration({ home: h }),
      `Unknown configuration key 'execution.checkpointing.intervall' in ${file}; did you mean 'execution.checkpointing.interval'?`,
    );
    const renamed = home('state.checkpoints.dir: /x\n');
    throwsConfig(() => loadConfiguration({ home: renamed }), /'state\.checkpoints\.dir' in .*; did you mean 'execution\.checkpointing\.dir'\?$/);
    refusesDynamic('checkpointing.interval=1s', "Unknown configuration key 'checkpointing.interval' in -D; did you mean 'execution.checkpointing.interval'?");
    refusesDynamic('x.y=1', "Unknown configuration key 'x.y' in -D.");
  });

  it('bad durations', () => {
    refusesDynamic('execution.checkpointing.interval=abc', "Invalid value 'abc' for execution.checkpointing.interval in -D: expected a duration such as '10 s' or '500 ms'.");
    const h = home('execution.checkpointing.timeout: 10 parsecs\n');
    throwsConfig(
      () => loadConfiguration({ home: h }),
      `Invalid value '10 parsecs' for execution.checkpointing.timeout in ${path.join(h, 'config.yaml')}: expected a duration such as '10 s' or '500 ms'.`,
    );
    refusesDynamic('execution.checkpointing.interval=0', "Invalid value '0' for execution.checkpointing.interval in -D: expected a duration of at least 1 ms.");
    refusesDynamic('execution.checkpointing.min-pause=-5', /^Invalid value '-5' for execution\.checkpointing\.min-pause in -D: expected a duration/);
  });

  it('bad enums', () => {
    refusesDynamic('execution.checkpointing.mode=TWICE', "Invalid value 'TWICE' for execution.checkpointing.mode in -D: expected one of EXACTLY_ONCE, AT_LEAST_ONCE.");
    throwsConfig(
      () => loadConfiguration({ home: home('state.backend.type: rocksdb\n') }),
      /^Invalid value 'rocksdb' for state\.backend\.type in .*config\.yaml: expected one of hashmap, lmdb\.$/,
    );
    refusesDynamic('restart-strategy.type=sometimes', "Invalid value 'sometimes' for restart-strategy.type in -D: expected one of none, fixed-delay, exponential-delay, failure-rate.");
  });

  it('bad ints, numbers and booleans', () => {
    refusesDynamic('parallelism.default=0', "Invalid value '0' for parallelism.default in -D: expected an integer from 1 to 32768.");
    throwsConfig(
      () => loadConfiguration({ home: home('parallelism.default: 1.5\n') }),
      /^Invalid value '1\.5' for parallelism\.default in .*config\.yaml: expected an integer from 1 to 32768\.$/,
    );
    refusesDynamic('pipeline.max-parallelism=40000', "Invalid value '40000' for pipeline.max-parallelism in -D: expected an integer from 1 to 32768.");
    refusesDynamic('execution.checkpointing.max-concurrent-checkpoints=two', "Invalid value 'two' for execution.checkpointing.max-concurrent-checkpoints in -D: expected an integer from 1 to 2147483647.");
    refusesDynamic('restart-strategy.exponential-delay.jitter-factor=2', "Invalid value '2' for restart-strategy.exponential-delay.jitter-factor in -D: expected a number from 0 to 1.");
    refusesDynamic('execution.checkpointing.incremental=yes', "Invalid value 'yes' for execution.checkpointing.incremental in -D: expected 'true' or 'false'.");
  });

  it('bad directories', () => {
    refusesDynamic('execution.checkpointing.dir=s3://bucket/cp', /^Invalid value 's3:\/\/bucket\/cp' for execution\.checkpointing\.dir in -D: expected a local directory/);
  });

  it('a YAML alias bomb: one line naming the file, nothing expanded', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h'].entries()) {
      const prev = i === 0 ? 'a' : ['b', 'c', 'd', 'e', 'f', 'g'][i - 1]!;
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const h = home(`${levels.join('\n')}\n`);
    throwsConfig(() => loadConfiguration({ home: h }), new RegExp(`^${path.join(h, 'config.yaml')}: its aliases \\(\\*name\\) expand to too much`));
  });

  it('nesting too deep for the stack, or deeper than any key: one line naming the file', () => {
    const flow = home(`a: ${'{a: '.repeat(200_000)}1${'}'.repeat(200_000)}\n`);
    throwsConfig(() => loadConfiguration({ home: flow }), new RegExp(`^${path.join(flow, 'config.yaml')}: line 1: it is nested too deeply`));
    let block = '';
    for (let i = 0; i < 40; i++) block += `${' '.repeat(i)}a:\n`;
    const deep = home(`${block}${' '.repeat(40)}b: 1\n`);
    throwsConfig(() => loadConfiguration({ home: deep }), /config\.yaml: key 'a\.a\.a.*' is nested too deeply/);
  });

  it('two YAML documents in config.yaml: the file and the second document named, not the yaml package\'s advice to programmers', () => {
    const h = home('parallelism.default: 2\n---\nparallelism.default: 3\n');
    throwsConfig(() => loadConfiguration({ home: h }), new RegExp(`^${path.join(h, 'config.yaml')}: line 2: it holds more than one YAML document \\(a second '---'\\); keep every setting in one\\.$`));
  });

  it('a config.yaml that is a FIFO or a directory is refused without blocking', () => {
    const fifo = home();
    execFileSync('mkfifo', [path.join(fifo, 'config.yaml')]);
    throwsConfig(() => loadConfiguration({ home: fifo }), `Cannot read ${path.join(fifo, 'config.yaml')}: it is a FIFO (named pipe), not a regular file.`);
    const dir = home();
    fs.mkdirSync(path.join(dir, 'config.yaml'));
    throwsConfig(() => loadConfiguration({ home: dir }), `Cannot read ${path.join(dir, 'config.yaml')}: it is a directory, not a regular file.`);
  });

  it('echoes of keys and values are one line, without control characters, bounded', () => {
    const escape = '\u001b[2J\u001b[31m';
    refusesDynamic(`no.such${escape}\nkey=1`, "Unknown configuration key 'no.such\\x1b[2J\\x1b[31m\\nkey' in -D.");
    refusesDynamic(
      `parallelism.default=${'9'.repeat(100_000)}`,
      /^Invalid value '9{200}… \(99800 more characters\)' for parallelism\.default in -D: expected an integer from 1 to 32768\.$/,
    );
    const yamlValue = home(`execution.checkpointing.mode: "ON\\e[5mCE\\u202e"\n`);
    throwsConfig(() => loadConfiguration({ home: yamlValue }), /^Invalid value 'ON\\x1b\[5mCE\\u202e' for execution\.checkpointing\.mode/);
    refusesDynamic('x'.repeat(10_000), /^Invalid -D argument 'x{200}… \(9800 more characters\)'/);
  });

  it('-D without =', () => {
    refusesDynamic('parallelism.default', "Invalid -D argument 'parallelism.default': expected key=value (e.g. -D parallelism.default=2).");
    refusesDynamic('=3', /^Invalid -D argument '=3'/);
  });
});

describe('Configuration is immutable', () => {
  it('with() returns a new configuration and leaves the old one alone', () => {
    const a = new Configuration(tmp);
    const b = a.with('parallelism.default', 3);
    const c = b.set(CoreOptions.DEFAULT_PARALLELISM, 7);
    assert.equal(a.get(CoreOptions.DEFAULT_PARALLELISM), 1);
    assert.equal(b.get(CoreOptions.DEFAULT_PARALLELISM), 3);
    assert.equal(c.get(CoreOptions.DEFAULT_PARALLELISM), 7);
    assert.equal(c.sourceOf(CoreOptions.DEFAULT_PARALLELISM), 'code');
    assert.equal(c.with('parallelism.default', undefined).isSet(CoreOptions.DEFAULT_PARALLELISM), false);
    throwsConfig(() => a.set(CoreOptions.DEFAULT_PARALLELISM, 0), /^Invalid value '0' for parallelism\.default in code/);
  });
});
