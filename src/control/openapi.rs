//! The OpenAPI 3.1 description of exactly what this instance serves, built at start-up from the
//! same (version-selected) schema documents the gate compiles: never a second hand-kept copy.

use serde_json::{Map, Value, json};

use crate::base::endpoint::{Endpoint, VISITORS_INFO as PATH};
use crate::base::query::ParamError;
use crate::base::ratelimit::{RateCheck, RateLimit};
use crate::base::response::{ALLOW_HEADERS, ALLOW_METHODS};
use crate::base::selection::{Example, OutcomeId};
use crate::base::versions::{CHANGES, Version};
use crate::control::table::{self, Op};
use crate::data::schema::{SchemaSet, response_file};
use crate::run::outcome::{Delivery, Outcome, Replies};

/// What the document needs besides the schemas.
#[derive(Debug, Clone)]
pub struct DocumentFor {
    pub version: Version,
    /// Whether the control API needs a bearer token.
    pub admin_token: bool,
    /// Whether the control API is served at all.
    pub admin: bool,
    /// The API's `Access-Control-Allow-Headers` for this release and flags.
    pub allow_headers: String,
}

/// The component name of a schema file: its name without `.json`.
fn component(file: &str) -> String {
    file.trim_end_matches(".json").to_string()
}

fn schema_ref(file: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{}", component(file)) })
}

/// Rewrites the cross-file references of a schema document (`other.json#/ptr`, `#/ptr`) into
/// references inside the OpenAPI document, and drops the `$id`/`$schema` that would rebase them.
fn embed(file: &str, value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$id" | "$schema", _) => {}
                    ("$ref", Value::String(target)) => {
                        let (doc, pointer) = target.split_once('#').unwrap_or((target, ""));
                        let doc = if doc.is_empty() { file } else { doc };
                        out.insert(
                            key.clone(),
                            json!(format!("#/components/schemas/{}{pointer}", component(doc))),
                        );
                    }
                    _ => {
                        out.insert(key.clone(), embed(file, child));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|item| embed(file, item)).collect()),
        other => other.clone(),
    }
}

fn header(description: &str, schema: Value, required: bool) -> Value {
    json!({ "description": description, "required": required, "schema": schema })
}

fn cors_headers() -> Map<String, Value> {
    let mut headers = Map::new();
    headers.insert(
        "Access-Control-Allow-Origin".into(),
        header("Always `*`.", json!({"const": "*"}), true),
    );
    headers.insert(
        "Access-Control-Allow-Headers".into(),
        header(
            "The headers the API allows.",
            json!({"const": ALLOW_HEADERS}),
            true,
        ),
    );
    headers
}

/// The CORS headers and the cache headers of an action's answer (200, 400, 500).
fn no_store_headers() -> Map<String, Value> {
    let mut headers = cors_headers();
    headers.insert(
        "Cache-Control".into(),
        header("`no-store`", json!({"const": "no-store"}), true),
    );
    headers.insert(
        "Pragma".into(),
        header("`no-cache`", json!({"const": "no-cache"}), true),
    );
    headers
}

fn json_response(
    description: &str,
    file: &str,
    examples: Value,
    no_store: bool,
    rate_limited: bool,
) -> Value {
    let mut headers = if no_store {
        no_store_headers()
    } else {
        cors_headers()
    };
    let rate = |d: &str| {
        header(
            d,
            json!({"type": "string", "pattern": "^[0-9]+$"}),
            rate_limited,
        )
    };
    headers.insert(
        "X-RateLimit-Limit".into(),
        rate("Calls allowed per window, when the rate limiter runs."),
    );
    headers.insert(
        "X-RateLimit-Remaining".into(),
        rate("Calls left in this window."),
    );
    headers.insert(
        "X-RateLimit-Reset".into(),
        rate("Epoch milliseconds when the window ends."),
    );
    json!({
        "description": description,
        "headers": headers,
        "content": { "application/json": { "schema": schema_ref(file), "examples": examples } }
    })
}

fn example(value: Value) -> Value {
    json!({ "value": value })
}

fn mock_error_response(description: &str) -> Value {
    json!({
        "description": description,
        "headers": { "X-Mock-Error": header("The same message.", json!({"type": "string"}), false) },
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MockError" } } }
    })
}

fn no_content(description: &str) -> Value {
    json!({ "description": description })
}

