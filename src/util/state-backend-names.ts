/** The keyed state backends (`state.backend.type`), named once for the configuration, the API and the factory in state/. */
export const STATE_BACKEND_NAMES = ['hashmap', 'lmdb'] as const;
export type StateBackendName = (typeof STATE_BACKEND_NAMES)[number];
