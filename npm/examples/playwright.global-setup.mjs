// Playwright globalSetup: start the mock before the browser tests, stop it after.
//
// playwright.config.mjs:
//   import { defineConfig } from '@playwright/test';
//   export default defineConfig({ globalSetup: './playwright.global-setup.mjs' });
//
// The tests (and a dev server Playwright starts, if it reads the variable) reach the mock at
// process.env.LIVECHAT_MOCK_URL. A function returned from globalSetup is Playwright's teardown.
import { start } from 'livechat-mock';

export default async function globalSetup() {
  const mock = await start();
  process.env.LIVECHAT_MOCK_URL = mock.url;
  return async () => {
    await mock.stop();
  };
}
