/**
 * The names README.md's example fragments use without defining them: the user's record types
 * and the streams, environment and helpers a fragment continues from. A fragment names the ones
 * it takes in the comment right before its block (`<!-- example-context: env, clicks -->`);
 * test/docs/readme-examples.test.ts imports exactly those from this module into the block and
 * type-checks it. Only declarations: nothing here runs.
 *
 * The records are what the README's prose and code say of them (a click has a user and a time,
 * an order an id, a customer id and an item), so one set serves every chapter.
 */
import type {
  AvroSchema,
  DataStream,
  OutputTag,
  Sink,
  Source,
  StreamExecutionEnvironment,
} from 'flink-ts';

/** A page click: who, when (event time, ms), where. */
export interface Click {
  readonly user: string;
  readonly time: number;
  readonly page: string;
}

export interface Order {
  readonly id: string;
  readonly customerId: string;
  readonly item: string;
}

export interface Customer {
  readonly id: string;
  readonly name: string;
}

export interface Payment {
  readonly orderId: string;
  readonly amount: number;
}

/** An order and when it was paid (the interval join's result). */
export interface Paid {
  readonly order: string;
  readonly at: number;
}

/** An order with its looked-up price (the async I/O example's result). */
export type Priced = Order & { readonly price: number };

/** An account's event (broadcast rules, schema evolution). */
export interface Event {
  readonly account: string;
  readonly amount: number;
}

/** Rules are data (broadcast state is checkpointed, and records cross threads as data). */
export interface Rule {
  readonly name: string;
  readonly threshold: number;
}

export interface Alert {
  readonly rule: string;
  readonly account: string;
}

export interface Account {
  readonly id: string;
  readonly balance: number;
  readonly email: string;
}

export interface Grade {
  readonly name: string;
  readonly grade: number;
}

export interface Salary {
  readonly name: string;
  readonly salary: number;
}

export declare const env: StreamExecutionEnvironment;
export declare const clicks: DataStream<Click>;
/** Clicks parsed from some input, not yet stamped with event time. */
export declare const parsed: DataStream<Click>;
/** A source of clicks (any `Source`: a Kafka-like reader of your own, a FileSource…). */
export declare const source: Source<Click>;
export declare const orders: DataStream<Order>;
export declare const customers: DataStream<Customer>;
export declare const payments: DataStream<Payment>;
export declare const events: DataStream<Event>;
export declare const ruleStream: DataStream<Rule>;
export declare const grades: DataStream<Grade>;
export declare const salaries: DataStream<Salary>;
export declare const lateOrders: OutputTag<Order>;
export declare const lateSink: Sink<Click>;
/** Clicks before this time (ms) are late in the side-output example. */
export declare const cutoff: number;
/** The Avro schema an account state is written with. */
export declare const schema: AvroSchema;
/** A price service the async I/O example calls. */
export declare const prices: { lookup(item: string): Promise<number> };