fn not_found_text() -> Value {
    json!({
        "description": "The router has no route for this method or path.",
        "headers": cors_headers(),
        "content": { "text/plain; charset=UTF-8": { "schema": { "const": "404 Not Found" } } }
    })
}

/// The visitors.info operations: GET (and HEAD), and the 404 every other method gets.
fn visitors_info_path(version: Version, replies: &Replies) -> Value {
    // Every example is the body the mock sends for that outcome: one source for both.
    let body = |outcome: Outcome| match replies.reply(&outcome) {
        Delivery::Send(reply) => {
            serde_json::from_slice::<Value>(&reply.body).unwrap_or(Value::Null)
        }
        Delivery::Reset | Delivery::Hang => Value::Null,
    };
    let not_logged_in = body(Outcome::NotLoggedIn);
    let internal = body(Outcome::ServerError);
    let invalid = |e: ParamError| body(Outcome::InvalidParams(e));
    let version_notes: Vec<String> = CHANGES
        .iter()
        .map(|c| {
            format!(
                "- {} ({}): {}",
                c.since,
                if version >= c.since {
                    "in effect"
                } else {
                    "not yet"
                },
                c.summary
            )
        })
        .collect();
    let description = format!(
        "Retrieve a Livechat visitor by id, answered as Rocket.Chat {version} does.\n\n\
         Permission required: `view-l-room`.\n\n\
         Checks, in order: authentication (401), permission (403), rate limit (429, when enabled), \
         query parameters (400 invalid-params), lookup (400 visitor-not-found, or 200).\n\n\
         Any outcome can be asked for per request with `Prefer: code=403`, `Prefer: example=<name>` \
         or `x-mock-response-code` / `x-mock-response-name` (example names: {}; outcome ids: {}).\n\n\
         Version behaviour:\n{}",
        Example::ALL.map(Example::name).join(", "),
        OutcomeId::ALL.map(OutcomeId::as_str).join(", "),
        version_notes.join("\n"),
    );
    // The examples are the bundled fixtures' (the spec page's) agent and visitor, also as the
    // schemas' defaults: Postman's importer (openapi-to-postmanv2) fills requests from those, so
    // an imported collection answers 200 against the bundled fixtures.
    let parameters = json!([
        { "name": "visitorId", "in": "query", "required": true, "description": "The visitor ID.",
          "schema": { "type": "string", "default": "6a22b1765528fa64dd29de70" }, "example": "6a22b1765528fa64dd29de70" },
        { "name": "X-User-Id", "in": "header", "required": true, "description": "The userId of the authenticated user.",
          "schema": { "type": "string", "default": "rbAXPnMktTFbNpwtJ" }, "example": "rbAXPnMktTFbNpwtJ" },
        { "name": "X-Auth-Token", "in": "header", "required": true, "description": "The authToken of the authenticated user.",
          "schema": { "type": "string", "default": "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f" }, "example": "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f" }
    ]);
    let responses = json!({
        "200": json_response("The visitor.", &response_file(200), json!({ "Success Example": example(body(Outcome::Found(replies.success_example().clone()))) }), true, false),
        "400": json_response("Bad query parameters, or no such (or a disabled) visitor.", &response_file(400), json!({
            "Example 1": example(invalid(ParamError::MissingVisitorId)),
            "Example 2": example(body(Outcome::VisitorNotFound)),
            "additional properties": example(invalid(ParamError::AdditionalProperty)),
            "not a string": example(invalid(ParamError::NotString)),
        }), true, false),
        "401": json_response("Not logged in.", &response_file(401), json!({ "Authorization Error": example(not_logged_in) }), false, false),
        "403": json_response("The user lacks view-l-room.", &response_file(403), json!({
            "Permission Error": example(body(Outcome::Forbidden)),
            "Unauthorized": example(body(Outcome::ForbiddenGeneric)),
        }), false, false),
        "429": json_response("Too many requests from this user in the window.", &response_file(429), json!({
            "rate-limited": example(body(Outcome::RateLimited(RateCheck::exhausted(RateLimit::REAL_DEFAULT, 0)))),
        }), false, true),
        "500": {
            "description": "The server-error outcome, or a body the schema gate refused to send.",
            "headers": cors_headers(),
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/InternalError" }, "examples": { "server-error": example(internal) } } }
        }
    });
    // HEAD: the same statuses and headers, no body.
    let mut head_responses = responses.clone();
    for response in head_responses
        .as_object_mut()
        .into_iter()
        .flat_map(|r| r.values_mut())
    {
        if let Some(response) = response.as_object_mut() {
            response.remove("content");
        }
    }
    json!({
        "get": {
            "summary": "Get Visitor Information by ID",
            "operationId": "visitorsInfo",
            "tags": ["Omnichannel Visitors"],
            "description": description,
            "parameters": parameters,
            "responses": responses
        },
        "head": {
            "summary": "As GET, without the body",
            "operationId": "visitorsInfoHead",
            "tags": ["Omnichannel Visitors"],
            "parameters": parameters,
            "responses": head_responses
        },
    })
}

