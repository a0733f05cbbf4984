/**
 * @module Wiring the quality audit into a starting proxy: its store in the ledger file, its hook in the route
 * policy. Only a policy with the classifier has an operating point to calibrate.
 */
import type { Config } from '../config/schema.ts';
import type { LocalProvider } from '../providers/index.ts';
import type { RoutePolicy, ModelCatalog } from '../router/index.ts';
import type { Database } from '../storage/database.ts';
import type { Pricing } from '../usage/index.ts';
import { QualityAudit } from './index.ts';
import { modelKey } from './model-key.ts';
import { AuditStore } from './store.ts';

/** The default floor when the router's operating point is a cloud share, not a floor. */
export const DEFAULT_FLOOR = 0.95;

/** Creates the audit and hooks it into `policy` (mutated); undefined without a classifier. */
export function startAudit(
  config: Config,
  deps: { db: Database; catalog: ModelCatalog; policy: RoutePolicy; pricing: Pricing; log: (line: string) => void },
): QualityAudit | undefined {
  const { policy } = deps;
  if (!policy.classifier) return undefined;
  const audit = new QualityAudit({
    share: config.audit.share,
    maxUsdPerDay: config.audit.maxUsdPerDay,
    floor: config.router.qualityFloor ?? DEFAULT_FLOOR,
    store: new AuditStore(deps.db),
    catalog: deps.catalog,
    pricing: deps.pricing,
    classifier: policy.classifier,
    log: deps.log,
  });
  // A configured share of cloud calls is the user's own operating point: the audit then only records.
  if (config.router.cloudShare === undefined) policy.calibrate = audit.calibrate;
  return audit;
}

/** Switches the audit to the calibration of the local model's file. */
export async function followLocalModel(
  audit: QualityAudit,
  local: LocalProvider,
  log: (line: string) => void,
): Promise<void> {
  if (!local.modelFile) return;
  try {
    audit.useModel(await modelKey(local.modelFile));
  } catch (error) {
    log(
      `audit: cannot key the local model ${local.modelFile} (${(error as Error).message}); its audits are kept under "unknown"`,
    );
  }
}
