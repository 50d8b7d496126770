//! Each row of REFERENCE.md's response table: status, every named header, exact body bytes,
//! and the order of checks.

use crate::helpers::*;

const JSON_NO_STORE_HEADERS: [&str; 6] = [
    "content-type",
    "cache-control",
    "pragma",
    "access-control-allow-origin",
    "access-control-allow-headers",
    "content-length",
];
const JSON_HEADERS: [&str; 4] = [
    "content-type",
    "access-control-allow-origin",
    "access-control-allow-headers",
    "content-length",
];

fn invalid_params(message: &str) -> String {
    format!(
        r#"{{"success":false,"error":"{message} [invalid-params]","errorType":"invalid-params"}}"#
    )
}

fn assert_json_no_store(answer: &Answer) {
    assert_eq!(answer.header_names(), JSON_NO_STORE_HEADERS);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.header("pragma"), Some("no-cache"));
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        answer.header("access-control-allow-headers"),
        Some(ALLOW_HEADERS)
    );
    assert_eq!(
        answer.header("content-length"),
        Some(answer.body.len().to_string().as_str())
    );
}

fn assert_json_only(answer: &Answer) {
    assert_eq!(answer.header_names(), JSON_HEADERS);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        answer.header("access-control-allow-headers"),
        Some(ALLOW_HEADERS)
    );
}

#[tokio::test]
async fn the_spec_pages_visitor_is_answered_byte_for_byte_without_its_token() {
    let app = spawn_app().await;
    let answer = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, SPEC_VISITOR_BODY);
    assert_json_no_store(&answer);
}

#[tokio::test]
async fn every_role_holding_view_l_room_gets_the_visitor() {
    let app = spawn_app().await;
    for user in [AGENT, ADMIN, MANAGER, MONITOR] {
        let answer = app
            .visitors_info(Some(user), Some(&format!("visitorId={SPEC_VISITOR}")))
            .await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (200, SPEC_VISITOR_BODY),
            "{user:?}"
        );
    }
}

#[tokio::test]
async fn a_rich_visitor_keeps_every_stored_field_in_stored_order_but_the_token() {
    let app = spawn_app().await;
    let answer = app
        .visitors_info(Some(AGENT), Some("visitorId=9c6539382b0537e65affb229"))
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        concat!(
            r#"{"visitor":{"_id":"9c6539382b0537e65affb229","username":"guest-11","status":"away","#,
            r#""ts":"2026-06-07T08:01:12.410Z","_updatedAt":"2026-06-07T08:14:55.002Z","name":"Lucía Fernández","#,
            r#""phone":[{"phoneNumber":"+34612345678"}],"visitorEmails":[{"address":"lucia.fernandez@example.es"}],"#,
            r#""department":"u4Yx8ZBqPmWhL2nKd","userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36","#,
            r#""ip":"203.0.113.24","host":"shop.example.es","lastChat":{"_id":"kU8Is2g8nprvDd53x","ts":"2026-06-07T08:14:54.998Z"},"#,
            r#""lastAgent":{"username":"agent.alice","agentId":"rbAXPnMktTFbNpwtJ","ts":"2026-06-07T08:02:03.120Z"},"#,
            r#""livechatData":{"orderNumber":"ES-20931","plan":"premium"}},"success":true}"#
        )
    );
}

#[tokio::test]
async fn external_ids_are_served_with_their_metadata() {
    let app = spawn_app().await;
    let answer = app
        .visitors_info(Some(AGENT), Some("visitorId=0f17a3007e62aa0a1df9fd78"))
        .await;
    assert_eq!(answer.status, 200);
    assert!(answer.body.contains(
        r#""externalIds":[{"appId":"9d6a2c1e-5b7f-4e39-8a04-2f1c3b6d7e80","entityId":"NG.1A2B3C4D5E6F7A8B","metadata":{"username":"tunde.ok","channel":"whatsapp"}}]},"success":true}"#
    ), "{}", answer.body);
    assert!(!answer.body.contains("token"));
}

