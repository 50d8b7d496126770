// The ESM entry of the MSW bridge: uses msw's ESM build, the one `msw/node` imports under ESM.
import * as msw from 'msw';
import bridge from './lib/msw-handlers.js';

export const PATTERNS = bridge.PATTERNS;

/** @param {import('./msw').HandlersOptions} options */
export function handlers(options) {
  return bridge.createHandlers((options && options.msw) || msw, options);
}

export default { handlers, PATTERNS };
