// Outcomes a page on another origin chooses by header (issue 24): with --cors-mock-headers the
// preflight allows Prefer and x-mock-response-code, so a page gets the 401, 403 and 500 it asks
// for; without it (the real server's list) the browser refuses the request.
//
//   MOCK_URL=http://127.0.0.1:PORT EXPECT=allowed|refused node examples/ui/outcomes.mjs
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const url = process.env.MOCK_URL;
const expect = process.env.EXPECT || "allowed";
const profile = mkdtempSync(join(tmpdir(), "livechat-mock-outcomes-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  timeout: 30_000,
});
try {
  const page = context.pages()[0] || await context.newPage();
  await page.setContent("<title>another origin</title>"); // about:blank: an opaque origin
  const got = await page.evaluate(async (base) => {
    const ask = async (headers) => {
      try {
        const r = await fetch(`${base}/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70`, {
          headers: { "X-User-Id": "rbAXPnMktTFbNpwtJ", "X-Auth-Token": "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f", ...headers },
        });
        return r.status;
      } catch (e) {
        return String(e);
      }
    };
    return [await ask({ Prefer: "code=401" }), await ask({ Prefer: "code=403" }),
      await ask({ "x-mock-response-code": "500" })];
  }, url);
  if (expect === "allowed") {
    if (JSON.stringify(got) !== JSON.stringify([401, 403, 500])) throw new Error(`expected [401, 403, 500], got ${JSON.stringify(got)}`);
    console.log("ok: a page on another origin chose 401, 403 and 500 by header (--cors-mock-headers)");
  } else {
    if (!got.every((g) => /Failed to fetch/.test(g))) throw new Error(`expected the browser to refuse, got ${JSON.stringify(got)}`);
    console.log("ok: without --cors-mock-headers the browser refuses the headers (the real server's list)");
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
