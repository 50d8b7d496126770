#!/usr/bin/env node
'use strict';
// Runs the platform binary with every argument, stdio inherited; forwards SIGINT, SIGTERM and
// SIGHUP (SIGHUP reloads the fixtures) and exits as the binary did.

const { spawn } = require('node:child_process');
const { binaryPath, BinaryNotFoundError } = require('../lib/binary.js');

let file;
try {
  file = binaryPath();
} catch (error) {
  if (error instanceof BinaryNotFoundError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const child = spawn(file, process.argv.slice(2), { stdio: 'inherit' });

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
};
for (const signal of SIGNALS) process.on(signal, forward);

child.on('error', (error) => {
  process.stderr.write(`livechat-mock: could not run ${file}: ${error.message}\n`);
  process.exit(1);
});

child.on('exit', (code, signal) => {
  for (const s of SIGNALS) process.removeListener(s, forward);
  if (signal) {
    // Die of the same signal, so the caller sees what the binary saw (128 + N in a shell).
    process.kill(process.pid, signal);
    // If the signal is ignored here, still end with the conventional code.
    setTimeout(() => process.exit(128 + (require('node:os').constants.signals[signal] || 0)), 100);
    return;
  }
  process.exit(code === null ? 1 : code);
});
