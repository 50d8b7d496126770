// The ESM entry's declarations: the same as the CommonJS ones (index.mjs re-exports index.js).
export * from './index.js';
export { default } from './index.js';
