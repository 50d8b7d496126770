//! The binary itself: its one stdout line, its flags and environment fallbacks, its refusal to
//! start on bad fixtures, the schema gate as a user sees it, and graceful shutdown.

use tokio::io::AsyncReadExt;

use crate::helpers::*;

/// Runs the binary to completion and returns (exit code, stdout, stderr).
async fn run(args: &[&str]) -> (i32, String, String) {
    let output = binary(args).output().await.unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn get(uri: &str, query: &str, user: (&str, &str)) -> (u16, String) {
    let response = reqwest::Client::new()
        .get(format!("{uri}{PATH}?{query}"))
        .header("X-User-Id", user.0)
        .header("X-Auth-Token", user.1)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn it_prints_one_listening_line_and_serves_the_bundled_fixtures() {
    let (mut child, uri) = start_binary(&[]).await;
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
    let (status, body) = get(&uri, &format!("visitorId={SPEC_VISITOR}"), AGENT).await;
    assert_eq!((status, body.as_str()), (200, SPEC_VISITOR_BODY));

    terminate(&child);
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(0), "SIGTERM is a clean stop");
    let mut rest = String::new();
    let mut stderr = child.stderr.take().unwrap();
    stderr.read_to_string(&mut rest).await.unwrap();
    assert!(
        rest.contains(
            "method=GET path=/api/v1/livechat/visitors.info status=200 outcome=\"ok\" rule=\"fixtures\" micros="
        ),
        "{rest}"
    );
}

#[tokio::test]
async fn the_port_can_come_from_the_environment() {
    let mut child = binary(&[]).env("LIVECHAT_MOCK_PORT", "0").spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = [0u8; 64];
    let n = stdout.read(&mut buf).await.unwrap();
    let line = String::from_utf8_lossy(&buf[..n]);
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    assert!(
        !line.starts_with("listening on http://127.0.0.1:3000"),
        "{line}"
    );
}

/// A copy of the bundled fixtures with `visitors.json` replaced.
fn fixtures_with_visitors(text: &str) -> TempDir {
    let dir = copy_of("fixtures", "bad");
    dir.write("visitors.json", text);
    dir
}

async fn refused(dir: &TempDir) -> String {
    let (code, stdout, stderr) =
        run(&["--port", "0", "--fixtures", dir.path().to_str().unwrap()]).await;
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "", "nothing is served");
    let file = dir.path().join("visitors.json").display().to_string();
    stderr.replace(&file, "FILE").replace(
        &dir.path().join("users.json").display().to_string(),
        "USERS",
    )
}

const GOOD: &str = r#"{"_id":"6a22b1765528fa64dd29de70","username":"guest-1","ts":"2026-06-05T11:22:30.664Z","_updatedAt":"2026-06-05T11:22:30.665Z","token":"t1"}"#;

#[tokio::test]
async fn invalid_json_stops_start_up_with_line_and_column() {
    let dir = fixtures_with_visitors("[\n  {\"_id\": \"6a22b1765528fa64dd29de70\"\n]\n");
    assert_eq!(
        refused(&dir).await,
        "error: FILE:3:1: invalid JSON: expected `,` or `}`\n"
    );
}

