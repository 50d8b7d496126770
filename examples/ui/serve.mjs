// Serves src/control/ui.html at /_mock/ui and passes every other request to a running mock, so
// the dashboard can be developed (and tested) against a mock that does not serve it itself.
//
//   node examples/ui/serve.mjs http://127.0.0.1:PORT [ui.html]
//
// Prints `listening on http://127.0.0.1:PORT` once it accepts connections. Binds loopback only.
import http from "node:http";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const mock = new URL(process.argv[2] || process.env.MOCK_URL || "");
const htmlPath = process.argv[3] || path.join(here, "..", "..", "src", "control", "ui.html");

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  if (req.method === "GET" && url.pathname === "/_mock/ui") {
    // Read on every request, so an edit shows on reload.
    const html = readFileSync(htmlPath);
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html);
    return;
  }
  const upstream = http.request({
    host: mock.hostname, port: mock.port, method: req.method, path: req.url,
    headers: { ...req.headers, host: mock.host },
  }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  upstream.on("error", (e) => {
    res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ mock_error: "proxy: " + e.message }));
  });
  req.pipe(upstream);
});
server.listen(0, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
