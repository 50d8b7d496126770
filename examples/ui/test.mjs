// Drives the /_mock/ui dashboard in Debian's headless Chromium (never a downloaded browser):
// sets a one-shot `forbidden` override from the page, sends visitors.info twice from Node
// (403, then 200), and checks that the page's journal and coverage show both; then takes a
// screenshot.
//
//   MOCK_URL=http://127.0.0.1:PORT node test.mjs [SCREENSHOT.png]
//
// Env: MOCK_URL (required; the mock, or a proxy that serves /_mock/ui in front of it),
// SCREENSHOT (the screenshot's path when no argument is given; default docs/ui.png),
// ADMIN_TOKEN (the mock runs with --admin-token: the page must ask for it),
// CHROMIUM (default /usr/bin/chromium), NARROW_SCREENSHOT (also save a 320 px wide one there).
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const MOCK_URL = (process.env.MOCK_URL || "").replace(/\/+$/, "");
const SHOT = path.resolve(process.argv[2] || process.env.SCREENSHOT || path.join(here, "..", "..", "docs", "ui.png"));
const ADMIN_TOKEN = process.env.ADMIN_TOKEN || "";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const WAIT = 10_000;

const INFO = "/api/v1/livechat/visitors.info";
const AGENT = { "X-User-Id": "rbAXPnMktTFbNpwtJ", "X-Auth-Token": "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f" };
const VISITOR = "6a22b1765528fa64dd29de70";
const FORBIDDEN_ANSWER = "visitors.info 403 error-unauthorized";

if (!MOCK_URL) {
  console.error("FAILED: set MOCK_URL to the mock's address (http://127.0.0.1:PORT)");
  process.exit(2);
}

let passed = 0;
let step = "start";
const ok = (what) => { passed += 1; console.log("ok: " + what); };
const check = (cond, message) => { if (!cond) throw new Error(message); };

const pageErrors = [];
const profile = mkdtempSync(path.join(tmpdir(), "livechat-mock-ui-"));
let context;

async function visitorsInfo() {
  const response = await fetch(`${MOCK_URL}${INFO}?visitorId=${VISITOR}`, { headers: AGENT });
  await response.arrayBuffer();
  return response.status;
}

