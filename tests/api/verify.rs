//! `livechat-mock verify` and `record`, against mocks on loopback: the same version matches, other
//! versions differ exactly where the version table says, deliberate drifts are caught with a
//! readable diff, the visitor is always cleaned up, and HTTPS works with a test-made CA.

use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use livechat_mock::{Config, MockServer};
use serde_json::Value;
use tokio::net::TcpListener;

use crate::helpers::*;

/// A mock target on a free port.
async fn target(version: &str) -> MockServer {
    MockServer::start(Config {
        port: 0,
        api_version: version.parse().unwrap(),
        ..Config::default()
    })
    .await
    .unwrap()
}

fn verify_args(target: &str) -> Vec<String> {
    [
        "verify",
        "--target",
        target,
        "--user-id",
        AGENT.0,
        "--auth-token",
        AGENT.1,
        "--unprivileged-user-id",
        PLAIN_USER.0,
        "--unprivileged-auth-token",
        PLAIN_USER.1,
        "--cors",
        "*",
        "--rate",
        "200",
    ]
    .map(str::to_string)
    .to_vec()
}

async fn run_verify(args: &[String]) -> (i32, String, String) {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = binary(&refs).output().await.unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn differing(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("DIFF  "))
        .collect()
}

const RELEASES: [&str; 7] = [
    "7.0.0", "8.0.0", "8.4.0", "8.5.0", "8.6.0", "8.8.1", "9.0.0",
];

#[tokio::test]
async fn the_same_version_matches_at_every_row_and_the_visitor_is_removed() {
    for version in RELEASES {
        let mock = target(version).await;
        let mut args = verify_args(&mock.uri());
        args.extend(["--api-version".to_string(), version.to_string()]);
        let (code, stdout, stderr) = run_verify(&args).await;
        assert_eq!(code, 0, "{version}: {stdout}{stderr}");
        assert!(
            stdout.contains("21 of 21 cases match"),
            "{version}: {stdout}"
        );
        assert_eq!(
            mock.requests()
                .iter()
                .filter(|e| e.method == "DELETE")
                .count(),
            1
        );
        assert!(
            !mock
                .requests()
                .iter()
                .any(|e| e.path.contains("verify") && e.status == Some(500)),
            "{version}"
        );
        assert_eq!(
            visitor_count(&mock.uri()).await,
            7,
            "{version}: the registered visitor is gone"
        );
    }
}

#[tokio::test]
async fn other_versions_differ_where_the_version_table_says() {
    // (target, held to, the cases that must differ)
    let predicted: [(&str, &str, &[&str]); 4] = [
        ("8.5.0", "8.6.0", &["visitorId as an array of one string"]),
        ("8.4.0", "8.5.0", &["200 the registered visitor"]),
        (
            "9.0.0",
            "8.8.1",
            &[
                "401 without credentials",
                "401 with X-User-Id only",
                "401 with a wrong token",
            ],
        ),
        (
            "7.0.0",
            "8.0.0",
            &["403 before the parameters (no view-l-room, no visitorId)"],
        ),
    ];
    for (version, held_to, cases) in predicted {
        let mock = target(version).await;
        let mut args = verify_args(&mock.uri());
        args.extend(["--api-version".to_string(), held_to.to_string()]);
        let (code, stdout, _) = run_verify(&args).await;
        assert_eq!(code, 1, "{version} held to {held_to}: {stdout}");
        assert_eq!(
            differing(&stdout),
            cases.to_vec(),
            "{version} held to {held_to}: {stdout}"
        );
    }
}

#[tokio::test]
async fn detect_version_names_the_release() {
    for version in RELEASES {
        let mock = target(version).await;
        let mut args = verify_args(&mock.uri());
        args.push("--detect-version".into());
        let (code, stdout, _) = run_verify(&args).await;
        assert_eq!(code, 0, "{version}: {stdout}");
        let line = stdout
            .lines()
            .find(|l| l.starts_with("behaves like "))
            .unwrap_or_else(|| panic!("{stdout}"));
        assert!(line.contains(version), "{version}: {line}");
    }
}

/// One deliberate drift of a real server.
#[derive(Clone, Copy, Debug)]
enum Drift {
    KeyOrder,
    Message,
    MissingHeader,
    PermissionAfterParameters,
    TokenIn200,
}

