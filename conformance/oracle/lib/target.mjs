// How a raw request target (the bytes after `GET ` on the request line) becomes the query string
// that qs parses, for each of the two request paths Rocket.Chat has had.
import { createRequire } from 'node:module';
import { Hono } from 'hono';

const require = createRequire(import.meta.url);
const parseurl = require('parseurl');

// Node's HTTP parser hands the target to `req.url` as a latin1 string, `#fragment` included
// (llhttp passes the whole URL span). The test client sends only bytes 0x21-0x7E plus, rarely,
// UTF-8 bytes; `Buffer.toString('latin1')` is what Node's `req.url` holds.
export function nodeReqUrl(targetBytes) {
  return Buffer.from(targetBytes).toString('latin1');
}

// --- Hono era -------------------------------------------------------------------------------
// packages/http-router/src/middlewares/honoAdapterForExpress.ts:
//   const honoRes = await hono.request(expressReq.originalUrl, { ...req, headers }, { incoming })
// Hono's `app.request(path)` builds `new Request('http://localhost' + mergePath('/', path))`;
// the WHATWG URL parser drops `#fragment` and percent-encodes `"`, `<`, `>`, `'` (and non-ASCII)
// in the query. packages/http-router/src/Router.ts then reads
//   parseQueryParams(request.raw.url.split('?')?.[1] || '')
// so everything after a second `?` is dropped. We run the real Hono to get `request.raw.url`.
const probe = new Hono();
probe.all('*', (c) => c.text(c.req.raw.url));
const honoCache = new Map();

export async function honoQuery(reqUrl) {
  const hit = honoCache.get(reqUrl);
  if (hit !== undefined) return hit;
  let q;
  try {
    const seen = await (await probe.request(reqUrl)).text();
    q = { query: seen.split('?')?.[1] || '', rawUrl: seen };
  } catch (err) {
    q = { error: String(err && err.message) };
  }
  if (honoCache.size > 200000) honoCache.clear();
  honoCache.set(reqUrl, q);
  return q;
}

// --- Express era ----------------------------------------------------------------------------
// apps/meteor/app/api/server/router.ts (express Router): `queryParams: req.query`; Express's
// query middleware computes `parseUrl(req).query` (parseurl@1.3.3: the fast path splits at the
// first `?`; a target holding `#`, space or a few other bytes goes through Node's legacy
// `url.parse`, which drops the fragment and escapes `"<>'\\^\`{|}`), then calls the app's query
// parser on it.
export function expressQuery(reqUrl) {
  try {
    const q = parseurl({ url: reqUrl });
    return { query: (q && q.query) || '' };
  } catch (err) {
    return { error: String(err && err.message) };
  }
}

// What Hono's `c.json(obj, 400)` writes as Content-Type (Router.ts answers a qs throw with
// `c.json({ success: false, error: 'Invalid query parameters' }, 400)`).
export async function honoJsonContentType() {
  const app = new Hono();
  app.get('/', (c) => c.json({ success: false }, 400));
  const res = await app.request('/');
  return res.headers.get('content-type');
}
