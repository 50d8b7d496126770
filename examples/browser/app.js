// Fetches a visitor from livechat-mock (or a real Rocket.Chat) with the REST auth headers.
// Query parameters: mock (the server's base URL), visitorId, userId, authToken.
const params = new URLSearchParams(location.search);
const base = params.get("mock") || "http://127.0.0.1:3000";
const visitorId = params.get("visitorId") || "9c6539382b0537e65affb229";
const userId = params.get("userId") || "rbAXPnMktTFbNpwtJ";
const authToken = params.get("authToken") || "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f";

async function visitorsInfo(headers) {
  const url = `${base}/api/v1/livechat/visitors.info?visitorId=${encodeURIComponent(visitorId)}`;
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.json() };
}

function show(list, pairs) {
  list.replaceChildren();
  for (const [term, value] of pairs) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }
}

async function main() {
  const list = document.getElementById("visitor");
  try {
    const { status, body } = await visitorsInfo({ "X-User-Id": userId, "X-Auth-Token": authToken });
    if (status !== 200) throw new Error(`${status}: ${body.error}`);
    const v = body.visitor;
    show(list, [
      ["Name", v.name],
      ["Username", v.username],
      ["Status", v.status],
      ["E-mail", (v.visitorEmails || []).map((e) => e.address).join(", ")],
      ["Token shown", "token" in v ? "yes" : "no"],
    ]);
    list.dataset.state = "loaded";
  } catch (error) {
    list.innerHTML = `<dd class="error">${error}</dd>`;
    list.dataset.state = "failed";
  }
  const signedOut = document.getElementById("signed-out");
  try {
    const { status, body } = await visitorsInfo({ "X-User-Id": userId, "X-Auth-Token": "wrong" });
    signedOut.textContent = `${status}: ${body.message}`;
  } catch (error) {
    signedOut.textContent = `failed: ${error}`;
  }
  document.body.dataset.done = "yes";
}

main();
