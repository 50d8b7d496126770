//! API-version emulation, row by row of the behaviour table, and generated visitors.

use livechat_mock::{CHANGES, Config, Version};

use crate::helpers::*;

async fn at(version: &str) -> TestApp {
    spawn_with(Config {
        api_version: version.parse().unwrap(),
        ..Config::default()
    })
    .await
}

const WHATSAPP_VISITOR: &str = "visitorId=0f17a3007e62aa0a1df9fd78";
const SPEC_BODY_WITH_TOKEN: &str = r#"{"visitor":{"_id":"6a22b1765528fa64dd29de70","username":"guest-10","status":"online","ts":"2026-06-05T11:22:30.664Z","_updatedAt":"2026-06-05T11:22:30.665Z","name":"Postman Test Visitor","phone":[{"phoneNumber":"+15551234567"}],"visitorEmails":[{"address":"postman-test@example.com"}],"token":"test-token-12345"},"success":true}"#;

#[test]
fn the_table_has_one_row_per_behaviour_each_with_a_source() {
    let ids: Vec<_> = CHANGES.iter().map(|c| c.id).collect();
    assert_eq!(
        ids,
        [
            "hono-router",
            "permission-before-params",
            "router-query-limits",
            "external-ids",
            "token-hidden",
            "single-string-arrays",
            "mcp-cors-header",
            "rate-limiter-middleware",
            "login-unauthorized",
            "no-401-legacy-keys"
        ]
    );
    assert!(
        CHANGES
            .iter()
            .all(|c| !c.source.is_empty() && !c.summary.is_empty())
    );
    assert_eq!(Version::DEFAULT.to_string(), "8.8.1");
}

#[tokio::test]
async fn before_8_5_0_the_token_is_returned_and_passes_that_versions_schema() {
    let app = at("8.4.2").await;
    let answer = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, SPEC_BODY_WITH_TOKEN)
    );
    let at_8_5 = at("8.5.0").await;
    let answer = at_8_5
        .visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
        .await;
    assert_eq!(answer.body, SPEC_VISITOR_BODY);
}

#[tokio::test]
async fn before_8_4_0_external_ids_are_not_sent() {
    let app = at("8.3.0").await;
    let answer = app.visitors_info(Some(AGENT), Some(WHATSAPP_VISITOR)).await;
    assert_eq!(answer.status, 200);
    assert!(!answer.body.contains("externalIds"), "{}", answer.body);
    assert!(
        answer.body.contains(r#","token":"JOqOAf1lLQSAJaiXn"}"#),
        "{}",
        answer.body
    );
    let at_8_4 = at("8.4.0").await;
    let answer = at_8_4
        .visitors_info(Some(AGENT), Some(WHATSAPP_VISITOR))
        .await;
    assert!(answer.body.contains("externalIds"), "{}", answer.body);
}

#[tokio::test]
async fn before_8_0_0_the_parameters_are_checked_before_the_permission() {
    let old = at("7.13.1").await;
    let answer = old.visitors_info(Some(PLAIN_USER), Some("count=1")).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body,
        r#"{"success":false,"error":"must have required property 'visitorId' [invalid-params]","errorType":"invalid-params"}"#
    );
    let answer = old
        .visitors_info(Some(PLAIN_USER), Some("visitorId=x"))
        .await;
    assert_eq!(
        answer.status, 403,
        "valid parameters still meet the permission check"
    );
    assert_eq!(
        old.visitors_info(None, Some("count=1")).await.status,
        401,
        "authentication stays first"
    );
    let new = at("8.0.0").await;
    assert_eq!(
        new.visitors_info(Some(PLAIN_USER), Some("count=1"))
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn before_8_6_0_an_array_of_one_id_must_be_a_string() {
    let query = format!("visitorId[]={SPEC_VISITOR}");
    let answer = at("8.5.9")
        .await
        .visitors_info(Some(AGENT), Some(&query))
        .await;
    assert_eq!(
        answer.body,
        r#"{"success":false,"error":"must be string [invalid-params]","errorType":"invalid-params"}"#
    );
    let answer = at("8.6.0")
        .await
        .visitors_info(Some(AGENT), Some(&query))
        .await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn from_9_0_0_the_401_drops_the_legacy_keys() {
    let answer = at("9.0.0").await.visitors_info(None, None).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (
            401,
            r#"{"success":false,"error":"You must be logged in to do this."}"#
        )
    );
    let answer = at("8.6.0").await.visitors_info(None, None).await;
    assert!(answer.body.contains(r#""status":"error""#));
}

#[tokio::test]
async fn an_unknown_or_malformed_version_is_a_start_up_error_naming_the_range() {
    let output = binary(&["--port", "0", "--api-version", "9.3.0"])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid value '9.3.0' for '--api-version <X.Y.Z>': 9.3.0 is not a version this mock knows; known versions: 7.0.0 to 9.0.x"), "{stderr}");
    let output = binary(&["--port", "0", "--api-version", "latest"])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("\"latest\" is not a version X.Y.Z; known versions: 7.0.0 to 9.0.x")
    );
}

/// FNV-1a, 64 bits: a digest that is the same on every platform and toolchain.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[tokio::test]
async fn generate_writes_the_same_fixture_file_for_the_same_seed() {
    let run = |seed: &'static str| async move {
        let output = binary(&["generate", "300", "--seed", seed])
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    };
    let first = run("7").await;
    assert_eq!(first, run("7").await);
    assert_ne!(first, run("8").await);
    let text = String::from_utf8(first.clone()).unwrap();
    assert!(text.starts_with("[\n{\"_id\":\""), "{}", &text[..80]);
    assert_eq!(
        text.lines().count(),
        302,
        "one visitor per line between the brackets"
    );
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .contains(r#""username":"guest-16","#),
        "after the bundled guest-15"
    );
    assert_eq!(
        fnv1a(&first),
        10759111291310016047,
        "pinned digest of `generate 300 --seed 7`"
    );
}

#[tokio::test]
async fn a_generated_file_loads_as_fixtures_and_the_same_seed_serves_the_same_visitors() {
    let output = binary(&["generate", "500", "--seed", "3"])
        .output()
        .await
        .unwrap();
    let dir = copy_of("fixtures", "generated");
    dir.write("visitors.json", &String::from_utf8(output.stdout).unwrap());
    let from_file = spawn_with(Config {
        fixtures: livechat_mock::FixtureSource::Dir(dir.path().to_path_buf()),
        ..Config::default()
    })
    .await;
    let served = spawn_with(Config {
        generate: 500,
        seed: 3,
        ..Config::default()
    })
    .await;
    let ids = |app: &TestApp| {
        let app_url = app.url("/_mock/visitors");
        let client = app.client.clone();
        async move {
            client
                .get(app_url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let file_ids: serde_json::Value = serde_json::from_str(&ids(&from_file).await).unwrap();
    let served_ids: serde_json::Value = serde_json::from_str(&ids(&served).await).unwrap();
    let file_ids = file_ids["visitors"].as_array().unwrap();
    let served_ids = served_ids["visitors"].as_array().unwrap();
    assert_eq!(file_ids.len(), 500);
    assert_eq!(served_ids.len(), 507, "the 7 fixtures, then the 500");
    assert_eq!(&served_ids[7..], &file_ids[..]);
    let some = served_ids[100].as_str().unwrap();
    let a = from_file
        .visitors_info(Some(AGENT), Some(&format!("visitorId={some}")))
        .await;
    let b = served
        .visitors_info(Some(AGENT), Some(&format!("visitorId={some}")))
        .await;
    assert_eq!((a.status, &a.body), (b.status, &b.body));
}
