// node --test mock.test.mjs   (in a project where livechat-mock is installed)
// Starts the mock through the JavaScript API, reads the bundled visitor, makes one request fail
// with 403 through the control API, checks the journal, resets and stops.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, VerifyError } from 'livechat-mock';

const AGENT = {
  'X-User-Id': 'rbAXPnMktTFbNpwtJ',
  'X-Auth-Token': 'RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f',
};
const VISITOR = '6a22b1765528fa64dd29de70';
const PATH = '/api/v1/livechat/visitors.info';

let mock;
const visitorsInfo = (id = VISITOR) =>
  fetch(`${mock.url}${PATH}?visitorId=${id}`, { headers: AGENT });

before(async () => {
  mock = await start({ apiVersion: '8.6.0', timeoutMs: 10000 });
});

after(async () => {
  if (mock) await mock.stop();
});

test('starts on a free port and says where', async () => {
  assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(mock.url, 'http://127.0.0.1:0');
  assert.equal((await mock.health()).status, 'ok');
  assert.equal(typeof mock.process.pid, 'number');
});

test('visitors.info answers 200 with the fixture visitor', async () => {
  const response = await visitorsInfo();
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/json');
  const body = await response.json();
  assert.equal(body.success, true);
  assert.equal(body.visitor._id, VISITOR);
  assert.equal('token' in body.visitor, false, 'the token is never served');
});

test('an outcome for one request: 403, then 200 again', async () => {
  await mock.setOutcome('forbidden', { times: 1 });
  const denied = await visitorsInfo();
  assert.equal(denied.status, 403);
  const body = await denied.json();
  assert.equal(body.success, false);
  assert.match(body.error, /\[error-unauthorized\]$/);
  assert.equal((await visitorsInfo()).status, 200);
});

test('setOutcome delays the answers it chooses by delayMs (the journal records it)', async () => {
  await mock.setOutcome('ok', { times: 1, delayMs: 100 });
  assert.equal((await visitorsInfo()).status, 200);
  const [last] = (await mock.requests()).slice(-1);
  assert.equal(last.delay_ms, 100);
  await assert.rejects(() => mock.setOutcome('ok', { delay: 100 }), TypeError);
});

test('the journal holds the requests, filterable', async () => {
  const forbidden = await mock.requests({ status: 403 });
  assert.equal(forbidden.length, 1);
  assert.equal(forbidden[0].path, PATH);
  assert.equal(forbidden[0].rule, 'admin-override');
  assert.equal(forbidden[0].outcome, 'forbidden');
  const all = await mock.requests({ path: PATH });
  assert.deepEqual(
    all.map((r) => r.status),
    [200, 403, 200, 200],
  );
  // Secrets are kept by their last four characters only.
  const token = forbidden[0].headers.find(([name]) => name === 'x-auth-token')[1];
  assert.equal(token.endsWith('eU3f'), true);
  assert.equal(token.includes('RScct'), false);
});

test('expectations: verify throws with the report when unmet', async () => {
  await mock.expect({ path: PATH, visitorId: '000000000000000000000000', times: 1 });
  await assert.rejects(() => mock.verify(), (error) => {
    assert.ok(error instanceof VerifyError);
    assert.equal(error.report.verified, false);
    assert.match(error.message, /1 expectation\(s\) not met/);
    return true;
  });
  const missing = await visitorsInfo('000000000000000000000000');
  assert.equal(missing.status, 400);
  assert.equal((await mock.verify()).verified, true);
  await mock.clearExpectations();
});

test('reset drops the override; the fixtures answer again', async () => {
  await mock.setOutcome('server-error');
  assert.equal((await visitorsInfo()).status, 500);
  await mock.reset();
  assert.deepEqual(await mock.outcome(), { outcome: null });
  assert.equal((await visitorsInfo()).status, 200);
});

test('stop ends the process gracefully', async () => {
  const { code, signal } = await mock.stop();
  assert.equal(code, 0);
  assert.equal(signal, null);
  await assert.rejects(() => fetch(`${mock.url}/_mock/health`));
  mock = undefined;
});
