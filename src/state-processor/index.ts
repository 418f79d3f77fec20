export { SavepointReader } from './savepoint-reader.js';
export { KeyedStateReaderFunction, type KeyedStateReaderContext } from './keyed-state-reader-function.js';
export { WindowReaderFunction, type WindowReaderContext } from './window-reader-function.js';
export { WindowSavepointReader, EvictingWindowSavepointReader } from './window-savepoint-reader.js';
export { SavepointWriter } from './savepoint-writer.js';
export { OperatorTransformation, OneInputOperatorTransformation, KeyedOperatorTransformation } from './operator-transformation.js';
export { StateBootstrapTransformation } from './state-bootstrap-transformation.js';
export { WindowedStateTransformation } from './windowed-state-transformation.js';
