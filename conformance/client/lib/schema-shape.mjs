// The mock's JSON Schemas rendered as the same shapes ts-shape.mjs makes, per emulated release.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { union } from './ts-shape.mjs';
import { has } from './versions.mjs';

export function loadSchemas(dir) {
  const cache = new Map();
  const load = (file) => {
    if (!cache.has(file)) cache.set(file, JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    return cache.get(file);
  };
  // Resolves a $ref relative to the file it is in: returns [file, schema, defName].
  const resolve = (file, ref) => {
    const [f, frag] = ref.split('#');
    const target = f ? f : file;
    let node = load(target);
    const parts = (frag || '').split('/').filter(Boolean);
    for (const p of parts) node = node[p];
    if (node === undefined) throw new Error(`unresolvable $ref ${ref} in ${file}`);
    return [target, node, parts.at(-1)];
  };
  return { load, resolve };
}

// Whether a schema node applies at release v (x-livechat-mock-since: from; -until: before).
export function applies(node, table, v) {
  if (node == null || typeof node !== 'object') return true;
  const since = node['x-livechat-mock-since'];
  const until = node['x-livechat-mock-until'];
  if (since && !has(table, since, v)) return false;
  if (until && has(table, until, v)) return false;
  return true;
}

// An object schema's effective fields at v: {name: {optional, type}} (forbidden fields left out),
// following $ref, then own properties, required and allOf, each only where it applies.
export function objectFields(S, file, node, table, v) {
  let props = {};
  let required = new Set();
  if (node.$ref) {
    const [f, target] = S.resolve(file, node.$ref);
    const base = objectFields(S, f, target, table, v);
    props = base.props;
    required = base.required;
  }
  for (const [name, sub] of Object.entries(node.properties || {})) {
    if (!applies(sub, table, v)) continue;
    if (sub.not && Object.keys(sub.not).length === 0) { delete props[name]; continue; }
    props[name] = shapeOf(S, file, sub, table, v);
  }
  for (const r of node.required || []) required.add(r);
  for (const part of node.allOf || []) {
    if (!applies(part, table, v)) continue;
    const sub = objectFields(S, file, part, table, v);
    Object.assign(props, sub.props);
    for (const r of sub.required) required.add(r);
  }
  return { props, required };
}

export function toObjectShape({ props, required }) {
  const out = {};
  for (const [n, t] of Object.entries(props)) out[n] = { optional: !required.has(n), type: t };
  return { k: 'object', props: out };
}

export function shapeOf(S, file, node, table, v) {
  if (node.$ref && (node.properties || node.allOf || node.required)) {
    return toObjectShape(objectFields(S, file, node, table, v)); // $ref with siblings (2020-12)
  }
  if (node.$ref) {
    const [f, target, def] = S.resolve(file, node.$ref);
    if (def === 'isoDate') return { k: 'date' }; // a Date, as the REST layer serialises it
    return shapeOf(S, f, target, table, v);
  }
  if ('const' in node) return { k: 'lit', v: node.const };
  if (node.enum) return union(node.enum.map((x) => (x === null ? { k: 'null' } : { k: 'lit', v: x })));
  if (node.anyOf || node.oneOf) return union((node.anyOf || node.oneOf).map((s) => shapeOf(S, file, s, table, v)));
  const types = node.type === undefined ? [] : [].concat(node.type);
  if (types.length === 0) return { k: 'any' };
  return union(types.map((t) => {
    switch (t) {
      case 'string': return { k: 'string' };
      case 'number': case 'integer': return { k: 'number' };
      case 'boolean': return { k: 'boolean' };
      case 'null': return { k: 'null' };
      case 'array': return { k: 'array', of: node.items ? shapeOf(S, file, node.items, table, v) : { k: 'any' } };
      case 'object':
        if (!node.properties && !node.$ref && !node.allOf) {
          const ap = node.additionalProperties;
          return { k: 'record', of: ap && typeof ap === 'object' ? shapeOf(S, file, ap, table, v) : { k: 'any' } };
        }
        return toObjectShape(objectFields(S, file, { ...node, type: undefined }, table, v));
      default: return { k: `?${t}` };
    }
  }));
}
