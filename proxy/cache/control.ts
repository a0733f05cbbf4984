/**
 * @module What the control surface may do with the cache: report its size and hit counts, and clear it (exact and
 * semantic together), without knowing the classes behind it.
 */
import type { CacheReport } from '../../shared/protocol.ts';
import type { SemanticCache } from './semantic/semantic-cache.ts';
import type { ExactCache } from './store.ts';

export interface CacheControl {
  report(): CacheReport;
  /** Empties both caches; returns how many exact entries were dropped. */
  clear(): number;
}

/** The control view of this proxy's caches; the semantic one is read when asked, as it starts late. */
export function cacheControl(exact: ExactCache | undefined, semantic: () => SemanticCache | undefined): CacheControl {
  return {
    report: () =>
      exact
        ? {
            enabled: true,
            ...exact.stats(),
            semanticEntries: semantic()?.size ?? 0,
            semanticVerifier: semantic()?.verifier?.stats ?? null,
          }
        : { enabled: false },
    clear: () => {
      semantic()?.clear();
      return exact?.clear() ?? 0;
    },
  };
}