/// A server that answers as `upstream` does, but for one drift.
async fn drifted(upstream: String, drift: Drift) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<Incoming>| {
                    let upstream = upstream.clone();
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = http_body_util::BodyExt::collect(body)
                            .await
                            .unwrap()
                            .to_bytes();
                        let client = reqwest::Client::new();
                        let path = parts
                            .uri
                            .path_and_query()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default();
                        let mut forwarded =
                            client.request(parts.method.clone(), format!("{upstream}{path}"));
                        for (name, value) in &parts.headers {
                            if name != "host" {
                                forwarded = forwarded.header(name, value);
                            }
                        }
                        let answer = forwarded.body(body).send().await.unwrap();
                        let mut status = answer.status();
                        let mut headers = answer.headers().clone();
                        let mut bytes = answer.bytes().await.unwrap().to_vec();
                        let info = path.starts_with(PATH);
                        let text = String::from_utf8_lossy(&bytes).into_owned();
                        match drift {
                            Drift::KeyOrder if status == 401 => {
                                bytes = text.replacen(r#"{"success":false,"error":"You must be logged in to do this.","#, r#"{"error":"You must be logged in to do this.","success":false,"#, 1).into_bytes();
                            }
                            Drift::Message
                                if text.contains("must NOT have additional properties") =>
                            {
                                bytes = text
                                    .replace(
                                        "must NOT have additional properties",
                                        "must not have additional properties",
                                    )
                                    .into_bytes();
                            }
                            Drift::MissingHeader if info && status == 200 => {
                                headers.remove("cache-control");
                            }
                            Drift::PermissionAfterParameters
                                if info && status == 403 && !path.contains("visitorId") =>
                            {
                                status = reqwest::StatusCode::BAD_REQUEST;
                                headers.insert("cache-control", "no-store".parse().unwrap());
                                headers.insert("pragma", "no-cache".parse().unwrap());
                                bytes = br#"{"success":false,"error":"must have required property 'visitorId' [invalid-params]","errorType":"invalid-params"}"#.to_vec();
                            }
                            Drift::TokenIn200 if info && status == 200 && !bytes.is_empty() => {
                                bytes = text
                                    .replacen(
                                        r#"{"visitor":{"_id":"#,
                                        r#"{"visitor":{"token":"leaked","_id":"#,
                                        1,
                                    )
                                    .into_bytes();
                            }
                            _ => {}
                        }
                        headers.remove("content-length");
                        headers.remove("transfer-encoding");
                        let mut response = hyper::Response::new(http_body_util::Full::new(
                            bytes::Bytes::from(bytes),
                        ));
                        *response.status_mut() = status;
                        *response.headers_mut() = headers;
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn each_drift_is_caught_with_a_readable_diff() {
    let cases: [(Drift, &str, &str); 5] = [
        (
            Drift::KeyOrder,
            "401 without credentials",
            r#"keys at /: expected ["success", "error", "status", "message"], got ["error", "success", "status", "message"]"#,
        ),
        (
            Drift::Message,
            "400 an extra key",
            r#"/error: expected "must NOT have additional properties [invalid-params]", got "must not have additional properties [invalid-params]""#,
        ),
        (
            Drift::MissingHeader,
            "200 the registered visitor",
            r#"header cache-control: expected "no-store", got (absent)"#,
        ),
        (
            Drift::PermissionAfterParameters,
            "403 before the parameters (no view-l-room, no visitorId)",
            "status: expected 403, got 400",
        ),
        (
            Drift::TokenIn200,
            "200 the registered visitor",
            r#"keys at /visitor: expected ["_id", "#,
        ),
    ];
    for (drift, case, diff) in cases {
        let mock = target("8.8.1").await;
        let url = drifted(mock.uri(), drift).await;
        let (code, stdout, _) = run_verify(&verify_args(&url)).await;
        assert_eq!(code, 1, "{drift:?}: {stdout}");
        assert!(differing(&stdout).contains(&case), "{drift:?}: {stdout}");
        assert!(stdout.contains(diff), "{drift:?}: {stdout}");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            visitor_count(&mock.uri()).await,
            7,
            "{drift:?}: a failing run still removes its visitor"
        );
    }
}

#[tokio::test]
async fn ctrl_c_removes_the_visitor_and_exits_130() {
    let mock = target("8.8.1").await;
    let mut args = verify_args(&mock.uri());
    let rate = args.iter().position(|a| a == "200").unwrap();
    args[rate] = "2".into(); // slow enough to be interrupted mid-run
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let child = binary(&refs).spawn().unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().await.unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        visitor_count(&mock.uri()).await,
        7,
        "the registered visitor was removed"
    );
}

#[tokio::test]
async fn unusable_targets_and_refused_credentials_have_their_own_exit_codes() {
    let (code, _, stderr) = run_verify(&verify_args("http://192.0.2.1:3000")).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("plain http to another machine"), "{stderr}");
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (code, _, stderr) = run_verify(&verify_args(&format!("http://{free}"))).await;
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("cannot reach the target"), "{stderr}");
    let mock = target("8.8.1").await;
    let mut args = verify_args(&mock.uri());
    let token = args.iter().position(|a| a == AGENT.1).unwrap();
    args[token] = "not-the-token".into();
    let (code, stdout, stderr) = run_verify(&args).await;
    assert_eq!(code, 4, "{stdout}{stderr}");
    assert!(stderr.contains("refused the credentials"), "{stderr}");
    assert!(
        !stdout.contains("not-the-token") && !stderr.contains("not-the-token"),
        "a token is never printed"
    );
    assert_eq!(visitor_count(&mock.uri()).await, 7);
}

