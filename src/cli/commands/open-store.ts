import { ensureHome, resolveHome } from '../../config/index.js';
import { MetadataStore } from '../../metadata/index.js';

/** Opens flink.db of the current FLINK_TS_HOME, creating the home on first use. */
export function openStore(): MetadataStore {
  return MetadataStore.open(ensureHome(resolveHome()).dbPath);
}

/** Runs `fn` with the store and closes it afterwards. */
export async function withStore<T>(fn: (store: MetadataStore) => T | Promise<T>): Promise<T> {
  const store = openStore();
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