#[tokio::test]
async fn a_wrong_type_stops_start_up_with_pointer_and_id() {
    let bad = GOOD.replace(r#""username":"guest-1""#, r#""username":["guest-1"]"#);
    let dir = fixtures_with_visitors(&format!("[{bad}]"));
    assert_eq!(
        refused(&dir).await,
        "error: FILE: /0/username (_id \"6a22b1765528fa64dd29de70\"): [\"guest-1\"] is not of type \"string\"\n"
    );
}

#[tokio::test]
async fn a_missing_required_field_stops_start_up() {
    let bad = GOOD.replace(r#""ts":"2026-06-05T11:22:30.664Z","#, "");
    let dir = fixtures_with_visitors(&format!("[{bad}]"));
    assert_eq!(
        refused(&dir).await,
        "error: FILE: /0 (_id \"6a22b1765528fa64dd29de70\"): \"ts\" is a required property\n"
    );
}

#[tokio::test]
async fn a_duplicate_id_stops_start_up() {
    let second = GOOD.replace("\"t1\"", "\"t2\"");
    let dir = fixtures_with_visitors(&format!("[{GOOD},\n{second}]"));
    assert_eq!(
        refused(&dir).await,
        "error: FILE: /1/_id (_id \"6a22b1765528fa64dd29de70\"): duplicate _id \"6a22b1765528fa64dd29de70\", first used at /0/_id\n"
    );
}

#[tokio::test]
async fn an_unknown_role_shape_stops_start_up() {
    let dir = fixtures_with_visitors(&format!("[{GOOD}]"));
    dir.write(
        "users.json",
        r#"[{"_id":"u1","username":"a","authToken":"t","roles":[{"role":"admin"}]}]"#,
    );
    assert_eq!(
        refused(&dir).await,
        "error: USERS: /0/roles/0 (_id \"u1\"): {\"role\":\"admin\"} is not of type \"string\"\n"
    );
}

#[tokio::test]
async fn a_missing_fixture_directory_names_the_file_and_the_cause() {
    let (code, _, stderr) = run(&["--port", "0", "--fixtures", "/nonexistent/fixtures"]).await;
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "error: /nonexistent/fixtures: the fixture directory does not exist (it must hold visitors.json and users.json; optional: permissions.json, departments.json, custom-fields.json; `livechat-mock fixtures export DIR` writes the bundled ones)\n"
    );
}

#[tokio::test]
async fn a_schema_set_the_fixtures_break_gets_500_and_a_log_line_never_the_body() {
    let schemas = copy_of("schemas", "gate");
    let stricter = std::fs::read_to_string(schemas.path().join("visitors.info.200.json"))
        .unwrap()
        .replace(
            r#""required": ["_id", "_updatedAt", "username", "ts"]"#,
            r#""required": ["_id", "_updatedAt", "username", "ts", "department"]"#,
        );
    schemas.write("visitors.info.200.json", &stricter);
    let (mut child, uri) = start_binary(&["--schemas", schemas.path().to_str().unwrap()]).await;

    let (status, body) = get(&uri, &format!("visitorId={SPEC_VISITOR}"), AGENT).await;
    assert_eq!(
        (status, body.as_str()),
        (500, r#"{"success":false,"error":"Internal server error"}"#)
    );
    // a visitor that has a department still passes
    let (status, _) = get(&uri, "visitorId=9c6539382b0537e65affb229", AGENT).await;
    assert_eq!(status, 200);

    let stderr = stop_and_read_stderr(&mut child).await;
    let schema_file = schemas
        .path()
        .join("visitors.info.200.json")
        .display()
        .to_string();
    let blocked = stderr
        .lines()
        .find(|l| l.contains("response blocked by the schema gate"))
        .unwrap_or_else(|| panic!("no gate line in {stderr}"));
    assert!(blocked.contains("ERROR"), "{blocked}");
    assert!(
        blocked.contains(&format!("schema={schema_file}")),
        "{blocked}"
    );
    assert!(blocked.contains("pointer=/visitor"), "{blocked}");
    assert!(
        blocked.contains("rule=/properties/visitor/required"),
        "{blocked}"
    );
    assert!(
        blocked.contains("\"department\" is a required property"),
        "{blocked}"
    );
    // start-up already warned about the drifting fixture
    assert!(
        stderr.contains("fixture visitor breaks the 200 schema"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_bad_schema_file_stops_start_up() {
    let schemas = copy_of("schemas", "badschema");
    schemas.write("visitors.info.403.json", r#"{"type": "objekt"}"#);
    let (code, _, stderr) =
        run(&["--port", "0", "--schemas", schemas.path().to_str().unwrap()]).await;
    assert_eq!(code, 1);
    let file = schemas
        .path()
        .join("visitors.info.403.json")
        .display()
        .to_string();
    assert!(
        stderr.starts_with(&format!("error: {file}: bad schema: ")),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_taken_port_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let (code, _, stderr) = run(&["--port", &port]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains(&format!("\nerror: cannot listen on 127.0.0.1:{port}\n  caused by: Address already in use (os error 98)\n")), "{stderr}");
}

#[tokio::test]
async fn watch_serves_a_valid_edit_and_keeps_the_last_good_data_after_a_bad_one() {
    let dir = copy_of("fixtures", "watch");
    let (mut child, uri) =
        start_binary(&["--watch", "--fixtures", dir.path().to_str().unwrap()]).await;
    let (_, body) = get(&uri, &format!("visitorId={SPEC_VISITOR}"), AGENT).await;
    assert!(body.contains("Postman Test Visitor"));

    // a valid edit is served once it has held still for a poll (within a second when idle; up
    // to 6 s allowed, as a debug build under the whole suite's parallel load takes longer)
    let visitors = std::fs::read_to_string(dir.path().join("visitors.json")).unwrap();
    dir.write(
        "visitors.json",
        &visitors.replace("Postman Test Visitor", "Edited Visitor"),
    );
    let mut served = String::new();
    for _ in 0..120 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        served = get(&uri, &format!("visitorId={SPEC_VISITOR}"), AGENT)
            .await
            .1;
        if served.contains("Edited Visitor") {
            break;
        }
    }
    assert!(served.contains("Edited Visitor"), "{served}");

    // an invalid edit is logged and the last good data keeps being served
    dir.write("visitors.json", "[{\"_id\": 1}]");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (status, body) = get(&uri, &format!("visitorId={SPEC_VISITOR}"), AGENT).await;
    assert_eq!(status, 200);
    assert!(body.contains("Edited Visitor"));

    let stderr = stop_and_read_stderr(&mut child).await;
    let file = dir.path().join("visitors.json").display().to_string();
    assert!(stderr.contains("fixtures reloaded"), "{stderr}");
    assert!(
        stderr.contains(&format!("fixtures not reloaded, still serving the last good data: {file}: /0: \"_updatedAt\" is a required property")),
        "{stderr}"
    );
}

// Issue 22, minor 9: `cp -p`, `rsync -t` and `mv` keep the size and modification time.
#[tokio::test]
async fn watch_sees_an_edit_that_keeps_the_size_and_the_modification_time() {
    let dir = copy_of("fixtures", "watch-same-stamp");
    let (mut child, uri) =
        start_binary(&["--watch", "--fixtures", dir.path().to_str().unwrap()]).await;
    let file = dir.path().join("visitors.json");
    let before = std::fs::metadata(&file).unwrap();
    let visitors = std::fs::read_to_string(&file).unwrap();
    // Same length, other bytes; then the old modification time put back, as `cp -p` does.
    dir.write(
        "visitors.json",
        &visitors.replace("Postman Test Visitor", "Postman Test Visitar"),
    );
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    let after = std::fs::metadata(&file).unwrap();
    assert_eq!(
        (after.len(), after.modified().unwrap()),
        (before.len(), before.modified().unwrap())
    );
    let mut served = String::new();
    for _ in 0..120 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        served = get(&uri, &format!("visitorId={SPEC_VISITOR}"), AGENT)
            .await
            .1;
        if served.contains("Postman Test Visitar") {
            break;
        }
    }
    assert!(served.contains("Postman Test Visitar"), "{served}");
    stop_and_read_stderr(&mut child).await;
}

// Issue 22, major 3: a fixture swapped for a FIFO is refused on the opened handle; the server
// keeps answering (a blocking open would have stalled a worker until the FIFO got a writer).
#[tokio::test]
async fn watch_refuses_a_fixture_swapped_for_a_fifo_and_keeps_serving() {
    let dir = copy_of("fixtures", "watch-fifo");
    let (mut child, uri) =
        start_binary(&["--watch", "--fixtures", dir.path().to_str().unwrap()]).await;
    let file = dir.path().join("visitors.json");
    std::fs::remove_file(&file).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&file)
            .status()
            .unwrap()
            .success()
    );
    for _ in 0..20 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (status, body) = get(&uri, &format!("visitorId={SPEC_VISITOR}"), AGENT).await;
        assert_eq!(status, 200, "{body}");
    }
    let stderr = stop_and_read_stderr(&mut child).await;
    assert!(
        stderr.contains(&format!("{}: not a regular file", file.display())),
        "{stderr}"
    );
}

/// Starts the binary with `RUST_LOG` set, serves one request, stops it: its stderr.
async fn one_request_logged_at(rust_log: &str) -> String {
    let mut child = binary(&["--port", "0"])
        .env("RUST_LOG", rust_log)
        .spawn()
        .unwrap();
    let mut line = String::new();
    tokio::io::AsyncBufReadExt::read_line(
        &mut tokio::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .await
    .unwrap();
    let uri = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let (status, _) = get(&uri, &format!("visitorId={SPEC_VISITOR}"), AGENT).await;
    assert_eq!(status, 200);
    stop_and_read_stderr(&mut child).await
}

// The text log's request line is written by the binary's own writer (`src/bin/livechat-mock/logging`), not the
// stock format: its whole line is pinned here, and `RUST_LOG` still governs it.
#[tokio::test]
async fn the_text_request_line_is_whole_and_rust_log_still_filters_it() {
    let stderr = one_request_logged_at("info").await;
    let request: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("livechat_mock::request"))
        .collect();
    assert_eq!(request.len(), 1, "{stderr}");
    let (stamp, rest) = request[0].split_at(27);
    assert!(
        stamp.len() == 27
            && stamp.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                10 => b == b'T',
                13 | 16 => b == b':',
                19 => b == b'.',
                26 => b == b'Z',
                _ => b.is_ascii_digit(),
            }),
        "{stamp}"
    );
    let micros = rest
        .strip_prefix(
            "  INFO livechat_mock::request: method=GET path=/api/v1/livechat/visitors.info \
             status=200 outcome=\"ok\" rule=\"fixtures\" micros=",
        )
        .unwrap_or_else(|| panic!("{rest}"));
    assert!(micros.parse::<u64>().is_ok(), "{micros}");

    for quiet in ["info,livechat_mock::request=off", "warn"] {
        let stderr = one_request_logged_at(quiet).await;
        assert!(
            !stderr.contains("livechat_mock::request"),
            "{quiet}: {stderr}"
        );
    }
    let stderr = one_request_logged_at("info,livechat_mock::request=off").await;
    assert!(stderr.contains(" INFO "), "other info lines stay: {stderr}");
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_stable_keys() {
    let (mut child, uri) = start_binary(&["--log-format", "json"]).await;
    get(&uri, &format!("visitorId={SPEC_VISITOR}"), AGENT).await;
    let stderr = stop_and_read_stderr(&mut child).await;
    let request = stderr
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("{line}: {e}"))
        })
        .find(|v| v["target"] == "livechat_mock::request")
        .expect("a request line");
    assert_eq!(request["level"], "INFO");
    assert_eq!(request["method"], "GET");
    assert_eq!(request["path"], PATH);
    assert_eq!(request["status"], 200);
    assert_eq!(request["outcome"], "ok");
    assert!(request["micros"].is_u64());
    assert!(request["timestamp"].is_string());
}