#[tokio::test]
async fn junit_and_json_reports() {
    let mock = target("8.6.0").await;
    let dir = TempDir::new("junit");
    let junit = dir.path().join("verify.xml");
    let mut args = verify_args(&mock.uri());
    args.extend([
        "--format".into(),
        "json".into(),
        "--junit".into(),
        junit.display().to_string(),
        "--api-version".into(),
        "8.5.0".into(),
    ]);
    let (code, stdout, _) = run_verify(&args).await;
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    let failed: Vec<&str> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["matched"] == false)
        .map(|c| c["case"].as_str().unwrap())
        .collect();
    assert_eq!(failed, vec!["visitorId as an array of one string"]);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(r#"tests="21" failures="1""#), "{xml}");
    assert!(xml.contains(r#"<testcase classname="visitors.info" name="visitorId as an array of one string"><failure message="status: expected 400, got 200">"#), "{xml}");
}

#[tokio::test]
async fn record_writes_fixtures_that_serve_the_same_bodies() {
    let mock = target("8.8.1").await;
    let dir = TempDir::new("record");
    let out = dir.path().join("recorded");
    let ids = [
        SPEC_VISITOR,
        "9c6539382b0537e65affb229",
        "MdbPrYLi69cWCtPBb",
    ];
    let args: Vec<String> = [
        "record",
        "--target",
        &mock.uri(),
        "--user-id",
        AGENT.0,
        "--auth-token",
        AGENT.1,
        "--visitor-id",
        &ids.join(","),
        "--out",
        out.to_str().unwrap(),
    ]
    .map(str::to_string)
    .to_vec();
    let (code, stdout, stderr) = run_verify(&args).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("3 visitors had no token"), "{stdout}");
    assert!(
        stdout.contains("recorded-placeholder-auth-token"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(AGENT.1),
        "the real token is not written or printed"
    );
    let served = MockServer::start(Config {
        port: 0,
        fixtures: livechat_mock::FixtureSource::Dir(out.clone()),
        ..Config::default()
    })
    .await
    .unwrap();
    for id in ids {
        let original = reqwest::Client::new()
            .get(format!("{}{PATH}?visitorId={id}", mock.uri()))
            .header("X-User-Id", AGENT.0)
            .header("X-Auth-Token", AGENT.1)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let replayed = reqwest::Client::new()
            .get(format!("{}{PATH}?visitorId={id}", served.uri()))
            .header("X-User-Id", AGENT.0)
            .header("X-Auth-Token", "recorded-placeholder-auth-token")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(replayed, original, "{id}");
    }
}

/// A TLS front for `upstream` with a certificate made here; returns its URL and the CA's PEM.
async fn https_front(upstream: std::net::SocketAddr) -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let cert = params.self_signed(&key).unwrap();
    let pem = cert.pem();
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        tokio_rustls::rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (format!("https://localhost:{port}"), pem)
}

#[tokio::test]
async fn https_with_a_ca_the_test_makes() {
    let mock = target("8.8.1").await;
    let (url, pem) = https_front(mock.address()).await;
    let dir = TempDir::new("ca");
    dir.write("ca.pem", &pem);
    let mut args = verify_args(&url);
    args.extend([
        "--ca-cert".into(),
        dir.path().join("ca.pem").display().to_string(),
    ]);
    let (code, stdout, stderr) = run_verify(&args).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("verifying {url} against livechat-mock 8.8.1")),
        "{stdout}"
    );
    // without the CA, the certificate is refused: the target cannot be reached
    let (code, _, stderr) = run_verify(&verify_args(&url)).await;
    assert_eq!(code, 3, "{stderr}");
}

