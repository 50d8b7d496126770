#!/usr/bin/env node
// Differential conformance run: the oracle (lib/oracle.mjs) against livechat-mock.
//   node run.mjs [--releases a,b] [--count N] [--seed S] [--bin PATH] [--conns C]
//                [--examples K] [--json FILE] [--qs-override qs-6.15.3] [--parallel P]
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, ReleaseOracle, loadReleaseTable } from './lib/oracle.mjs';
import { RawConnection } from './lib/client.mjs';
import { makeGenerator, PATH } from './lib/generator.mjs';
import { diagnose } from './lib/diagnose.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf('--' + name);
  return i >= 0 ? args[i + 1] : dflt;
};
const MAIN = path.resolve(ROOT, '..', '..');
const BIN = opt('bin', path.join(MAIN, 'target/release/livechat-mock'));
const COUNT = Number(opt('count', 20000));
const SEED = Number(opt('seed', 1));
const CONNS = Number(opt('conns', 8));
const EXAMPLES = Number(opt('examples', 3));
const PARALLEL = Number(opt('parallel', 2));
const JSON_OUT = opt('json', null);
const QS_OVERRIDE = opt('qs-override', null);
const OPTS_OVERRIDE = opt('qs-options-override', null);
const table = loadReleaseTable();
const releases = (opt('releases', null) || Object.keys(table).filter((k) => !k.startsWith('_')).join(',')).split(',');
const allow = JSON.parse(readFileSync(path.join(ROOT, 'not-emulated.json'), 'utf8'));
const fixtures = JSON.parse(readFileSync(path.join(MAIN, 'fixtures/visitors.json'), 'utf8'));
const USER = { id: 'rbAXPnMktTFbNpwtJ', token: 'RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f' };

if (!existsSync(BIN)) {
  console.error(`no mock binary at ${BIN} (build it, or pass --bin)`);
  process.exit(2);
}

function startMock(version) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['--port', '0', '--api-version', version, '--journal-size', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/([\d.]+):(\d+)/);
      if (m) resolve({ child, host: m[1], port: Number(m[2]) });
    });
    child.stderr.on('data', (d) => { err += d; if (err.length > 1e5) err = err.slice(-5e4); });
    child.on('exit', (code) => reject(new Error(`mock exited ${code}: ${err.slice(-2000)}`)));
    setTimeout(() => reject(new Error('mock did not print its address in 15 s')), 15000);
  });
}

const show = (b) => (b == null ? '(none)' : JSON.stringify(Buffer.from(b).toString('latin1')));
function kind(r) {
  if (r.status === 200) return '200 visitor';
  let e = '';
  try {
    const j = JSON.parse(Buffer.from(r.body).toString('utf8'));
    e = j.error !== undefined ? String(j.error) : JSON.stringify(j);
  } catch {
    e = Buffer.from(r.body || []).toString('latin1').slice(0, 60) || '(empty)';
  }
  return `${r.status} ${e}`;
}

function allowed(version, cause) {
  return allow.find((a) => (!a.releases || a.releases.includes(version)) && a.cause === cause);
}

