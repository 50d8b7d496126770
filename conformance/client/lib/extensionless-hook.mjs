// rest-typings' dist is ES modules with extensionless imports (`./Ajv`, `ajv/dist/2020`), which
// Node's ESM loader refuses. This resolve hook retries such a specifier with `.js` and `/index.js`,
// so the package's own compiled validators (isLivechatVisitorsInfoProps) can be used as shipped.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (!['ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT'].includes(err.code) || /\.(c|m)?js$/.test(specifier)) throw err;
    for (const suffix of ['.js', '/index.js']) {
      try { return await next(specifier + suffix, context); } catch { /* next */ }
    }
    throw err;
  }
}
