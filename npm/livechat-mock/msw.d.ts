// The CommonJS declarations (ESM: msw.d.mts, the same text; each names its own msw types).
import type { RequestHandler } from 'msw';

export interface HandlersOptions {
  /** The running mock, e.g. `mock.url` (`http://127.0.0.1:PORT`). */
  mockUrl: string | URL;
  /** Path patterns to forward; default `['*\/api/v1/livechat/*', '*\/api/v1/login']`. */
  patterns?: string[];
  /** The msw module to build handlers with (default: `require('msw')` / `import 'msw'`). */
  msw?: { http: typeof import('msw').http; bypass?: typeof import('msw').bypass };
  /** The fetch that reaches the mock; default the global one (with msw's `bypass`). */
  fetch?: typeof fetch;
}

/** `http.all(...)` handlers that forward method, headers and body to the mock and return its answer. */
export function handlers(options: HandlersOptions): RequestHandler[];
export const PATTERNS: readonly string[];

declare const _default: { handlers: typeof handlers; PATTERNS: typeof PATTERNS };
export default _default;
