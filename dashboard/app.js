// The flink-ts dashboard: plain DOM and fetch over flink web's REST API, charts by uPlot.
// Every value from the server is put into the page as text, never as markup.
import { renderGraph } from './graph.js';

const REFRESH_MS = 1000;
const TOKEN_KEY = 'flink-ts-web-token';

// The token arrives in the start-up URL; keep it for this tab and take it out of the address bar.
{
  const params = new URLSearchParams(location.search);
  const t = params.get('token');
  if (t) {
    sessionStorage.setItem(TOKEN_KEY, t);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  }
}
const token = () => sessionStorage.getItem(TOKEN_KEY);

async function api(path, init = {}) {
  const headers = { Accept: 'application/json' };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((body.errors && body.errors[0]) || `${res.status} ${res.statusText}`);
  return body;
}

/** h('td', { class: 'num' }, 'text', child…): an element with text (never HTML) and children. */
function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// ---- formatting ----

const NO_WATERMARK = -9223372036854775808;
function num(n) {
  if (n === undefined || n === null || n < 0) return '–';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
function bytes(n) {
  if (n === undefined || n === null || n < 0) return '–';
  // Small sizes in whole bytes, so a chart's axis labels stay apart.
  if (n < 10 * 1024) return `${Math.round(n)} B`;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
function ms(n) {
  if (n === undefined || n === null || n < 0) return '–';
  if (n < 1000) return `${Math.round(n)} ms`;
  const s = n / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.floor(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}
function time(t) {
  return t > 0 ? new Date(t).toLocaleString() : '–';
}
function watermark(w) {
  return w === undefined || w === null || w <= NO_WATERMARK ? 'none' : new Date(w).toISOString();
}
const badge = (status) => h('span', { class: `badge ${status}` }, status);
const TERMINAL = new Set(['FINISHED', 'CANCELED', 'FAILED']);

// ---- pages ----

const main = document.getElementById('main');
const connection = document.getElementById('connection');
let page = null;

function route() {
  page?.stop();
  const m = /^#\/jobs\/([0-9a-f]{32})$/.exec(location.hash);
  page = m ? jobPage(m[1]) : overviewPage();
}
window.addEventListener('hashchange', route);

/** Runs `refresh` now and every second until the page is left; shows a lost connection. */
function every(refresh) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    try {
      await refresh();
      connection.textContent = '';
    } catch (err) {
      connection.textContent = err instanceof TypeError ? 'cannot reach flink web (is it still running?)' : err.message;
    }
    if (!stopped) timer = setTimeout(tick, REFRESH_MS);
  };
  tick();
  return { stop: () => { stopped = true; clearTimeout(timer); } };
}

function overviewPage() {
  const body = h('tbody');
  const summary = h('p', { class: 'muted' });
  main.replaceChildren(
    h('h1', {}, 'Jobs'),
    summary,
    h('table', { id: 'jobs' }, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Status'), h('th', {}, 'Started'), h('th', { class: 'num' }, 'Duration'), h('th', { class: 'num' }, 'Tasks'), h('th', {}, 'Job ID'))), body),
  );
  return every(async () => {
    const [{ jobs }, overview] = await Promise.all([api('/jobs/overview'), api('/overview')]);
    summary.textContent = `${overview['jobs-running']} running, ${overview['jobs-finished']} finished, ${overview['jobs-cancelled']} cancelled, ${overview['jobs-failed']} failed — flink-ts ${overview['flink-version']}`;
    body.replaceChildren(
      ...jobs.map((j) =>
        h('tr', { 'data-job': j.jid },
          h('td', {}, h('a', { href: `#/jobs/${j.jid}` }, j.name)),
          h('td', {}, badge(j.state)),
          h('td', {}, time(j['start-time'])),
          h('td', { class: 'num' }, ms(j.duration)),
          h('td', { class: 'num' }, String(j.tasks.total)),
          h('td', { class: 'muted' }, j.jid),
        ),
      ),
    );
    if (jobs.length === 0) body.replaceChildren(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No jobs yet: start one with flink run.')));
  });
}

/** A uPlot chart that shows its number of points in `data-points` (for tests and the curious). */
function chart(title, name, series, yFormat) {
  const box = h('div', { class: 'card chart', 'data-chart': name, 'data-points': '0' }, h('h3', {}, title));
  const plotArea = h('div', {}, h('div', { class: 'empty' }, 'No data yet'));
  box.append(plotArea);
  let plot = null;
  return {
    el: box,
    set(data) {
      const points = data[0].length;
      box.dataset.points = String(points);
      if (points === 0) return;
      if (!plot) {
        plotArea.replaceChildren();
        plot = new uPlot(
          {
            width: Math.max(320, box.clientWidth - 28),
            height: 180,
            series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: points < 60 }, value: (_, v) => (v == null ? '–' : yFormat(v)) }))],
            axes: [{}, { values: (_, vals) => vals.map(yFormat), size: 70 }],
            scales: { x: { time: true } },
          },
          data,
          plotArea,
        );
      } else plot.setData(data);
    },
  };
}

