// Registers lib/loader-hooks.mjs; import this before any rest-typings dist file.
import { register } from 'node:module';

register('./loader-hooks.mjs', import.meta.url);
