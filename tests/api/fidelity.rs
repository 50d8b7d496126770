//! Behaviour traced to Rocket.Chat's source, one test per fact, each citing the file (and the
//! e2e test, where one exists) it follows. `docs/FIDELITY.md` maps every row to these tests.

use livechat_mock::Config;
use serde_json::{Value, json};

use crate::helpers::*;

const JSON: Option<&str> = Some("application/json");
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");
const LOGIN_FAILED: &str =
    r#"{"success":false,"error":"Unauthorized","status":"error","message":"Unauthorized"}"#;

// packages/http-router/src/Router.ts parseBodyParams: JSON only for application/json, form
// fields for x-www-form-urlencoded, text otherwise; a parse failure reads as {}.
#[tokio::test]
async fn login_bodies_are_read_by_their_content_type() {
    let app = spawn_app().await;
    let post = reqwest::Method::POST;
    let form = app
        .send(
            post.clone(),
            "/api/v1/login",
            FORM,
            "user=agent.alice&password=alice-agent-pass",
        )
        .await;
    assert_eq!(form.status, 200, "a real form login: {}", form.body);
    let json_as_form = app
        .send(
            post.clone(),
            "/api/v1/login",
            FORM,
            r#"{"user":"agent.alice","password":"alice-agent-pass"}"#,
        )
        .await;
    assert_eq!(
        (json_as_form.status, json_as_form.body.as_str()),
        (401, LOGIN_FAILED),
        "curl -d sends JSON as a form: one odd key, no password"
    );
    let no_type = app
        .send(
            post.clone(),
            "/api/v1/login",
            None,
            r#"{"user":"agent.alice","password":"alice-agent-pass"}"#,
        )
        .await;
    assert_eq!(no_type.status, 401, "text is spread into an object");
    let malformed = app.send(post, "/api/v1/login", JSON, r#"{"user":"#).await;
    assert_eq!(
        (malformed.status, malformed.body.as_str()),
        (401, LOGIN_FAILED),
        "malformed JSON reads as an empty body, not a 400"
    );
}

// ApiClass.ts loginCompatibility: `user` as a string (with '@': an e-mail), `username`, `email`;
// Meteor's own {user: {username | email}} form passes through.
// e2e miscellaneous.ts: "should log in with a user object" style wrapper forms.
#[tokio::test]
async fn login_takes_the_wrapper_forms() {
    let app = spawn_app().await;
    for body in [
        json!({"user": {"username": "agent.alice"}, "password": "alice-agent-pass"}),
        json!({"user": {"email": "alice.agent@example.com"}, "password": "alice-agent-pass"}),
        json!({"username": "agent.alice", "password": "alice-agent-pass"}),
        json!({"email": "ALICE.agent@example.com", "password": "alice-agent-pass"}),
    ] {
        let answer = app
            .send(
                reqwest::Method::POST,
                "/api/v1/login",
                JSON,
                &body.to_string(),
            )
            .await;
        assert_eq!(answer.status, 200, "{body}: {}", answer.body);
        let me: Value = serde_json::from_str(&answer.body).unwrap();
        let me = &me["data"]["me"];
        // getUserInfo.ts: email (first verified), settings.{profile, preferences, calendar},
        // avatarUrl, isOAuthUser, services.password.exists
        assert_eq!(me["email"], "alice.agent@example.com");
        assert_eq!(me["services"], json!({"password": {"exists": true}}));
        assert_eq!(me["isOAuthUser"], false);
        assert_eq!(me["settings"]["profile"], json!({}));
        assert_eq!(me["settings"]["preferences"]["sendOnEnter"], "normal");
    }
    let extra = json!({"user": "agent.alice", "password": "alice-agent-pass", "totp": 1});
    let answer = app
        .send(
            reqwest::Method::POST,
            "/api/v1/login",
            JSON,
            &extra.to_string(),
        )
        .await;
    assert_eq!(
        answer.status, 401,
        "an unknown key leaves the body to Meteor's check"
    );
}

// apps/meteor/server/api/v1/omnichannel/visitor.ts DELETE livechat/visitor/:token;
// e2e 09-visitors.ts "DELETE livechat/visitor/:token".
#[tokio::test]
async fn delete_visitor_by_token_removes_it_or_is_invalid_token() {
    let app = spawn_app().await;
    let path = "/api/v1/livechat/visitor/test-token-12345";
    let deleted = app.send(reqwest::Method::DELETE, path, None, "").await;
    assert_eq!(deleted.status, 200);
    let body: Value = serde_json::from_str(&deleted.body).unwrap();
    assert_eq!(body["visitor"]["_id"], SPEC_VISITOR);
    assert!(
        deleted
            .body
            .starts_with(&format!(r#"{{"visitor":{{"_id":"{SPEC_VISITOR}","ts":""#))
            && deleted.body.ends_with(r#"Z"},"success":true}"#),
        "{}",
        deleted.body
    );
    assert_eq!(deleted.header("cache-control"), Some("no-store"));
    let again = app.send(reqwest::Method::DELETE, path, None, "").await;
    let invalid = r#"{"success":false,"error":"[invalid-token]","errorType":"invalid-token"}"#;
    assert_eq!((again.status, again.body.as_str()), (400, invalid));
    let gone = app.send(reqwest::Method::GET, path, None, "").await;
    assert_eq!((gone.status, gone.body.as_str()), (400, invalid));
    let info = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
        .await;
    assert_eq!(info.body, NOT_FOUND);
}

// packages/omni-core/src/visitor/create.ts registerGuest: a new token with a known phone
// reuses that visitor and keeps its token; e2e 09-visitors.ts "should update a current visitor
// when phone is same".
#[tokio::test]
async fn a_known_phone_updates_that_visitor_and_keeps_its_token() {
    let app = spawn_app().await;
    let first = app
        .register(json!({"token": "phone-one", "phone": "+5511999990000", "name": "First"}))
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let first: Value = serde_json::from_str(&first.body).unwrap();
    let second = app
        .register(json!({"token": "phone-two", "phone": "+5511999990000", "name": "Second"}))
        .await;
    let second: Value = serde_json::from_str(&second.body).unwrap();
    assert_eq!(second["visitor"]["_id"], first["visitor"]["_id"]);
    assert_eq!(second["visitor"]["token"], "phone-one");
    assert_eq!(second["visitor"]["name"], "Second");
}

// registerGuest: a known e-mail (case-insensitive) reuses that visitor's _id; the new token
// replaces the old one.
#[tokio::test]
async fn a_known_email_updates_that_visitor_with_the_new_token() {
    let app = spawn_app().await;
    let answer = app
        .register(json!({"token": "mail-token", "email": "Postman-Test@example.com"}))
        .await;
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["visitor"]["_id"], SPEC_VISITOR);
    assert_eq!(body["visitor"]["token"], "mail-token");
    let old = app
        .send(
            reqwest::Method::GET,
            "/api/v1/livechat/visitor/test-token-12345",
            None,
            "",
        )
        .await;
    assert_eq!(old.status, 400, "the old token is gone");
}

// registerGuest: `visitor.id` is the new visitor's _id; connection data (user-agent, x-real-ip,
// host) is saved for a new visitor only.
#[tokio::test]
async fn a_new_visitor_takes_the_given_id_and_the_connection_headers() {
    let app = spawn_app().await;
    let answer = Answer::from(
        app.client
            .post(app.url("/api/v1/livechat/visitor"))
            .header("Content-Type", "application/json")
            .header("User-Agent", "widget/1.0")
            .header("X-Real-IP", "203.0.113.9")
            .body(
                json!({"visitor": {"token": "with-id", "id": "aaaaaaaaaaaaaaaaaaaaaaaa"}})
                    .to_string(),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    let visitor = &body["visitor"];
    assert_eq!(visitor["_id"], "aaaaaaaaaaaaaaaaaaaaaaaa");
    assert_eq!(visitor["userAgent"], "widget/1.0");
    assert_eq!(visitor["ip"], "203.0.113.9");
    assert_eq!(visitor["host"], app.server.address().to_string());
}

// registerGuest: LivechatDepartment.findOneByIdOrName; none is `throw new Error(
// 'error-invalid-department')`, which failure() reports without errorType.
#[tokio::test]
async fn an_unknown_department_is_refused_and_a_name_is_stored_as_its_id() {
    let app = spawn_app().await;
    let unknown = app
        .register(json!({"token": "dep-token", "department": "Nowhere"}))
        .await;
    assert_eq!(
        (unknown.status, unknown.body.as_str()),
        (
            400,
            r#"{"success":false,"error":"error-invalid-department"}"#
        )
    );
    let by_name = app
        .register(json!({"token": "dep-token", "department": "Billing"}))
        .await;
    let body: Value = serde_json::from_str(&by_name.body).unwrap();
    assert_eq!(body["visitor"]["department"], "pL5sQ2vWd8YkJ4nEx");
}

// custom-fields.ts setMultipleVisitorCustomFields: a required visitor field must be given
// (checked after the visitor is saved).
#[tokio::test]
async fn a_missing_required_custom_field_is_refused() {
    let dir = copy_of("fixtures", "required-field");
    dir.write(
        "custom-fields.json",
        r#"[{"_id":"cpf","scope":"visitor","required":true},{"_id":"plan","scope":"visitor"}]"#,
    );
    let app = spawn_with(Config {
        fixtures: livechat_mock::FixtureSource::Dir(dir.path().to_path_buf()),
        ..Config::default()
    })
    .await;
    let answer = app
        .register(json!({"token": "cf", "customFields": [{"key": "plan", "value": "x", "overwrite": true}]}))
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (
            400,
            r#"{"success":false,"error":"Missing required custom fields: cpf"}"#
        )
    );
}

// parseQueryParams.ts: qs.parse(query, { arrayLimit: 500, throwOnLimitExceeded: true }); Router.ts
// answers a throw with c.json({success: false, error: 'Invalid query parameters'}, 400).
#[tokio::test]
async fn a_query_past_qs_limits_is_the_routers_400() {
    let app = spawn_app().await;
    let query: String = (0..1001).map(|i| format!("k{i}=1&")).collect();
    let answer = app.visitors_info(Some(AGENT), Some(&query)).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (
            400,
            r#"{"success":false,"error":"Invalid query parameters"}"#
        )
    );
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("cache-control"), None);
    let repeated = "visitorId=x&".repeat(501);
    let answer = app.visitors_info(Some(AGENT), Some(&repeated)).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("Invalid query parameters"));
    // the checks before it still come first
    let answer = app.visitors_info(None, Some(&query)).await;
    assert_eq!(answer.status, 401);
}

// apps/meteor/server/api/v1/omnichannel/visitor.ts: POST livechat/visitor declares
// rateLimiterOptions { numRequestsAllowed: 5, intervalTimeInMS: 60000 }.
#[tokio::test]
async fn registration_allows_five_calls_a_minute_with_the_real_limits() {
    let app = spawn_with(Config {
        rate_limit: Some("real".parse().unwrap()),
        ..Config::default()
    })
    .await;
    for n in 0..5 {
        let answer = app.register(json!({"token": format!("rl-{n}")})).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("x-ratelimit-limit"), Some("5"));
    }
    let sixth = app.register(json!({"token": "rl-6"})).await;
    assert_eq!(sixth.status, 429);
    assert!(sixth.body.contains("[error-too-many-requests]"));
    let info = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
        .await;
    assert_eq!(
        (info.status, info.header("x-ratelimit-limit")),
        (200, Some("10")),
        "visitors.info counts on its own, 10 a minute"
    );
}

