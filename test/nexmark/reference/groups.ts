/** Grouping as the references' GROUP BY and PARTITION BY need it: lists per key, in input order. */

/** Appends `value` to the list of `key` in `groups`, starting the list at its first value. */
export function addTo<K, V>(groups: Map<K, V[]>, key: K, value: V): void {
  const list = groups.get(key);
  if (list === undefined) groups.set(key, [value]);
  else list.push(value);
}
