#!/usr/bin/env node
// client.mjs: Rocket.Chat's own REST client (@rocket.chat/api-client, pinned) drives one
// livechat-mock per release and asserts each answer with node:assert. The expected answers are
// the real server's, as the packages imply them: for `visitorId` given as an array, what
// api-client serialises is parsed with qs (as the server's router does) and validated with the
// rest-typings release's own compiled Ajv validator (isLivechatVisitorsInfoProps).
//
//   node client.mjs [--versions 8.6.2,9.0.0] [--verbose]
import assert from 'node:assert/strict';
import { register, createRequire } from 'node:module';
import { randomBytes, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import qs from 'qs';
import { startMock, BINARY } from './lib/mock.mjs';
import { cmp, gte } from './lib/versions.mjs';

register('./lib/extensionless-hook.mjs', import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { RestClient } = require('ac-0.2.57');
const AC_VERSION = JSON.parse(readFileSync(path.join(HERE, 'node_modules', 'ac-0.2.57', 'package.json'), 'utf8')).version;

// The releases driven: the mock's behaviour boundaries, plus every release a pinned core-typings
// or rest-typings names (newest patch of its minor).
const DEFAULT_VERSIONS = ['7.0.0', '8.0.0', '8.3.8', '8.4.0', '8.5.0', '8.6.2', '8.7.1', '8.8.1', '9.0.0'];
const argAt = (flag) => { const i = process.argv.indexOf(flag); return i > 0 ? process.argv[i + 1] : undefined; };
const VERSIONS = (argAt('--versions') ?? DEFAULT_VERSIONS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
const VERBOSE = process.argv.includes('--verbose');
const STRICT = process.argv.includes('--strict');

const ALICE = { username: 'agent.alice', password: 'alice-agent-pass', id: 'rbAXPnMktTFbNpwtJ', email: 'alice.agent@example.com' };
const KNOWN = '6a22b1765528fa64dd29de70'; // fixtures/visitors.json: no externalIds
const WITH_EXTERNAL_IDS = '0f17a3007e62aa0a1df9fd78'; // fixtures/visitors.json: has externalIds
const UNKNOWN = 'ffffffffffffffffffffffff';

// rest-typings release whose validator stands for the server at `v` (newest pinned at or below).
const RT = ['7.0.0', '8.0.0', '8.6.1', '8.7.1', '8.8.1'];
const rtFor = (v) => RT.filter((r) => cmp(r, v) <= 0 || r.split('.').slice(0, 2).join('.') === v.split('.').slice(0, 2).join('.')).at(-1);
const validators = new Map();
async function validatorFor(v) {
  const r = rtFor(v);
  if (!validators.has(r)) {
    const m = await import(`rt-${r}/dist/v1/omnichannel.js`);
    validators.set(r, m.isLivechatVisitorsInfoProps);
  }
  return { release: r, validate: validators.get(r) };
}

// What the real server answers a visitors.info query string, per the packages: qs.parse (as
// packages/http-router does), then the release's Ajv validator; a valid query is a lookup.
async function serverExpectation(v, query) {
  const { release, validate } = await validatorFor(v);
  const params = qs.parse(query, { arrayLimit: 500 });
  const ok = validate(structuredClone(params)); // Ajv coerces in place; keep what qs made
  if (!ok) {
    const message = validate.errors[0].message;
    return { release, params, status: 400, body: { success: false, error: `${message} [invalid-params]`, errorType: 'invalid-params' } };
  }
  return { release, params, status: 200, visitorId: params.visitorId };
}

// One client per release; a middleware records every request and response status.
function makeClient(baseUrl) {
  const client = new RestClient({ baseUrl });
  const log = [];
  client.use((context, next) => {
    const [endpoint, method, options = {}] = context;
    // The headers send() will merge: credentials, the client's own, then the call's.
    const entry = { method, endpoint, body: options.body, headers: { ...client.getCredentialsAsHeaders(), ...client.headers, ...(options.headers || {}) } };
    log.push(entry);
    return next(...context).then(
      (res) => { entry.status = res.status; return res; },
      (res) => { entry.status = res?.status; throw res; },
    );
  });
  // api-client resolves 2xx with the parsed JSON and rejects anything else with the Response.
  const settle = async (promise) => {
    try {
      const body = await promise;
      return { status: log.at(-1).status, body, request: log.at(-1) };
    } catch (e) {
      if (e && typeof e.status === 'number' && typeof e.text === 'function') {
        const text = await e.text();
        let body; try { body = JSON.parse(text); } catch { body = text; }
        return { status: e.status, body, text, contentType: e.headers.get('content-type'), request: log.at(-1) };
      }
      throw e;
    }
  };
  return { client, log, settle };
}

async function runRelease(v) {
  const results = [];
  const check = async (name, fn, advisory = false) => {
    try {
      const info = await fn();
      results.push({ name, ok: true, info, advisory });
    } catch (e) {
      results.push({ name, ok: false, advisory, error: e instanceof assert.AssertionError ? e.message : (e?.stack || String(e)) });
    }
  };
  // Advisory: what the real server's source does beyond the packages; reported as WARN, and
  // counted as a failure only with --strict.
  const advise = (name, fn) => check(name, fn, true);
  let mock;
  try {
    mock = await startMock(v);
  } catch (e) {
    return { v, results: [{ name: 'start mock', ok: false, error: e.message }] };
  }
  const { client, settle } = makeClient(mock.url);
  try {
    let auth;
    // 1. Login, in the forms Rocket.Chat's clients send to POST /api/v1/login.
    const assertLogin = (r, label) => {
      assert.equal(r.status, 200, `${label}: status ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.status, 'success', `${label}: status field`);
      assert.equal(r.body.success, true, `${label}: success`);
      assert.equal(r.body.data.userId, ALICE.id, `${label}: data.userId`);
      assert.equal(typeof r.body.data.authToken, 'string', `${label}: data.authToken`);
      assert.ok(r.body.data.authToken.length > 0, `${label}: authToken empty`);
      assert.equal(r.body.data.me?._id, ALICE.id, `${label}: data.me._id`);
      return r.body.data;
    };
    await check('login {user, password} (REST API docs form)', async () => {
      const r = await settle(client.post('/v1/login', { user: ALICE.username, password: ALICE.password }));
      auth = assertLogin(r, '{user,password}');
      return `userId ${auth.userId}`;
    });
    await check('login {username, password} (@rocket.chat/sdk api.login form)', async () => {
      const r = await settle(client.post('/v1/login', { username: ALICE.username, password: ALICE.password }));
      const d = assertLogin(r, '{username,password}');
      auth ??= d;
    });
    await check('login {resume: authToken} (ddp-client loginWithToken payload)', async () => {
      assert.ok(auth, 'no token from an earlier login');
      const r = await settle(client.post('/v1/login', { resume: auth.authToken }));
      assertLogin(r, '{resume}');
    });
    await check('login {user: email, password}', async () => {
      const r = await settle(client.post('/v1/login', { user: ALICE.email, password: ALICE.password }));
      assertLogin(r, '{user: email}');
    });
    // ApiClass.ts login route: `self.unauthorized()`, then (unless applyBreakingChanges, i.e.
    // 9.0+) Object.assign of status 'error', error, details, message.
    const legacy401 = !gte(v, '9.0.0');
    await check(`login with a wrong password: 401, success false, ${legacy401 ? 'with' : 'without'} legacy status/message`, async () => {
      const r = await settle(client.post('/v1/login', { user: ALICE.username, password: 'wrong' }));
      assert.equal(r.status, 401, `status ${r.status} ${r.text ?? JSON.stringify(r.body)}`);
      assert.equal(r.body.success, false);
      if (legacy401) {
        assert.equal(r.body.status, 'error', `no status:'error' in ${r.text}`);
        assert.equal(typeof r.body.message, 'string', `no message in ${r.text}`);
      } else {
        assert.ok(!('status' in r.body) && !('message' in r.body), `9.0 (applyBreakingChanges) sends only self.unauthorized() = {"success":false,"error":"unauthorized"}; the mock sent ${r.text}`);
      }
      return r.text;
    });
    // Meteor's password login handler takes {digest, algorithm: 'sha-256'} as well as a string,
    // and loginCompatibility passes `password` through (the form Meteor and ddp-client send).
    await advise('login {username, password: {digest, algorithm: "sha-256"}}', async () => {
      const digest = createHash('sha256').update(ALICE.password).digest('hex');
      const r = await settle(client.post('/v1/login', { username: ALICE.username, password: { digest, algorithm: 'sha-256' } }));
      assertLogin(r, '{username, password: {digest}}');
    });
    if (!auth) throw new Error('no login succeeded: later checks skipped');
    client.setCredentials({ 'X-User-Id': auth.userId, 'X-Auth-Token': auth.authToken });

    // 2. visitors.info.
    await check(`visitors.info found: 200 with visitor._id (token ${gte(v, '8.5.0') ? 'absent' : 'present'})`, async () => {
      const r = await settle(client.get('/v1/livechat/visitors.info', { visitorId: KNOWN }));
      assert.equal(r.status, 200, `status ${r.status} ${r.text ?? ''}`);
      assert.equal(r.body.success, true);
      assert.equal(r.body.visitor._id, KNOWN);
      assert.equal(r.body.visitor.username, 'guest-10');
      if (gte(v, '8.5.0')) assert.ok(!('token' in r.body.visitor), `token returned at ${v}`);
      else assert.equal(r.body.visitor.token, 'test-token-12345', `token missing at ${v}`);
      assert.deepEqual(Object.keys(r.body).at(-1), 'success', 'success is not the last key');
      assert.equal(r.request.headers['X-User-Id'], ALICE.id, 'api-client sent no X-User-Id');
    });
    await check(`visitors.info externalIds ${gte(v, '8.4.0') ? 'present' : 'absent'}`, async () => {
      const r = await settle(client.get('/v1/livechat/visitors.info', { visitorId: WITH_EXTERNAL_IDS }));
      assert.equal(r.status, 200, `status ${r.status} ${r.text ?? ''}`);
      if (gte(v, '8.4.0')) assert.ok(Array.isArray(r.body.visitor.externalIds) && r.body.visitor.externalIds.length === 1, 'externalIds missing');
      else assert.ok(!('externalIds' in r.body.visitor), `externalIds returned at ${v}`);
    });
    await check('visitors.info unknown: 400 visitor-not-found', async () => {
      const r = await settle(client.get('/v1/livechat/visitors.info', { visitorId: UNKNOWN }));
      assert.equal(r.status, 400, `status ${r.status}`);
      assert.deepEqual(r.body, { success: false, error: 'visitor-not-found' });
      assert.equal(r.text, '{"success":false,"error":"visitor-not-found"}');
    });
    for (const ids of [[KNOWN], [KNOWN, KNOWN]]) {
      const rule = ids.length === 1 ? (gte(v, '8.6.0') ? 200 : 400) : 400; // the brief's rule
      await check(`visitors.info {visitorId: [${ids.length === 1 ? 'id' : 'id, id'}]}: ${rule === 200 ? '200 (coerced, 8.6+)' : '400 must be string'}`, async () => {
        const r = await settle(client.get('/v1/livechat/visitors.info', { visitorId: ids }));
        const query = r.request.endpoint.split('?')[1] ?? '';
        const expected = await serverExpectation(v, query);
        const info = `api-client sent ?${query}; qs → ${JSON.stringify(expected.params)}; rest-typings ${expected.release} Ajv → ${expected.status}`;
        assert.equal(expected.status, rule, `rest-typings ${expected.release}'s Ajv disagrees with the version rule: ${info}`);
        assert.equal(r.status, expected.status, `mock ${r.status} ${r.text ?? JSON.stringify(r.body)}; ${info}`);
        if (expected.status === 200) {
          assert.equal(r.body.visitor._id, KNOWN);
        } else {
          assert.deepEqual(r.body, expected.body, `${info}`);
        }
        return info;
      });
    }

    // 3. Register a visitor, read it by token, delete it, read it again.
    const token = randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 17);
    let registered;
    await check('register POST /v1/livechat/visitor {visitor: {token, name}}: 200 with the token', async () => {
      const r = await settle(client.post('/v1/livechat/visitor', { visitor: { token, name: `Conformance ${v}` } }));
      assert.equal(r.status, 200, `status ${r.status} ${r.text ?? ''}`);
      assert.equal(r.body.success, true);
      assert.equal(r.body.visitor.token, token);
      assert.equal(r.body.visitor.name, `Conformance ${v}`);
      assert.match(r.body.visitor._id, /^([0-9a-f]{24}|[23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz]{17})$/);
      assert.match(r.body.visitor.username, /^guest-\d+$/);
      registered = r.body.visitor;
      return `_id ${registered._id}, ${registered.username}`;
    });
    await check('visitors.info finds the registered visitor', async () => {
      assert.ok(registered, 'nothing registered');
      const r = await settle(client.get('/v1/livechat/visitors.info', { visitorId: registered._id }));
      assert.equal(r.status, 200, `status ${r.status} ${r.text ?? ''}`);
      assert.equal(r.body.visitor._id, registered._id);
    });
    await check('GET /v1/livechat/visitor/{token}: 200 with the token', async () => {
      const r = await settle(client.get(`/v1/livechat/visitor/${token}`));
      assert.equal(r.status, 200, `status ${r.status} ${r.text ?? ''}`);
      assert.equal(r.body.visitor.token, token);
      assert.equal(r.body.visitor._id, registered?._id);
    });
    await check('DELETE /v1/livechat/visitor/{token}: 200 {visitor: {_id, ts}}', async () => {
      const r = await settle(client.delete(`/v1/livechat/visitor/${token}`));
      assert.equal(r.status, 200, `status ${r.status} ${r.text ?? ''}`);
      assert.equal(r.body.success, true);
      assert.deepEqual(Object.keys(r.body.visitor).sort(), ['_id', 'ts']);
      assert.equal(r.body.visitor._id, registered?._id);
    });
    await check('GET /v1/livechat/visitor/{token} after delete: 400 invalid-token', async () => {
      const r = await settle(client.get(`/v1/livechat/visitor/${token}`));
      assert.equal(r.status, 400, `status ${r.status}`);
      assert.deepEqual(r.body, { success: false, error: '[invalid-token]', errorType: 'invalid-token' });
    });
    await check('visitors.info after delete: 400 visitor-not-found', async () => {
      assert.ok(registered, 'nothing registered');
      const r = await settle(client.get('/v1/livechat/visitors.info', { visitorId: registered._id }));
      assert.equal(r.status, 400, `status ${r.status}`);
      assert.deepEqual(r.body, { success: false, error: 'visitor-not-found' });
    });
  } catch (e) {
    results.push({ name: 'run', ok: false, error: e?.stack || String(e) });
  } finally {
    await mock.stop();
  }
  return { v, results };
}

const started = Date.now();
console.log(`api-client ${AC_VERSION} against ${BINARY}`);
// Two mocks at a time: each is its own process with its own state.
const queue = [...VERSIONS];
const done = new Map();
await Promise.all([0, 1].map(async () => {
  while (queue.length) { const v = queue.shift(); done.set(v, await runRelease(v)); }
}));
let failed = 0;
let warned = 0;
const summary = [];
for (const v of VERSIONS) {
  const { results } = done.get(v);
  const counts = (r) => !r.ok && (!r.advisory || STRICT);
  const bad = results.filter(counts);
  const warn = results.filter((r) => !r.ok && !counts(r));
  failed += bad.length;
  warned += warn.length;
  summary.push(`${v}: ${results.length - bad.length - warn.length}/${results.length}${warn.length ? ` (${warn.length} warn)` : ''}`);
  console.log(`\n== ${v}: ${bad.length ? `FAIL (${bad.length} of ${results.length})` : `ok (${results.length - warn.length} of ${results.length})`}${warn.length ? `, ${warn.length} advisory WARN` : ''}`);
  for (const r of results) {
    if (!r.ok) console.log(`  ${counts(r) ? 'FAIL' : 'WARN'} ${r.name}\n       ${r.error.split('\n').join('\n       ')}`);
    else if (VERBOSE) console.log(`  ok   ${r.name}${typeof r.info === 'string' ? ` (${r.info})` : ''}`);
  }
}
const total = [...done.values()].reduce((n, { results }) => n + results.length, 0);
console.log(`\nsummary: ${summary.join('; ')}`);
console.log(`client: ${total - failed - warned} passed, ${failed} failed${warned ? `, ${warned} warned (advisory; --strict counts them)` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exit(failed ? 1 : 0);
