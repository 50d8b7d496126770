//! Shared helpers: a server on a free port, the bundled users, raw HTTP for exact bytes.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use livechat_mock::{Config, MockServer};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

pub const PATH: &str = "/api/v1/livechat/visitors.info";
/// The spec page's example visitor.
pub const SPEC_VISITOR: &str = "6a22b1765528fa64dd29de70";
/// The spec page's example user: a livechat-agent.
pub const AGENT: (&str, &str) = (
    "rbAXPnMktTFbNpwtJ",
    "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f",
);
pub const ADMIN: (&str, &str) = (
    "NBTm56xe8Rh5cF47X",
    "aWz0a5d8CQr04Ub20DEQq4bv3hOe6rrDeg3ejvLTsZI",
);
pub const MANAGER: (&str, &str) = (
    "W6H7fX5xg9Gkkh5gh",
    "XhMCyldQH-DKmn_RzMFRUEJCEleP4P6xe0qlWc2fKJg",
);
pub const MONITOR: (&str, &str) = (
    "T5G4fzALWBe9gMfxo",
    "SxQmfxsDdJTdHAHMat_JdNFymhH-IAjXN-j1F9ae1vE",
);
/// A user with no livechat role.
pub const PLAIN_USER: (&str, &str) = (
    "D8hgkER8fq6g5jFbo",
    "gb0aRSmCXnlFWXGyGuEFqrLWoxALCIgPD0Ituzb7lLM",
);

/// The default release's (8.8.1) list: 8.8.0 appended `MCP-Protocol-Version` (cors.ts 0d1c5b7d).
pub const ALLOW_HEADERS: &str = "Origin, X-Requested-With, Content-Type, Accept, X-User-Id, X-Auth-Token, x-visitor-token, Authorization, MCP-Protocol-Version";
/// The list before 8.8.0 (cors.ts 2183f358).
pub const ALLOW_HEADERS_BEFORE_8_8: &str = "Origin, X-Requested-With, Content-Type, Accept, X-User-Id, X-Auth-Token, x-visitor-token, Authorization";

pub const SPEC_VISITOR_BODY: &str = r#"{"visitor":{"_id":"6a22b1765528fa64dd29de70","username":"guest-10","status":"online","ts":"2026-06-05T11:22:30.664Z","_updatedAt":"2026-06-05T11:22:30.665Z","name":"Postman Test Visitor","phone":[{"phoneNumber":"+15551234567"}],"visitorEmails":[{"address":"postman-test@example.com"}]},"success":true}"#;
/// The authentication middleware's 401 before 9.0.0 (`api.ts`'s `unauthorized`).
pub const NOT_LOGGED_IN: &str = r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#;
/// The permission middleware's 403 for a user without `view-l-room`.
pub const FORBIDDEN: &str = r#"{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}"#;
/// The plain 403 the API page lists.
pub const FORBIDDEN_GENERIC: &str = r#"{"success":false,"error":"unauthorized"}"#;
/// visitors.info's 400 for an unknown visitor (no `errorType`).
pub const NOT_FOUND: &str = r#"{"success":false,"error":"visitor-not-found"}"#;

/// A mock on a free port with the bundled data, and a client for it.
pub struct TestApp {
    pub server: MockServer,
    pub client: reqwest::Client,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Config::default()).await
}

pub async fn spawn_with(config: Config) -> TestApp {
    let server = MockServer::start(Config { port: 0, ..config })
        .await
        .expect("the mock starts");
    TestApp {
        server,
        client: reqwest::Client::new(),
    }
}

