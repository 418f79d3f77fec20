/**
 * `pipeline.object-reuse` as a setting: Flink's ExecutionConfig methods, the config key with its
 * default, -D or config.yaml, and the job's code winning over both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExecutionConfig, type JobSettings, StreamExecutionEnvironment, setContextExecutor } from '../../src/api/index.js';
import { effectiveConfiguration } from '../../src/cluster/effective-configuration.js';
import { Configuration, PipelineOptions } from '../../src/config/index.js';
import { ConfigError } from '../../src/util/errors.js';
import { capturePipeline } from '../helpers/run-job.js';

test('ExecutionConfig: object reuse is off by default; enableObjectReuse and disableObjectReuse set it, and chain', () => {
  const config = new ExecutionConfig();
  assert.equal(config.isObjectReuseEnabled(), false);
  assert.equal(config.enableObjectReuse(), config);
  assert.equal(config.isObjectReuseEnabled(), true);
  assert.equal(config.disableObjectReuse().isObjectReuseEnabled(), false);
});

test('isObjectReuseEnabled answers the configured value until the code sets one', () => {
  setContextExecutor({ execute: () => Promise.reject(new Error('not run')), objectReuse: () => true });
  try {
    const config = StreamExecutionEnvironment.getExecutionEnvironment().getConfig();
    assert.equal(config.isObjectReuseEnabled(), true, 'configured');
    assert.equal(config.disableObjectReuse().isObjectReuseEnabled(), false, 'the code wins');
  } finally {
    setContextExecutor(undefined);
  }
});

test('the job carries what its code set: true, false, or nothing', () => {
  const setting = (set: (c: ExecutionConfig) => void) =>
    capturePipeline((env) => {
      set(env.getConfig());
      env.fromSequence(1, 2).print();
    }).settings.objectReuse;
  assert.equal(setting((c) => c.enableObjectReuse()), true);
  assert.equal(setting((c) => c.disableObjectReuse()), false);
  assert.equal(setting(() => {}), undefined);
});

test('pipeline.object-reuse: default false, set by -D or config.yaml, refused unless a boolean; the code wins', () => {
  const base = new Configuration('/nonexistent/flink-ts-home');
  assert.equal(base.get(PipelineOptions.OBJECT_REUSE), false);
  const configured = base.with('pipeline.object-reuse', 'true', '-D');
  assert.equal(configured.get(PipelineOptions.OBJECT_REUSE), true);
  assert.throws(() => base.with('pipeline.object-reuse', 'yes please', '-D').get(PipelineOptions.OBJECT_REUSE), ConfigError);
  const settings = (objectReuse: boolean | undefined): JobSettings => ({
    parallelism: undefined,
    maxParallelism: undefined,
    checkpoint: {},
    stateBackend: undefined,
    incrementalCheckpoints: undefined,
    restartStrategy: undefined,
    operatorChaining: true,
    ...(objectReuse === undefined ? {} : { objectReuse }),
  });
  assert.equal(effectiveConfiguration(configured, settings(undefined)).get(PipelineOptions.OBJECT_REUSE), true);
  assert.equal(effectiveConfiguration(configured, settings(false)).get(PipelineOptions.OBJECT_REUSE), false);
  assert.equal(effectiveConfiguration(base, settings(true)).toRecord()['pipeline.object-reuse'], true);
});