/** The task metrics every vertex reports (`<subtask>.<name>`); the rest of a vertex's ids are its functions' own. */
const TASK_METRIC = /^\d+\.(numRecordsIn|numRecordsOut|numRecordsInPerSecond|numRecordsOutPerSecond|isBackPressured|backPressuredTimeMsPerSecond|currentInputWatermark)$/;
/** A histogram's statistics as the REST API lists them (`<name>_min` …); shown in one row. */
const HISTOGRAM_STATS = ['min', 'max', 'mean', 'median', 'stddev', 'p75', 'p90', 'p95', 'p98', 'p99', 'p999'];
const SHOWN_STATS = ['min', 'median', 'p99', 'max'];

/**
 * The user metrics of one vertex, a row per subtask and metric (a histogram's statistics in one):
 * ids `<subtask>.<operator name>.<group…>.<name>`, the operator found among the chain's operators.
 */
async function userMetricRows(jobId, vertex, plan) {
  const path = `/jobs/${jobId}/vertices/${vertex.id}/metrics`;
  const ids = (await api(path)).map((m) => m.id).filter((id) => !TASK_METRIC.test(id));
  if (ids.length === 0) return [];
  const values = new Map((await api(`${path}?get=${encodeURIComponent(ids.join(','))}`)).map((m) => [m.id, m.value]));
  const operators = (plan?.nodes.find((n) => n.id === vertex.id)?.operators ?? []).map((o) => o.name).sort((a, b) => b.length - a.length);
  const rows = new Map();
  for (const id of ids) {
    const dot = id.indexOf('.');
    const subtask = id.slice(0, dot);
    const rest = id.slice(dot + 1);
    const operator = operators.find((o) => rest.startsWith(`${o}.`)) ?? '';
    let name = operator ? rest.slice(operator.length + 1) : rest;
    const stat = HISTOGRAM_STATS.find((st) => name.endsWith(`_${st}`));
    if (stat) name = name.slice(0, -stat.length - 1);
    const key = `${subtask}.${operator}.${name}`;
    const row = rows.get(key) ?? { id: key, chain: vertex.name, subtask, operator, name, value: '', stats: {} };
    if (stat) row.stats[stat] = values.get(id);
    else row.value = values.get(id) ?? '';
    rows.set(key, row);
  }
  for (const row of rows.values()) {
    if (Object.keys(row.stats).length > 0) row.value = SHOWN_STATS.map((st) => `${st} ${row.stats[st] === undefined ? '–' : num(Number(row.stats[st]))}`).join(' · ');
  }
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name) || Number(a.subtask) - Number(b.subtask));
}

