import {
  type Counter,
  type Gauge,
  type GaugeValue,
  type Histogram,
  type HistogramSummary,
  type Meter,
  MeterView,
  type MetricGroup,
  SimpleCounter,
} from '../../graph/index.js';

type Registered =
  | { readonly kind: 'counter'; readonly metric: Counter }
  | { readonly kind: 'gauge'; readonly metric: Gauge<GaugeValue> }
  | { readonly kind: 'meter'; readonly metric: Meter }
  | { readonly kind: 'histogram'; readonly metric: Histogram };

/** What one read of an operator's user metrics gives: value by identifier (`group.name`). */
export type UserMetricValues = Readonly<Record<string, GaugeValue | HistogramSummary>>;

/** A histogram's statistics at one read. */
function summarize(h: Histogram): HistogramSummary {
  const s = h.getStatistics();
  const q = (x: number) => s.getQuantile(x);
  return { count: h.getCount(), min: s.getMin(), max: s.getMax(), mean: s.getMean(), median: q(0.5), stddev: s.getStdDev(), p75: q(0.75), p90: q(0.9), p95: q(0.95), p98: q(0.98), p99: q(0.99), p999: q(0.999) };
}

/**
 * The metrics user functions of one operator subtask register (Flink's operator MetricGroup),
 * by identifier relative to the operator: sub-group names and the metric's name joined by `.`.
 * Read once a second with the task's I/O metrics: a counter gives its count, a meter its rate
 * (after updating it), a histogram its statistics over its window, a gauge its value (a throwing gauge or one that gives something else than a
 * number, string or boolean is left out of that read).
 */
export class OperatorMetricGroup {
  private readonly metrics = new Map<string, Registered>();

  /** The group user code sees (`getRuntimeContext().getMetricGroup()`). */
  readonly root: MetricGroup = this.group([]);

  /** True once anything is registered (operators without user metrics cost nothing to read). */
  get isEmpty(): boolean {
    return this.metrics.size === 0;
  }

  read(nowMs: number): UserMetricValues {
    const out: Record<string, GaugeValue | HistogramSummary> = {};
    for (const [id, r] of this.metrics) {
      if (r.kind === 'counter') out[id] = r.metric.getCount();
      else if (r.kind === 'histogram') out[id] = summarize(r.metric);
      else if (r.kind === 'meter') {
        if (r.metric instanceof MeterView) r.metric.update(nowMs);
        out[id] = r.metric.getRate();
      } else {
        let v: unknown;
        try {
          v = typeof r.metric === 'function' ? r.metric() : r.metric.getValue();
        } catch {
          continue;
        }
        if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[id] = v;
      }
    }
    return out;
  }

  private group(scope: readonly string[]): MetricGroup {
    const register = <M>(name: string, entry: Registered, metric: M): M => {
      checkName(name);
      const id = [...scope, name].join('.');
      // Flink keeps the first metric of a name and warns about the second.
      if (!this.metrics.has(id)) this.metrics.set(id, entry);
      return metric;
    };
    return {
      counter: (name, counter = new SimpleCounter()) => register(name, { kind: 'counter', metric: counter }, counter),
      gauge: <T extends GaugeValue>(name: string, gauge: Gauge<T>) => {
        if (typeof gauge !== 'function' && typeof (gauge as { getValue?: unknown } | null)?.getValue !== 'function') {
          throw new TypeError(`Gauge '${name}' must be a function or an object with getValue().`);
        }
        return register(name, { kind: 'gauge', metric: gauge }, gauge);
      },
      meter: (name, meter = new MeterView()) => register(name, { kind: 'meter', metric: meter }, meter),
      histogram: (name, histogram) => {
        if (typeof (histogram as Partial<Histogram> | null)?.getStatistics !== 'function') throw new TypeError(`Histogram '${name}' must be a Histogram, e.g. new DescriptiveStatisticsHistogram(500).`);
        return register(name, { kind: 'histogram', metric: histogram }, histogram);
      },
      addGroup: (name, value) => {
        checkName(name);
        if (value !== undefined) checkName(value);
        return this.group(value === undefined ? [...scope, name] : [...scope, name, value]);
      },
    };
  }
}

function checkName(name: unknown): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new TypeError(`A metric or group name must be a non-empty string without '.', got ${JSON.stringify(name)}.`);
  }
}
