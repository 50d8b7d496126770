// node --test msw.test.mjs   (needs msw@^2 installed next to livechat-mock)
// The app under test calls https://chat.example.com; MSW sends those calls to the mock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupServer } from 'msw/node';
import { start } from 'livechat-mock';
import { handlers } from 'livechat-mock/msw';

const SERVER = 'https://chat.example.com';
const AGENT = {
  'X-User-Id': 'rbAXPnMktTFbNpwtJ',
  'X-Auth-Token': 'RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f',
};

let mock;
let server;

before(async () => {
  mock = await start();
  server = setupServer(...handlers({ mockUrl: mock.url }));
  server.listen({ onUnhandledRequest: 'error' });
});

after(async () => {
  server?.close();
  await mock?.stop();
});

test('a Livechat call to the real server name is answered by the mock', async () => {
  const response = await fetch(`${SERVER}/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70`, {
    headers: AGENT,
  });
  assert.equal(response.status, 200);
  assert.equal((await response.json()).visitor._id, '6a22b1765528fa64dd29de70');
  const [entry] = await mock.requests({ path: '/api/v1/livechat/visitors.info' });
  assert.equal(entry.query, 'visitorId=6a22b1765528fa64dd29de70');
});

test('method and body are forwarded (login)', async () => {
  const response = await fetch(`${SERVER}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'nobody', password: 'wrong' }),
  });
  assert.equal(response.status, 401);
  const [entry] = await mock.requests({ path: '/api/v1/login' });
  assert.equal(entry.method, 'POST');
});

test('outcomes set on the mock reach the app, and reset is a network error', async () => {
  await mock.setOutcome('not-logged-in', { times: 1 });
  const url = `${SERVER}/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70`;
  assert.equal((await fetch(url, { headers: AGENT })).status, 401);
  await mock.setOutcome('reset', { times: 1 });
  await assert.rejects(() => fetch(url, { headers: AGENT }));
  assert.equal((await fetch(url, { headers: AGENT })).status, 200);
});
