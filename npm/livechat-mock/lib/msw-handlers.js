'use strict';
// The MSW bridge, independent of which msw module (CommonJS or ESM) supplies `http` and
// `bypass`: msw.js and msw.mjs pass their own, so handlers and server come from one instance.

/** The paths forwarded to the mock: the Livechat API and login, on any origin. */
const PATTERNS = ['*/api/v1/livechat/*', '*/api/v1/login'];

// Hop-by-hop headers, and those fetch sets itself.
const DROPPED_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-encoding']);

function createHandlers(msw, options) {
  const { http, bypass } = msw;
  const { mockUrl, patterns = PATTERNS, fetch: fetchImpl = globalThis.fetch } = options || {};
  if (!mockUrl) throw new TypeError('livechat-mock/msw: handlers({ mockUrl }) needs the mock URL (mock.url)');
  if (!http || typeof http.all !== 'function') {
    throw new TypeError('livechat-mock/msw: msw@^2 is needed (its `http` export was not found)');
  }
  const base = new URL(mockUrl);

  const forward = async ({ request }) => {
    const from = new URL(request.url);
    const target = new URL(from.pathname + from.search, base);
    const headers = new Headers();
    request.headers.forEach((value, name) => {
      if (!DROPPED_REQUEST_HEADERS.has(name.toLowerCase())) headers.append(name, value);
    });
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const init = {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      redirect: 'manual',
    };
    // bypass() marks the request so this same MSW instance lets it through to the network.
    const outgoing = typeof bypass === 'function' ? bypass(target.href, init) : new Request(target.href, init);
    let answer;
    try {
      answer = await fetchImpl(outgoing);
    } catch {
      // The mock closed the connection (the `reset` outcome) or is not running: a network error.
      return Response.error();
    }
    const responseHeaders = new Headers();
    // fetch has decoded a compressed body: its length is no longer the header's.
    const decoded = answer.headers.has('content-encoding');
    answer.headers.forEach((value, name) => {
      const lower = name.toLowerCase();
      if (DROPPED_RESPONSE_HEADERS.has(lower) || (decoded && lower === 'content-length')) return;
      responseHeaders.append(name, value);
    });
    const body = request.method === 'HEAD' || [204, 304].includes(answer.status) ? null : await answer.arrayBuffer();
    return new Response(body, { status: answer.status, statusText: answer.statusText, headers: responseHeaders });
  };

  return patterns.map((pattern) => http.all(pattern, forward));
}

module.exports = { createHandlers, PATTERNS };