/// Completes a path item of Rocket.Chat's API space with what this instance answers to the
/// methods it does not route (the router's 404) and to OPTIONS (the CORS preflight), so the
/// document declares every method a client can send.
fn complete_path_item(item: &mut Value, id: &str) {
    // Hono's c.body(string): the Fetch API types it without a space.
    let text = |description: &str, body: Value| {
        json!({
            "description": description,
            "content": { "text/plain;charset=UTF-8": { "schema": body } }
        })
    };
    let Some(item) = item.as_object_mut() else {
        return;
    };
    for method in ["get", "put", "post", "delete", "patch", "trace"] {
        item.entry(method).or_insert_with(|| json!({
            "summary": format!("{} is not routed here: the real server answers 404", method.to_uppercase()),
            "operationId": format!("{id}_{method}_not_routed"),
            "tags": ["Not routed (404, documentation only)"],
            "responses": { "404": not_found_text() }
        }));
    }
    item.entry("options").or_insert_with(|| json!({
        "summary": "CORS preflight, as the real server's CORS middleware answers it on any path",
        "operationId": format!("{id}_preflight"),
        "tags": ["CORS preflight"],
        "responses": {
            "200": text("`OK`; with Origin or Access-Control-Request-Method, the CORS allow headers too.", json!({ "const": "OK" })),
            "403": text("An origin not on the --cors list.", json!({ "const": "Invalid origin" })),
            "405": text("CORS disabled (--cors off).", json!({ "const": crate::base::response::CORS_DISABLED }))
        }
    }));
}

