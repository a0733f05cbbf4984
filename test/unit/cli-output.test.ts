import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colourWanted, table, toJson } from '../../proxy/cli/output.ts';

test('colour only on a terminal with NO_COLOR unset or empty', () => {
  assert.equal(colourWanted({ isTTY: true }, {}), true);
  assert.equal(colourWanted({ isTTY: true }, { NO_COLOR: '' }), true);
  assert.equal(colourWanted({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.equal(colourWanted({ isTTY: false }, {}), false);
  assert.equal(colourWanted({}, {}), false);
});

test('a table: header row first, columns aligned, bold header and total only with colour', () => {
  const rows = [
    ['gpt-4o', '12', '$0.0031'],
    ['total', '112', '$1.20'],
  ];
  assert.equal(
    table(['model', 'requests', 'spent'], rows, { right: [1, 2], bold: [1], colour: false }),
    'model   requests    spent\ngpt-4o        12  $0.0031\ntotal        112    $1.20\n',
  );
  const coloured = table(['model', 'requests', 'spent'], rows, { right: [1, 2], bold: [1], colour: true });
  assert.ok(coloured.startsWith('\u001b[1mmodel'));
  assert.equal(
    coloured.replace(/\u001b\[\d+m/g, ''),
    table(['model', 'requests', 'spent'], rows, { right: [1, 2], colour: false }),
  );
});

test('JSON money is rounded to 1e-9; integers and other values untouched', () => {
  assert.equal(0.1 + 0.2, 0.30000000000000004);
  assert.deepEqual(JSON.parse(toJson({ costUsd: 0.1 + 0.2, requests: 3, key: 'gpt-4o', tiny: 4.2e-6, none: null })), {
    costUsd: 0.3,
    requests: 3,
    key: 'gpt-4o',
    tiny: 0.0000042,
    none: null,
  });
});

test('the audit report: tables with header rows, spend in the shared money format', async () => {
  const { auditReport, formatAuditReport } = await import('../../proxy/audit/report.ts');
  const row = {
    id: 1,
    time: 1_000,
    modelKey: 'tiny',
    bucket: 'chat/short',
    group: 'prior' as const,
    gain: 0.1,
    route: 'local' as const,
    signals: '{}',
    question: 'hi',
    localAnswer: 'a',
    cloudAnswer: 'b',
    localConfidence: null,
    method: 'judge',
    verdict: 'tie' as const,
    localScore: null,
    cloudScore: null,
    costUsd: 0.0000042,
    error: null,
  };
  const text = formatAuditReport(auditReport('tiny', [row], [], 0, 0.95));
  assert.match(text, /^audit spend: \$0\.0000042 in all, \$0\.0000042 today$/m);
  assert.match(text, /^group +threshold +quality ≥ +audits +moved$/m);
  assert.match(text, /^bucket +as good as the cloud \(95% interval, judged\)\nchat\/short +100\.0% /m);
});
