export { SavepointReader } from './savepoint-reader.js';
export { KeyedStateReaderFunction, type KeyedStateReaderContext } from './keyed-state-reader-function.js';
