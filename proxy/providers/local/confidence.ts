/**
 * @module How sure the local model was of its own answer: the mean probability it gave each token it produced.
 * LlamaChat exposes no probabilities, so the answer is scored after the fact: its tokens are taken off the sequence
 * and evaluated again with the next-token distribution requested at every position (one batch, a few ms).
 */
import type { LlamaContextSequence, Token } from 'node-llama-cpp';

/** Tokens considered at each position; a token outside them counts as probability 0. */
const TOP_K = 40;

export async function answerConfidence(sequence: LlamaContextSequence, answer: Token[]): Promise<number> {
  if (!answer.length) return 1;
  const context = sequence.contextTokens;
  // The last sampled token is never evaluated, so the sequence ends with the answer less its last token.
  const start = context.length - (answer.length - 1);
  if (start < 1 || !answer.slice(0, -1).every((token, i) => context[start + i] === token)) return 0;
  await sequence.eraseContextTokenRanges([{ start: start - 1, end: sequence.nextTokenIndex }]);
  const input = [context[start - 1]!, ...answer.slice(0, -1)].map(
    (token) =>
      [token, { generateNext: { probabilities: true, options: { topK: TOP_K } } }] as [
        Token,
        { generateNext: { probabilities: boolean; options: { topK: number } } },
      ],
  );
  const scored = await sequence.controlledEvaluate(input);
  let sum = 0;
  answer.forEach((token, i) => (sum += scored[i]?.next.probabilities?.get(token) ?? 0));
  return sum / answer.length;
}
