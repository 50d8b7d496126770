#!/usr/bin/env node
// fields.mjs: ILivechatVisitor's fields per release, from @rocket.chat/core-typings' .d.ts (read with
// the TypeScript compiler API), against the mock's schemas/livechat-visitor.json (the stored
// visitor) and schemas/visitors.info.200.json (what the 200 carries at that release, honouring
// x-livechat-mock-since/-until). Exit 1 when upstream adds, drops or retypes a field the schemas
// do not follow. `--registry` also asks npm whether a newer patch or minor is published than the
// ones pinned in package.json (and fails if so).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { interfaceShapes, findDts, endpointReturnText, show } from './lib/ts-shape.mjs';
import { loadSchemas, objectFields, toObjectShape, applies } from './lib/schema-shape.mjs';
import { ROOT, changeTable, has, cmp, parse } from './lib/versions.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NM = path.join(HERE, 'node_modules');
const pkg = JSON.parse(readFileSync(path.join(HERE, 'package.json'), 'utf8'));
const pinned = (prefix) => Object.keys(pkg.dependencies).filter((d) => d.startsWith(prefix))
  .map((d) => d.slice(prefix.length)).sort(cmp);

// Fields the real server leaves out of the 200 although the typings declare them: not counted as
// disagreements, but the mock's version table must switch at the same release.
const SERVER_STRIPS = [
  { field: 'token', since: '8.5.0', id: 'token-hidden',
    why: 'visitors.info changelog "8.5.0 The token field is no longer returned"; rest-typings still types the 200 as { visitor: ILivechatVisitor } (token required)' },
];

// Where the schema admits more than the typing because the server stores more: each a field's
// type as the typing gives it, the schema's, and the source. Compared exactly, so an upstream
// change still shows.
const SERVER_STORES_MORE = [
  { field: 'contactManager',
    upstream: '{_id?:string, emails?:{address:string}[], name?:string, username:string}',
    schema: '{_id?:string, emails?:{address:string, verified?:boolean}[], name?:string, username:string}',
    why: 'registration copies the agent\'s user e-mails into contactManager whole, `verified` included (issue 21; packages/omni-core/src/visitor/create.ts 00613e65)' },
];

const { table, from } = changeTable();
const argAt = (flag) => { const i = process.argv.indexOf(flag); return i > 0 ? process.argv[i + 1] : undefined; };
const SCHEMAS = path.resolve(argAt('--schemas') ?? path.join(ROOT, 'schemas'));
const S = loadSchemas(SCHEMAS);
const problems = [];
const notes = [];

// 1. What is pinned, and (optionally) whether the registry has something newer.
const releases = pinned('ct-');
if (process.argv.includes('--registry')) {
  const all = JSON.parse(execFileSync('npm', ['view', '@rocket.chat/core-typings', 'versions', '--json'], { encoding: 'utf8' }))
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v) && parse(v)[0] >= 7);
  const newest = new Map();
  for (const v of all) { const k = v.split('.').slice(0, 2).join('.'); if (!newest.has(k) || cmp(v, newest.get(k)) > 0) newest.set(k, v); }
  for (const [minor, v] of newest) {
    if (!releases.includes(v)) problems.push(`registry: @rocket.chat/core-typings ${v} (newest ${minor}.x) is published but not pinned as ct-${v} in package.json`);
  }
  console.log(`registry: newest patch per minor >= 7.0: ${[...newest.values()].join(', ') || '(none)'}`);
}

// 2. The upstream shapes.
const files = releases.map((v) => {
  const f = findDts(path.join(NM, `ct-${v}`));
  if (!f) throw new Error(`ct-${v}: no ILivechatVisitor.d.ts found (run npm ci)`);
  return f;
});
const shapes = interfaceShapes(files);

for (const s of SERVER_STRIPS) {
  if (table[s.id] !== s.since) problems.push(`version table (${from}): ${s.id} switches at ${table[s.id]}, the server strips ${s.field} from ${s.since}`);
}

const compare = (label, upstream, schema, excused = new Set()) => {
  const out = [];
  const names = new Set([...Object.keys(upstream.props), ...Object.keys(schema.props)]);
  for (const n of [...names].sort()) {
    const u = upstream.props[n];
    const m = schema.props[n];
    if (u && !m) out.push(`${label}: upstream has ${n}${u.optional ? '?' : ''}: ${show(u.type)}; the schema does not`);
    else if (!u && m && !excused.has(n)) out.push(`${label}: the schema has ${n}${m.optional ? '?' : ''}: ${show(m.type)}; upstream does not`);
    else if (u && m) {
      if (u.optional !== m.optional) out.push(`${label}: ${n} is ${u.optional ? 'optional' : 'required'} upstream, ${m.optional ? 'optional' : 'required'} in the schema`);
      const more = SERVER_STORES_MORE.find((x) => x.field === n && x.upstream === show(u.type) && x.schema === show(m.type));
      if (more) notes.push(`${n}: the schema admits ${more.schema} where the typing has ${more.upstream} (${more.why})`);
      else if (show(u.type) !== show(m.type)) out.push(`${label}: ${n} is ${show(u.type)} upstream, ${show(m.type)} in the schema`);
    }
  }
  return out;
};

