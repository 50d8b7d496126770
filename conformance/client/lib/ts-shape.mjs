// ILivechatVisitor's fields as the TypeScript compiler sees them in a core-typings .d.ts.
import ts from 'typescript';
import { existsSync } from 'node:fs';
import path from 'node:path';

// A shape is a canonical tree: {k:'string'|'number'|'boolean'|'null'|'date'|'any'},
// {k:'lit', v}, {k:'enum', v:[...]}, {k:'array', of}, {k:'record', of},
// {k:'object', props:{name:{optional, type}}}, {k:'union', of:[...]}.

export function findDts(pkgDir, name = 'ILivechatVisitor') {
  for (const rel of [`dist/${name}.d.ts`, `dist/types/${name}.d.ts`, `src/${name}.ts`]) {
    const p = path.join(pkgDir, rel);
    if (existsSync(p)) return p;
  }
  return null;
}

// One program for every file (one type-check instead of one per release).
export function interfaceShapes(files, name = 'ILivechatVisitor') {
  const program = ts.createProgram(files, {
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  });
  const checker = program.getTypeChecker();
  return files.map((file) => {
    const sf = program.getSourceFile(file);
    let decl;
    ts.forEachChild(sf, (n) => {
      if ((ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) && n.name.text === name) decl = n;
    });
    if (!decl) throw new Error(`${name} not declared in ${file}`);
    const type = checker.getTypeAtLocation(decl.name);
    const unresolved = [];
    const shape = toShape(type, checker, 0, unresolved);
    return { file, shape, unresolved };
  });
}

// The text of a property's type in a .d.ts, found by walking the syntax tree (no type-check):
// e.g. what rest-typings declares `'/v1/livechat/visitors.info'` GET to return.
export function endpointReturnText(file, endpoint, method = 'GET') {
  const program = ts.createProgram([file], { noResolve: true, noLib: true, types: [] });
  const sf = program.getSourceFile(file);
  let found = null;
  const visit = (n) => {
    if (found) return;
    if (ts.isPropertySignature(n) && n.name && ts.isStringLiteral(n.name) && n.name.text === endpoint && n.type && ts.isTypeLiteralNode(n.type)) {
      for (const m of n.type.members) {
        if (m.name && m.name.getText(sf) === method && m.type && ts.isFunctionTypeNode(m.type)) {
          found = m.type.type.getText(sf).replace(/\s+/g, ' ');
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

function toShape(type, checker, depth, unresolved) {
  const f = type.flags;
  if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) {
    // An import the compiler could not find also reads as `any` (an error type): tell them apart.
    if (f & ts.TypeFlags.Any && type.intrinsicName === 'error') unresolved.push(checker.typeToString(type));
    return { k: 'any' };
  }
  if (f & ts.TypeFlags.String) return { k: 'string' };
  if (f & ts.TypeFlags.Number) return { k: 'number' };
  if (f & ts.TypeFlags.Boolean) return { k: 'boolean' };
  if (f & ts.TypeFlags.BooleanLiteral) return { k: 'lit', v: type.intrinsicName === 'true' };
  if (f & ts.TypeFlags.Null) return { k: 'null' };
  if (f & ts.TypeFlags.StringLiteral) return { k: 'lit', v: type.value };
  if (f & ts.TypeFlags.NumberLiteral) return { k: 'lit', v: type.value };
  if (type.isUnion()) {
    const parts = type.types
      .filter((t) => !(t.flags & ts.TypeFlags.Undefined))
      .map((t) => toShape(t, checker, depth, unresolved));
    return union(parts);
  }
  if (f & ts.TypeFlags.Object) {
    const sym = type.getSymbol();
    if (sym && sym.getName() === 'Date') return { k: 'date' };
    if (checker.isArrayType(type)) {
      return { k: 'array', of: toShape(checker.getTypeArguments(type)[0], checker, depth + 1, unresolved) };
    }
    const props = checker.getPropertiesOfType(type);
    const index = checker.getIndexInfoOfType(type, ts.IndexKind.String);
    if (index && props.length === 0) return { k: 'record', of: toShape(index.type, checker, depth + 1, unresolved) };
    if (depth > 6) return { k: 'any' };
    const out = {};
    for (const p of props) {
      const t = checker.getTypeOfSymbol(p);
      out[p.getName()] = {
        optional: (p.flags & ts.SymbolFlags.Optional) !== 0,
        type: toShape(t, checker, depth + 1, unresolved),
      };
    }
    return { k: 'object', props: out };
  }
  return { k: `?${checker.typeToString(type)}` };
}

// Flattens, merges `true|false` into boolean and string literals into an enum, sorts.
export function union(parts) {
  const flat = parts.flatMap((p) => (p.k === 'union' ? p.of : [p]));
  let lits = flat.filter((p) => p.k === 'lit' || p.k === 'enum').flatMap((p) => (p.k === 'enum' ? p.v : [p.v]));
  let rest = flat.filter((p) => p.k !== 'lit' && p.k !== 'enum');
  if (lits.includes(true) && lits.includes(false)) {
    lits = lits.filter((v) => typeof v !== 'boolean');
    rest.push({ k: 'boolean' });
  }
  const seen = new Map();
  for (const p of rest) seen.set(show(p), p);
  rest = [...seen.values()];
  if (lits.length) rest.push(lits.length === 1 ? { k: 'lit', v: lits[0] } : { k: 'enum', v: [...new Set(lits)].sort() });
  if (rest.length === 1) return rest[0];
  return { k: 'union', of: rest.sort((a, b) => (show(a) < show(b) ? -1 : 1)) };
}

// A readable, canonical rendering: two shapes are equal when their renderings are.
export function show(s) {
  switch (s.k) {
    case 'lit': return JSON.stringify(s.v);
    case 'enum': return s.v.map((v) => JSON.stringify(v)).join('|');
    case 'array': return `${wrap(s.of)}[]`;
    case 'record': return `Record<string,${show(s.of)}>`;
    case 'union': return s.of.map(show).join(' | ');
    case 'object':
      return `{${Object.keys(s.props).sort().map((n) => `${n}${s.props[n].optional ? '?' : ''}:${show(s.props[n].type)}`).join(', ')}}`;
    default: return s.k;
  }
}
const wrap = (s) => (s.k === 'union' || s.k === 'enum' ? `(${show(s)})` : show(s));
