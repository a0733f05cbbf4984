/**
 * @module The context lever's one door: `fitRequest` trims a request for the tier about to answer it, and the
 * token counters price and count requests for the other levers. Nothing outside `proxy/context/` imports the
 * strategies behind it.
 */
export { fitRequest, type FitOptions, type Fitted, type TrimTarget } from './fit.ts';
export { localSummarizer } from './local-summarizer.ts';
export { DEFAULT_TRIM_OPTIONS, type TrimOverrides } from './options.ts';
export type { StrategyReport } from './strategy.ts';
export { countingRule, loadEncodingCounter, loadTokenCounter, type CountText, type TokenCounter } from './tokens.ts';