#[tokio::test]
async fn a_legacy_id_and_a_null_phone_are_served_as_stored() {
    let app = spawn_app().await;
    let answer = app
        .visitors_info(Some(AGENT), Some("visitorId=MdbPrYLi69cWCtPBb"))
        .await;
    assert_eq!(answer.status, 200);
    assert!(
        answer
            .body
            .starts_with(r#"{"visitor":{"_id":"MdbPrYLi69cWCtPBb","username":"guest-3","#)
    );
    assert!(answer.body.contains(r#""phone":null,"#));
}

#[tokio::test]
async fn a_missing_visitor_id_is_the_required_property_message() {
    let app = spawn_app().await;
    for query in [
        None,
        Some(""),
        Some("visitorid=x"),
        Some("VisitorId=x&count=2"),
    ] {
        let answer = app.visitors_info(Some(AGENT), query).await;
        assert_eq!(answer.status, 400, "{query:?}");
        assert_eq!(
            answer.body,
            invalid_params("must have required property 'visitorId'"),
            "{query:?}"
        );
        assert_json_no_store(&answer);
    }
}

#[tokio::test]
async fn any_other_parameter_is_an_additional_property() {
    let app = spawn_app().await;
    for query in [
        "visitorId=x&count=10",
        "visitorId=x&_=1718000000000",
        "access_token=t&visitorId=x",
        "visitorId=a&visitorId=b&offset=0",
    ] {
        let answer = app.visitors_info(Some(AGENT), Some(query)).await;
        assert_eq!(answer.status, 400, "{query}");
        assert_eq!(
            answer.body,
            invalid_params("must NOT have additional properties"),
            "{query}"
        );
        assert_json_no_store(&answer);
    }
}

#[tokio::test]
async fn a_repeated_or_nested_visitor_id_must_be_a_string() {
    let app = spawn_app().await;
    for query in [
        "visitorId=a&visitorId=b",
        "visitorId[]=a&visitorId[]=b",
        "visitorId[k]=6a22b1765528fa64dd29de70",
        "visitorId%5Bk%5D=x",
    ] {
        let answer = app.visitors_info(Some(AGENT), Some(query)).await;
        assert_eq!(answer.status, 400, "{query}");
        assert_eq!(answer.body, invalid_params("must be string"), "{query}");
    }
}

#[tokio::test]
async fn an_array_of_one_id_is_taken_as_that_id() {
    let app = spawn_app().await;
    for query in [
        format!("visitorId[]={SPEC_VISITOR}"),
        format!("visitorId[0]={SPEC_VISITOR}"),
    ] {
        let answer = app.visitors_info(Some(AGENT), Some(&query)).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (200, SPEC_VISITOR_BODY),
            "{query}"
        );
    }
}

#[tokio::test]
async fn an_unknown_empty_odd_or_disabled_visitor_is_not_found_without_error_type() {
    let app = spawn_app().await;
    for query in [
        "visitorId=000000000000000000000000",
        "visitorId=",
        "visitorId",
        "visitorId=%zz",
        "visitorId=6a22b1765528fa64dd29de70+",
        "visitorId=6A22B1765528FA64DD29DE70",
        "visitorId=49952399c4aaeac137dc76fb",
    ] {
        let answer = app.visitors_info(Some(AGENT), Some(query)).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (400, NOT_FOUND),
            "{query}"
        );
        assert_json_no_store(&answer);
    }
}

#[tokio::test]
async fn a_percent_encoded_id_is_decoded_before_the_lookup() {
    let app = spawn_app().await;
    let answer = app
        .visitors_info(Some(AGENT), Some("visitorId=6a22b1765528fa64dd29de%370"))
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, SPEC_VISITOR_BODY)
    );
}

#[tokio::test]
async fn missing_or_wrong_credentials_are_not_logged_in_with_all_four_keys() {
    let app = spawn_app().await;
    let query = Some("visitorId=6a22b1765528fa64dd29de70");
    let cases: [Option<(&str, &str)>; 5] = [
        None,
        Some((AGENT.0, "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3F")),
        Some(("nobodyHasThisId17", AGENT.1)),
        Some((ADMIN.0, AGENT.1)),
        Some(("", "")),
    ];
    for user in cases {
        let answer = app.visitors_info(user, query).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (401, NOT_LOGGED_IN),
            "{user:?}"
        );
        assert_json_only(&answer);
    }
}

