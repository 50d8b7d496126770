// A seeded generator of adversarial query strings for visitors.info. Returns raw target bytes
// (Buffers: everything after `GET ` up to ` HTTP/1.1`). Deterministic for a given seed.
export const PATH = '/api/v1/livechat/visitors.info';

export function rng(seed) {
  // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PROTO = ['toString', 'valueOf', '__proto__', 'constructor', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__', 'prototype', 'length'];
const CASES = ['visitorid', 'VisitorId', 'VISITORID', 'visitorID', 'visitorId ', 'visitor_id', 'visitorIds', 'visitorI', 'Visitorid'];
const ENC_KEYS = ['visitor%49d', '%76isitorId', 'visitorI%64', '%76%69%73%69%74%6F%72%49%64', 'visitor%49D', 'visitorId%00', 'visitor%2549d', 'visitorId%20', '+visitorId', 'visitor+Id', 'visitorId%3D'];
const INDICES = [0, 1, 2, 5, 19, 20, 21, 22, 99, 100, 499, 500, 501, 502, 999, 1000, 1001, 4294967295, 4294967296];
const RAW_PUNCT = '!"$\'()*+,-./:;<>@\\^_`{|}~';

export function makeGenerator(seed, { knownIds, otherIds }) {
  const r = rng(seed);
  const pick = (arr) => arr[Math.floor(r() * arr.length)];
  const chance = (p) => r() < p;
  const int = (n) => Math.floor(r() * n);

  const rawByte = () => String.fromCharCode(0x21 + int(0x7e - 0x21 + 1));
  const rawBytes = (n) => Array.from({ length: n }, rawByte).join('');
  const idLike = () => pick(knownIds);

  function value() {
    const k = int(20);
    if (k < 6) return idLike();
    if (k === 6) return pick(otherIds);
    if (k === 7) return '';
    if (k === 8) return idLike().replace(/./g, (c) => (chance(0.3) ? '%' + c.charCodeAt(0).toString(16).padStart(2, chance(0.5) ? '0' : '0').toUpperCase() : c));
    if (k === 9) return idLike() + pick(['+', '%20', '%', '%zz', '%2', '%E0%A4%A', '=', '==x', '%00', '%C3%A9', '%F0%9F%98%80', '%ED%A0%80', '%FF']);
    if (k === 10) return pick(['+', '%20']) + idLike();
    if (k === 11) return rawBytes(1 + int(12));
    if (k === 12) return idLike() + pick(['#', '?', '#x', '?x=1', '"', '<', '>', "'", '`', '{}', '|', '\\', '^']);
    if (k === 13) return pick(['%5B%5D', '[]', ']', '[', '%26visitorId%3Dx', '%3D', 'a%26b']);
    if (k === 14) return idLike().toUpperCase();
    if (k === 15) return idLike().slice(0, 23);
    if (k === 16) return 'x'.repeat(int(5)) + pick(RAW_PUNCT.split(''));
    return pick(['abc', 'null', 'undefined', 'true', '1', '0', '[object Object]', idLike() + idLike()]);
  }

  function bracket() {
    const k = int(22);
    if (k < 3) return '[]';
    if (k < 6) return `[${pick(INDICES)}]`;
    if (k === 6) return `[${pick(PROTO)}]`;
    if (k === 7) return pick(['%5B%5D', '%5b%5d', '%5B0%5D', '[%5D', '%5B]', '%5B' + pick(PROTO) + '%5D']);
    if (k === 8) return pick(['[', ']', '[a', 'a]', '[[a]]', '[]]', '[[]', '][', '[a[b]', '[a]b', '[a]]', '[]a']);
    if (k === 9) return Array.from({ length: 4 + int(5) }, () => pick(['[a]', '[]', '[0]', '[b]', '[1]'])).join('');
    if (k === 10) return '[' + pick(['k', 'visitorId', '', ' ', '+', '%20', '-1', '01', '1e2', '0x1', '1.5']) + ']';
    if (k === 11) return '[]'.repeat(2 + int(6));
    if (k === 12) return `[${pick(INDICES)}][${pick(['', 'a', '0', pick(PROTO)])}]`;
    if (k === 13) return '.' + pick(['a', pick(PROTO)]);
    return '';
  }

  function key() {
    const k = int(20);
    let base;
    if (k < 9) base = 'visitorId';
    else if (k < 11) base = pick(CASES);
    else if (k < 13) base = pick(ENC_KEYS);
    else if (k < 16) base = pick(PROTO);
    else if (k === 16) base = '';
    else if (k === 17) base = pick(['count', 'offset', '_', 'access_token', 'fields', 'query', 'sort', 'a', '0', '1']);
    else if (k === 18) base = rawBytes(1 + int(6));
    else base = pick(['[visitorId]', '%5BvisitorId%5D', 'visitorId]', '[]', '[0]', '[' + pick(PROTO) + ']']);
    return base + (chance(0.45) ? bracket() : '');
  }

  function part() {
    const k = int(12);
    if (k < 8) return key() + '=' + value();
    if (k === 8) return key(); // no '='
    if (k === 9) return key() + pick(['==', '=]=', ']=', '=&', '']) + value();
    if (k === 10) return ''; // empty part (&&)
    return key() + '=' + value() + pick(['=', '=x', '&', ']=y']);
  }

  function repeated() {
    const n = pick([19, 20, 21, 22, 100, 499, 500, 501, 502, 600, 999, 1000, 1001, 1002, 1100]);
    const unit = pick([
      () => `visitorId=${idLike()}`,
      () => 'visitorId=x',
      () => 'visitorId[]=x',
      () => 'visitorId',
      () => 'visitorId=',
      () => 'a[]=1',
      () => 'a=1',
      () => '',
      () => `visitorId[${int(600)}]=x`,
      () => 'a',
      () => `k${int(100000)}=1`,
    ]);
    const parts = Array.from({ length: n }, () => unit());
    // sometimes mix in the real id somewhere
    if (chance(0.5)) parts.splice(int(parts.length + 1), 0, `visitorId=${idLike()}`);
    if (chance(0.2)) parts.splice(int(parts.length + 1), 0, `visitorId[${pick(INDICES)}]=${idLike()}`);
    return parts.join(pick(['&', '&', '&', '&&']));
  }

  function indices() {
    // visitorId[i]=..&visitorId[j]=.. with indices around the array limits
    const n = 1 + int(4);
    return Array.from({ length: n }, () => `visitorId[${pick(INDICES.concat([int(600), int(30)]))}]=${chance(0.7) ? idLike() : value()}`).join('&');
  }

  return function next() {
    for (;;) {
      const mode = int(20);
      let q;
      if (mode < 2) q = repeated();
      else if (mode < 4) q = indices();
      else if (mode === 4) q = `visitorId=${idLike()}`;
      else if (mode === 5) q = `visitorId=${idLike()}&${Array.from({ length: 1 + int(3) }, part).join('&')}`;
      else {
        const n = 1 + int(chance(0.8) ? 3 : 8);
        q = Array.from({ length: n }, part).join(chance(0.9) ? '&' : pick([';', '&amp;', '&&', ',']));
      }
      // second `?`, raw `#`, leading `?`/`&`
      if (chance(0.05)) q = '?' + q;
      if (chance(0.04)) q = '&' + q;
      if (chance(0.05)) { const i = int(q.length + 1); q = q.slice(0, i) + pick(['?', '#', '#?', '?#']) + q.slice(i); }
      let target = Buffer.from(chance(0.01) ? PATH : PATH + '?' + q, 'latin1');
      // rarely: raw UTF-8 bytes in the target (Node's parser refuses them)
      if (chance(0.01)) target = Buffer.concat([target, Buffer.from(pick(['é', '😀', 'ÿ']), 'utf8')]);
      if (target.length <= 7900) return target;
    }
  };
}
