import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest } from '../../proxy/chat.ts';
import { DEFAULT_TRIM_OPTIONS } from '../../proxy/context/options.ts';
import { findDocuments, questionOf } from '../../proxy/context/passages.ts';
import { relevance } from '../../proxy/context/relevance.ts';
import { selectPassages } from '../../proxy/context/select.ts';
import { request, system, text, textOfMessage, user, words } from './context-fixtures.ts';

const docs = [
  {
    title: 'Gorse Lane',
    text: 'Gorse Lane is a 1961 novel written by Edith Marrow, set on a sheep farm in the hills.',
  },
  { title: 'Edith Marrow', text: 'Edith Marrow was an English writer born in Kelbridge. She published seven novels.' },
  { title: 'Kelbridge', text: 'Kelbridge is a market town on the River Wend, known for its woollen mills.' },
  {
    title: 'Lane Cove River',
    text: 'The Lane Cove River flows through the northern suburbs of Sydney into the harbour.',
  },
  { title: 'Photosynthesis', text: 'Photosynthesis converts light energy into chemical energy stored in sugars.' },
  { title: 'Violin', text: 'The violin is a wooden string instrument played with a bow.' },
  { title: 'Basalt', text: 'Basalt is a fine-grained volcanic rock formed from cooling lava.' },
  { title: 'Chess opening', text: 'The Sicilian Defence is a popular chess opening for black.' },
];
const question = 'Which river flows through the birthplace of the author of Gorse Lane?';

function layouts(): Record<string, ChatRequest> {
  return {
    xml: request([
      system('Answer from the documents.'),
      user(
        `<documents>\n${docs.map((d, i) => `<document index="${i + 1}">\n<source>${d.title}</source>\n<document_content>\n${d.text}\n</document_content>\n</document>`).join('\n')}\n</documents>\n\n${question}`,
      ),
    ]),
    numbered: request([
      user(`Search results:\n\n${docs.map((d, i) => `[${i + 1}] ${d.title}\n${d.text}`).join('\n\n')}`),
      user(question),
    ]),
    markdown: request([user(`${docs.map((d) => `## ${d.title}\n\n${d.text}`).join('\n\n')}\n\n---\n\n${question}`)]),
    parts: request([{ role: 'user', content: [...docs.map((d) => text(`${d.title}\n${d.text}`)), text(question)] }]),
  };
}

test('documents are found in every layout, with titles, and the question is what is left', () => {
  for (const [layout, input] of Object.entries(layouts())) {
    const groups = findDocuments(input.messages, 3);
    assert.equal(groups.length, 1, layout);
    assert.deepEqual(
      groups[0]!.passages.map((p) => [p.title, p.text]),
      docs.map((d) => [d.title, d.text]),
      layout,
    );
    assert.equal(questionOf(input.messages, groups), layout === 'markdown' ? `---\n\n${question}` : question, layout);
  }
});

test('the bridge keeps the second and third hop that BM25 alone drops; unrelated documents go', async () => {
  for (const [layout, input] of Object.entries(layouts())) {
    const plain = await selectPassages(input, { ...DEFAULT_TRIM_OPTIONS.select, hops: 0 }, words);
    assert.equal(plain.groups[0]!.keep[1], false, `${layout}: plain BM25 loses the author`);
    const result = await selectPassages(input, DEFAULT_TRIM_OPTIONS.select, words);
    const keep = result.groups[0]!.keep;
    assert.deepEqual(keep.slice(0, 3), [true, true, true], `${layout}: novel → author → birthplace`);
    assert.deepEqual(keep.slice(4), [false, false, false, false], `${layout}: unrelated documents go`);
    const all = result.request.messages.map(textOfMessage).join('\n');
    for (const d of docs.slice(0, 3)) assert.ok(all.includes(d.text), `${layout}: kept text is untouched`);
    assert.ok(!all.includes('Photosynthesis converts'), layout);
    assert.match(all, /\[Tokenwise: 4 of 8 documents left out as unrelated to the question\]/);
    assert.ok(all.includes(question), `${layout}: the question survives`);
    assert.ok(result.after < result.before);
  }
});

test('top-k and token budgets cut deeper in relevance order; too few documents or no question: untouched', async () => {
  const input = layouts().xml;
  const top2 = await selectPassages(input, { ...DEFAULT_TRIM_OPTIONS.select, minRelevance: 0, maxPassages: 2 }, words);
  assert.equal(top2.kept, 2);
  const budget = await selectPassages(input, { ...DEFAULT_TRIM_OPTIONS.select, minRelevance: 0, maxTokens: 40 }, words);
  assert.ok(budget.kept >= 1 && budget.kept < 8);
  const few = request([user(`[1] A\nalpha text\n\n[2] B\nbeta text\n\n${question}`)]);
  assert.equal((await selectPassages(few, DEFAULT_TRIM_OPTIONS.select, words)).request, few);
  const noQuestion = request([user(docs.map((d) => `<document title="${d.title}">${d.text}</document>`).join('\n'))]);
  assert.equal((await selectPassages(noQuestion, DEFAULT_TRIM_OPTIONS.select, words)).request, noQuestion);
});

test('an injected embedding model can rescue a passage lexical scoring misses', async () => {
  const input = layouts().xml;
  const embed = async (texts: string[]) =>
    texts.map((t) => (t === question || t.startsWith('Violin') ? [1, 0] : [0, 1]));
  const result = await selectPassages(input, { ...DEFAULT_TRIM_OPTIONS.select, embed }, words);
  assert.equal(result.groups[0]!.keep[5], true);
});

test('a passage the question names by its title is a first hop, however few words it shares with the question', async () => {
  const passages = [
    { title: 'Wend Valley Trust', text: 'A charity that restores old mills, set up by weavers.' },
    {
      title: 'Kelbridge',
      text: 'Kelbridge is a city whose offices were founded in the year 1850; the city offices of Kelbridge were founded again in 1901.',
    },
    {
      title: 'River Wend',
      text: 'The Wend rises in the hills; its valley runs past Kelbridge, a city founded in the year 900.',
    },
    {
      title: 'City halls',
      text: 'A city hall houses a city council and its offices; most were founded in the year of a charter.',
    },
    ...docs.slice(4),
  ];
  const question = 'In what year was the Wend Valley Trust, whose offices are in the city of Kelbridge, founded?';
  const scores = await relevance(question, passages, { hops: 0, hopDecay: 0.9 });
  assert.equal(scores[0], 1, 'named by the question');
  assert.ok(scores[4]! < 0.4, 'unrelated stays low');
});

test('relevance flows forward along a title link at full strength, back along it at half', async () => {
  const passages = [
    {
      title: 'Gorse Lane',
      text: 'Gorse Lane is a 1961 novel written by Edith Marrow, set on a sheep farm in the hills.',
    },
    { title: 'Edith Marrow', text: 'Edith Marrow was an English writer born in Kelbridge.' },
    { title: 'Kelbridge archive', text: 'The Kelbridge archive keeps letters about Gorse Lane and its reviews.' },
    ...docs.slice(4),
  ];
  const scores = await relevance('Who wrote the 1961 sheep farm novel?', passages, { hops: 1, hopDecay: 0.9 });
  assert.equal(scores[0], 1);
  assert.ok(scores[1]! > 0.8, `the author, whom the novel's passage names: ${scores[1]}`);
  assert.ok(scores[2]! < 0.5, `a passage that merely mentions the novel: ${scores[2]}`);
});
