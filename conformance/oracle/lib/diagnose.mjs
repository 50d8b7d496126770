// Counterfactual diagnosis of a difference: which single change to the oracle's model would make
// it answer what the mock answered. The first matching hypothesis names the class of difference.
import { createRequire } from 'node:module';
import { honoQuery, expressQuery, nodeReqUrl } from './target.mjs';

const require = createRequire(import.meta.url);
const QS_VERSIONS = ['6.11.0', '6.13.0', '6.14.0', '6.14.1', '6.14.2', '6.15.0', '6.15.1', '6.15.2', '6.15.3', '6.15.4', '6.16.0', '6.17.1'];
const QS_FEW = ['6.13.0', '6.14.0', '6.14.1', '6.15.3', '6.17.1'];
const LIMITS = { arrayLimit: 500, throwOnLimitExceeded: true };

const same = (want, got) => want.status === got.status && Buffer.compare(Buffer.from(want.body || []), Buffer.from(got.body || [])) === 0;

export async function diagnose(oracle, target, got) {
  const tried = [];
  const hasRaw = (re) => re.test(target.toString('latin1'));
  if (got.status === 400 && got.body.length === 0 && hasRaw(/["<>]/)) return 'mock-transport-refuses-raw-"<>';
  if (got.status === 400 && got.body.length === 0) return 'mock-transport-400-other';
  // A raw byte past 0x7F that the mock sees (before any '#') is the mock's to refuse; one in a
  // fragment never reaches it (hyper drops the fragment), so that is the fragment's difference.
  const hash = target.indexOf(0x23);
  const seen = hash >= 0 ? target.subarray(0, hash) : target;
  if ([...seen].some((b) => b >= 0x80)) return 'raw-non-ascii-target';
  const reqUrl = nodeReqUrl(target);
  const baseQuery = (oracle.targetModel === 'express-parseurl' ? expressQuery(reqUrl) : await honoQuery(reqUrl)).query;
  const withQs = (pkg, opts, query) => {
    const saved = [oracle.qs, oracle.qsOptions];
    oracle.qs = require(pkg);
    oracle.qsOptions = opts;
    try { return oracle.expectQuery(query); } finally { [oracle.qs, oracle.qsOptions] = saved; }
  };
  const cur = oracle.entry.qs.package;
  const curOpts = oracle.qsOptions;
  // 1. the fragment: hyper's http::Uri drops '#...' before the app sees it
  const i = reqUrl.indexOf('#');
  if (i >= 0) {
    const cut = reqUrl.slice(0, i);
    const q = oracle.targetModel === 'express-parseurl' ? expressQuery(cut).query : (await honoQuery(cut)).query;
    if (same(withQs(cur, curOpts, q), got)) return 'fragment-dropped-by-mock';
  }
  // 2. second '?': the mock keeps what follows it
  if (oracle.targetModel === 'hono') {
    const full = reqUrl.split('#')[0];
    const j = full.indexOf('?');
    if (j >= 0 && full.indexOf('?', j + 1) >= 0) {
      const q = (await honoQuery(full.slice(0, j + 1) + full.slice(j + 1).replace(/\?/g, '%3F'))).query;
      if (same(withQs(cur, curOpts, q), got)) return 'second-?-not-cut-by-mock';
    }
  }
  // 3. prototype keys: the mock keeps keys that qs drops
  if (same(withQs(cur, { ...curOpts, allowPrototypes: true }, baseQuery), got)) return 'mock-keeps-prototype-keys(allowPrototypes)';
  // 3b. both: second '?' kept and prototype keys kept
  if (oracle.targetModel === 'hono') {
    const full = reqUrl.split('#')[0];
    const j = full.indexOf('?');
    if (j >= 0 && full.indexOf('?', j + 1) >= 0) {
      const q = (await honoQuery(full.slice(0, j + 1) + full.slice(j + 1).replace(/\?/g, '%3F'))).query;
      if (same(withQs(cur, { ...curOpts, allowPrototypes: true }, q), got)) return 'second-?-not-cut-by-mock+mock-keeps-prototype-keys';
    }
  }
  // 3c. the mock looks for ']=' before turning %5B/%5D into brackets (qs <= 6.11 did; 6.12+ replaces
  //     /%5B/gi and /%5D/gi in the whole string first, lib/parse.js parseValues)
  if (/%5[bd]/i.test(baseQuery)) {
    for (const ap of [false, true]) if (same(withQs('qs-6.11.0', { ...curOpts, allowPrototypes: ap }, baseQuery), got)) return 'mock-splits-]=-before-%5B%5D-normalization(qs<=6.11)';
  }
  // 4. options / qs version
  if (Object.keys(curOpts).length && same(withQs(cur, {}, baseQuery), got)) return 'mock-has-no-limits(qs defaults)';
  if (!Object.keys(curOpts).length && same(withQs(cur, LIMITS, baseQuery), got)) return 'mock-applies-arrayLimit500+throw';
  const versions = baseQuery.length > 600 ? QS_FEW : QS_VERSIONS;
  const v = [];
  for (const ver of versions) {
    if (`qs-${ver}` === cur) continue;
    if (same(withQs(`qs-${ver}`, curOpts, baseQuery), got)) v.push(ver);
  }
  if (v.length) return `mock-parses-like-qs-${v[0]}..(${v.join(',')})`;
  const w = [];
  for (const ver of versions) for (const o of [{}, LIMITS]) for (const ap of [false, true]) {
    if (same(withQs(`qs-${ver}`, { ...o, allowPrototypes: ap }, baseQuery), got)) w.push(`${ver}${o.arrayLimit ? '+limits' : ''}${ap ? '+allowPrototypes' : ''}`);
  }
  if (w.length) return `mock-matches-only:${w.slice(0, 4).join(',')}`;
  tried.push('none');
  return 'unexplained';
}
