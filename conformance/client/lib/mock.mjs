// Starts one livechat-mock per release on a free port and stops it again (by its own pid).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './versions.mjs';

export const BINARY = process.env.LIVECHAT_MOCK_BIN || path.join(ROOT, 'target', 'release', 'livechat-mock');

export function startMock(version, extraArgs = []) {
  if (!existsSync(BINARY)) throw new Error(`no mock binary at ${BINARY} (build it, or set LIVECHAT_MOCK_BIN)`);
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, ['--port', '0', '--api-version', version, ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LIVECHAT_MOCK_LOG_FORMAT: 'json' },
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`mock ${version}: no "listening on" line within 5 s; stderr: ${err.slice(-500)}`)); }, 5000);
    child.stderr.on('data', (d) => { err += d; if (err.length > 65536) err = err.slice(-32768); });
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1].replace(/\/$/, ''),
          stderr: () => err,
          stop: () => new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 2000).unref();
          }),
        });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`mock ${version} exited (${code}) before listening; stderr: ${err.slice(-500)}`)); });
  });
}
