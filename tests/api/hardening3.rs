//! The third attack run's findings (issue 22, "Hardening, round 3"), each reproduced: every test
//! here failed before its fix. The ones that need seconds or load are in `bench/attack/`.

use std::time::Duration;

use livechat_mock::{Config, Limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::*;

/// A request for the visitor, pipelined.
fn pipelined(n: usize) -> Vec<u8> {
    let one = format!(
        "GET {PATH}?visitorId={SPEC_VISITOR} HTTP/1.1\r\nHost: x\r\nX-User-Id: {}\r\nX-Auth-Token: {}\r\n\r\n",
        AGENT.0, AGENT.1
    );
    one.repeat(n).into_bytes()
}

/// Major 1: connections that pipeline requests and never read their answers hold every slot;
/// once their writes stall for the send timeout they are dropped and a new client is served.
#[tokio::test]
async fn clients_that_stop_reading_lose_their_slots_after_the_send_timeout() {
    let app = spawn_with(Config {
        limits: Limits {
            max_connections: 2,
            send_timeout: Duration::from_millis(500),
            ..Limits::default()
        },
        ..Config::default()
    })
    .await;
    let mut hogs = Vec::new();
    for _ in 0..2 {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut stream = socket.connect(app.server.address()).await.unwrap();
        let requests = pipelined(4000);
        // Write what the server takes; it stops taking once its answers cannot go out.
        let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(&requests)).await;
        hogs.push(stream);
    }
    // Within the send timeout plus a tick or two, a probe gets through (before the fix: never).
    let probe = async {
        let mut stream = TcpStream::connect(app.server.address()).await.unwrap();
        stream
            .write_all(
                b"GET /_mock/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            )
            .await
            .unwrap();
        let mut out = Vec::new();
        stream.read_to_end(&mut out).await.unwrap();
        String::from_utf8_lossy(&out).into_owned()
    };
    let answer = tokio::time::timeout(Duration::from_secs(15), probe)
        .await
        .expect("a probe is answered once the stalled connections are dropped");
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    drop(hogs);
}

/// Issue 21: registration stores `visitor.id` unchecked (`create.ts` 00613e65:
/// `visitorDataToUpdate._id = id \|\| undefined`), so any string is the new visitor's `_id`.
#[tokio::test]
async fn a_registration_keeps_any_visitor_id_it_is_given() {
    let app = spawn_app().await;
    let answer = Answer::from(
        app.client
            .post(app.url("/api/v1/livechat/visitor"))
            .header("Content-Type", "application/json")
            .body(r#"{"visitor":{"token":"tok-custom-id","id":"custom-id-1"}}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer
            .body
            .starts_with(r#"{"visitor":{"_id":"custom-id-1","token":"tok-custom-id","#),
        "{}",
        answer.body
    );
}

/// The binary's exit code and stderr for `args`.
async fn exit_and_stderr(args: &[&str], stdout: std::process::Stdio) -> (Option<i32>, String) {
    let child = binary(args).stdout(stdout).spawn().unwrap();
    let output = child.wait_with_output().await.unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Minor 16: `completions bash > /dev/full` is a clear error, not a panic with exit 101.
#[tokio::test]
async fn completions_into_a_full_disk_are_an_error_not_a_panic() {
    let full = std::fs::File::create("/dev/full").unwrap();
    let (code, stderr) = exit_and_stderr(&["completions", "bash"], full.into()).await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("error: cannot write the output"),
        "{stderr}"
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Minor 15: `--max-connections 0` is refused, never clamped to 1.
#[tokio::test]
async fn max_connections_zero_is_refused() {
    let (code, stderr) =
        exit_and_stderr(&["--max-connections", "0"], std::process::Stdio::null()).await;
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("invalid value '0' for '--max-connections <N>': must be at least 1"),
        "{stderr}"
    );
}

/// Minor 8: a `--coverage-report` path that cannot be written stops start-up.
#[tokio::test]
async fn an_unwritable_coverage_report_path_stops_start_up() {
    let (code, stderr) = exit_and_stderr(
        &[
            "--port",
            "0",
            "--coverage-report",
            "/nonexistent-dir/report.json",
        ],
        std::process::Stdio::null(),
    )
    .await;
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("error: --coverage-report /nonexistent-dir/report.json: cannot be written"),
        "{stderr}"
    );
    let (code, stderr) = exit_and_stderr(
        &["--port", "0", "--coverage-report", "/tmp"],
        std::process::Stdio::null(),
    )
    .await;
    assert_eq!(code, Some(1));
    assert!(stderr.contains("is a directory"), "{stderr}");
}

/// Minor 12: expectations are capped in number and in bytes, as the journal is.
#[tokio::test]
async fn expectations_are_capped_in_number_and_bytes() {
    let app = spawn_app().await;
    for i in 0..1000 {
        let answer = app
            .post_json(
                "/_mock/expectations",
                &format!(r#"{{"path":"/api/v1/livechat/visitors.info","visitorId":"v{i}"}}"#),
            )
            .await;
        assert_eq!(answer.status, 201, "{i}: {}", answer.body);
    }
    let refused = app
        .post_json("/_mock/expectations", r#"{"path":"/x"}"#)
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("at most 1000 expectations at once"),
        "{}",
        refused.body
    );
    assert_eq!(app.delete("/_mock/expectations").await.status, 204);
    let big = "x".repeat(600 * 1024);
    let first = app
        .post_json("/_mock/expectations", &format!(r#"{{"path":"/{big}"}}"#))
        .await;
    assert_eq!(first.status, 201);
    let second = app
        .post_json("/_mock/expectations", &format!(r#"{{"path":"/{big}"}}"#))
        .await;
    assert_eq!(second.status, 422);
    assert!(second.body.contains("bytes of matchers"), "{}", second.body);
}

/// Minor 13: on a loopback listener the control API answers only this machine's names (DNS
/// rebinding), refuses writes from pages of other sites, and a browser's writes must be JSON.
#[tokio::test]
async fn the_control_api_is_not_a_cross_origin_target() {
    let app = spawn_app().await;
    let rebinding = app
        .client
        .get(app.url("/_mock/requests"))
        .header("Host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(rebinding.status(), 403);
    assert!(
        rebinding
            .text()
            .await
            .unwrap()
            .contains("Host: evil.example refused")
    );
    let reset = app
        .client
        .post(app.url("/_mock/reset"))
        .header("Origin", "http://evil.example")
        .header("Content-Type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 403);
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/_mock/outcome"))
        .header("Origin", "http://evil.example")
        .header("Access-Control-Request-Method", "PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 403);
    assert_eq!(preflight.text().await.unwrap(), "Invalid origin");
    // a page of this machine may, with JSON
    let text = app
        .client
        .put(app.url("/_mock/outcome"))
        .header("Origin", "http://localhost:5173")
        .header("Content-Type", "text/plain")
        .body(r#"{"outcome":"forbidden"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 415);
    let json = app
        .client
        .put(app.url("/_mock/outcome"))
        .header("Origin", "http://localhost:5173")
        .header("Content-Type", "application/json")
        .body(r#"{"outcome":"forbidden","times":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), 200);
    // a tool without Origin (curl -d) is not held to the content type
    let curl = app
        .client
        .put(app.url("/_mock/outcome"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(r#"{"outcome":"forbidden","times":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(curl.status(), 200);
    // the API's own preflight is unchanged
    let api = app
        .client
        .request(reqwest::Method::OPTIONS, app.url(PATH))
        .header("Origin", "http://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
}

/// Major 5: a child that prints a lot costs disk, not matrix's memory, and only its tail is
/// printed; minor 18: `--timeout` stops a run that does not end.
#[tokio::test]
async fn matrix_keeps_a_loud_childs_tail_and_times_out_a_stuck_one() {
    let output = binary(&[
        "matrix",
        "--versions",
        "8.8.1",
        "--",
        "sh",
        "-c",
        "head -c 50000000 /dev/zero | tr '\\0' x; echo; echo the-last-line; exit 3",
    ])
    .output()
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout.len() < 200 * 1024, "{} bytes printed", stdout.len());
    assert!(stdout.contains("the-last-line"), "the tail is shown");
    assert!(
        stdout.contains("(the last 64 KiB of 50000015 bytes)"),
        "{}",
        &stdout[..300.min(stdout.len())]
    );

    let started = std::time::Instant::now();
    let output = binary(&[
        "matrix",
        "--versions",
        "8.8.1",
        "--timeout",
        "1",
        "--",
        "sleep",
        "60",
    ])
    .output()
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("8.8.1      timeout"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Minor 18: SIGTERM to matrix stops its children before it exits (none is orphaned).
#[tokio::test]
async fn matrix_stops_its_children_on_sigterm() {
    let dir = TempDir::new("matrix-orphan");
    let pidfile = dir.path().join("child.pid");
    let script = format!("echo $$ > {}; exec sleep 60", pidfile.display());
    let child = binary(&["matrix", "--versions", "8.8.1", "--", "sh", "-c", &script])
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::fs::read_to_string(&pidfile).is_ok_and(|t| t.ends_with('\n')) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string();
    terminate(&child);
    let output = child.wait_with_output().await.unwrap();
    assert_eq!(output.status.code(), Some(1));
    // the child is gone: kill -0 fails
    let alive = std::process::Command::new("kill")
        .args(["-0", &pid])
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(!alive, "the child {pid} outlived matrix");
}

/// Minor 17: `--generate` is estimated up front and refused with a message when it cannot fit,
/// instead of aborting mid-start under an address-space limit.
#[tokio::test]
async fn a_generate_count_that_cannot_fit_is_refused_up_front() {
    let output = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 2000000; exec {} --port 0 --generate 3000000",
            env!("CARGO_BIN_EXE_livechat-mock")
        ))
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--generate 3000000 needs about"),
        "{stderr}"
    );
    assert!(stderr.contains("generate fewer"), "{stderr}");
}

/// Also: a fixture error does not echo a document whole (secrets and all).
#[tokio::test]
async fn a_users_file_of_the_wrong_shape_is_not_echoed() {
    let dir = copy_of("fixtures", "users-object");
    dir.write(
        "users.json",
        r#"{"_id":"x","authToken":"SECRET-TOKEN-VALUE-123","password":"hunter2-password"}"#,
    );
    let (code, stderr) = exit_and_stderr(
        &["--port", "0", "--fixtures", dir.path().to_str().unwrap()],
        std::process::Stdio::null(),
    )
    .await;
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("users.json: /: an object of 3 keys (not shown) is not of type \"array\""),
        "{stderr}"
    );
    assert!(
        !stderr.contains("SECRET-TOKEN") && !stderr.contains("hunter2"),
        "{stderr}"
    );
}

/// Also: two registrations that match by phone (or e-mail) at once cannot make two visitors:
/// the look-up and the write happen under one write lock.
#[tokio::test]
async fn concurrent_registrations_matching_by_phone_make_one_visitor() {
    let app = spawn_app().await;
    let before = visitor_count(&app.server.uri()).await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let client = app.client.clone();
        let url = app.url("/api/v1/livechat/visitor");
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("Content-Type", "application/json")
                .body(format!(
                    r#"{{"visitor":{{"token":"race-{i}","phone":"+15550001111","email":"race@example.com"}}}}"#
                ))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_eq!(visitor_count(&app.server.uri()).await, before + 1);
}
