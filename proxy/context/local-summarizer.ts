/**
 * @module The history summarizer behind the `summary` strategy: the local model condenses old turns, so a long
 * conversation keeps its gist for free instead of losing it to the window.
 */
import { collect, textOf, type ChatMessage } from '../chat.ts';
import type { Provider } from '../providers/index.ts';
import type { Summarizer } from './summary.ts';

const INSTRUCTIONS =
  'Summarize the conversation below for the assistant who continues it. Keep every fact, decision, file name, number and open question; drop pleasantries. Write plain sentences.';

export function localSummarizer(local: Provider, maxTokens = 400): Summarizer {
  return {
    async summarize(messages: ChatMessage[]): Promise<string> {
      const transcript = messages
        .map(
          (m) =>
            `${m.role}: ${textOf(m)}${m.toolCalls?.length ? ` [calls ${m.toolCalls.map((c) => c.name).join(', ')}]` : ''}`,
        )
        .join('\n');
      const answer = await collect(
        local.chat(
          {
            model: 'local',
            messages: [
              { role: 'system', content: [{ type: 'text', text: INSTRUCTIONS }] },
              { role: 'user', content: [{ type: 'text', text: transcript }] },
            ],
            maxTokens,
            temperature: 0,
            stream: false,
          },
          'local',
          AbortSignal.timeout(60_000),
        ),
      );
      return answer.text;
    },
  };
}
