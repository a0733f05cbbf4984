/**
 * @module The rule table: conditions on a request's signals (and the calling tool) → a tier. The first rule that
 * matches decides, before the classifier; a rule is a policy the developer states, not a guess.
 *
 * @example { "when": { "images": { "min": 1 } }, "route": "cloud", "name": "the local model cannot see images" }
 */
import type { ChatRequest } from '../chat.ts';
import { readSignals, type DifficultySignals } from './signals.ts';

export type Condition = number | boolean | string | { min?: number; max?: number };

export interface RouteRule {
  name?: string;
  /** Every condition must hold: a number or string equals, `{min, max}` bounds a count (inclusive). */
  when: Record<string, Condition>;
  route: 'local' | 'cloud';
}

type Facts = DifficultySignals & { client: string };

/** The names a rule may test, for naming a typo in the config. */
export function ruleFactNames(): string[] {
  return [...Object.keys(readSignals({ model: 'auto', messages: [], stream: false })), 'client'];
}

function holds(value: unknown, condition: Condition): boolean {
  if (typeof condition === 'object')
    return (
      typeof value === 'number' &&
      (condition.min === undefined || value >= condition.min) &&
      (condition.max === undefined || value <= condition.max)
    );
  return value === condition;
}

/** The first rule whose conditions all hold, with the facts it was judged on. */
export function matchRule(rules: RouteRule[], request: ChatRequest, client: string): RouteRule | undefined {
  if (!rules.length) return undefined;
  const facts: Facts = { ...readSignals(request), client };
  return rules.find((rule) =>
    Object.entries(rule.when).every(([name, condition]) => holds(facts[name as keyof Facts], condition)),
  );
}
