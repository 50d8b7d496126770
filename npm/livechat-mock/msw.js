'use strict';
// MSW (v2) request handlers that send Rocket.Chat Livechat calls to a running livechat-mock.
// msw is an optional peer dependency: it is loaded only when this file is.

const { createHandlers, PATTERNS } = require('./lib/msw-handlers.js');

/**
 * @param {import('./msw').HandlersOptions} options
 */
function handlers(options) {
  let msw = options && options.msw;
  if (!msw) {
    try {
      msw = require('msw');
    } catch (error) {
      throw new Error(`livechat-mock/msw needs msw@^2 installed (npm i -D msw): ${error.message}`);
    }
  }
  return createHandlers(msw, options);
}

module.exports = { handlers, PATTERNS };
module.exports.default = module.exports;