/// The companion endpoints of a client flow: login, registration, visitor by token.
fn companion_paths() -> Map<String, Value> {
    let content = |file: &str| json!({ "application/json": { "schema": schema_ref(file) } });
    let with_headers = |description: &str, file: &str| json!({ "description": description, "headers": no_store_headers(), "content": content(file) });
    let text = json!({ "type": "string" });
    let mut paths = Map::new();
    paths.insert(Endpoint::Login.path().into(), json!({ "post": {
        "operationId": "login",
        "summary": "Login with Username and Password (or resume with an auth token)",
        "tags": ["Authentication"],
        "requestBody": { "required": true, "content": { "application/json": { "schema": {
            "type": "object",
            "description": "`user` (a username, or an e-mail when it holds @, or Meteor's {username|email|id} object), `username` or `email`, with `password`; or `resume` with an auth token. When `user` is given, `username` and `email` are not read (loginCompatibility), so their types are free.",
            "properties": {
                "user": { "type": ["string", "object"] }, "username": {}, "email": {},
                "password": text, "resume": text, "code": text
            },
            "default": { "user": "agent.alice", "password": "alice-agent-pass" }
        }, "example": { "user": "agent.alice", "password": "alice-agent-pass" } } } },
        "responses": {
            "200": with_headers("Logged in: send data.userId as X-User-Id and data.authToken as X-Auth-Token.", "login.200.json"),
            "400": with_headers("The body is not a JSON object.", "login.400.json"),
            "401": with_headers("Wrong credentials.", "login.401.json")
        }
    } }));
    // `me` and `logout` need the user's credentials (authRequired); without them, the
    // authentication middleware's 401, visitors.info's. Tagged apart from Authentication, so an
    // imported collection's run does not log its own agent out.
    let credentials = json!([
        { "name": "X-User-Id", "in": "header", "required": true, "schema": { "type": "string", "default": "rbAXPnMktTFbNpwtJ" }, "example": "rbAXPnMktTFbNpwtJ" },
        { "name": "X-Auth-Token", "in": "header", "required": true, "schema": { "type": "string", "default": "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f" }, "example": "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f" }
    ]);
    let not_logged_in = json!({ "description": "Not logged in (the authentication middleware's 401).", "headers": cors_headers(), "content": content(&response_file(401)) });
    paths.insert(
        Endpoint::Me.path().into(),
        json!({ "get": {
        "operationId": "me",
        "summary": "The logged-in user (getUserInfo)",
        "tags": ["Account"],
        "parameters": credentials,
        "responses": {
            "200": with_headers("The user, then success.", "me.200.json"),
            "401": not_logged_in
        }
    } }),
    );
    let logout = |operation: &str, summary: &str| {
        json!({
            "operationId": operation,
            "summary": summary,
            "tags": ["Account"],
            "parameters": credentials,
            "responses": {
                "200": { "description": "Logged out: an empty body (the Hono router sends the route's raw result as no body).", "headers": no_store_headers() },
                "401": not_logged_in
            }
        })
    };
    paths.insert(Endpoint::Logout.path().into(), json!({
        "post": logout("logout", "Log out: the auth token is removed (later calls with it are 401)"),
        "get": logout("logoutByGet", "As POST (ApiClass.ts still routes GET: \"Default logout via GET will be removed\")")
    }));
    let custom_field = json!({
        "type": "object",
        "properties": { "key": text, "value": text, "overwrite": { "type": "boolean" } },
        "required": ["key", "value", "overwrite"]
    });
    let maybe_text = json!({ "type": ["string", "null"] });
    paths.insert(Endpoint::RegisterVisitor.path().into(), json!({ "post": {
        "operationId": "registerVisitor",
        "summary": "Register Livechat Visitor (an existing token updates that visitor)",
        "tags": ["Omnichannel Visitors"],
        "requestBody": { "required": true, "content": { "application/json": { "schema": {
            "type": "object",
            "properties": { "visitor": {
                "type": "object",
                "properties": {
                    "token": { "type": "string", "pattern": "\\S" },
                    "name": maybe_text, "email": maybe_text, "department": maybe_text, "phone": maybe_text,
                    "username": maybe_text,
                    "customFields": { "type": ["array", "null"], "items": custom_field }
                },
                "required": ["token"]
            } },
            "required": ["visitor"],
            "additionalProperties": false,
            "default": { "visitor": { "token": "iNKE8a6k6cjbqWhWd", "name": "Livechat Visitor", "email": "visitor@rocket.chat" } }
        }, "example": { "visitor": { "token": "iNKE8a6k6cjbqWhWd", "name": "Livechat Visitor", "email": "visitor@rocket.chat" } } } } },
        "responses": {
            "200": with_headers("The visitor, token included.", "livechat.visitor.200.json"),
            "400": with_headers("A Match error, or an empty token.", "livechat.visitor.400.json")
        }
    } }));
    paths.insert(
        Endpoint::VisitorByToken.path().to_string(),
        json!({
            "parameters": [{ "name": "token", "in": "path", "required": true, "schema": { "type": "string", "default": "test-token-12345" }, "example": "test-token-12345" }],
            "get": {
                "operationId": "visitorByToken",
                "summary": "Get a Livechat visitor by token",
                "tags": ["Omnichannel Visitors"],
                "responses": {
                    "200": with_headers("The visitor, token included.", "livechat.visitor.200.json"),
                    "400": with_headers("No visitor holds this token.", "livechat.visitor.400.json")
                }
            },
            "delete": {
                "operationId": "deleteVisitor",
                "summary": "Remove a Livechat visitor by token (no authentication)",
                "tags": ["Omnichannel Visitors"],
                // The visitor the registration example creates, not the fixtures' main one: an
                // imported collection (Postman) run twice still finds the visitor the others use.
                "parameters": [{ "name": "token", "in": "path", "required": true, "schema": { "type": "string", "default": "iNKE8a6k6cjbqWhWd" }, "example": "iNKE8a6k6cjbqWhWd" }],
                "responses": {
                    "200": with_headers("Removed: the visitor's _id and the time of removal.", "livechat.visitor.200.json"),
                    "400": with_headers("No visitor holds this token.", "livechat.visitor.400.json")
                }
            }
        }),
    );
    paths
}

fn json_ok(description: &str, schema: Value) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": schema } }
    })
}