impl TestApp {
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.server.uri(), path_and_query)
    }

    /// GET `path_and_query`, with no headers but the client's own.
    pub async fn get(&self, path_and_query: &str) -> Answer {
        let response = self.client.get(self.url(path_and_query)).send().await;
        Answer::from(response.expect("the request is answered")).await
    }

    /// GET visitors.info with `query` (appended after `?` as is) as `user`.
    pub async fn visitors_info(&self, user: Option<(&str, &str)>, query: Option<&str>) -> Answer {
        let url = match query {
            Some(q) => self.url(&format!("{PATH}?{q}")),
            None => self.url(PATH),
        };
        let mut request = self.client.get(url);
        if let Some((id, token)) = user {
            request = request
                .header("X-User-Id", id)
                .header("X-Auth-Token", token);
        }
        Answer::from(request.send().await.expect("the request is answered")).await
    }

    /// `POST path` with a JSON body (and its Content-Type).
    pub async fn post_json(&self, path: &str, body: &str) -> Answer {
        let response = self
            .client
            .post(self.url(path))
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        Answer::from(response.expect("the request is answered")).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Answer {
        let response = self.client.delete(self.url(path)).send().await;
        Answer::from(response.expect("the request is answered")).await
    }

    /// GET visitors.info as the agent with extra headers.
    pub async fn ask(&self, query: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self
            .client
            .get(self.url(&format!("{PATH}?{query}")))
            .header("X-User-Id", AGENT.0)
            .header("X-Auth-Token", AGENT.1);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Answer::from(request.send().await.unwrap()).await
    }

    /// A control API call, with a JSON body if given.
    pub async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        Answer::from(request.send().await.unwrap()).await
    }

    /// `GET /_mock/requests{query}`'s entries.
    pub async fn journal(&self, query: &str) -> Vec<Value> {
        let answer = self
            .control(
                reqwest::Method::GET,
                &format!("/_mock/requests{query}"),
                None,
            )
            .await;
        assert_eq!(answer.status, 200);
        let value: Value = serde_json::from_str(&answer.body).unwrap();
        value["requests"].as_array().unwrap().clone()
    }

    /// `method path` with this body and Content-Type (none when `None`).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        Answer::from(request.body(body.to_string()).send().await.unwrap()).await
    }

    /// `POST /api/v1/livechat/visitor` with `{"visitor": visitor}`.
    pub async fn register(&self, visitor: Value) -> Answer {
        self.send(
            reqwest::Method::POST,
            "/api/v1/livechat/visitor",
            Some("application/json"),
            &json!({ "visitor": visitor }).to_string(),
        )
        .await
    }

    /// `POST /api/v1/login` with this JSON body.
    pub async fn login(&self, body: Value) -> Answer {
        self.post_json("/api/v1/login", &body.to_string()).await
    }

    /// `GET /api/v1/livechat/visitor/{token}`.
    pub async fn visitor_by_token(&self, token: &str) -> Answer {
        self.get(&format!("/api/v1/livechat/visitor/{token}")).await
    }

    /// `DELETE /api/v1/livechat/visitor/{token}`.
    pub async fn delete_visitor(&self, token: &str) -> Answer {
        self.delete(&format!("/api/v1/livechat/visitor/{token}"))
            .await
    }

    /// `GET /api/v1/me`, as `user` when given.
    pub async fn me(&self, user: Option<(&str, &str)>) -> Answer {
        let mut request = self.client.get(self.url("/api/v1/me"));
        if let Some((id, token)) = user {
            request = request
                .header("X-User-Id", id)
                .header("X-Auth-Token", token);
        }
        Answer::from(request.send().await.expect("the request is answered")).await
    }

    /// `POST /api/v1/logout` as `user`.
    pub async fn logout(&self, user: (&str, &str)) -> Answer {
        let request = self
            .client
            .post(self.url("/api/v1/logout"))
            .header("X-User-Id", user.0)
            .header("X-Auth-Token", user.1);
        Answer::from(request.send().await.expect("the request is answered")).await
    }

    /// Sends raw bytes and returns everything the server sends back until it closes.
    pub async fn raw(&self, request: &str) -> String {
        let mut stream = TcpStream::connect(self.server.address())
            .await
            .expect("connects");
        stream.write_all(request.as_bytes()).await.expect("writes");
        let mut out = Vec::new();
        stream.read_to_end(&mut out).await.expect("reads");
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// Status, headers and exact body bytes of one response.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub async fn from(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.expect("a body");
        Answer {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
    }

    /// The header names, in order, minus `date` (which changes every second).
    pub fn header_names(&self) -> Vec<&str> {
        self.headers
            .keys()
            .map(|k| k.as_str())
            .filter(|k| *k != "date")
            .collect()
    }
}

/// A scratch directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "lcm-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("creates a temp dir");
        TempDir(dir)
    }

    pub fn write(&self, name: &str, text: &str) -> &Self {
        std::fs::write(self.0.join(name), text).expect("writes a file");
        self
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The repository's own directory (for the bundled fixtures and schemas as files).
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Copies a repository directory's files into a new temp dir.
pub fn copy_of(dir: &str, tag: &str) -> TempDir {
    let copy = TempDir::new(tag);
    for entry in std::fs::read_dir(repo(dir)).expect("reads the dir") {
        let entry = entry.expect("an entry");
        std::fs::copy(entry.path(), copy.path().join(entry.file_name())).expect("copies");
    }
    copy
}

/// The binary, started with `args`, stdout and stderr piped.
pub fn binary(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_livechat-mock"));
    command
        .args(args)
        .env("RUST_LOG", "info")
        .env_remove("LIVECHAT_MOCK_PORT")
        .env_remove("LIVECHAT_MOCK_HOST")
        .env_remove("LIVECHAT_MOCK_FIXTURES")
        .env_remove("LIVECHAT_MOCK_SCHEMAS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Starts the binary on a free port and returns it with the base URI from its one stdout line.
pub async fn start_binary(args: &[&str]) -> (Child, String) {
    let mut all = vec!["--port", "0"];
    all.extend_from_slice(args);
    let mut child = binary(&all).spawn().expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .expect("reads the first line");
    let uri = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    (child, uri)
}

/// Sends SIGTERM to a child process.
pub fn terminate(child: &Child) {
    let pid = child.id().expect("the child is running");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Sends SIGTERM, waits for the exit, and returns everything the child wrote to stderr.
pub async fn stop_and_read_stderr(child: &mut Child) -> String {
    terminate(child);
    child.wait().await.expect("the child exits");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr is piped")
        .read_to_string(&mut stderr)
        .await
        .expect("reads stderr");
    stderr
}

/// How many visitors the mock at `uri` holds (its `/_mock/health`).
pub async fn visitor_count(uri: &str) -> u64 {
    let health: serde_json::Value = reqwest::get(format!("{uri}/_mock/health"))
        .await
        .expect("health answers")
        .json()
        .await
        .expect("health is JSON");
    health["visitors"].as_u64().expect("a count")
}