/// A target that answers every request with 200 and the request's own head as its body: an echo
/// endpoint, a debugging proxy, a wrong URL.
async fn echo_target() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let service = service_fn(|request: hyper::Request<Incoming>| async move {
                    let echoed: String = request
                        .headers()
                        .iter()
                        .map(|(n, v)| format!("{n}: {}\n", String::from_utf8_lossy(v.as_bytes())))
                        .collect();
                    let mut response = hyper::Response::new(http_body_util::Full::new(
                        bytes::Bytes::from(format!("{echoed}\u{1b}[31m{}", "x".repeat(100_000))),
                    ));
                    response.headers_mut().insert(
                        "x-echo",
                        hyper::header::HeaderValue::from_str(
                            &request
                                .headers()
                                .get("x-auth-token")
                                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                                .unwrap_or_default(),
                        )
                        .unwrap(),
                    );
                    Ok::<_, std::convert::Infallible>(response)
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

// Issue 22, major 6 and minor 5: a target that echoes the request headers does not make verify
// print the agent's token, on stdout or in the JUnit file; what it prints of a body is short
// and escaped; record writes no token either.
#[tokio::test]
async fn verify_and_record_never_print_or_write_the_token_a_target_echoes() {
    let url = echo_target().await;
    let dir = TempDir::new("echo");
    let junit = dir.path().join("verify.xml");
    let mut args = verify_args(&url);
    args.extend(["--junit".into(), junit.display().to_string()]);
    let (code, stdout, stderr) = run_verify(&args).await;
    assert_ne!(code, 0, "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    for (what, text) in [("stdout", &stdout), ("stderr", &stderr), ("junit", &xml)] {
        assert!(!text.contains(AGENT.1), "{what} holds the token: {text}");
        assert!(!text.contains('\u{1b}'), "{what} holds a raw ESC");
    }
    assert!(stdout.len() < 200_000, "{} bytes of output", stdout.len());
    assert!(stdout.contains("bytes in all"), "{stdout}");

    let out = dir.path().join("recorded");
    let record = [
        "record",
        "--target",
        &url,
        "--user-id",
        AGENT.0,
        "--auth-token",
        AGENT.1,
        "--visitor-id",
        SPEC_VISITOR,
        "--out",
        out.to_str().unwrap(),
    ];
    let output = binary(&record).output().await.unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!text.contains(AGENT.1), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.len() < 10_000, "{} bytes", text.len());
}

// Issue 22, minor 7: credentials in the --target URL are not printed.
#[tokio::test]
async fn credentials_in_the_target_url_are_not_printed() {
    let args = verify_args("http://someone:pa55word-secret@127.0.0.1:9/");
    let (code, stdout, stderr) = run_verify(&args).await;
    assert_ne!(code, 0);
    let text = format!("{stdout}{stderr}");
    assert!(!text.contains("pa55word-secret"), "{text}");
    assert!(text.contains("http://127.0.0.1:9"), "{text}");
}

// Issue 22, major 4 and minor 6: record writes through no link, replaces no set without
// --force, records a repeated id once, encodes ids, and refuses a body without a visitor.
#[tokio::test]
async fn record_writes_a_whole_set_safely_or_nothing() {
    let mock = target("8.8.1").await;
    let dir = TempDir::new("record-safe");
    let outside = dir.path().join("outside.json");
    std::fs::write(&outside, "keep me").unwrap();
    let out = dir.path().join("set");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("visitors.json")).unwrap();
    let uri = mock.uri();
    let record = |ids: &'static str, force: bool| {
        let mut args = vec![
            "record".to_string(),
            "--target".into(),
            uri.clone(),
            "--user-id".into(),
            AGENT.0.into(),
            "--auth-token".into(),
            AGENT.1.into(),
            "--visitor-id".into(),
            ids.into(),
            "--out".into(),
            out.display().to_string(),
        ];
        if force {
            args.push("--force".into());
        }
        async move {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            binary(&refs).output().await.unwrap()
        }
    };
    let refused = record("6a22b1765528fa64dd29de70", false).await;
    assert_ne!(refused.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("exists already"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep me");
    let forced = record("6a22b1765528fa64dd29de70,6a22b1765528fa64dd29de70", true).await;
    assert_eq!(
        forced.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    assert!(String::from_utf8_lossy(&forced.stderr).contains("given twice; recorded once"));
    assert_eq!(
        std::fs::read_to_string(&outside).unwrap(),
        "keep me",
        "the link's target is untouched"
    );
    let written = std::fs::read_to_string(out.join("visitors.json")).unwrap();
    assert_eq!(written.matches("6a22b1765528fa64dd29de70").count(), 1);
    // an id with `&` is one id, encoded: the target finds no such visitor
    let odd = record("a&visitorId=6a22b1765528fa64dd29de70", true).await;
    assert_ne!(odd.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&odd.stderr).contains("visitor-not-found"),
        "{}",
        String::from_utf8_lossy(&odd.stderr)
    );
}

// Issue 25, item 3: CORS is the server's setting, not its contract: verify reads it from the
// target's preflight, so a mock with default flags verifies clean without --cors.
#[tokio::test]
async fn verify_reads_the_cors_setting_from_the_targets_preflight() {
    let mock = target("8.8.1").await;
    let args: Vec<String> = verify_args(&mock.uri())
        .into_iter()
        .filter(|a| a != "--cors" && a != "*")
        .collect();
    let (code, stdout, stderr) = run_verify(&args).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stderr.contains("CORS: the target's preflight says '*'"),
        "{stderr}"
    );
}
