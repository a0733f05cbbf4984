/**
 * @module The local model's yes/no judgement for the semantic cache's verifier: "do these two requests ask for the
 * same thing, so that one answer serves both?". One forward pass over the prompt, with the answer constrained by a
 * GBNF grammar to "yes" or "no", gives the probability of each first answer token; the yes-probability is read from
 * that pass instead of sampling, so the verdict is deterministic and costs one token.
 */
import type { ChatWrapper, LlamaContextSequence, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import type { Judgement } from '../../cache/index.ts';

const INSTRUCTION = 'You compare two requests sent to an assistant. Answer only yes or no.';

/** The answer, constrained: every other token is masked out before the first answer token is read. */
export const YES_NO_GRAMMAR = 'root ::= "yes" | "no" | "Yes" | "No"';

/** Judges on `sequence` (borrowed from the pool, emptied before and after) with `grammar` built from `YES_NO_GRAMMAR`. */
export async function judgeSameRequest(
  model: LlamaModel,
  chatWrapper: ChatWrapper,
  grammar: LlamaGrammar,
  sequence: LlamaContextSequence,
  stored: string,
  asked: string,
): Promise<Judgement> {
  const { LlamaGrammarEvaluationState } = await import('node-llama-cpp');
  const question = `Request A: ${stored}\nRequest B: ${asked}\nDo these two requests ask for the same thing, so that one answer serves both?`;
  const { contextText } = chatWrapper.generateContextState({
    chatHistory: [
      { type: 'system', text: INSTRUCTION },
      { type: 'user', text: question },
      { type: 'model', response: [] },
    ],
  });
  const prompt = contextText.tokenize(model.tokenizer);
  if (prompt.length >= sequence.contextSize)
    throw new Error(`the two requests need ${prompt.length} tokens; the local context holds ${sequence.contextSize}`);
  const first = (words: string[]) => new Set(words.map((word) => model.tokenize(word, false, 'trimLeadingSpace')[0]!));
  const yesTokens = first(['yes', 'Yes']),
    noTokens = first(['no', 'No']);
  if ([...yesTokens].some((token) => noTokens.has(token)))
    throw new Error('the model\'s tokens cannot tell "yes" from "no"');
  await sequence.clearHistory();
  const steps = sequence.evaluateWithMetadata(
    prompt,
    { probabilities: true },
    { temperature: 1, topK: 0, grammarEvaluationState: new LlamaGrammarEvaluationState({ model, grammar }) },
  );
  try {
    const { value } = await steps.next();
    if (!value) throw new Error('the model returned no probabilities');
    let yes = 0,
      no = 0;
    for (const [token, p] of value.probabilities) {
      if (yesTokens.has(token)) yes += p;
      else if (noTokens.has(token)) no += p;
    }
    if (!(yes + no > 0)) throw new Error('the model gives "yes" and "no" no probability');
    return { yes: yes / (yes + no), inputTokens: prompt.length, outputTokens: 1 };
  } finally {
    await steps.return();
    // The next chat on this sequence must not start from the judgement's tokens.
    await sequence.clearHistory();
  }
}
