// The browser over HTTPS: headless Chromium trusts the mock's local CA (--tls auto) through
// --ignore-certificate-errors-spki-list with the CA's SPKI hash (no trust store touched), loads
// the dashboard and, from the page, calls visitors.info: 200 with the visitor.
//
//   MOCK_URL=https://localhost:PORT CA_PEM=ca.pem node examples/ui/https.mjs
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const url = process.env.MOCK_URL;
const pem = readFileSync(process.env.CA_PEM, "utf8");
const spki = new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" });
const hash = createHash("sha256").update(spki).digest("base64");
const profile = mkdtempSync(join(tmpdir(), "livechat-mock-https-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    `--ignore-certificate-errors-spki-list=${hash}`],
  timeout: 30_000,
});
try {
  const page = context.pages()[0] || await context.newPage();
  const loaded = await page.goto(`${url}/_mock/ui`);
  if (loaded.status() !== 200) throw new Error(`the dashboard answered ${loaded.status()}`);
  const answer = await page.evaluate(async () => {
    const r = await fetch("/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70", {
      headers: { "X-User-Id": "rbAXPnMktTFbNpwtJ", "X-Auth-Token": "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f" },
    });
    return { status: r.status, body: await r.text() };
  });
  if (answer.status !== 200 || !answer.body.includes('"success":true')) {
    throw new Error(`visitors.info from the page: ${answer.status} ${answer.body}`);
  }
  console.log(`ok: Chromium trusted the local CA by its SPKI (${hash}) and the page's fetch got 200`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
