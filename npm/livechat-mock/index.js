'use strict';
// Start livechat-mock from JavaScript and drive its control API (/_mock/) with global fetch.

const { spawn } = require('node:child_process');
const { binaryPath, platformKey, PLATFORMS, BinaryNotFoundError } = require('./lib/binary.js');

const LOG_TAIL_BYTES = 256 * 1024;

/** A control API answer that was not 2xx. */
class MockControlError extends Error {
  constructor(method, path, status, body) {
    const detail = body && typeof body === 'object' && body.mock_error ? body.mock_error : JSON.stringify(body);
    super(`livechat-mock: ${method} ${path} answered ${status}: ${detail}`);
    this.name = 'MockControlError';
    this.status = status;
    this.body = body;
  }
}

/** `GET /_mock/verify` answered 409: some expectation was not met. `report` is its body. */
class VerifyError extends Error {
  constructor(report) {
    const unmet = (report.expectations || []).filter((e) => !e.met);
    const lines = [`livechat-mock: ${unmet.length} expectation(s) not met:`];
    for (const e of unmet) lines.push(`  - ${e.expectation}; received ${e.received}`);
    const recent = report.received_recently || [];
    if (recent.length) {
      lines.push('received instead (most recent last):');
      for (const r of recent) lines.push(`  - ${typeof r === 'string' ? r : JSON.stringify(r)}`);
    }
    super(lines.join('\n'));
    this.name = 'VerifyError';
    this.report = report;
  }
}

/** The child did not print its `listening on` line (it exited, failed to spawn, or timed out). */
class StartError extends Error {
  constructor(message, stderr) {
    super(stderr ? `${message}\n--- livechat-mock stderr ---\n${stderr.trimEnd()}` : message);
    this.name = 'StartError';
    this.stderr = stderr;
  }
}

function flagGiven(args, flag) {
  return args.some((a) => a === flag || a.startsWith(`${flag}=`));
}

function flagValue(args, flag) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
  }
  return undefined;
}

/**
 * Starts a mock and resolves once it accepts connections.
 * @param {import('./index').StartOptions} [options]
 * @returns {Promise<import('./index').Mock>}
 */
function start(options = {}) {
  const {
    apiVersion,
    args: extra = [],
    env: extraEnv = {},
    timeoutMs = 10000,
    port = 0,
    host,
    fixtures,
    adminToken,
    binary,
    printLogs = false,
  } = options;
  if (!Array.isArray(extra) || extra.some((a) => typeof a !== 'string')) {
    return Promise.reject(new TypeError('livechat-mock: args must be an array of strings'));
  }
  const args = [];
  if (!flagGiven(extra, '--port')) args.push('--port', String(port));
  if (host !== undefined && !flagGiven(extra, '--host')) args.push('--host', host);
  if (apiVersion !== undefined && !flagGiven(extra, '--api-version')) args.push('--api-version', apiVersion);
  if (fixtures !== undefined && !flagGiven(extra, '--fixtures')) args.push('--fixtures', fixtures);
  if (adminToken !== undefined && !flagGiven(extra, '--admin-token')) args.push('--admin-token', adminToken);
  args.push(...extra);

  const env = { ...process.env, ...extraEnv };
  const token = adminToken ?? flagValue(extra, '--admin-token') ?? env.LIVECHAT_MOCK_ADMIN_TOKEN;

  let file;
  try {
    file = binary || binaryPath();
  } catch (error) {
    return Promise.reject(error);
  }

  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let settled = false;
    let timer;

    const onParentExit = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.on('exit', onParentExit);

    const exited = new Promise((done) => {
      child.on('exit', (code, signal) => {
        process.removeListener('exit', onParentExit);
        done({ code, signal });
      });
    });

    const fail = (message) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(new StartError(message, stderr));
    };

    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.length > LOG_TAIL_BYTES) stderr = stderr.slice(-LOG_TAIL_BYTES);
      if (printLogs) process.stderr.write(chunk);
    });

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      if (settled) {
        if (printLogs) process.stdout.write(chunk);
        return;
      }
      stdout += chunk;
      const match = /^listening on (http:\/\/\S+)\s*$/m.exec(stdout);
      if (!match) return;
      settled = true;
      clearTimeout(timer);
      resolve(makeMock(child, match[1], exited, token, () => stderr));
    });

    child.on('error', (error) => fail(`livechat-mock: could not run ${file}: ${error.message}`));
    child.on('exit', (code, signal) => {
      // Let the last stderr chunk arrive before reporting.
      setImmediate(() =>
        fail(`livechat-mock exited before listening (${signal ? `signal ${signal}` : `exit code ${code}`})`),
      );
    });
    timer = setTimeout(
      () => fail(`livechat-mock did not print "listening on" within ${timeoutMs} ms`),
      timeoutMs,
    );
  });
}

