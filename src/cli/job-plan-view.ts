/**
 * `flink info <jobId>` as text: the job's plan — its tasks (chains of operators), their
 * parallelism and inputs, each operator's uid — and its effective configuration. Pure: lines
 * from what flink.db recorded.
 */
import type { JobRecord } from '../metadata/index.js';

/** The recorded plan, as much of it as the view shows (Flink's REST plan shape, plus each chain's operators). */
export interface PlanView {
  readonly nodes: ReadonlyArray<{
    readonly id: string;
    readonly parallelism: number;
    readonly maxParallelism: number;
    readonly operator: string;
    readonly inputs?: ReadonlyArray<{ readonly id: string; readonly ship_strategy: string }>;
    readonly operators: ReadonlyArray<{ readonly uid: string; readonly name: string }>;
  }>;
}

/** A uid the engine generated from the operator's place in the graph (the user set none). */
const GENERATED_UID = /^[0-9a-f]{32}$/;

function uidLabel(uid: string): string {
  return GENERATED_UID.test(uid) ? `uid ${uid} (generated: none set)` : `uid '${uid}'`;
}

/** The plan's lines: one block per task, its operators under it, head first. */
export function planLines(plan: PlanView | undefined): string[] {
  if (plan === undefined) return ['Plan: not recorded (the job ran before flink-ts recorded plans, or never started).'];
  const number = new Map(plan.nodes.map((n, i) => [n.id, i + 1]));
  const out = [`Plan: ${plan.nodes.length} task${plan.nodes.length === 1 ? '' : 's'} (chains of operators)`];
  plan.nodes.forEach((n, i) => {
    const inputs = (n.inputs ?? []).map((e) => `${e.ship_strategy} from ${number.get(e.id) ?? '?'}`);
    out.push(`  ${i + 1}. ${n.operator}: parallelism ${n.parallelism} (max ${n.maxParallelism})${inputs.length > 0 ? `, input ${inputs.join(', ')}` : ''}`);
    const width = Math.max(...n.operators.map((o) => o.name.length));
    for (const o of n.operators) out.push(`       ${o.name.padEnd(width)}  ${uidLabel(o.uid)}`);
  });
  return out;
}

/** The effective configuration as recorded: every key, sorted. */
export function configurationLines(config: JobRecord['config']): string[] {
  const keys = Object.keys(config).sort();
  return [
    'Configuration (effective: defaults, config.yaml, -D and -p, then the job code; durations in ms):',
    ...keys.map((k) => `  ${k}: ${String(config[k])}`),
  ];
}
