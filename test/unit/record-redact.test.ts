import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redact, redactText, REDACTED } from '../../proxy/record/redact.ts';

test('key-shaped strings are redacted wherever they appear; ordinary text is left alone', () => {
  const secrets = [
    'sk-proj-Abcdefghijklmnop0123456789',
    'sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
    'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    'xoxb-1234567890-abcdefghij',
    'AKIAIOSFODNN7EXAMPLE',
    'AIzaSyA1234567890abcdefghijklmnopqrstuv',
    'hf_abcdefghijklmnopqrstuvwxyz0123456789',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
  ];
  for (const secret of secrets)
    assert.equal(redactText(`before ${secret} after`, []), `before ${REDACTED} after`, secret);
  assert.equal(
    redactText('curl -H "Authorization: Bearer abcdef0123456789xyz"', []),
    `curl -H "Authorization: Bearer ${REDACTED}"`,
  );
  const plain =
    'Fix the bug in src/parser.ts line 42: TypeError: cannot read properties of undefined (reading "skip-list")';
  assert.equal(redactText(plain, []), plain);
  assert.equal(redactText('my proxy token is tw-local-123456', ['tw-local-123456']), `my proxy token is ${REDACTED}`);
});

test('credential-named fields are redacted whole, at any depth; the shape of the body is kept', () => {
  const body = {
    model: 'm',
    metadata: { user_id: 'u1' },
    tools: [{ name: 'deploy', input: { api_key: 'short', password: 'hunter2', region: 'eu' } }],
    messages: [{ role: 'user', content: 'hi' }],
  };
  assert.deepEqual(redact(body, []), {
    ...body,
    tools: [{ name: 'deploy', input: { api_key: REDACTED, password: REDACTED, region: 'eu' } }],
  });
  assert.equal(body.tools[0]!.input.api_key, 'short', 'the original is not touched');
});