function jobPage(jobId) {
  const title = h('h1', {}, jobId);
  const facts = h('div', { class: 'facts' });
  const notice = h('div', { id: 'notice', class: 'notice', role: 'status' });
  const savepointButton = h('button', { id: 'savepoint', onclick: () => savepoint() }, 'Savepoint');
  const stopButton = h('button', { id: 'stop', onclick: () => stop() }, 'Stop');
  const cancelButton = h('button', { id: 'cancel', class: 'danger', onclick: () => cancel() }, 'Cancel');
  const stats = h('div', { class: 'stats' });
  const graph = h('div', { class: 'card graph', id: 'graph' });
  const vertices = h('tbody');
  const records = chart('Records per second', 'records', [{ label: 'in', color: '#1971c2' }, { label: 'out', color: '#e8590c' }], num);
  const duration = chart('Checkpoint duration', 'checkpoint-duration', [{ label: 'duration', color: '#3b5bdb' }], ms);
  const size = chart('Checkpoint size', 'checkpoint-size', [{ label: 'checkpointed', color: '#12805c' }, { label: 'full state', color: '#868e96' }], bytes);
  const checkpointCounts = h('p', { class: 'muted' });
  const checkpoints = h('tbody', { id: 'checkpoint-history' });
  const exceptions = h('div', { id: 'exceptions' });
  const userMetrics = h('tbody', { id: 'user-metrics' });
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← all jobs')),
    h('div', { class: 'head' }, h('div', {}, title, facts), h('div', { class: 'actions' }, savepointButton, stopButton, cancelButton)),
    notice,
    stats,
    h('h2', {}, 'Operators'),
    graph,
    h('table', { id: 'vertices' },
      h('thead', {}, h('tr', {}, ...['Chain', 'Parallelism', 'Records in', 'Records out', 'In / s', 'Out / s', 'Watermark', 'Back pressure'].map((c, i) => h('th', { class: i > 0 && i < 6 ? 'num' : undefined }, c)))),
      vertices),
    h('h2', {}, 'Your metrics'),
    h('table', {}, h('thead', {}, h('tr', {}, ...['Chain', 'Subtask', 'Operator', 'Metric', 'Value'].map((c) => h('th', {}, c)))), userMetrics),
    h('h2', {}, 'Throughput and checkpoints'),
    h('div', { class: 'grid' }, records.el, duration.el, size.el),
    h('h2', {}, 'Checkpoints'),
    checkpointCounts,
    h('table', {}, h('thead', {}, h('tr', {}, ...['ID', 'Status', 'Type', 'Triggered', 'Duration', 'Checkpointed', 'Full size', 'Path or failure'].map((c) => h('th', {}, c)))), checkpoints),
    h('h2', {}, 'Restarts and exceptions'),
    exceptions,
  );
  let state = null;
  let planDrawn = '';
  let fullPlan = null;
  let savepointBusy = false;

  const say = (text, error = false) => {
    notice.textContent = text;
    notice.className = error ? 'notice error' : 'notice';
  };
  const needToken = () => {
    if (token()) return false;
    say('Changing a job needs the token: open the URL that flink web printed at start-up (…/?token=…).', true);
    return true;
  };

  async function followSavepoint(requestId, what) {
    for (;;) {
      const r = await api(`/jobs/${jobId}/savepoints/${requestId}`);
      if (r.status.id === 'COMPLETED') {
        const failure = r.operation['failure-cause'];
        if (failure) say(`${what} failed: ${failure['stack-trace']}`, true);
        else say(`${what} completed: ${r.operation.location}`);
        return;
      }
      await new Promise((res) => setTimeout(res, 300));
    }
  }
  async function savepoint() {
    if (needToken()) return;
    savepointBusy = true;
    savepointButton.disabled = true;
    say('Savepoint triggered…');
    try {
      const { 'request-id': id } = await api(`/jobs/${jobId}/savepoints`, { method: 'POST', body: '{}' });
      await followSavepoint(id, 'Savepoint');
    } catch (err) {
      say(`Savepoint failed: ${err.message}`, true);
    } finally {
      savepointBusy = false;
      savepointButton.disabled = state !== 'RUNNING';
    }
  }
  async function stop() {
    if (needToken() || !confirm('Stop the job with a savepoint?')) return;
    say('Stopping with a savepoint…');
    try {
      const { 'request-id': id } = await api(`/jobs/${jobId}/stop`, { method: 'POST', body: JSON.stringify({ drain: false }) });
      await followSavepoint(id, 'Stop with savepoint');
    } catch (err) {
      say(`Stop failed: ${err.message}`, true);
    }
  }
  async function cancel() {
    if (needToken() || !confirm('Cancel the job?')) return;
    try {
      await api(`/jobs/${jobId}?mode=cancel`, { method: 'PATCH' });
      say('Cancelling…');
    } catch (err) {
      say(`Cancel failed: ${err.message}`, true);
    }
  }

  return every(async () => {
    const [job, cps, history, exc, restarts] = await Promise.all([
      api(`/jobs/${jobId}`),
      api(`/jobs/${jobId}/checkpoints`),
      api(`/jobs/${jobId}/metrics/history`),
      api(`/jobs/${jobId}/exceptions`),
      // The job's own count (as Flink's UI shows it): the exception history keeps only its last entries.
      api(`/jobs/${jobId}/metrics?get=numRestarts`),
    ]);
    state = job.state;
    document.title = `${job.name} · flink-ts`;
    title.replaceChildren(`${job.name} `, badge(job.state));
    facts.textContent = `${job.jid} · started ${time(job['start-time'])} · ${TERMINAL.has(job.state) ? 'ran' : 'running for'} ${ms(job.duration)}`;
    savepointButton.disabled = savepointBusy || state !== 'RUNNING';
    stopButton.disabled = state !== 'RUNNING';
    cancelButton.disabled = TERMINAL.has(state);
    if (state === 'CANCELED' && notice.textContent === 'Cancelling…') say('Cancelled.');

    const samples = history.samples;
    const last = samples[samples.length - 1];
    const lastCp = cps.latest.completed;
    stats.replaceChildren(
      ...[
        ['Records in / s', num(last?.recordsInPerSecond)],
        ['Records out / s', num(last?.recordsOutPerSecond)],
        ['Restarts', restarts.find((m) => m.id === 'numRestarts')?.value ?? '0'],
        ['Checkpoints', `${cps.counts.completed} completed, ${cps.counts.failed} failed`],
        ['Last checkpoint', lastCp ? `#${lastCp.id}: ${bytes(lastCp.checkpointed_size)} in ${ms(lastCp.end_to_end_duration)}` : 'none yet', 'checkpoint'],
        ['Last savepoint', cps.latest.savepoint ? `#${cps.latest.savepoint.id}: ${bytes(cps.latest.savepoint.state_size)}` : 'none yet', 'savepoint'],
      ].map(([k, v, name]) => h('div', { class: 'card stat', 'data-stat': name }, h('div', { class: 'v' }, v), h('div', { class: 'k' }, k))),
    );

    const levels = new Map();
    const vsample = last?.vertices ?? {};
    for (const [id, v] of Object.entries(vsample)) {
      const r = v.backPressuredTimeMsPerSecond / 1000;
      levels.set(id, r <= 0.1 ? 'ok' : r <= 0.5 ? 'low' : 'high');
    }
    // The plan never changes; flink-ts's form of it also lists each chain's operators.
    fullPlan ??= (await api(`/jobs/${jobId}/plan`)).plan;
    const key = JSON.stringify([fullPlan.nodes.map((n) => n.id), [...levels]]);
    if (key !== planDrawn) {
      planDrawn = key;
      if (fullPlan.nodes.length > 0) renderGraph(graph, fullPlan, levels);
      else graph.replaceChildren(h('p', { class: 'muted' }, 'This job was recorded before flink-ts kept plans: no graph.'));
    }
    vertices.replaceChildren(
      ...job.vertices.map((v) => {
        const s = vsample[v.id];
        const level = levels.get(v.id) ?? 'ok';
        return h('tr', { 'data-vertex': v.id },
          h('td', { class: 'wrap' }, v.name),
          h('td', { class: 'num' }, String(v.parallelism)),
          h('td', { class: 'num' }, num(v.metrics['read-records'])),
          h('td', { class: 'num' }, num(v.metrics['write-records'])),
          h('td', { class: 'num' }, num(s?.numRecordsInPerSecond)),
          h('td', { class: 'num' }, num(s?.numRecordsOutPerSecond)),
          h('td', {}, watermark(s?.currentInputWatermark)),
          h('td', {}, h('span', { class: `bp ${level}` }, `${level} (${Math.round((s?.backPressuredTimeMsPerSecond ?? 0) / 10)} %)`)),
        );
      }),
    );

    const mine = (await Promise.all(job.vertices.map((v) => userMetricRows(jobId, v, fullPlan)))).flat();
    userMetrics.replaceChildren(
      ...(mine.length === 0
        ? [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'None: register counters, gauges, meters and histograms with getRuntimeContext().getMetricGroup().'))]
        : mine.map((m) => h('tr', { 'data-metric': m.id }, h('td', { class: 'wrap' }, m.chain), h('td', { class: 'num' }, m.subtask), h('td', { class: 'wrap' }, m.operator), h('td', {}, m.name), h('td', { class: 'wrap' }, m.value)))),
    );

    records.set([samples.map((x) => x.time / 1000), samples.map((x) => x.recordsInPerSecond), samples.map((x) => x.recordsOutPerSecond)]);
    const done = history.checkpoints.filter((c) => c.status === 'COMPLETED');
    duration.set([done.map((c) => c.trigger_timestamp / 1000), done.map((c) => c.end_to_end_duration)]);
    size.set([done.map((c) => c.trigger_timestamp / 1000), done.map((c) => c.checkpointed_size), done.map((c) => c.state_size)]);

    checkpointCounts.textContent = `${cps.counts.total} triggered · ${cps.counts.in_progress} in progress · ${cps.counts.completed} completed · ${cps.counts.failed} failed · durations ${ms(cps.summary.end_to_end_duration.min)} / ${ms(cps.summary.end_to_end_duration.avg)} / ${ms(cps.summary.end_to_end_duration.max)} (min / avg / max)`;
    checkpoints.replaceChildren(
      ...cps.history.map((c) =>
        h('tr', { 'data-checkpoint': c.id },
          h('td', {}, String(c.id)),
          h('td', {}, badge(c.status), c.discarded ? h('span', { class: 'muted' }, ' discarded') : null),
          h('td', {}, c.checkpoint_type),
          h('td', {}, time(c.trigger_timestamp)),
          h('td', {}, ms(c.end_to_end_duration)),
          h('td', {}, bytes(c.checkpointed_size)),
          h('td', {}, bytes(c.state_size)),
          h('td', { class: 'wrap muted' }, c.status === 'FAILED' ? c.failure_message : (c.external_path ?? '')),
        ),
      ),
    );
    if (cps.history.length === 0) checkpoints.replaceChildren(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No checkpoints yet.')));

    const entries = exc.exceptionHistory.entries;
    exceptions.replaceChildren(
      ...(entries.length === 0
        ? [h('p', { class: 'muted' }, 'No failures.')]
        : entries.map((e) =>
            h('div', { class: 'card' },
              h('div', {}, h('strong', {}, e.restarted ? `Restarted (attempt ${e.attempt ?? '?'})` : 'Failed'), ` at ${time(e.timestamp)}: `, e.exceptionName),
              e.stacktrace !== e.exceptionName ? h('pre', { class: 'stack' }, e.stacktrace) : null,
            ),
          )),
    );
  });
}

route();