#[tokio::test]
async fn binding_beyond_loopback_says_so_loudly() {
    let (mut child, uri) = start_binary(&["--host", "0.0.0.0"]).await;
    assert!(uri.starts_with("http://0.0.0.0:"), "{uri}");
    let stderr = stop_and_read_stderr(&mut child).await;
    assert!(
        stderr.contains("WARN") && stderr.contains("listening beyond this machine"),
        "{stderr}"
    );
}

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish_frees_the_port_and_exits_0() {
    let (mut child, uri) = start_binary(&["--latency", "600"]).await;
    let in_flight = tokio::spawn({
        let uri = uri.clone();
        async move { get(&uri, &format!("visitorId={SPEC_VISITOR}"), AGENT).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    terminate(&child);
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(
        (status, body.as_str()),
        (200, SPEC_VISITOR_BODY),
        "the in-flight request completed"
    );
    assert_eq!(child.wait().await.unwrap().code(), Some(0));
    let address = uri.trim_start_matches("http://");
    assert!(
        std::net::TcpListener::bind(address).is_ok(),
        "the port is free again"
    );
}

/// Sends `signal` to the child `count` times from one `kill` call, so they arrive together.
fn signal_times(child: &tokio::process::Child, signal: &str, count: usize) {
    let pid = child.id().expect("the child is running").to_string();
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .args(std::iter::repeat_n(pid.as_str(), count))
        .status()
        .expect("kill runs");
    assert!(status.success());
}

// main.rs: a wrapper such as npx forwards the SIGTERM its process group also got, so two arrive
// at once; that is one stop, and the in-flight request still finishes.
#[tokio::test]
async fn two_signals_at_once_are_one_stop_and_the_drain_still_runs() {
    let (mut child, uri) = start_binary(&["--latency", "900"]).await;
    let in_flight = tokio::spawn({
        let uri = uri.clone();
        async move { get(&uri, &format!("visitorId={SPEC_VISITOR}"), AGENT).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    signal_times(&child, "TERM", 2);
    let (status, body) = in_flight.await.unwrap();
    assert_eq!((status, body.as_str()), (200, SPEC_VISITOR_BODY));
    assert_eq!(child.wait().await.unwrap().code(), Some(0));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();
    assert!(
        stderr.contains("shutting down: finishing in-flight requests"),
        "{stderr}"
    );
    assert!(!stderr.contains("second signal"), "{stderr}");
}

// main.rs: Ctrl-C during a request that hangs waits for the drain; a second Ctrl-C, later,
// exits at once and says so.
#[tokio::test]
async fn a_second_ctrl_c_exits_without_waiting_for_a_hanging_request() {
    let (mut child, uri) = start_binary(&[]).await;
    let address = uri.trim_start_matches("http://").to_string();
    let mut hanging = tokio::net::TcpStream::connect(&address).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(
        &mut hanging,
        format!(
            "GET {PATH}?visitorId={SPEC_VISITOR} HTTP/1.1\r\nHost: {address}\r\nX-User-Id: {}\r\nX-Auth-Token: {}\r\nx-mock-response-name: hang\r\n\r\n",
            AGENT.0, AGENT.1
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    // the hanging request is in the journal's in-flight count once a later one has answered
    get(&uri, &format!("visitorId={SPEC_VISITOR}"), AGENT).await;
    let mut lines =
        tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(child.stderr.take().unwrap()));
    signal_times(&child, "INT", 1);
    let mut seen = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("shutting down") {
            break;
        }
    }
    // later than a doubled signal could be
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    signal_times(&child, "INT", 1);
    assert_eq!(child.wait().await.unwrap().code(), Some(0));
    while let Some(line) = lines.next_line().await.unwrap() {
        seen.push_str(&line);
        seen.push('\n');
    }
    assert!(
        seen.contains(
            "second signal: exiting now, without waiting for the requests still in flight"
        ),
        "{seen}"
    );
}

#[tokio::test]
async fn tokens_never_reach_the_log() {
    let (mut child, uri) = start_binary(&["--log-format", "json"]).await;
    get(&uri, &format!("visitorId={SPEC_VISITOR}"), AGENT).await;
    get(
        &uri,
        "visitorId=x",
        (AGENT.0, "a-wrong-token-that-is-long-enough"),
    )
    .await;
    reqwest::Client::new()
        .get(format!("{uri}/_mock/requests"))
        .send()
        .await
        .unwrap();
    let stderr = stop_and_read_stderr(&mut child).await;
    // The one start-up hint shows the bundled agent's public, documented token (the README's
    // first curl line); no line about a request ever holds a token.
    let hint = stderr
        .lines()
        .filter(|line| line.contains(AGENT.1))
        .collect::<Vec<_>>();
    assert_eq!(hint.len(), 1, "{stderr}");
    assert!(hint[0].contains("first request: curl"), "{stderr}");
    assert!(!stderr.contains("a-wrong-token"), "{stderr}");
}

// `livechat-mock matrix`: one mock per release; a client that reads `token` from visitors.info
// breaks from 8.5.0 (the token is no longer sent).
#[tokio::test]
async fn the_matrix_tells_which_releases_a_client_passes() {
    let client = format!(
        "import json,os,sys,urllib.request as u\nr=u.Request(sys.argv[1]+'{PATH}?visitorId={SPEC_VISITOR}',headers={{'X-User-Id':'{}','X-Auth-Token':'{}'}})\nv=json.load(u.urlopen(r))['visitor']\nassert os.environ['LIVECHAT_MOCK_URL']==sys.argv[1]\nprint('token' in v)\nsys.exit(0 if 'token' in v else 3)",
        AGENT.0, AGENT.1
    );
    let (code, stdout, _) = run(&[
        "matrix",
        "--versions",
        "8.4.0,8.5.0,8.6.0",
        "--jobs",
        "2",
        "--",
        "python3",
        "-c",
        &client,
        "{url}",
    ])
    .await;
    assert_eq!(code, 1, "{stdout}");
    let rows: Vec<&str> = stdout.lines().collect();
    assert!(rows[0].starts_with("version"), "{stdout}");
    assert!(rows[1].starts_with("8.4.0      0 "), "{stdout}");
    assert!(rows[2].starts_with("8.5.0      3 "), "{stdout}");
    assert!(rows[3].starts_with("8.6.0      3 "), "{stdout}");
    assert!(rows[1].ends_with("1 of 26 contract answers"), "{stdout}");
    assert!(
        stdout.contains("--- 8.5.0 failed; its output:\nFalse"),
        "{stdout}"
    );
}

// Boolean variables take 1/0, true/false, yes/no; a bad one is named by the variable.
#[tokio::test]
async fn boolean_variables_take_the_usual_spellings() {
    let (mut child, uri) = {
        let mut command = binary(&["--port", "0"]);
        command.env("LIVECHAT_MOCK_NO_ADMIN", "1");
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
        let line = lines.next_line().await.unwrap().unwrap();
        (child, line.trim_start_matches("listening on ").to_string())
    };
    let health = reqwest::get(format!("{uri}/_mock/health")).await.unwrap();
    assert_eq!(
        health.status(),
        404,
        "LIVECHAT_MOCK_NO_ADMIN=1 turned the control API off"
    );
    stop_and_read_stderr(&mut child).await;

    let output = binary(&["--port", "0"])
        .env("LIVECHAT_MOCK_WATCH", "2")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: LIVECHAT_MOCK_WATCH=\"2\" is not a boolean: use 1 or 0, true or false, yes or no\n"
    );
}

#[tokio::test]
async fn bad_numbers_get_a_message_about_the_number() {
    for (args, message) in [
        (
            vec!["--port", "-1"],
            "invalid value '-1' for '--port <PORT>': expected a port from 0 to 65535 (0 picks a free one); got \"-1\"",
        ),
        (
            vec!["--fault-rate", "-0.5"],
            "invalid value '-0.5' for '--fault-rate <P>': expected a number from 0 to 1; got \"-0.5\"",
        ),
        (
            vec!["--latency", "300..50"],
            "MIN must be at most MAX in MIN..MAX; got 300..50 (did you mean 50..300?)",
        ),
    ] {
        let (code, _, stderr) = run(&args).await;
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[tokio::test]
async fn completions_and_a_man_page_come_from_the_flags() {
    let (code, bash, _) = run(&["completions", "bash"]).await;
    assert_eq!(code, 0);
    assert!(
        bash.contains("--rate-limit") && bash.contains("--coverage-report"),
        "{bash}"
    );
    let (code, fish, _) = run(&["completions", "fish"]).await;
    assert_eq!(code, 0);
    assert!(fish.contains("complete -c livechat-mock"), "{fish}");
    let (code, man, _) = run(&["man"]).await;
    assert_eq!(code, 0);
    assert!(man.contains(".TH livechat-mock 1"), "{man}");
    assert!(man.contains("\\-\\-rate\\-limit"), "{man}");
}