function makeMock(child, url, exited, token, logs) {
  const base = url.replace(/\/+$/, '');

  async function control(method, path, { body, query, ok = [200, 201, 204] } = {}) {
    const target = new URL(`${base}/_mock/${path}`);
    if (query) {
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined && value !== null) target.searchParams.set(key, String(value));
      }
    }
    // `msw/passthrough` is MSW's bypass marker (what its `bypass()` adds): with MSW's
    // setupServer running in the same process, control calls still reach the mock, also under
    // onUnhandledRequest: 'error'. Anything else ignores it.
    const headers = { accept: 'application/json, msw/passthrough' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(target, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!ok.includes(response.status)) {
      throw new MockControlError(method, `/_mock/${path}`, response.status, parsed);
    }
    return { status: response.status, body: parsed };
  }

  const mock = {
    url: base,
    process: child,
    exited,
    logs,

    async stop({ timeoutMs = 15000 } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }, timeoutMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      }
      return exited;
    },

    async health() {
      return (await control('GET', 'health')).body;
    },

    async setOutcome(outcome, options = {}) {
      // The override body accepts exactly outcome, times, match and delay_ms
      // (deny_unknown_fields): anything else would be a 422, so it is refused here.
      const { times, match, delayMs, ...rest } = options;
      const unknown = Object.keys(rest);
      if (unknown.length) {
        throw new TypeError(`livechat-mock: setOutcome takes { times, match, delayMs }; unknown: ${unknown.join(', ')}`);
      }
      let body;
      if (Array.isArray(outcome)) {
        body = outcome; // a sequence: [{ outcome, times?, match? }, ...]
      } else {
        body = { outcome };
        if (times !== undefined) body.times = times;
        if (match !== undefined) body.match = match;
        // a number of milliseconds, or [min, max] drawn from the mock's seed
        if (delayMs !== undefined) body.delay_ms = delayMs;
      }
      return (await control('PUT', 'outcome', { body })).body;
    },

    async outcome() {
      return (await control('GET', 'outcome')).body;
    },

    async clearOutcome() {
      await control('DELETE', 'outcome');
    },

    async requests(filter = {}) {
      return (await control('GET', 'requests', { query: filter })).body.requests;
    },

    async clearRequests(filter = {}) {
      await control('DELETE', 'requests', { query: filter });
    },

    async expect(expectation) {
      return (await control('POST', 'expectations', { body: expectation })).body.index;
    },

    async expectations() {
      return (await control('GET', 'expectations')).body;
    },

    async clearExpectations() {
      await control('DELETE', 'expectations');
    },

    async verify() {
      const { status, body } = await control('GET', 'verify', { ok: [200, 409] });
      if (status === 409) throw new VerifyError(body);
      return body;
    },

    async reset() {
      await control('POST', 'reset');
    },

    async visitors() {
      return (await control('GET', 'visitors')).body.visitors;
    },

    async putVisitor(id, document) {
      return (await control('PUT', `visitors/${encodeURIComponent(id)}`, { body: document })).body;
    },

    async deleteVisitor(id) {
      await control('DELETE', `visitors/${encodeURIComponent(id)}`);
    },

    async coverage() {
      return (await control('GET', 'coverage')).body;
    },
  };
  if (typeof Symbol.asyncDispose === 'symbol') {
    mock[Symbol.asyncDispose] = () => mock.stop();
  }
  return mock;
}

module.exports = {
  start,
  binaryPath,
  platformKey,
  PLATFORMS,
  BinaryNotFoundError,
  StartError,
  MockControlError,
  VerifyError,
};
// So that `import lib from 'livechat-mock'` and `require('livechat-mock').default` agree with the types.
module.exports.default = module.exports;