fn text_ok(description: &str, media_type: &str) -> Value {
    json!({
        "description": description,
        "content": { media_type: { "schema": { "type": "string" } } }
    })
}

/// The control API under `/_mock/`: one operation per row of the route table, in its order.
fn control_paths(token: bool) -> Map<String, Value> {
    let mut paths = Map::new();
    for route in &table::ROUTES {
        let mut operation = control_operation(route.op);
        // The page is served before the token check; everything else is behind it.
        if token && route.op != Op::Ui {
            operation["responses"]["401"] =
                mock_error_response("The bearer token is missing or wrong.");
        }
        let methods = paths.entry(route.path).or_insert_with(|| json!({}));
        methods[route.method.as_str().to_ascii_lowercase()] = operation;
    }
    paths
}

/// A control operation: its id, summary and answers, parameters and request body.
fn control_operation(op: Op) -> Value {
    let described = |id: &str, summary: &str, responses: Value| {
        json!({
            "operationId": id, "summary": summary, "tags": ["Mock control (changes the mock's state)"], "responses": responses
        })
    };
    let with_body = |mut operation: Value, schema: Value| {
        operation["requestBody"] =
            json!({ "required": true, "content": { "application/json": { "schema": schema } } });
        operation
    };
    let with_parameters = |mut operation: Value, parameters: Value| {
        operation["parameters"] = parameters;
        operation
    };
    let id_param = json!([{ "name": "id", "in": "path", "required": true,
        "schema": { "$ref": "#/components/schemas/livechat-visitor/$defs/visitorId" } }]);
    let filters = json!([
        { "name": "path", "in": "query", "required": false, "schema": { "type": "string" } },
        { "name": "status", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 100, "maximum": 599 } },
        { "name": "outcome", "in": "query", "required": false, "schema": { "type": "string" } }
    ]);
    let verify_report = json!({ "type": "object", "properties": { "verified": { "type": "boolean" }, "expectations": { "type": "array" }, "received_recently": { "type": "array", "items": { "type": "string" } } }, "required": ["verified", "expectations", "received_recently"] });
    match op {
        Op::Ui => described(
            "mockUi",
            "The dashboard: the journal live, coverage, outcomes in a click",
            json!({
                "200": text_ok("One self-contained HTML page.", "text/html; charset=utf-8")
            }),
        ),
        Op::Health => described(
            "mockHealth",
            "Is the mock up",
            json!({
                "200": json_ok("Up.", json!({ "type": "object", "properties": { "status": { "const": "ok" }, "visitors": { "type": "integer" }, "journal": { "type": "integer" } }, "required": ["status", "visitors", "journal"] }))
            }),
        ),
        Op::GetOutcome => described(
            "mockGetOutcome",
            "The admin override in force",
            json!({ "200": json_ok("The override, or {\"outcome\": null}; for a sequence, the steps left.", json!({ "type": ["object", "array"] })) }),
        ),
        Op::PutOutcome => {
            let schema = crate::run::overrides::body_schema();
            with_body(
                described(
                    "mockSetOutcome",
                    "Set the admin override",
                    json!({
                        "200": json_ok("The override (or sequence) now in force.", schema.clone()),
                        "400": mock_error_response("The body could not be read."),
                        "413": mock_error_response("The body is too large."),
                        "422": mock_error_response("Not a valid override.")
                    }),
                ),
                schema,
            )
        }
        Op::DeleteOutcome => described(
            "mockDeleteOutcome",
            "Remove the admin override",
            json!({ "204": no_content("Removed.") }),
        ),
        Op::ListVisitors => described(
            "mockListVisitors",
            "Every visitor id, in order",
            json!({
                "200": json_ok("The ids.", json!({ "type": "object", "properties": { "visitors": { "type": "array", "items": { "type": "string" } } }, "required": ["visitors"] }))
            }),
        ),
        Op::PutVisitor => {
            let operation = described(
                "mockPutVisitor",
                "Add or replace a visitor",
                json!({
                    "200": json_ok("Replaced.", schema_ref("livechat-visitor.json")),
                    "201": json_ok("Created.", schema_ref("livechat-visitor.json")),
                    "400": mock_error_response("The body could not be read."),
                    "413": mock_error_response("The body is too large."),
                    "409": mock_error_response("The document's _id is not the path's, or its token belongs to another visitor."),
                    "422": { "description": "Not a valid stored visitor document.", "content": { "application/json": { "schema": {
                        "type": "object", "properties": { "mock_error": { "type": "string" }, "pointer": { "type": "string" }, "reason": { "type": "string" } },
                        "required": ["mock_error", "pointer", "reason"] } } } }
                }),
            );
            // The stored-visitor schema, with `_id` optional (it comes from the path).
            let operation = with_body(
                operation,
                json!({
                    "$ref": "#/components/schemas/livechat-visitor/$defs/fields",
                    "properties": { "token": { "type": "string", "minLength": 1 } },
                    "required": ["_updatedAt", "username", "ts", "token"],
                    "unevaluatedProperties": false
                }),
            );
            with_parameters(operation, id_param)
        }
        Op::DeleteVisitor => with_parameters(
            described(
                "mockDeleteVisitor",
                "Remove a visitor",
                json!({
                    "204": no_content("Removed."), "404": mock_error_response("No such visitor.")
                }),
            ),
            id_param,
        ),
        Op::Reset => described(
            "mockReset",
            "Back to the loaded fixtures, no override",
            json!({ "204": no_content("Reset.") }),
        ),
        Op::ListRequests => {
            let mut parameters = filters;
            if let Some(list) = parameters.as_array_mut() {
                list.push(json!({ "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 0, "maximum": u64::MAX } }));
                list.push(json!({ "name": "after", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 0, "maximum": u64::MAX } }));
            }
            with_parameters(
                described(
                    "mockListRequests",
                    "The request journal",
                    json!({
                        "200": json_ok("Oldest first; with `limit`, `next` is the `after` of the next page.", json!({ "type": "object", "properties": { "requests": { "type": "array", "items": { "$ref": "#/components/schemas/JournalEntry" } }, "next": { "type": "integer" } }, "required": ["requests"] })),
                        "400": mock_error_response("A filter is not valid.")
                    }),
                ),
                parameters,
            )
        }
        Op::ClearRequests => with_parameters(
            described(
                "mockClearRequests",
                "Empty the journal, or drop the entries a filter matches",
                json!({ "204": no_content("Emptied."), "400": mock_error_response("A filter is not valid.") }),
            ),
            filters,
        ),
        Op::Coverage => described(
            "mockCoverage",
            "Which contract answers were sent in this run",
            json!({
                "200": json_ok("Every contract answer with its count, and those never sent.", json!({
                    "type": "object",
                    "properties": {
                        "seen": { "type": "integer" }, "total": { "type": "integer" },
                        "answers": { "type": "array", "items": { "type": "object", "properties": { "endpoint": { "type": "string" }, "answer": { "type": "string" }, "count": { "type": "integer" } }, "required": ["endpoint", "answer", "count"] } },
                        "never": { "type": "array", "items": { "type": "string" } }
                    },
                    "required": ["seen", "total", "answers", "never"]
                }))
            }),
        ),
        Op::ClearCoverage => described(
            "mockClearCoverage",
            "Start counting again",
            json!({ "204": no_content("Cleared.") }),
        ),
        Op::CoverageMarkdown => described(
            "mockCoverageMarkdown",
            "The coverage report as a Markdown table",
            json!({
                "200": text_ok("The summary line, then one row per contract answer.", "text/markdown; charset=utf-8")
            }),
        ),
        Op::ListExpectations => described(
            "mockListExpectations",
            "The expectations with their counts",
            json!({ "200": json_ok("The report.", verify_report) }),
        ),
        Op::AddExpectation => {
            let outcome_or_null: Vec<Value> = std::iter::once(Value::Null)
                .chain(crate::base::selection::OutcomeId::ALL.map(|id| json!(id.as_str())))
                .collect();
            let expectation = json!({
                "type": "object",
                "properties": {
                    "name": { "type": ["string", "null"] }, "method": { "type": ["string", "null"] }, "path": { "type": ["string", "null"] },
                    "visitorId": { "type": ["string", "null"] },
                    "headers": { "type": "object", "additionalProperties": { "type": "string" } },
                    "outcome": { "enum": outcome_or_null },
                    "times": { "type": ["integer", "null"], "minimum": 0, "maximum": 9_007_199_254_740_992u64 },
                    "atLeast": { "type": ["integer", "null"], "minimum": 0, "maximum": 9_007_199_254_740_992u64 },
                    "atMost": { "type": ["integer", "null"], "minimum": 0, "maximum": 9_007_199_254_740_992u64 }
                },
                "dependentSchemas": { "times": { "properties": { "atLeast": { "type": "null" }, "atMost": { "type": "null" } } } },
                "description": "`times` is exact; `atLeast`/`atMost` give a range (atLeast at most atMost), not with `times`.",
                "additionalProperties": false
            });
            with_body(
                described(
                    "mockAddExpectation",
                    "Expect requests matching this, a number of times",
                    json!({
                        "201": json_ok("Added.", json!({ "type": "object", "properties": { "index": { "type": "integer" } }, "required": ["index"] })),
                        "400": mock_error_response("The body could not be read."),
                        "413": mock_error_response("The body is too large."),
                        "422": mock_error_response("Not a valid expectation.")
                    }),
                ),
                expectation,
            )
        }
        Op::ClearExpectations => described(
            "mockClearExpectations",
            "Forget every expectation",
            json!({ "204": no_content("Cleared.") }),
        ),
        Op::Verify => described(
            "mockVerify",
            "Whether every expectation is met",
            json!({
                "200": json_ok("Every expectation is met.", verify_report.clone()),
                "409": json_ok("Some expectation is not met: the report says which, and what came instead.", verify_report)
            }),
        ),
        Op::ListProviderStates => described(
            "mockListProviderStates",
            "The Pact provider states this mock knows",
            json!({
                "200": json_ok("Each state's template (parameters in braces) and what it does.", json!({ "type": "array", "items": { "type": "object", "properties": { "state": { "type": "string" }, "does": { "type": "string" } }, "required": ["state", "does"] } }))
            }),
        ),
        Op::ChangeProviderState => {
            let states: Vec<Value> = crate::control::provider_states::STATES
                .iter()
                .map(|(state, _)| json!(state))
                .collect();
            let mut operation = described(
                "mockChangeProviderState",
                "Set up or tear down a Pact provider state",
                json!({
                    "200": json_ok("What was applied.", json!({ "type": ["object", "array"] })),
                    "400": mock_error_response("Not a state this mock knows (the message lists them), or a body it cannot read."),
                    "413": mock_error_response("The body is too large.")
                }),
            );
            operation["requestBody"] = json!({ "required": false, "content": { "application/json": { "schema": {
                "type": "object",
                "description": format!("Pact's state-change body: `state` fills one of these templates: {}", states.iter().map(|s| s.as_str().unwrap_or_default()).collect::<Vec<_>>().join("; ")),
                "properties": {
                    "action": { "enum": ["setup", "teardown", null] },
                    "state": { "type": ["string", "null"] },
                    "states": { "type": ["array", "null"], "items": { "type": "string" } },
                    "params": { "type": ["object", "null"] },
                    "consumer": { "type": ["string", "null"] }
                }
            } } } });
            operation
        }
        Op::Pact => with_parameters(
            described(
                "mockPact",
                "The journal's interactions as a Pact v4 file",
                json!({
                    "200": json_ok("A v4 pact, with matching rules for generated fields.", json!({ "type": "object" })),
                    "409": mock_error_response("The journal keeps no responses: the mock was not started with --journal-responses.")
                }),
            ),
            json!([
                { "name": "consumer", "in": "query", "required": false, "schema": { "type": "string" } },
                { "name": "provider", "in": "query", "required": false, "schema": { "type": "string" } }
            ]),
        ),
        Op::CaPem => described(
            "mockCaPem",
            "The local CA's certificate (--tls auto)",
            json!({
                "200": text_ok("The PEM certificate to trust.", "application/x-pem-file"),
                "404": mock_error_response("No local CA: the mock was not started with --tls auto.")
            }),
        ),
        Op::OpenApi => described(
            "mockOpenApi",
            "This document",
            json!({ "200": json_ok("OpenAPI 3.1.", json!({ "type": "object" })) }),
        ),
    }
}

/// Builds the document.
pub fn document(schemas: &SchemaSet, replies: &Replies, describe: &DocumentFor) -> Value {
    let mut components = Map::new();
    for (file, doc) in schemas.documents() {
        components.insert(component(file), embed(file, doc));
    }
    components.insert("MockError".into(), json!({
        "description": "The mock's own error, never Rocket.Chat's.",
        "type": "object", "properties": { "mock_error": { "type": "string" } }, "required": ["mock_error"]
    }));
    components.insert("InternalError".into(), json!({
        "type": "object",
        "properties": { "success": { "const": false }, "error": { "const": "Internal server error" } },
        "required": ["success", "error"], "additionalProperties": false
    }));
    components.insert("JournalEntry".into(), json!({
        "type": "object",
        "properties": {
            "time": { "type": "string" }, "method": { "type": "string" }, "path": { "type": "string" },
            "query": { "type": ["string", "null"] },
            "headers": { "type": "array", "items": { "type": "array", "prefixItems": [{ "type": "string" }, { "type": "string" }], "minItems": 2, "maxItems": 2 } },
            "outcome": { "type": "string" }, "rule": { "type": "string" },
            "status": { "type": ["integer", "null"] }, "gate": { "enum": ["passed", "blocked", "bypassed", "none"] },
            "delay_ms": { "type": ["integer", "null"] }, "micros": { "type": "integer" },
            "seq": { "type": "integer", "description": "Its place in the journal: the `after` cursor." },
            "truncated": { "type": "boolean", "description": "A header value, the path or the query was past 1 KiB and cut." }
        },
        "required": ["time", "method", "path", "query", "headers", "outcome", "rule", "status", "gate", "delay_ms", "micros"]
    }));

    let mut paths = Map::new();
    paths.insert(PATH.into(), visitors_info_path(describe.version, replies));
    paths.extend(companion_paths());
    for (path, item) in paths.iter_mut() {
        let id = path
            .trim_start_matches('/')
            .replace(['/', '.', '{', '}'], "_");
        complete_path_item(item, &id);
    }
    if describe.admin {
        paths.extend(control_paths(describe.admin_token));
    }
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "livechat-mock: Rocket.Chat Livechat visitors.info",
            "version": describe.version.to_string(),
            "description": format!(
                "A contract-exact mock of Rocket.Chat {}'s GET {PATH}. Every response body is checked against these schemas before it is sent. Preflights (OPTIONS) answer with Access-Control-Allow-Methods: {ALLOW_METHODS}.",
                describe.version
            )
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "tags": [
            { "name": "Omnichannel Visitors", "description": "Rocket.Chat's API, as the real server answers it." },
            { "name": "Authentication", "description": "Rocket.Chat's login, against users.json." },
            { "name": "Mock control (changes the mock's state)", "description": "The mock's own control API under /_mock/: some calls change what the mock answers." },
            { "name": "Not routed (404, documentation only)", "description": "Methods the real router has no route for: each answers 404. Documented so tools know every method; not requests to send." },
            { "name": "CORS preflight", "description": "OPTIONS on any path, as the real CORS middleware answers it." }
        ],
        "paths": paths,
        "components": { "schemas": components }
    });
    if describe.admin_token {
        document["components"]["securitySchemes"] =
            json!({ "adminToken": { "type": "http", "scheme": "bearer" } });
        if let Some(paths) = document["paths"].as_object_mut() {
            for (path, item) in paths.iter_mut() {
                if path.starts_with("/_mock/") {
                    for operation in item
                        .as_object_mut()
                        .into_iter()
                        .flat_map(|o| o.values_mut())
                    {
                        operation["security"] = json!([{ "adminToken": [] }]);
                    }
                }
            }
        }
    }
    if let Some(paths) = document.get_mut("paths") {
        set_allow_headers(paths, &describe.allow_headers);
    }
    document
}

/// Every response's `Access-Control-Allow-Headers` of the API's paths holds the release's list
/// (8.8.0 appended `MCP-Protocol-Version`); the control API's keep the base list.
fn set_allow_headers(paths: &mut Value, allow_headers: &str) {
    fn walk(value: &mut Value, allow_headers: &str) {
        match value {
            Value::Object(map) => {
                if let Some(header) = map.get_mut("Access-Control-Allow-Headers") {
                    header["schema"] = json!({ "const": allow_headers });
                }
                for child in map.values_mut() {
                    walk(child, allow_headers);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, allow_headers)),
            _ => {}
        }
    }
    if let Some(paths) = paths.as_object_mut() {
        for (path, item) in paths.iter_mut() {
            if !path.starts_with("/_mock") {
                walk(item, allow_headers);
            }
        }
    }
}
