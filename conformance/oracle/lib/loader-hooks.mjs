// Module-loader hooks (registered with node:module `register`, see lib/register.mjs).
//
// The dist files of @rocket.chat/rest-typings are ES modules (`import ... from './Ajv'`) in a
// package without `"type": "module"`, and their imports have no file extension, which Node's ESM
// resolver refuses. These hooks (1) resolve an extension-less relative or package-subpath
// specifier by trying `<spec>.js` and then `<spec>/index.js`, and (2) tell Node that a `.js` file
// under a `node_modules/rt-*/dist/` folder is an ES module. The source text is loaded unchanged.

const RT_DIST = /\/node_modules\/rt-[^/]+\/dist\//;

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (!context.parentURL || !RT_DIST.test(context.parentURL)) throw err;
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' && err?.code !== 'ERR_UNSUPPORTED_DIR_IMPORT') throw err;
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await nextResolve(specifier + suffix, context);
      } catch {
        // try the next candidate
      }
    }
    throw err;
  }
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && RT_DIST.test(url) && url.endsWith('.js')) {
    return nextLoad(url, { ...context, format: 'module' });
  }
  return nextLoad(url, context);
}
