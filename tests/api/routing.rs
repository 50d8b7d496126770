//! Route matching: the exact path and GET/HEAD only; everything else is the router's 404.
//! Odd requests (bodies, unknown methods, garbage) get an answer, never a crash or a hang.

use crate::helpers::*;

async fn assert_not_found(app: &TestApp, method: reqwest::Method, path: &str) {
    let response = app
        .client
        .request(method.clone(), app.url(path))
        .header("X-User-Id", AGENT.0)
        .header("X-Auth-Token", AGENT.1)
        .send()
        .await
        .unwrap();
    let answer = Answer::from(response).await;
    assert_eq!(answer.status, 404, "{method} {path}");
    assert_eq!(answer.body, "404 Not Found", "{method} {path}");
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; charset=UTF-8")
    );
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        answer.header("access-control-allow-headers"),
        Some(ALLOW_HEADERS)
    );
    assert_eq!(answer.header("cache-control"), None);
}

#[tokio::test]
async fn other_paths_trailing_slashes_and_other_letter_case_are_404() {
    let app = spawn_app().await;
    let q = "?visitorId=6a22b1765528fa64dd29de70";
    for path in [
        "/api/v1/livechat/visitors.info/",
        "/api/v1/livechat/Visitors.info",
        "/API/v1/livechat/visitors.info",
        "/api/v1/livechat/visitors.infos",
        "/api/v1/livechat/visitor.info",
        "/api/v1//livechat/visitors.info",
        "/api/v2/livechat/visitors.info",
        "/api/v1/livechat/visitors%2Einfo",
        "/api/v1/mee",
        "/api",
    ] {
        assert_not_found(&app, reqwest::Method::GET, &format!("{path}{q}")).await;
    }
}

// A real server serves its web client at `/`; the mock answers with a short index instead.
#[tokio::test]
async fn the_root_lists_what_the_mock_serves() {
    let app = spawn_app().await;
    let answer = app.get("/").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; charset=UTF-8")
    );
    for line in [
        "GET    /api/v1/livechat/visitors.info?visitorId=ID",
        "DELETE /api/v1/livechat/visitor/{token}",
        "GET /_mock/openapi.json",
        "curl -H 'X-User-Id: rbAXPnMktTFbNpwtJ'",
    ] {
        assert!(answer.body.contains(line), "{line}: {}", answer.body);
    }
    assert_not_found(&app, reqwest::Method::POST, "/").await;
}

#[tokio::test]
async fn methods_other_than_get_and_head_are_404_on_the_path() {
    let app = spawn_app().await;
    let path = format!("{PATH}?visitorId={SPEC_VISITOR}");
    for method in ["POST", "PUT", "DELETE", "PATCH", "TRACE", "PURGE"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        assert_not_found(&app, method, &path).await;
    }
}

#[tokio::test]
async fn head_is_answered_as_get_with_no_body() {
    let app = spawn_app().await;
    let raw = app
        .raw(&format!(
            "HEAD {PATH}?visitorId={SPEC_VISITOR} HTTP/1.1\r\nHost: x\r\nX-User-Id: {}\r\nX-Auth-Token: {}\r\nConnection: close\r\n\r\n",
            AGENT.0, AGENT.1
        ))
        .await;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("\r\ncontent-type: application/json\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\ncache-control: no-store\r\n"), "{head}");
    // Hono answers HEAD with `new Response(null, getResponse)` (hono's app.fetch), and Node
    // then writes neither Content-Length nor Transfer-Encoding for a null body.
    assert!(!head.contains("content-length"), "{head}");
    assert!(!head.contains("transfer-encoding"), "{head}");
    assert_eq!(body, "");
}

#[tokio::test]
async fn head_on_an_error_keeps_the_errors_status_and_headers() {
    let app = spawn_app().await;
    let raw = app
        .raw(&format!(
            "HEAD {PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        ))
        .await;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{head}");
    assert!(
        head.contains("\r\ncontent-type: application/json\r\n"),
        "{head}"
    );
    assert!(!head.contains("content-length"), "{head}");
    assert_eq!(body, "");
}

#[tokio::test]
async fn a_request_body_on_get_is_ignored() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url(&format!("{PATH}?visitorId={SPEC_VISITOR}")))
        .header("X-User-Id", AGENT.0)
        .header("X-Auth-Token", AGENT.1)
        .header("Content-Type", "application/json")
        .body(r#"{"visitorId":"other"}"#)
        .send()
        .await
        .unwrap();
    let answer = Answer::from(response).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, SPEC_VISITOR_BODY)
    );
}

#[tokio::test]
async fn the_connection_is_kept_alive_across_requests() {
    let app = spawn_app().await;
    let one = format!(
        "GET {PATH}?visitorId={SPEC_VISITOR} HTTP/1.1\r\nHost: x\r\nX-User-Id: {}\r\nX-Auth-Token: {}\r\n\r\n",
        AGENT.0, AGENT.1
    );
    let last = one.replace("Host: x\r\n", "Host: x\r\nConnection: close\r\n");
    let raw = app.raw(&format!("{one}{one}{last}")).await;
    assert_eq!(raw.matches("HTTP/1.1 200 OK\r\n").count(), 3);
    assert!(raw.ends_with(SPEC_VISITOR_BODY));
}

#[tokio::test]
async fn garbage_gets_a_400_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    let raw = app.raw("NOT HTTP AT ALL\r\n\r\n").await;
    assert!(raw.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{raw:?}");
    let raw = app
        .raw("GET /api/v1/livechat/visitors.info HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        .await;
    assert!(raw.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{raw:?}");
    let answer = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
        .await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn non_ascii_header_bytes_match_no_user_rather_than_failing() {
    let app = spawn_app().await;
    let raw = app
        .raw(&format!("GET {PATH}?visitorId={SPEC_VISITOR} HTTP/1.1\r\nHost: x\r\nX-User-Id: \u{e9}t\u{e9}\r\nX-Auth-Token: {}\r\nConnection: close\r\n\r\n", AGENT.1))
        .await;
    assert!(raw.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{raw:?}");
}