#[tokio::test]
async fn only_one_of_the_two_auth_headers_is_not_logged_in() {
    let app = spawn_app().await;
    let url = app.url(&format!("{PATH}?visitorId={SPEC_VISITOR}"));
    for (name, value) in [("X-User-Id", AGENT.0), ("X-Auth-Token", AGENT.1)] {
        let response = app
            .client
            .get(&url)
            .header(name, value)
            .send()
            .await
            .unwrap();
        let answer = Answer::from(response).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (401, NOT_LOGGED_IN),
            "{name}"
        );
    }
}

#[tokio::test]
async fn header_names_are_case_insensitive_and_cookies_do_not_log_in() {
    let app = spawn_app().await;
    let url = app.url(&format!("{PATH}?visitorId={SPEC_VISITOR}"));
    let response = app
        .client
        .get(&url)
        .header("x-user-id", AGENT.0)
        .header("X-AUTH-TOKEN", AGENT.1)
        .send()
        .await
        .unwrap();
    assert_eq!(Answer::from(response).await.body, SPEC_VISITOR_BODY);
    let response = app
        .client
        .get(&url)
        .header(
            "Cookie",
            format!("rc_uid={}; rc_token={}", AGENT.0, AGENT.1),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(Answer::from(response).await.status, 401);
}

#[tokio::test]
async fn a_user_without_view_l_room_is_forbidden() {
    let app = spawn_app().await;
    let bot = (
        "eXuNZhZRMHvDpuH7g",
        "y21CT4E8qqWzSPSTC4k7_jOPZa6lqWnScIMVcq9A20g",
    );
    for user in [PLAIN_USER, bot] {
        let answer = app
            .visitors_info(Some(user), Some("visitorId=6a22b1765528fa64dd29de70"))
            .await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (403, FORBIDDEN),
            "{user:?}"
        );
        assert_json_only(&answer);
    }
}

#[tokio::test]
async fn the_checks_run_in_the_real_servers_order() {
    let app = spawn_app().await;
    // anonymous and no visitorId: authentication first
    let answer = app.visitors_info(None, None).await;
    assert_eq!((answer.status, answer.body.as_str()), (401, NOT_LOGGED_IN));
    // no permission and a bad query: permission before parameters
    let answer = app.visitors_info(Some(PLAIN_USER), Some("count=1")).await;
    assert_eq!((answer.status, answer.body.as_str()), (403, FORBIDDEN));
    // no permission and an unknown visitor: permission before lookup
    let answer = app
        .visitors_info(Some(PLAIN_USER), Some("visitorId=nope"))
        .await;
    assert_eq!(answer.status, 403);
    // logged in with a bad query naming a real visitor: parameters before lookup
    let answer = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}&x=1")))
        .await;
    assert_eq!(
        answer.body,
        invalid_params("must NOT have additional properties")
    );
}

#[tokio::test]
async fn a_deactivated_user_cannot_log_in() {
    let dir = copy_of("fixtures", "inactive");
    let users = std::fs::read_to_string(dir.path().join("users.json"))
        .unwrap()
        .replacen(
            "\"roles\": [\"user\", \"livechat-agent\"],",
            "\"roles\": [\"user\", \"livechat-agent\"], \"active\": false,",
            1,
        );
    dir.write("users.json", &users);
    let app = spawn_with(livechat_mock::Config {
        fixtures: livechat_mock::FixtureSource::Dir(dir.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    let answer = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
        .await;
    assert_eq!(answer.status, 401);
}

#[tokio::test]
async fn permissions_json_moves_view_l_room_to_other_roles() {
    let dir = copy_of("fixtures", "perms");
    dir.write("permissions.json", r#"{"view-l-room": ["user"]}"#);
    let app = spawn_with(livechat_mock::Config {
        fixtures: livechat_mock::FixtureSource::Dir(dir.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    let query = format!("visitorId={SPEC_VISITOR}");
    assert_eq!(
        app.visitors_info(Some(PLAIN_USER), Some(&query))
            .await
            .status,
        200
    );
    let bot = (
        "eXuNZhZRMHvDpuH7g",
        "y21CT4E8qqWzSPSTC4k7_jOPZa6lqWnScIMVcq9A20g",
    );
    assert_eq!(app.visitors_info(Some(bot), Some(&query)).await.status, 403);
}
