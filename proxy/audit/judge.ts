/**
 * @module The judge: is the local answer as good as the cloud one? Structured answers are compared exactly; any
 * other pair goes to the cloud model with a fixed, versioned rubric. The order of the two answers is drawn at
 * random per audit (judges favour a position), and the verdict maps back to local/cloud.
 */
import type { ChatRequest } from '../chat.ts';
import { promptText } from '../router/index.ts';
import { compareStructured } from './answers.ts';

export const RUBRIC_VERSION = 'pairwise/1';

/** Version 1 of the rubric. Never edit it: write a new version, so stored judgements stay comparable. */
const RUBRIC_V1 = [
  'You compare two answers to the same request. Judge only correctness and completeness for what was asked:',
  'a wrong fact, a wrong result, code that would not work or a missed requirement makes an answer worse;',
  'length, tone and formatting do not matter unless the request asked for them.',
  'Reply with exactly one word: A if answer A is better, B if answer B is better, TIE if they are equally good',
  '(or equally bad).',
].join('\n');

export interface Judgement {
  /** How the verdict was reached: `exact/<kind>` or the rubric version. */
  method: string;
  /** The local answer against the cloud one. */
  verdict: 'win' | 'tie' | 'loss';
  localScore: number;
  cloudScore: number;
}

/** Judges a pair by structure alone, or returns undefined when the pairwise judge is needed. */
export function judgeExactly(local: string, cloud: string): Judgement | undefined {
  const compared = compareStructured(local, cloud);
  if (!compared) return undefined;
  // Two different programs can both be right: only the same program is settled without the judge.
  if (compared.kind === 'code' && !compared.same) return undefined;
  // Without a reference answer a disagreement counts against the local model: the cloud is the baseline.
  return compared.same ? scored(`exact/${compared.kind}`, 'tie') : scored(`exact/${compared.kind}`, 'loss');
}

/** The request that asks the cloud model for a verdict; `localFirst` puts the local answer in position A. */
export function judgeRequest(
  request: ChatRequest,
  local: string,
  cloud: string,
  localFirst: boolean,
  model: string,
): ChatRequest {
  const [a, b] = localFirst ? [local, cloud] : [cloud, local];
  const text = `Request:\n${promptText(request.messages)}\n\nAnswer A:\n${a}\n\nAnswer B:\n${b}\n\nWhich is better: A, B or TIE?`;
  return {
    model,
    stream: false,
    maxTokens: 4,
    temperature: 0,
    messages: [
      { role: 'system', content: [{ type: 'text', text: RUBRIC_V1 }] },
      { role: 'user', content: [{ type: 'text', text }] },
    ],
  };
}

/** Reads the judge's reply; undefined when it gave no verdict. */
export function readVerdict(reply: string, localFirst: boolean): Judgement | undefined {
  // The first word only: a judge that starts explaining has not followed the rubric.
  const word = /^\W*(TIE|A|B)\b/i.exec(reply)?.[1]?.toUpperCase();
  if (!word) return undefined;
  if (word === 'TIE') return scored(RUBRIC_VERSION, 'tie');
  return scored(RUBRIC_VERSION, (word === 'A') === localFirst ? 'win' : 'loss');
}

/**
 * A win counts as a tie for calibration: a judge's preference for the local answer is weaker evidence than a
 * preference for the cloud one, and the cloud is what the floor is measured against.
 */
function scored(method: string, verdict: Judgement['verdict']): Judgement {
  return { method, verdict, localScore: verdict === 'loss' ? 0 : 1, cloudScore: 1 };
}
