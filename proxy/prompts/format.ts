/**
 * @module How a prompt's cost reads, the same in the editor and on the command line: the one-line hint
 * (`≈1,240 tok · $0.0031/call (gpt-4o)`) and the breakdown behind it.
 */
import { usd } from '../../shared/format.ts';
import type { PromptCost } from './types.ts';

/** Dollars as everywhere else (shared/format.ts), `$?` for an unknown price. */
export function dollars(value: number | null): string {
  return value === null ? '$?' : usd(value);
}

const count = (n: number) => n.toLocaleString('en');

/** The inline hint. */
export function hintText(cost: PromptCost): string {
  if (cost.sizeUnknown) return `size unknown: built at run time (${cost.model})`;
  return `${cost.estimated ? '≈' : ''}${count(cost.inputTokens)} tok · ${dollars(cost.costPerCall)}/call (${cost.model})`;
}

/** The breakdown, one fact a line: input vs expected output, the cached-prefix price, per 1,000 calls, local tier. */
export function breakdownLines(cost: PromptCost): string[] {
  const lines = [
    ...(cost.sizeUnknown
      ? ['size unknown: no text of this prompt is written here, so the figures below are guesses']
      : []),
    `input: ${cost.estimated ? '≈' : ''}${count(cost.inputTokens)} tokens (${count(cost.staticTokens)} written here${cost.dynamicTokens ? `, ≈${count(cost.dynamicTokens)} estimated for run-time values` : ''})`,
    `expected output: ${count(cost.expectedOutputTokens)} tokens`,
    `per call: ${dollars(cost.costPerCall)} on ${cost.model}${cost.modelFromCall ? '' : ' (the default model: the call names none)'}`,
  ];
  if (cost.cachedCostPerCall !== null && cost.cachedCostPerCall !== cost.costPerCall) {
    lines.push(`with the ${count(cost.cacheablePrefixTokens)}-token prefix cached: ${dollars(cost.cachedCostPerCall)}`);
  } else {
    lines.push(
      `cacheable prefix: ${count(cost.cacheablePrefixTokens)} tokens (${cost.model} is cached from ${count(cost.minCacheableTokens)})`,
    );
  }
  lines.push(`per 1,000 calls: ${dollars(cost.costPerCall === null ? null : cost.costPerCall * 1000)}`);
  lines.push(`on the local tier: ${dollars(cost.localCostPerCall)}/call`);
  return lines;
}
