/**
 * /metrics text checked by a strict parser of Prometheus' text format 0.0.4: metric and label
 * names, label-value escaping, one HELP and TYPE per family before its samples, no duplicate
 * series, parseable values — over job names with quotes, backslashes and newlines, two jobs of
 * the same name and chained operators of the same name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobMetricsSnapshot, JobPlan, JobRecord, TaskMetrics } from '../../src/metadata/index.js';
import { prometheusText } from '../../src/web/prometheus.js';

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parse(text: string): Map<string, string> {
  assert.ok(text === '' || text.endsWith('\n'), 'ends with a newline');
  const series = new Map<string, string>();
  const helped = new Set<string>();
  const typed = new Set<string>();
  const closed = new Set<string>();
  let current: string | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line))) {
      const [, kind, name, rest] = m;
      assert.match(name!, METRIC);
      if (current !== name && current !== undefined) closed.add(current);
      assert.ok(!closed.has(name!), `${name} family reopened`);
      current = name;
      if (kind === 'HELP') {
        assert.ok(!helped.has(name!), `second HELP of ${name}`);
        assert.ok(!/\\[^\\n]/.test(rest!), 'HELP escapes only \\\\ and \\n');
        helped.add(name!);
      } else {
        assert.ok(!typed.has(name!), `second TYPE of ${name}`);
        assert.match(rest!, /^(counter|gauge|histogram|summary|untyped)$/);
        typed.add(name!);
      }
      continue;
    }
    assert.ok(!line.startsWith('#') && line !== '', `stray line ${JSON.stringify(line)}`);
    const nm = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{|\s)/.exec(line);
    assert.ok(nm, `bad sample ${line}`);
    const name = nm[1]!;
    assert.equal(name, current, `sample of ${name} outside its family`);
    let i = name.length;
    const labels: string[] = [];
    if (line[i] === '{') {
      i++;
      const names = new Set<string>();
      while (line[i] !== '}') {
        const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i));
        assert.ok(lm, `bad label at ${i} in ${line}`);
        assert.match(lm[1]!, LABEL);
        assert.ok(!names.has(lm[1]!), `label ${lm[1]} twice`);
        names.add(lm[1]!);
        i += lm[0].length;
        let v = '';
        for (;;) {
          const c = line[i];
          assert.ok(c !== undefined, `unterminated label value in ${line}`);
          if (c === '"') break;
          if (c === '\\') {
            const e = line[i + 1];
            assert.ok(e === '\\' || e === '"' || e === 'n', `bad escape \\${e}`);
            v += e === 'n' ? '\n' : e;
            i += 2;
          } else {
            v += c;
            i++;
          }
        }
        i++;
        labels.push(`${lm[1]}=${JSON.stringify(v)}`);
        if (line[i] === ',') i++;
        else assert.equal(line[i], '}', `expected , or } in ${line}`);
      }
      i++;
    }
    const rest = line.slice(i);
    const vm = /^ (\S+)( -?\d+)?$/.exec(rest);
    assert.ok(vm, `bad value part ${JSON.stringify(rest)}`);
    assert.ok(/^(NaN|[+-]Inf|[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)$/.test(vm[1]!), `bad value ${vm[1]}`);
    const key = `${name}{${labels.sort().join(',')}}`;
    assert.ok(!series.has(key), `duplicate series ${key}`);
    series.set(key, vm[1]!);
  }
  for (const name of typed) assert.ok(helped.has(name));
  return series;
}

function task(vertexId: string, opNames: string[], uids: string[]): TaskMetrics {
  return {
    vertexId, subtask: 0, attempt: 1, source: false, numRecordsIn: 5, numRecordsOut: 4, numRecordsInPerSecond: 0.5, numRecordsOutPerSecond: NaN,
    isBackPressured: false, backPressuredTimeMsPerSecond: 0,
    operators: opNames.map((name, i) => ({ operatorId: uids[i]!, name, numRecordsIn: 1, numRecordsOut: 1, numRecordsInPerSecond: Infinity, numRecordsOutPerSecond: 0, sink: false })),
  };
}

test('/metrics is valid Prometheus text for awkward job and operator names', () => {
  const v = 'c'.repeat(32);
  const plan = (jid: string): JobPlan => ({ jid, name: 'x', type: 'STREAMING', nodes: [{ id: v, parallelism: 1, maxParallelism: 128, operator: 'Map "a" -> Map \\b', operator_strategy: '', description: '', optimizer_properties: {}, operators: [] }] });
  const metrics: JobMetricsSnapshot = {
    time: 1,
    job: { uptime: 1, numRestarts: 0, totalNumberOfCheckpoints: 0, numberOfInProgressCheckpoints: 0, numberOfCompletedCheckpoints: 0, numberOfFailedCheckpoints: 0 },
    tasks: [task(v, ['Map "a"', 'Map \\b\n'], ['d'.repeat(32), 'e'.repeat(32)])],
  };
  const jobs = ['1'.repeat(32), '2'.repeat(32)].map((jobId) => ({
    job: { jobId, name: 'we"ird\\name\nline2 ünïcode', pid: 7, status: 'RUNNING' } as unknown as JobRecord,
    plan: plan(jobId),
    metrics,
  }));
  const series = parse(prometheusText(jobs, 'host "1"\\'));
  assert.ok(series.size > 20);
});
