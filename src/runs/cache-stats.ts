/** Hits and misses of a response cache during a run, for the progress line. */
import type { ResponseCache } from "../exec/cache.js";

export interface CacheLookups {
  hits: number;
  misses: number;
}

/**
 * A view of `cache` that counts its lookups. It delegates everything else to the cache itself
 * (closing the view closes the cache), so the executor uses it exactly as the original.
 */
export function countCacheLookups(cache: ResponseCache): { cache: ResponseCache; lookups: CacheLookups } {
  const lookups: CacheLookups = { hits: 0, misses: 0 };
  const view = Object.create(cache) as ResponseCache;
  view.get = (key: string) => {
    const found = cache.get(key);
    if (found) lookups.hits++;
    else lookups.misses++;
    return found;
  };
  return { cache: view, lookups };
}
