// Vitest globalSetup: one mock for the whole run, its URL given to the tests.
//
// vitest.config.mjs:
//   import { defineConfig } from 'vitest/config';
//   export default defineConfig({ test: { globalSetup: ['./vitest.global-setup.mjs'] } });
//
// In a test:
//   import { inject } from 'vitest';
//   const url = inject('livechatMockUrl');       // or process.env.LIVECHAT_MOCK_URL
//
// Between tests, call the control API (POST `${url}/_mock/reset`, PUT `${url}/_mock/outcome`)
// directly with fetch: the Mock object itself lives in this setup process, not in the workers.
import { start } from 'livechat-mock';

/** @param {{ provide?: (key: string, value: unknown) => void }} context */
export default async function setup(context = {}) {
  const mock = await start({ apiVersion: process.env.LIVECHAT_MOCK_API_VERSION ?? '8.6.0' });
  process.env.LIVECHAT_MOCK_URL = mock.url; // the workers inherit it
  context.provide?.('livechatMockUrl', mock.url); // Vitest >= 1.4
  return async function teardown() {
    await mock.stop();
  };
}