async function runRelease(version) {
  const entry = structuredClone(table[version]);
  if (!entry) throw new Error(`release ${version} is not in releases.json`);
  if (QS_OVERRIDE) entry.qs.package = QS_OVERRIDE;
  if (OPTS_OVERRIDE) entry.qs.options = JSON.parse(OPTS_OVERRIDE);
  const oracle = await ReleaseOracle.create(version, entry, fixtures);
  const mock = await startMock(version);
  const headerBlock = Buffer.from(`Host: ${mock.host}:${mock.port}\r\nX-User-Id: ${USER.id}\r\nX-Auth-Token: ${USER.token}\r\n`);
  const conns = Array.from({ length: CONNS }, () => new RawConnection(mock.host, mock.port, headerBlock));
  // The 200 bytes: the mock's own answer to the plain request, per enabled visitor.
  for (const id of oracle.enabledIds) {
    const r = await conns[0].request(Buffer.from(`${PATH}?visitorId=${id}`));
    if (r.status !== 200) throw new Error(`${version}: plain visitorId=${id} answered ${r.status} ${show(r.body)}`);
    oracle.okBodies.set(id, r.body);
  }
  const knownIds = [...oracle.enabledIds];
  const otherIds = fixtures.filter((v) => v.disabled === true).map((v) => v._id).concat(['000000000000000000000000', 'nope']);
  const next = makeGenerator(SEED, { knownIds, otherIds });
  const targets = Array.from({ length: COUNT }, next);

  const classes = new Map();
  let agree = 0;
  let differ = 0;
  let idx = 0;
  async function worker(conn) {
    while (idx < targets.length) {
      const target = targets[idx++];
      const want = await oracle.expect(target);
      const got = await conn.request(target);
      const gotType = got.headers?.['content-type'] ?? null;
      const same = want.status === got.status && (want.contentType ?? null) === gotType && Buffer.compare(Buffer.from(want.body), Buffer.from(got.body || [])) === 0;
      if (same) { agree++; continue; }
      differ++;
      const cause = await diagnose(oracle, target, got);
      const cls = `${cause}: oracle ${kind(want)} [${want.why}] | mock ${kind(got)}${(want.contentType ?? null) !== gotType && want.status === got.status ? ` (content-type ${want.contentType} vs ${gotType})` : ''}`;
      let c = classes.get(cls);
      if (!c) classes.set(cls, (c = { count: 0, examples: [] }));
      c.count++;
      if (c.examples.length < EXAMPLES) {
        const q = (await oracle.queryFor(target)).query;
        c.examples.push({ target: target.toString('latin1'), parsedQuery: q, oracle: { status: want.status, contentType: want.contentType, body: Buffer.from(want.body).toString('latin1'), params: want.params, qsError: want.detail }, mock: { status: got.status, contentType: gotType, body: Buffer.from(got.body || []).toString('latin1') } });
      }
    }
  }
  const t0 = Date.now();
  await Promise.all(conns.map(worker));
  const ms = Date.now() - t0;
  conns.forEach((c) => c.close());
  mock.child.removeAllListeners('exit');
  mock.child.kill('SIGTERM');
  return { version, entry, agree, differ, ms, classes };
}

const results = [];
const queue = [...releases];
await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, async () => {
  while (queue.length) results.push(await runRelease(queue.shift()));
}));
results.sort((a, b) => releases.indexOf(a.version) - releases.indexOf(b.version));

let unexplained = 0;
for (const r of results) {
  console.log(`\n=== ${r.version}  (qs ${r.entry.qs.package} ${JSON.stringify(r.entry.qs.options)}, target ${r.entry.target.model}, ${r.entry.restTypings.package})`);
  const byCause = new Map();
  for (const [cls, c] of r.classes) {
    const cause = cls.slice(0, cls.indexOf(': oracle'));
    let g = byCause.get(cause);
    if (!g) byCause.set(cause, (g = { count: 0, pairs: [], examples: [] }));
    g.count += c.count;
    g.pairs.push([cls.slice(cause.length + 2), c.count]);
    for (const e of c.examples) if (g.examples.length < EXAMPLES) g.examples.push(e);
  }
  r.byCause = Object.fromEntries(byCause);
  for (const [cause, g] of [...byCause].sort((a, b) => b[1].count - a[1].count)) {
    const a = allowed(r.version, cause);
    if (!a) unexplained += g.count;
    console.log(`  [${g.count}] ${cause}${a ? `  (not emulated: ${a.reason.slice(0, 90)}...)` : ''}`);
    for (const [p, n] of g.pairs.sort((x, y) => y[1] - x[1])) console.log(`        ${String(n).padStart(5)}  ${p}`);
    for (const e of g.examples) {
      console.log(`      target: ${JSON.stringify(e.target).slice(0, 400)}`);
      console.log(`        router's query: ${JSON.stringify(e.parsedQuery).slice(0, 300)}${e.oracle.params ? `  qs->ajv data: ${JSON.stringify(e.oracle.params).slice(0, 300)}` : ''}${e.oracle.qsError ? `  qs threw: ${e.oracle.qsError}` : ''}`);
      console.log(`        oracle: ${e.oracle.status} ${e.oracle.contentType} ${JSON.stringify(e.oracle.body).slice(0, 200)}`);
      console.log(`        mock:   ${e.mock.status} ${e.mock.contentType} ${JSON.stringify(e.mock.body).slice(0, 200)}`);
    }
  }
}
console.log('\nrelease   agree  differ   ms');
for (const r of results) console.log(`${r.version.padEnd(8)} ${String(r.agree).padStart(6)} ${String(r.differ).padStart(7)} ${String(r.ms).padStart(6)}`);
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results.map((r) => ({ ...r, classes: Object.fromEntries(r.classes), byCause: r.byCause })), null, 1));
console.log(unexplained ? `\n${unexplained} differences not in not-emulated.json` : '\nno unexplained differences');
process.exit(unexplained ? 1 : 0);
