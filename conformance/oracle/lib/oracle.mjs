// The oracle: for one Rocket.Chat release and one raw request target, the exact answer
// (status, Content-Type, body bytes) the real server sends to an authenticated user holding
// view-l-room (agent.alice) for GET /api/v1/livechat/visitors.info.
//
// Pipeline, each step citing the source it follows (RocketChat/Rocket.Chat unless noted):
//  0. Node's HTTP parser (llhttp, strict): a request target holding a byte outside 0x21-0x7E
//     is refused before any JavaScript runs: `HTTP/1.1 400 Bad Request`, `Connection: close`,
//     no body (checked in this repo with Node 20's http server, see README "target bytes").
//  1. raw target -> query string: lib/target.mjs (Hono era: honoAdapterForExpress.ts +
//     Router.ts `request.raw.url.split('?')?.[1] || ''`; Express era: parseurl).
//  2. qs: Hono era, before PR #38222, Router.ts `qs.parse(query)` (qs defaults); after it,
//     packages/http-router/src/parseQueryParams.ts
//     `qs.parse(url, { arrayLimit: 500, throwOnLimitExceeded: true })`, and Router.ts
//       } catch (e) { ... return c.json({ success: false, error: 'Invalid query parameters' }, 400); }
//     (Content-Type from Hono's own `c.json`, measured by lib/target.mjs honoJsonContentType).
//  3. ajv: apps/meteor/server/api/v1/omnichannel/visitors.ts `validateParams:
//     isLivechatVisitorsInfoProps` (compiled in the release's dist/v1/omnichannel.js with its
//     Ajv instance: `coerceTypes: true` up to 8.5, `ajvQuery` with `coerceTypes: 'array'` from 8.6);
//     apps/meteor/server/api/ApiClass.ts:
//       throw new Meteor.Error('invalid-params', validatorFunc.errors?.map((error) => error.message).join('\n '));
//     and `failure(e.message, e.error)` -> {"success":false,"error":"<reason> [invalid-params]","errorType":"invalid-params"}
//     (Meteor.Error's message is `${reason} [${error}]`).
//  4. lookup: visitors.ts `const visitor = await LivechatVisitors.findOneEnabledById(visitorId)`
//     on the value ajv left in queryParams (coercion rewrites it in place); none ->
//     `API.v1.failure('visitor-not-found')` -> {"success":false,"error":"visitor-not-found"};
//     found -> 200 whose bytes are the mock's own for `?visitorId=<id>` (the 200 body itself is
//     out of scope here: it is what the mock answers for the plain request).
//  All of 2-4 answer through Router.ts with `Content-Type: application/json` (set with
//  Cache-Control/Pragma by the action's response path; c.json for the qs throw).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import './register.mjs';
import { nodeReqUrl, honoQuery, expressQuery, honoJsonContentType } from './target.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..');

export function loadReleaseTable(file = path.join(ROOT, 'releases.json')) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export const NODE_400 = { status: 400, contentType: null, body: Buffer.alloc(0), why: 'node-parser-400' };

const json = (obj) => Buffer.from(JSON.stringify(obj));

export class ReleaseOracle {
  static async create(version, entry, fixtures) {
    const o = new ReleaseOracle();
    o.version = version;
    o.entry = entry;
    o.qs = require(entry.qs.package);
    o.qsOptions = entry.qs.options || {};
    o.targetModel = entry.target.model;
    const mod = await import(`${entry.restTypings.package}/dist/v1/omnichannel.js`);
    o.validate = mod.isLivechatVisitorsInfoProps;
    o.enabledIds = new Set(fixtures.filter((v) => v.disabled !== true).map((v) => v._id));
    o.jsonType = await honoJsonContentType();
    o.okBodies = new Map(); // visitor id -> Buffer (filled by the runner from the mock)
    return o;
  }

  async queryFor(targetBytes) {
    const reqUrl = nodeReqUrl(targetBytes);
    return this.targetModel === 'express-parseurl' ? expressQuery(reqUrl) : honoQuery(reqUrl);
  }

  async expect(targetBytes) {
    for (const b of targetBytes) if (b < 0x21 || b > 0x7e) return NODE_400;
    const q = await this.queryFor(targetBytes);
    if (q.error) return { status: 500, contentType: null, body: Buffer.alloc(0), why: 'url-error ' + q.error };
    return this.expectQuery(q.query);
  }

  expectQuery(query) {
    let params;
    try {
      params = this.qs.parse(query, this.qsOptions);
    } catch (e) {
      return { status: 400, contentType: this.jsonType, body: json({ success: false, error: 'Invalid query parameters' }), why: 'qs-throw', detail: e.message };
    }
    if (!this.validate(params)) {
      const reason = this.validate.errors?.map((error) => error.message).join('\n ');
      return {
        status: 400,
        contentType: 'application/json',
        body: json({ success: false, error: `${reason} [invalid-params]`, errorType: 'invalid-params' }),
        why: 'ajv',
        params,
      };
    }
    const id = params.visitorId;
    if (typeof id === 'string' && this.enabledIds.has(id)) {
      const body = this.okBodies.get(id);
      return { status: 200, contentType: 'application/json', body, why: 'found', visitorId: id, params };
    }
    return { status: 400, contentType: 'application/json', body: json({ success: false, error: 'visitor-not-found' }), why: 'not-found', visitorId: id, params };
  }
}
