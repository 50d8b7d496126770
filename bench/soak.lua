-- wrk script for bench/soak.sh: cycles through requests for every outcome that answers, checks
-- every response's status and exact body, and stops after `total` responses.
local agent = { ["X-User-Id"] = "rbAXPnMktTFbNpwtJ", ["X-Auth-Token"] = "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f" }
local plain = { ["X-User-Id"] = "D8hgkER8fq6g5jFbo", ["X-Auth-Token"] = "gb0aRSmCXnlFWXGyGuEFqrLWoxALCIgPD0Ituzb7lLM" }
local info = "/api/v1/livechat/visitors.info"
local found = '{"visitor":{"_id":"6a22b1765528fa64dd29de70","username":"guest-10","status":"online","ts":"2026-06-05T11:22:30.664Z","_updatedAt":"2026-06-05T11:22:30.665Z","name":"Postman Test Visitor","phone":[{"phoneNumber":"+15551234567"}],"visitorEmails":[{"address":"postman-test@example.com"}]},"success":true}'

local function with(base, extra)
  local h = {}
  for k, v in pairs(base) do h[k] = v end
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end

local requests = {
  { "GET", info .. "?visitorId=6a22b1765528fa64dd29de70", agent },
  { "GET", info .. "?visitorId=000000000000000000000000", agent },
  { "GET", info .. "?visitorId=x&count=1", agent },
  { "GET", info .. "?visitorId=a&visitorId=b", agent },
  { "GET", info, {} },
  { "GET", info .. "?visitorId=x", plain },
  { "GET", info .. "?visitorId=x", with(agent, { ["x-mock-response-name"] = "Unauthorized" }) },
  { "GET", info .. "?visitorId=x", with(agent, { ["Prefer"] = "code=429" }) },
  { "GET", info .. "?visitorId=x", with(agent, { ["x-mock-response-name"] = "server-error" }) },
  { "GET", info .. "?visitorId=6a22b1765528fa64dd29de70", with(agent, { ["x-mock-response-name"] = "malformed" }) },
  { "OPTIONS", info, { ["Origin"] = "http://localhost:5173", ["Access-Control-Request-Method"] = "GET" } },
  { "GET", "/api/v1/livechat/visitors.info/", agent },
}
local built = {}

local expected = {
  [200] = { [found] = true, ["OK"] = true, [string.sub(found, 1, math.floor(#found / 2))] = true },
  [400] = {
    ['{"success":false,"error":"visitor-not-found"}'] = true,
    ['{"success":false,"error":"must NOT have additional properties [invalid-params]","errorType":"invalid-params"}'] = true,
    ['{"success":false,"error":"must be string [invalid-params]","errorType":"invalid-params"}'] = true,
  },
  [401] = { ['{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}'] = true },
  [403] = {
    ['{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}'] = true,
    ['{"success":false,"error":"unauthorized"}'] = true,
  },
  [429] = { ['{"success":false,"error":"Error, too many requests. Please slow down. You must wait 60 seconds before trying this endpoint again. [error-too-many-requests]"}'] = true },
  [500] = { ['{"success":false,"error":"Internal server error"}'] = true },
  [404] = { ["404 Not Found"] = true },
}

local i = 0
seen = 0
wrong = 0
local total = tonumber(os.getenv("SOAK_TOTAL") or "1000000")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for n, r in ipairs(requests) do
    built[n] = wrk.format(r[1], r[2], r[3])
  end
end

function request()
  i = i + 1
  return built[(i % #built) + 1]
end

function response(status, headers, body)
  seen = seen + 1
  local allowed = expected[status]
  if not allowed or not allowed[body] then
    wrong = wrong + 1
    if wrong <= 5 then io.stderr:write("wrong: " .. status .. " " .. tostring(body) .. "\n") end
  end
  if seen >= total then
    -- wrk would idle out its whole duration after a stop; report and leave now instead.
    local out = io.open(os.getenv("SOAK_OUT") or "/dev/stdout", "w")
    out:write(string.format("responses %d wrong %d\n", seen, wrong))
    out:close()
    os.exit(0)
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("responses %d wrong %d\n", thread:get("seen"), thread:get("wrong")))
  end
end
