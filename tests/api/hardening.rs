//! The attack run's findings (issue "Hardening, round 2"), each reproduced: every test here
//! failed before its fix.

use std::time::{Duration, Instant};

use livechat_mock::{Admin, Config, Cors, Limits};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

async fn with(config: Config) -> TestApp {
    spawn_with(config).await
}

/// Sends `head` and `body_part`, then reads what comes back within `wait`.
async fn dribble(app: &TestApp, head: &str, body_part: &str, wait: Duration) -> String {
    let mut stream = TcpStream::connect(app.server.address()).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body_part.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(wait, stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

// 1. A slow body holds a connection slot no longer than --body-timeout-ms: 408, then closed.
#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_a_408() {
    let app = with(Config {
        limits: Limits {
            body_timeout: Duration::from_millis(300),
            ..Limits::default()
        },
        ..Config::default()
    })
    .await;
    let answer = dribble(
        &app,
        "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
        "{",
        Duration::from_secs(5),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(answer.contains("--body-timeout-ms"), "{answer}");
    assert_eq!(
        app.server.requests().last().map(|e| (e.status, e.outcome)),
        Some((Some(408), "body-timeout"))
    );
}

// 1. A method that takes no body does not wait for one, even with a Content-Length.
#[tokio::test]
async fn control_gets_do_not_wait_for_a_body() {
    let app = spawn_app().await;
    let answer = dribble(
        &app,
        "GET /_mock/health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n",
        "",
        Duration::from_millis(1500),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
}

// 3. Visitors created through the API are capped; past the cap, the mock's own 507.
#[tokio::test]
async fn registrations_past_the_cap_are_refused_in_the_mocks_shape() {
    let app = with(Config {
        limits: Limits {
            max_registered_visitors: 2,
            ..Limits::default()
        },
        ..Config::default()
    })
    .await;
    let register = |token: &str| {
        app.client
            .post(app.url("/api/v1/livechat/visitor"))
            .header("Content-Type", "application/json")
            .body(json!({"visitor": {"token": token}}).to_string())
            .send()
    };
    assert_eq!(register("cap-1").await.unwrap().status(), 200);
    assert_eq!(register("cap-2").await.unwrap().status(), 200);
    assert_eq!(
        register("cap-1").await.unwrap().status(),
        200,
        "updates are not capped"
    );
    let refused = Answer::from(register("cap-3").await.unwrap()).await;
    assert_eq!(refused.status, 507);
    assert!(
        refused.body.starts_with(r#"{"mock_error":"#),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("--max-registered-visitors 2"));
    app.server.reset();
    assert_eq!(
        register("cap-3").await.unwrap().status(),
        200,
        "a reset makes room"
    );
}

// 6. A canary secret sent through every place a secret travels appears in no journal entry.
#[tokio::test]
async fn secrets_never_reach_the_journal() {
    let app = spawn_app().await;
    let canary = "CANARY-5ecret-b7d1e9";
    let visitor_path = format!("/api/v1/livechat/visitor/{canary}");
    for request in [
        app.client.get(app.url(&visitor_path)),
        app.client.delete(app.url(&visitor_path)),
        app.client
            .get(app.url(&format!(
                "{PATH}?visitorId=x&authToken={canary}&password={canary}"
            )))
            .header("X-Auth-Token", canary)
            .header("x-visitor-token", canary)
            .header("Proxy-Authorization", format!("Basic {canary}"))
            .header("Cookie", format!("rc_token={canary}")),
        app.client
            .post(app.url("/api/v1/login"))
            .header("Content-Type", "application/json")
            .body(json!({"resume": canary}).to_string()),
    ] {
        request.send().await.unwrap();
    }
    let listing = app
        .client
        .get(app.url("/_mock/requests"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listing.contains(canary), "{listing}");
    assert!(
        listing.contains("/api/v1/livechat/visitor/…d1e9"),
        "{listing}"
    );
}

// 7. Off loopback, the control API is never open: a token is made and required.
#[tokio::test]
async fn off_loopback_the_control_api_needs_a_generated_token() {
    let app = with(Config {
        host: "0.0.0.0".into(),
        port: 0,
        ..Config::default()
    })
    .await;
    let url = format!(
        "http://127.0.0.1:{}/_mock/health",
        app.server.address().port()
    );
    let answer = Answer::from(app.client.get(url).send().await.unwrap()).await;
    assert_eq!(answer.status, 401);
}

// 8. Cross-origin reads of the control API follow --cors.
#[tokio::test]
async fn control_api_cors_follows_the_configured_origins() {
    let off = with(Config {
        cors: Cors::Off,
        ..Config::default()
    })
    .await;
    let answer = Answer::from(
        off.client
            .get(off.url("/_mock/requests"))
            .header("Origin", "http://evil.example")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(answer.header("access-control-allow-origin"), None);
    let listed = with(Config {
        cors: "http://localhost:5173".parse().unwrap(),
        ..Config::default()
    })
    .await;
    for (origin, allowed) in [
        ("http://localhost:5173", Some("http://localhost:5173")),
        ("http://evil.example", None),
    ] {
        let answer = Answer::from(
            listed
                .client
                .put(listed.url("/_mock/outcome"))
                .header("Origin", origin)
                .body(r#"{"outcome":"ok","times":1}"#)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(answer.header("access-control-allow-origin"), allowed);
    }
    // the API's own answers keep the real server's `*`
    let api = off.get(PATH).await;
    assert_eq!(api.header("access-control-allow-origin"), Some("*"));
}

// 9. The bearer scheme is case-insensitive, the 401 says how to authenticate, UTF-8 matches.
#[tokio::test]
async fn admin_token_checks_follow_http_auth() {
    let token = "s3cret-ümlaut";
    let app = with(Config {
        admin: Admin::Token(token.into()),
        ..Config::default()
    })
    .await;
    let refused = app.get("/_mock/health").await;
    assert_eq!(refused.status, 401);
    assert!(
        refused
            .header("www-authenticate")
            .is_some_and(|v| v.starts_with("Bearer"))
    );
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let value =
            reqwest::header::HeaderValue::from_bytes(format!("{scheme} {token}").as_bytes())
                .unwrap();
        let answer = app
            .client
            .get(app.url("/_mock/health"))
            .header("Authorization", value)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{scheme}");
    }
}

// 13, 9. Values the server cannot honour are refused at start, naming the flag.
#[tokio::test]
async fn absurd_flags_are_refused_with_a_message() {
    for (args, message) in [
        (
            vec!["--generate", "18446744073709551615"],
            "--generate 18446744073709551615 does not fit in memory",
        ),
        (
            vec!["--max-head-bytes", "4096"],
            "--max-head-bytes 4096 is below 8192",
        ),
        (
            vec!["--max-uri-bytes", "1000000"],
            "--max-uri-bytes 1000000 is above 65534",
        ),
        (vec!["--admin-token", ""], "--admin-token must not be empty"),
    ] {
        let mut all = vec!["--port", "0"];
        all.extend(args);
        let output = binary(&all).output().await.unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{all:?}: {stderr}");
        assert!(stderr.contains(message), "{all:?}: {stderr}");
    }
}

// 13. A head of many small headers is fine (Node accepts 2,000); only its size is bounded.
#[tokio::test]
async fn a_hundred_and_one_small_headers_are_accepted() {
    let app = spawn_app().await;
    let mut head = format!(
        "GET {PATH}?visitorId={SPEC_VISITOR} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-User-Id: {}\r\nX-Auth-Token: {}\r\n",
        AGENT.0, AGENT.1
    );
    for n in 0..101 {
        head.push_str(&format!("x-extra-{n}: {n}\r\n"));
    }
    head.push_str("\r\n");
    let answer = app.raw(&head).await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
}

// 15. Every answered request is journaled, the 414 too.
#[tokio::test]
async fn a_414_is_journaled() {
    let app = spawn_app().await;
    let long = "a".repeat(9000);
    let answer = app.visitors_info(Some(AGENT), Some(&long)).await;
    assert_eq!(answer.status, 414);
    assert_eq!(
        app.server.requests().last().map(|e| (e.status, e.outcome)),
        Some((Some(414), "uri-too-long"))
    );
}

// 16. `times` past what can be counted exactly is refused, not clamped.
#[tokio::test]
async fn absurd_times_are_a_422() {
    let app = spawn_app().await;
    for times in ["1e308", "18446744073709551616"] {
        let answer = Answer::from(
            app.client
                .put(app.url("/_mock/outcome"))
                .body(format!(r#"{{"outcome":"ok","times":{times}}}"#))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(answer.status, 422, "{times}: {}", answer.body);
    }
}

// 6. Fixture errors never print a token whole.
#[tokio::test]
async fn fixture_errors_do_not_print_tokens() {
    let dir = copy_of("fixtures", "dup-token");
    let mut visitors: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("visitors.json")).unwrap())
            .unwrap();
    let first_token = visitors[0]["token"].clone();
    visitors[1]["token"] = first_token.clone();
    dir.write("visitors.json", &visitors.to_string());
    let output = binary(&["--port", "0", "--fixtures", dir.path().to_str().unwrap()])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("duplicate token …"), "{stderr}");
    assert!(!stderr.contains(first_token.as_str().unwrap()), "{stderr}");
}

// 14 (issue "Run it anywhere" 4). The bundled fixtures can be exported and served as a directory.
#[tokio::test]
async fn exported_fixtures_serve_as_a_directory() {
    let dir = TempDir::new("export");
    let target = dir.path().join("fx");
    let output = binary(&["fixtures", "export", target.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("visitors.json"));
    let again = binary(&["fixtures", "export", target.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    assert_eq!(again.status.code(), Some(1), "never overwrites");
    let (mut child, uri) = start_binary(&["--fixtures", target.to_str().unwrap()]).await;
    let answer = reqwest::Client::new()
        .get(format!("{uri}{PATH}?visitorId={SPEC_VISITOR}"))
        .header("X-User-Id", AGENT.0)
        .header("X-Auth-Token", AGENT.1)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    stop_and_read_stderr(&mut child).await;
}

// 12. SIGHUP reloads the fixtures instead of killing the process.
#[tokio::test]
async fn sighup_reloads_and_keeps_serving() {
    let (mut child, uri) = start_binary(&[]).await;
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(child.try_wait().unwrap().is_none(), "still running");
    let answer = reqwest::get(format!("{uri}/_mock/health")).await.unwrap();
    assert_eq!(answer.status(), 200);
    let stderr = stop_and_read_stderr(&mut child).await;
    assert!(stderr.contains("SIGHUP: fixtures reloaded"), "{stderr}");
}

// 2. The journal is bounded in bytes whatever clients send, long values are cut (and said so),
// and the listing pages with `limit` and `after`.
#[tokio::test]
async fn the_journal_is_bounded_in_bytes_and_pages() {
    let app = with(Config {
        journal_bytes: 256 * 1024,
        ..Config::default()
    })
    .await;
    let big = "b".repeat(15_000);
    for _ in 0..300 {
        app.client
            .get(app.url(PATH))
            .header("x-big", big.as_str())
            .send()
            .await
            .unwrap();
    }
    let listing: Value = app
        .client
        .get(app.url("/_mock/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = listing["requests"].as_array().unwrap();
    assert!(
        entries.len() < 300 && entries.len() > 50,
        "{}",
        entries.len()
    );
    assert_eq!(entries.last().unwrap()["truncated"], true);
    let text = serde_json::to_string(&listing).unwrap();
    assert!(text.len() < 512 * 1024, "the listing weighs {}", text.len());

    let first: Value = app
        .client
        .get(app.url("/_mock/requests?limit=2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["requests"].as_array().unwrap().len(), 2);
    let next = first["next"].as_u64().unwrap();
    let second: Value = app
        .client
        .get(app.url(&format!("/_mock/requests?limit=2&after={next}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["requests"][0]["seq"].as_u64(), Some(next + 1));
}

// 10. A touch that changes no byte reloads nothing: visitors registered through the API stay.
#[tokio::test]
async fn watch_ignores_a_touch_that_changes_nothing() {
    let dir = copy_of("fixtures", "touch");
    let (mut child, uri) =
        start_binary(&["--watch", "--fixtures", dir.path().to_str().unwrap()]).await;
    let client = reqwest::Client::new();
    let registered = client
        .post(format!("{uri}/api/v1/livechat/visitor"))
        .header("Content-Type", "application/json")
        .body(json!({"visitor": {"token": "kept-across-touch"}}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 200);
    // rewrite the same bytes: the modification time changes, the content does not
    let same = std::fs::read_to_string(dir.path().join("visitors.json")).unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    dir.write("visitors.json", &same);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let by_token = client
        .get(format!("{uri}/api/v1/livechat/visitor/kept-across-touch"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_token.status(),
        200,
        "the registered visitor survived the touch"
    );
    let stderr = stop_and_read_stderr(&mut child).await;
    assert!(!stderr.contains("fixtures reloaded"), "{stderr}");
}

// 11. A FIFO in place of a fixture file is refused without blocking, and shutdown still works.
#[tokio::test]
async fn a_fifo_fixture_is_refused_without_blocking() {
    let dir = copy_of("fixtures", "fifo");
    let (mut child, _uri) =
        start_binary(&["--watch", "--fixtures", dir.path().to_str().unwrap()]).await;
    let fifo = dir.path().join("visitors.json");
    std::fs::remove_file(&fifo).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // the watcher polls every 200 ms; a loaded CI machine gets ample time
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let started = Instant::now();
    let stderr = stop_and_read_stderr(&mut child).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "SIGTERM is not held up by the watcher"
    );
    assert!(stderr.contains("not a regular file"), "{stderr}");

    let output = binary(&["--port", "0", "--fixtures", dir.path().to_str().unwrap()])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("visitors.json: not a regular file"));
}

// 6. The canary is in no log line either, text or JSON, at any level.
#[tokio::test]
async fn secrets_never_reach_the_log() {
    let canary = "CANARY-l0g-4c1d";
    for format in ["text", "json"] {
        let mut child = binary(&["--port", "0", "--log-format", format])
            .env("RUST_LOG", "trace")
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
        let uri = lines
            .next_line()
            .await
            .unwrap()
            .unwrap()
            .trim_start_matches("listening on ")
            .to_string();
        let client = reqwest::Client::new();
        client
            .get(format!("{uri}/api/v1/livechat/visitor/{canary}"))
            .send()
            .await
            .unwrap();
        client
            .get(format!("{uri}{PATH}?visitorId=x&authToken={canary}"))
            .header("X-Auth-Token", canary)
            .header("x-visitor-token", canary)
            .send()
            .await
            .unwrap();
        client
            .post(format!("{uri}/api/v1/login"))
            .header("Content-Type", "application/json")
            .body(json!({"user": "agent.alice", "password": canary}).to_string())
            .send()
            .await
            .unwrap();
        let stderr = stop_and_read_stderr(&mut child).await;
        assert!(stderr.contains("visitor/…4c1d"), "{stderr}");
        assert!(!stderr.contains(canary), "{format}: {stderr}");
    }
}
