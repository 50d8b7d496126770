//! Preflights and CORS headers, per REFERENCE.md's Headers section, for each `--cors` mode.

use livechat_mock::{Config, Cors};

use crate::helpers::*;

async fn options(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = app.client.request(reqwest::Method::OPTIONS, app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Answer::from(request.send().await.unwrap()).await
}

const PREFLIGHT: [(&str, &str); 3] = [
    ("Origin", "http://localhost:5173"),
    ("Access-Control-Request-Method", "GET"),
    ("Access-Control-Request-Headers", "x-user-id,x-auth-token"),
];

#[tokio::test]
async fn a_plain_options_is_200_ok_without_cors_headers() {
    let app = spawn_app().await;
    let answer = options(&app, PATH, &[]).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "OK"));
    assert_eq!(answer.header("access-control-allow-origin"), None);
    assert_eq!(answer.header("access-control-allow-methods"), None);
}

#[tokio::test]
async fn a_preflight_with_cors_on_any_origin_allows_everything_the_api_needs() {
    let app = spawn_app().await;
    for headers in [&PREFLIGHT[..], &PREFLIGHT[..1], &PREFLIGHT[1..2]] {
        let answer = options(&app, &format!("{PATH}?visitorId=x"), headers).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (200, "OK"),
            "{headers:?}"
        );
        assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
        assert_eq!(
            answer.header("access-control-allow-methods"),
            Some("GET, POST, PUT, DELETE, HEAD, PATCH")
        );
        assert_eq!(
            answer.header("access-control-allow-headers"),
            Some(ALLOW_HEADERS)
        );
        assert_eq!(answer.header("vary"), None);
    }
}

#[tokio::test]
async fn with_cors_off_a_preflight_is_405_as_on_a_default_real_server() {
    let app = spawn_with(Config {
        cors: Cors::Off,
        ..Config::default()
    })
    .await;
    let answer = options(&app, PATH, &PREFLIGHT).await;
    assert_eq!(answer.status, 405);
    assert_eq!(
        answer.body,
        r#"CORS not enabled. Go to "Admin > General > REST Api" to enable it."#
    );
    // a plain OPTIONS is still OK, and other responses still carry the CORS headers
    assert_eq!(options(&app, PATH, &[]).await.status, 200);
    let answer = app.visitors_info(None, None).await;
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn with_an_origin_list_the_origin_is_echoed_with_vary_or_refused() {
    let cors: Cors = "http://localhost:5173, HTTPS://App.Example.com"
        .parse()
        .unwrap();
    let app = spawn_with(Config {
        cors,
        ..Config::default()
    })
    .await;
    let answer = options(&app, PATH, &PREFLIGHT).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "OK"));
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    assert_eq!(answer.header("vary"), Some("Origin"));
    assert_eq!(
        answer.header("access-control-allow-methods"),
        Some("GET, POST, PUT, DELETE, HEAD, PATCH")
    );
    let answer = options(&app, PATH, &[("Origin", "https://app.example.com")]).await;
    assert_eq!(answer.status, 200, "the list is lower-cased");
    let answer = options(&app, PATH, &[("Origin", "http://evil.example")]).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (403, "Invalid origin")
    );
    assert_eq!(answer.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn preflights_are_answered_on_any_path() {
    let app = spawn_app().await;
    let answer = options(&app, "/api/v1/anything/else", &PREFLIGHT).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "OK"));
}
