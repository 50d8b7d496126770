'use strict';
// Finds the livechat-mock binary of this machine's platform package, as esbuild, swc and biome
// do: one optional dependency per platform, npm installs only the one whose os/cpu/libc match.

const fs = require('node:fs');
const path = require('node:path');

/** The platform packages this release ships, by `${platform}-${arch}-${libc}`. */
const PLATFORMS = {
  'linux-x64-gnu': '@livechat-mock/linux-x64-gnu',
};

const BINARY = 'livechat-mock';

/** 'gnu' or 'musl' on Linux, null elsewhere. */
function linuxLibc() {
  if (process.platform !== 'linux') return null;
  try {
    const report = process.report && process.report.getReport();
    const header = report && (typeof report === 'string' ? JSON.parse(report) : report).header;
    if (header && header.glibcVersionRuntime) return 'gnu';
  } catch {
    // fall through to the loader check
  }
  try {
    if (fs.readdirSync('/lib').some((f) => f.startsWith('ld-musl-'))) return 'musl';
  } catch {
    // no /lib: assume the common case
  }
  return 'musl';
}

/** This machine's key into PLATFORMS, e.g. 'linux-x64-gnu' or 'darwin-arm64'. */
function platformKey() {
  const libc = linuxLibc();
  return [process.platform, process.arch, libc].filter(Boolean).join('-');
}

class BinaryNotFoundError extends Error {
  constructor(message) {
    super(message);
    this.name = 'BinaryNotFoundError';
  }
}

/**
 * The absolute path of the binary to run.
 *
 * `LIVECHAT_MOCK_BINARY` (a path) wins, for a binary built with cargo or an unsupported platform.
 * @returns {string}
 */
function binaryPath() {
  const override = process.env.LIVECHAT_MOCK_BINARY;
  if (override) {
    if (!fs.existsSync(override)) {
      throw new BinaryNotFoundError(`LIVECHAT_MOCK_BINARY is set to ${override}, which does not exist`);
    }
    return path.resolve(override);
  }
  const key = platformKey();
  const pkg = PLATFORMS[key];
  if (!pkg) {
    throw new BinaryNotFoundError(
      `livechat-mock has no prebuilt binary for this platform (${key}; ` +
        `process.platform=${process.platform}, process.arch=${process.arch}` +
        (process.platform === 'linux' ? `, libc=${linuxLibc() === 'gnu' ? 'glibc' : 'musl'}` : '') +
        `). Prebuilt: ${Object.keys(PLATFORMS).join(', ')}.\n` +
        `Build it from source (cargo install --git <repository> livechat-mock) and point ` +
        `LIVECHAT_MOCK_BINARY at the binary, or use the container image.`,
    );
  }
  let file;
  try {
    file = require.resolve(`${pkg}/bin/${BINARY}`);
  } catch {
    throw new BinaryNotFoundError(
      `livechat-mock: the platform package ${pkg} is not installed. It is an optional ` +
        `dependency of livechat-mock; it is skipped by --omit=optional / --no-optional, by a ` +
        `lockfile made on another platform, or when node_modules was copied from another ` +
        `machine. Reinstall with optional dependencies (npm i -D livechat-mock), or set ` +
        `LIVECHAT_MOCK_BINARY to a livechat-mock binary.`,
    );
  }
  ensureExecutable(file);
  return file;
}

/** Some package managers and archive tools drop the executable bit: put it back if we can. */
function ensureExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    try {
      fs.chmodSync(file, 0o755);
    } catch {
      // read-only node_modules: spawn will report EACCES with the path
    }
  }
}

module.exports = { binaryPath, platformKey, PLATFORMS, BinaryNotFoundError };
