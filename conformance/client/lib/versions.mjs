// Release arithmetic and the mock's own table of behaviour changes (read, never written).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const parse = (v) => v.split('.').map(Number);
export const cmp = (a, b) => {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
};
export const gte = (a, b) => cmp(a, b) >= 0;

// The ids schema files name in x-livechat-mock-since/-until, with the release each arrived in.
// Read from the mock's src/base/versions.rs so the two cannot drift; the fallback is the table as
// of 2026-12-01.
const FALLBACK = {
  'permission-before-params': '8.0.0',
  'external-ids': '8.4.0',
  'token-hidden': '8.5.0',
  'single-string-arrays': '8.6.0',
  'no-401-legacy-keys': '9.0.0',
};

export function changeTable() {
  try {
    const src = readFileSync(path.join(ROOT, 'src', 'base', 'versions.rs'), 'utf8');
    const table = {};
    const re = /id:\s*"([^"]+)",\s*since:\s*Version::new\((\d+),\s*(\d+),\s*(\d+)\)/g;
    for (const m of src.matchAll(re)) table[m[1]] = `${m[2]}.${m[3]}.${m[4]}`;
    if (Object.keys(table).length) return { table, from: 'src/base/versions.rs' };
  } catch { /* fall through */ }
  return { table: FALLBACK, from: 'built-in fallback' };
}

// Whether release `v` has the behaviour named by `id` (unknown ids throw: a schema naming an id
// the table lacks is itself a finding).
export function has(table, id, v) {
  if (!(id in table)) throw new Error(`schema names unknown behaviour id ${JSON.stringify(id)}`);
  return gte(v, table[id]);
}
