// The security review, each point a test: bind address, file modes, which endpoints need the token, and a web
// page's simple POST.
import { PRIVATE_ROUTES, PUBLIC_ROUTES } from '../../../shared/protocol.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TEST_TOKEN } from '../../support/proxy.ts';
import { startChaos, type Chaos } from './support.ts';

let chaos: Chaos;
before(async () => {
  chaos = await startChaos();
});
after(async () => {
  await chaos.close();
});

test('the proxy binds loopback only by default', () => {
  assert.equal(chaos.tw.config.host, '127.0.0.1');
  assert.equal(new URL(chaos.tw.url).hostname, '127.0.0.1');
});

test('the data file is the user’s alone', () => {
  const dataFile = path.join(chaos.tw.config.dataDir, 'tokenwise.db');
  assert.equal(fs.statSync(dataFile).mode & 0o777, 0o600);
});

test('spending and reading usage need the token; health and metrics do not, and hold no secret', async () => {
  for (const route of ['/v1/models', ...PRIVATE_ROUTES]) {
    const response = await fetch(`${chaos.tw.url}${route}`);
    assert.equal(response.status, 401, route);
    const wrong = await fetch(`${chaos.tw.url}${route}`, {
      headers: { authorization: `Bearer ${TEST_TOKEN.slice(0, -1)}x` },
    });
    assert.equal(wrong.status, 401, `${route} with a token one character off`);
  }
  assert.ok(PRIVATE_ROUTES.includes('/tokenwise/conversations') && PRIVATE_ROUTES.includes('/tokenwise/audit'));
  for (const route of PUBLIC_ROUTES) {
    const response = await fetch(`${chaos.tw.url}${route}`);
    assert.equal(response.status, 200, route);
    const text = await response.text();
    assert.ok(!text.includes(TEST_TOKEN) && !text.includes('sk-upstream-secret'), route);
  }
});

test('a web page’s simple text/plain POST is refused before it runs, token or not', async () => {
  const calls = chaos.openai.calls;
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'spend my money' }] });
  for (const authorization of [undefined, `Bearer ${TEST_TOKEN}`]) {
    const response = await fetch(`${chaos.tw.url}/v1/chat/completions`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'text/plain',
        origin: 'https://evil.example',
        ...(authorization ? { authorization } : {}),
      },
    });
    assert.equal(response.status, 403);
  }
  assert.equal(chaos.openai.calls, calls);
});