console.log(`schemas: ${SCHEMAS}`);
console.log(`version table from ${from}: ${Object.entries(table).map(([k, v]) => `${k}@${v}`).join(', ')}`);
console.log('');
const summary = [];
let previous = {};
for (const [i, v] of releases.entries()) {
  const { shape: upstream, unresolved } = shapes[i];
  if (unresolved.length) problems.push(`core-typings ${v}: types the compiler could not resolve: ${unresolved.join(', ')}`);
  if (upstream.k !== 'object') { problems.push(`core-typings ${v}: ILivechatVisitor is not an object type`); continue; }

  // The stored visitor: livechat-visitor.json (version-independent), a field the 200 forbids at v
  // (`not: {}` that applies at v) being the mock's statement that the field did not exist yet.
  const storedFile = 'livechat-visitor.json';
  const stored = toObjectShape(objectFields(S, storedFile, S.load(storedFile), table, v));
  const r200File = 'visitors.info.200.json';
  const r200Node = S.load(r200File).properties.visitor;
  const forbidden = new Set(Object.entries(r200Node.properties || {})
    .filter(([, sub]) => sub.not && Object.keys(sub.not).length === 0 && applies(sub, table, v)).map(([n]) => n));
  const p1 = compare(`${v} stored (${storedFile})`, upstream, stored, forbidden);

  // The 200 at v: upstream less what the server strips at v.
  const expected = { k: 'object', props: { ...upstream.props } };
  for (const s of SERVER_STRIPS) {
    if (cmp(v, s.since) >= 0 && expected.props[s.field]) {
      delete expected.props[s.field];
      notes.push(`${v}: 200 leaves out ${s.field} although core-typings declares it required (${s.why})`);
    }
  }
  const r200 = toObjectShape(objectFields(S, r200File, r200Node, table, v));
  const p2 = compare(`${v} 200 (${r200File})`, expected, r200);
  problems.push(...p1, ...p2);

  const req = Object.keys(upstream.props).filter((n) => !upstream.props[n].optional).sort();
  const opt = Object.keys(upstream.props).filter((n) => upstream.props[n].optional).sort();
  console.log(`core-typings ${v}: ${Object.keys(upstream.props).length} fields; required ${req.join(', ')}; optional ${opt.join(', ')}`);
  const listing = Object.entries(upstream.props).sort().map(([n, f]) => `    ${n}${f.optional ? '?' : ''}: ${show(f.type)}`).join('\n');
  if (listing === previous.listing) console.log(`    (types as in ${previous.v})`);
  else console.log(listing);
  previous = { listing, v };
  console.log(`  200 at ${v} per schema: ${Object.keys(r200.props).sort().join(', ')}${forbidden.size ? ` (forbidden: ${[...forbidden].join(', ')})` : ''}`);
  const verdict = p1.length + p2.length ? `FAIL (${p1.length + p2.length})` : 'ok';
  console.log(`  stored: ${p1.length ? 'FAIL' : 'ok'}; 200: ${p2.length ? 'FAIL' : 'ok'}`);
  for (const p of [...p1, ...p2]) console.log(`  - ${p}`);
  summary.push(`${v}: ${verdict}`);
}

// 3. What rest-typings says the 200 is, per pinned rest-typings.
console.log('');
for (const v of pinned('rt-')) {
  const f = path.join(NM, `rt-${v}`, 'dist', 'v1', 'omnichannel.d.ts');
  let text = null;
  try { text = endpointReturnText(f, '/v1/livechat/visitors.info'); } catch { /* reported below */ }
  if (!text) problems.push(`rest-typings ${v}: no GET '/v1/livechat/visitors.info' in ${path.relative(HERE, f)}`);
  console.log(`rest-typings ${v}: GET /v1/livechat/visitors.info returns ${text}`);
}

const missing = [];
for (const m of ['7.x', '8.0', '8.1', '8.2', '8.3', '8.4', '8.5', '8.6', '8.7', '8.8', '9.0']) {
  if (!releases.some((v) => v.startsWith(m.replace('.x', '.')) )) missing.push(m);
}
console.log('');
if (missing.length) console.log(`no pinned core-typings for: ${missing.join(', ')} (not published on the registry as of 2026-12-01; see README)`);
for (const n of [...new Set(notes)]) console.log(`note: ${n}`);
console.log('');
console.log(`summary: ${summary.join('; ')}`);
if (problems.length) {
  console.log(`\n${problems.length} disagreement(s):`);
  for (const p of problems) console.log(`  FAIL ${p}`);
  process.exit(1);
}
console.log('fields: all releases agree with the schemas');
