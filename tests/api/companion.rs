//! The companion endpoints of a whole client flow: login, visitor registration, visitor by token.

use livechat_mock::{Clock, Config};
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn login_by_username_or_email_returns_the_credentials_visitors_info_takes() {
    let app = spawn_app().await;
    for user in ["agent.alice", "Alice.Agent@example.com"] {
        let answer = app
            .login(json!({"user": user, "password": "alice-agent-pass"}))
            .await;
        assert_eq!(answer.status, 200, "{user}");
        assert_eq!(answer.header("content-type"), Some("application/json"));
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        assert!(answer.body.starts_with(r#"{"status":"success","data":{"userId":"rbAXPnMktTFbNpwtJ","authToken":"RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f","me":{"_id":"rbAXPnMktTFbNpwtJ""#), "{}", answer.body);
        assert!(answer.body.ends_with(r#"},"success":true}"#));
        assert_eq!(
            body["data"]["me"]["roles"],
            json!(["user", "livechat-agent"])
        );
        let id = body["data"]["userId"].as_str().unwrap();
        let token = body["data"]["authToken"].as_str().unwrap();
        let info = app
            .visitors_info(
                Some((id, token)),
                Some(&format!("visitorId={SPEC_VISITOR}")),
            )
            .await;
        assert_eq!(info.status, 200);
    }
    let answer = app.login(json!({"resume": ADMIN.1})).await;
    assert_eq!(answer.status, 200);
    assert!(answer.body.contains(r#""userId":"NBTm56xe8Rh5cF47X""#));
}

// ApiClass.ts, the login route: `unauthorized()` builds {success, error}, then Object.assign adds
// status, error, details (undefined) and message, so `success` comes first.
// e2e: miscellaneous.ts, "should throw an error when the password is wrong" style cases.
#[tokio::test]
async fn a_wrong_password_is_the_real_401() {
    let app = spawn_app().await;
    for body in [
        json!({"user": "agent.alice", "password": "wrong"}),
        json!({"username": "nobody", "password": "x"}),
        json!({"resume": "nope"}),
        json!({}),
    ] {
        let answer = app.post_json("/api/v1/login", &body.to_string()).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (
                401,
                r#"{"success":false,"error":"Unauthorized","status":"error","message":"Unauthorized"}"#
            ),
            "{body}"
        );
    }
}

#[tokio::test]
async fn registering_a_visitor_makes_a_guest_the_lookup_then_finds() {
    let clock = Clock::manual(1_780_000_000_000);
    let app = spawn_with(Config {
        clock: clock.clone(),
        ..Config::default()
    })
    .await;
    let answer = app
        .post_json(
            "/api/v1/livechat/visitor",
            r#"{"visitor":{"name":"Livechat Visitor","email":" Visitor@Rocket.Chat ","department":"Support","token":"iNKE8a6k6cjbqWhWd","phone":"55 51 5555-5555","customFields":[{"key":"address","value":"Rocket.Chat street","overwrite":true}]}}"#,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    let id = body["visitor"]["_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 24);
    assert!(
        id.starts_with("6a18a500"),
        "the ObjectId starts with its creation time: {id}"
    );
    // registerGuest (packages/omni-core/src/visitor/create.ts): `$set` of token, status, phone,
    // name, visitorEmails, department (by name → its _id), then username, ts and the request's
    // host, MongoDB putting _id first; `_updatedAt` last. "address" is no visitor-scope custom
    // field (fixtures/custom-fields.json), so it is not saved (e2e 09-visitors.ts: "should not
    // update a custom field when it does not exists").
    let host = app.server.address().to_string();
    assert_eq!(
        answer.body,
        format!(
            r#"{{"visitor":{{"_id":"{id}","token":"iNKE8a6k6cjbqWhWd","status":"online","phone":[{{"phoneNumber":"55 51 5555-5555"}}],"name":"Livechat Visitor","visitorEmails":[{{"address":"visitor@rocket.chat"}}],"department":"Gq7KcRw3XbTz9HmNf","username":"guest-16","ts":"2026-05-28T20:26:40.000Z","host":"{host}","_updatedAt":"2026-05-28T20:26:40.000Z"}},"success":true}}"#
        )
    );
    let info = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={id}")))
        .await;
    assert_eq!(info.status, 200);
    assert!(
        !info.body.contains("iNKE8a6k6cjbqWhWd"),
        "visitors.info never shows the token"
    );

    // the same token updates that visitor
    clock.advance_ms(1_000);
    let answer = app
        .post_json("/api/v1/livechat/visitor", r#"{"visitor":{"token":"iNKE8a6k6cjbqWhWd","name":"Renamed","customFields":[{"key":"company","value":"Acme","overwrite":true}]}}"#)
        .await;
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["visitor"]["_id"], id.as_str());
    assert_eq!(body["visitor"]["name"], "Renamed");
    assert_eq!(body["visitor"]["_updatedAt"], "2026-05-28T20:26:41.000Z");
    assert_eq!(body["visitor"]["livechatData"], json!({"company": "Acme"}));
    clock.advance_ms(1_000);
    let answer = app
        .post_json("/api/v1/livechat/visitor", r#"{"visitor":{"token":"iNKE8a6k6cjbqWhWd","customFields":[{"key":"company","value":"Other","overwrite":false}]}}"#)
        .await;
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(
        body["visitor"]["livechatData"],
        json!({"company": "Acme"}),
        "overwrite: false keeps a value already held (custom-fields.ts)"
    );

    let by_token = app.visitor_by_token("iNKE8a6k6cjbqWhWd").await;
    assert_eq!((by_token.status, &by_token.body), (200, &answer.body));
}

#[tokio::test]
async fn registration_errors_are_the_real_400s() {
    let app = spawn_app().await;
    for (body, expected) in [
        (
            "{}",
            r#"{"success":false,"error":"Match error: Missing key 'visitor'"}"#,
        ),
        (
            r#"{"visitor":{"name":"x"}}"#,
            r#"{"success":false,"error":"Match error: Missing key 'token' in field visitor"}"#,
        ),
        (
            r#"{"visitor":{"token":""}}"#,
            // ApiClass.ts failure(): a Meteor.Error's details are copied after errorType
            r#"{"success":false,"error":"Token cannot be empty [error-invalid-token]","errorType":"error-invalid-token","details":{"method":"livechat/visitor"}}"#,
        ),
    ] {
        let answer = app.post_json("/api/v1/livechat/visitor", body).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (400, expected),
            "{body}"
        );
        assert_eq!(answer.header("cache-control"), Some("no-store"));
    }
}

#[tokio::test]
async fn a_visitor_by_token_includes_the_token_or_is_invalid_token() {
    let app = spawn_app().await;
    let answer = app.visitor_by_token("test-token-12345").await;
    assert_eq!(answer.status, 200);
    assert!(answer.body.ends_with(r#","visitorEmails":[{"address":"postman-test@example.com"}],"token":"test-token-12345"},"success":true}"#), "{}", answer.body);
    let answer = app.visitor_by_token("unknown").await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (
            400,
            r#"{"success":false,"error":"[invalid-token]","errorType":"invalid-token"}"#
        )
    );
}