try {
  step = "launch Chromium";
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 960 },
    deviceScaleFactor: 1,
    colorScheme: "light",
    timeout: 30_000,
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on("pageerror", (e) => pageErrors.push("page error: " + e.message));
  // A refused request logs "Failed to load resource": the page shows those itself; anything
  // else logged as an error is a fault of the page.
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) pageErrors.push("console error: " + m.text());
  });

  step = "load /_mock/ui";
  const response = await page.goto(`${MOCK_URL}/_mock/ui`);
  check(response && response.status() === 200, `GET /_mock/ui answered ${response && response.status()}, not 200`);
  const type = response.headers()["content-type"] || "";
  check(type.startsWith("text/html"), `GET /_mock/ui has Content-Type ${JSON.stringify(type)}, not text/html`);
  ok("the page loads as text/html");

  if (ADMIN_TOKEN) {
    step = "give the admin token";
    await page.locator("#token-form").waitFor({ state: "visible" });
    await page.locator("#admin-token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "use token", exact: true }).click();
    await page.locator("#token-form").waitFor({ state: "hidden" });
    ok("the page asked for the admin token and took it");
  }

  step = "wait for the page to go live";
  await page.locator('#conn[data-state="live"]').waitFor();
  await page.locator(`#coverage-list li[data-answer="${FORBIDDEN_ANSWER}"]`).waitFor({ state: "attached" });
  const release = await page.locator("#release").textContent();
  check(/\d+\.\d+\.\d+/.test(release), `no emulated release shown: ${JSON.stringify(release)}`);
  ok("the page is live: " + release.trim());

  const forbiddenBefore = Number(await page.locator(`#coverage-list li[data-answer="${FORBIDDEN_ANSWER}"]`).getAttribute("data-count"));
  const lastSeqBefore = Number(await page.evaluate(() => {
    const row = document.querySelector("#journal-body tr.entry");
    return row ? row.dataset.seq : 0;
  }));

  step = "set times=1 and click forbidden";
  await page.locator("#times").fill("1");
  await page.getByRole("button", { name: "forbidden", exact: true }).click();
  await page.locator('#active-outcome[data-outcome="forbidden"]').waitFor();
  const active = await page.locator("#active-outcome").textContent();
  check(/1 of 1 left/.test(active), `the active override does not say what is left: ${JSON.stringify(active)}`);
  ok("the override is set from the page and shown: " + active.trim());

  step = "send visitors.info twice from Node";
  const first = await visitorsInfo();
  const second = await visitorsInfo();
  check(first === 403 && second === 200, `visitors.info answered ${first} then ${second}, not 403 then 200`);
  ok("visitors.info answered 403, then 200");

  step = "wait for the journal to show both";
  await page.waitForFunction((after) => {
    const rows = Array.from(document.querySelectorAll("#journal-body tr.entry"))
      .filter((r) => Number(r.dataset.seq) > after && r.dataset.path === "/api/v1/livechat/visitors.info");
    // Newest first: the 200 above the 403.
    return rows.length >= 2 && rows[0].dataset.status === "200" && rows[1].dataset.status === "403";
  }, lastSeqBefore, { timeout: WAIT });
  ok("the journal shows the 403 and the 200, newest first, without a reload");

  step = "the override was used up";
  await page.locator('#active-outcome[data-outcome=""]').waitFor();
  ok("the active override is gone once used");

  step = "coverage shows the 403";
  await page.waitForFunction(([answer, before]) => {
    const li = document.querySelector(`#coverage-list li[data-answer="${answer}"]`);
    return li && li.dataset.seen === "true" && Number(li.dataset.count) === before + 1;
  }, [FORBIDDEN_ANSWER, forbiddenBefore], { timeout: WAIT });
  const seen200 = await page.locator('#coverage-list li[data-answer="visitors.info 200"]').getAttribute("data-seen");
  check(seen200 === "true", "coverage does not show visitors.info 200 as seen");
  ok(`coverage shows "${FORBIDDEN_ANSWER}" as seen (count ${forbiddenBefore + 1})`);

  step = "Enter on the 403 row shows its headers";
  const row403 = page.locator(`#journal-body tr.entry[data-status="403"][data-path="${INFO}"]`).first();
  await row403.focus();
  await page.keyboard.press("Enter");
  const seq = await row403.getAttribute("data-seq");
  const detail = page.locator(`#detail-${seq}`);
  await detail.waitFor();
  const detailText = await detail.textContent();
  check(detailText.includes("x-user-id") && detailText.includes("rbAXPnMktTFbNpwtJ"), "the headers do not show x-user-id");
  check(detailText.includes("…eU3f") && !detailText.includes(AGENT["X-Auth-Token"]), "the auth token is not shown redacted");
  check(await row403.getAttribute("aria-expanded") === "true", "the row does not say it is expanded");
  ok("Enter on a row shows its headers (token redacted)");

  step = "screenshot";
  mkdirSync(path.dirname(SHOT), { recursive: true });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: SHOT, fullPage: true });
  ok("screenshot saved to " + SHOT);

  step = "filter by status";
  await page.locator("#filter-status").selectOption("403");
  const statuses = await page.locator("#journal-body tr.entry").evaluateAll((rows) => rows.map((r) => r.dataset.status));
  check(statuses.length > 0 && statuses.every((s) => s === "403"), `the status filter shows ${statuses.join(",")}`);
  await page.locator("#filter-status").selectOption("");
  await page.locator("#filter-path").selectOption(INFO);
  const paths = await page.locator("#journal-body tr.entry").evaluateAll((rows) => rows.map((r) => r.dataset.path));
  check(paths.length >= 2 && paths.every((p) => p === INFO), "the endpoint filter keeps other paths");
  await page.locator("#filter-path").selectOption("");
  ok("the status and endpoint filters keep only what they name");

  step = "delay_ms is sent only when given, and a refusal is shown";
  await page.locator("#times").fill("2");
  await page.locator("#delay_ms").fill("5");
  const errorsBefore = await page.locator("#errors li").count();
  const [put] = await Promise.all([
    page.waitForRequest((r) => r.method() === "PUT" && r.url().endsWith("/_mock/outcome")),
    page.getByRole("button", { name: "ok", exact: true }).click(),
  ]);
  check(JSON.parse(put.postData()).delay_ms === 5, "delay_ms was not sent");
  await page.waitForFunction((before) => document.querySelectorAll("#errors li").length > before
    || document.querySelector("#active-outcome").dataset.outcome === "ok", errorsBefore);
  const refused = await page.locator("#errors li").count() > errorsBefore;
  if (refused) {
    const message = await page.locator("#errors li").last().textContent();
    check(/422/.test(message) && /delay_ms/.test(message), `the refusal is not shown as the API gave it: ${message}`);
    ok("the API's refusal of delay_ms is shown on the page: " + message.replace(/dismiss$/, "").trim());
    await page.locator("#errors li").last().getByRole("button", { name: "dismiss error" }).click();
  } else {
    ok("the API took delay_ms");
  }
  await page.locator("#delay_ms").fill("");
  const [plain] = await Promise.all([
    page.waitForRequest((r) => r.method() === "PUT" && r.url().endsWith("/_mock/outcome")),
    page.getByRole("button", { name: "server-error", exact: true }).click(),
  ]);
  const body = JSON.parse(plain.postData());
  check(!("delay_ms" in body) && body.times === 2 && body.outcome === "server-error", `unexpected body ${plain.postData()}`);
  await page.locator('#active-outcome[data-outcome="server-error"]').waitFor();
  ok("without delay_ms the body is {outcome, times} and the override shows");

  step = "clear the override";
  await page.getByRole("button", { name: "clear override", exact: true }).click();
  await page.locator('#active-outcome[data-outcome=""]').waitFor();
  const third = await visitorsInfo();
  check(third === 200, `after clearing, visitors.info answered ${third}`);
  ok("clear override removes it (DELETE /_mock/outcome)");

  step = "keyboard: Tab reaches the outcome buttons";
  await page.locator("#times").focus();
  let reached = false;
  for (let i = 0; i < 8 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement && document.activeElement.dataset.outcome === "ok");
  }
  check(reached, "Tab from times does not reach the ok button");
  ok("the outcome buttons are reachable by Tab");

  step = "320 px wide";
  await page.setViewportSize({ width: 320, height: 800 });
  await page.waitForTimeout(300);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  check(scrollWidth <= 320, `the page is ${scrollWidth} px wide at a 320 px viewport`);
  if (process.env.NARROW_SCREENSHOT) await page.screenshot({ path: process.env.NARROW_SCREENSHOT, fullPage: true });
  ok("no sideways scrolling at 320 px");

  step = "no script error";
  check(pageErrors.length === 0, pageErrors.join("; "));
  ok("no script error on the page");

  console.log(`ui: ${passed} passed, 0 failed`);
  await context.close();
  rmSync(profile, { recursive: true, force: true });
} catch (e) {
  console.error(`FAILED (${step}): ${e.message.split("\n")[0]}`);
  if (pageErrors.length) console.error("the page logged: " + pageErrors.join("; "));
  console.log(`ui: ${passed} passed, 1 failed`);
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
  process.exit(1);
}