// apps/meteor/server/api/v1/middlewares/cors.ts answers with c.body(...): the Fetch API types a
// string body `text/plain;charset=UTF-8` (no space); the router's 404 is c.text(): with a space.
#[tokio::test]
async fn plain_text_answers_carry_hono_s_content_types() {
    let app = spawn_app().await;
    let preflight = app.send(reqwest::Method::OPTIONS, PATH, None, "").await;
    assert_eq!(
        (preflight.body.as_str(), preflight.header("content-type")),
        ("OK", Some("text/plain;charset=UTF-8"))
    );
    let not_found = app
        .send(reqwest::Method::GET, "/api/v1/nothing", None, "")
        .await;
    assert_eq!(
        not_found.header("content-type"),
        Some("text/plain; charset=UTF-8")
    );
    let off = spawn_with(Config {
        cors: livechat_mock::Cors::Off,
        ..Config::default()
    })
    .await;
    let refused = Answer::from(
        off.client
            .request(reqwest::Method::OPTIONS, off.url(PATH))
            .header("Origin", "http://localhost:5173")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (refused.status, refused.header("content-type")),
        (405, Some("text/plain;charset=UTF-8"))
    );
}

// RFC 9112 §3.2, as Node answers it: an HTTP/1.1 request without Host is a 400.
#[tokio::test]
async fn http_1_1_without_host_is_a_400() {
    let app = spawn_app().await;
    let raw = app
        .raw(&format!("GET {PATH}?visitorId={SPEC_VISITOR} HTTP/1.1\r\nX-User-Id: {}\r\nX-Auth-Token: {}\r\n\r\n", AGENT.0, AGENT.1))
        .await;
    assert!(raw.starts_with("HTTP/1.1 400 "), "{raw}");
    assert_eq!(
        app.server.requests().last().map(|e| e.status),
        Some(Some(400))
    );
}
