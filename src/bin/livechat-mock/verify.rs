//! `livechat-mock verify`: hold a real Rocket.Chat server to this mock's contract, and
//! `livechat-mock record`: write fixtures from a real server's visitors.
//!
//! verify registers one visitor through the public API, sends every case of visitors.info it can
//! provoke that way (and the companions on the way), asks a mock of the same version, in the
//! same state, the same things, compares the answers (`compare.rs`), and deletes the visitor at
//! the end: also when a case fails, and on Ctrl-C. It changes nothing else on the server.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use livechat_mock::{CHANGES, Config, Error, FixtureSource, MockServer, RateLimit, Version};
use serde_json::{Value, json};

use crate::cli::{RecordArgs, Target, VerifyArgs};
use crate::compare::{Answer, differences};

/// Exit codes: every case matched; some differed; the target could not be reached; the
/// credentials were refused; the target or an option is not usable.
pub const MATCHED: u8 = 0;
pub const DIFFERED: u8 = 1;
pub const UNREACHABLE: u8 = 3;
pub const REFUSED: u8 = 4;
pub const UNUSABLE: u8 = 2;

const INFO: &str = "/api/v1/livechat/visitors.info";
const VISITOR: &str = "/api/v1/livechat/visitor";

/// One request, as both sides get it.
#[derive(Debug, Clone)]
struct Req {
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    json: Option<Value>,
}

impl Req {
    fn get(path: impl Into<String>) -> Req {
        Req {
            method: "GET",
            path: path.into(),
            headers: Vec::new(),
            json: None,
        }
    }

    fn method(mut self, method: &'static str) -> Req {
        self.method = method;
        self
    }

    fn header(mut self, name: &'static str, value: &str) -> Req {
        self.headers.push((name, value.to_string()));
        self
    }

    fn json(mut self, body: Value) -> Req {
        self.json = Some(body);
        self
    }

    /// The route the server's rate limiter counts this on.
    fn route(&self) -> String {
        let path = self.path.split('?').next().unwrap_or_default();
        format!("{} {path}", self.method)
    }
}

/// Why a request got no answer.
#[derive(Debug)]
enum Failure {
    Unreachable(String),
}

/// An HTTP client with manners: paced, waiting out the server's rate-limit windows, with a
/// timeout.
struct Client {
    agent: ureq::Agent,
    base: String,
    /// `base` as printed: without any `user:password@`.
    shown_base: String,
    /// What is cut out of every answer before anything reads it (the auth token, the URL's
    /// password): a target that echoes request headers must not make verify or record print or
    /// write them.
    secrets: Vec<String>,
    gap: Duration,
    last: Option<Instant>,
    /// Route → when its rate-limit window ends (the server said none was left).
    windows: std::collections::HashMap<String, Instant>,
    /// Whether to wait out exhausted windows (not for the 429 case).
    mannerly: bool,
    /// Set by Ctrl-C: a wait for a rate-limit window stops at the next step.
    interrupted: Arc<AtomicBool>,
}

impl Client {
    fn new(base: &str, target: &Target, paced: bool) -> Result<Client, String> {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_millis(target.timeout_ms.max(1))))
            .max_redirects(0);
        if let Some(file) = &target.ca_cert {
            let pem = std::fs::read(file)
                .map_err(|e| format!("{}: cannot read the CA file: {e}", file.display()))?;
            let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(format!("{}: no certificate in the file", file.display()));
            }
            config = config.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::Specific(Arc::new(certs)))
                    .build(),
            );
        }
        let mut secrets = vec![target.auth_token.clone()];
        if let Some(password) = url_password(base) {
            secrets.push(password);
        }
        secrets.retain(|s| s.len() >= 4);
        Ok(Client {
            agent: config.build().into(),
            base: base.trim_end_matches('/').to_string(),
            shown_base: shown_url(base.trim_end_matches('/')),
            secrets,
            gap: if paced {
                Duration::from_millis(1000 / u64::from(target.rate.max(1)))
            } else {
                Duration::ZERO
            },
            last: None,
            windows: std::collections::HashMap::new(),
            mannerly: true,
            interrupted: Arc::new(AtomicBool::new(false)),
        })
    }

    fn send(&mut self, req: &Req) -> Result<Answer, Failure> {
        if let Some(last) = self.last {
            let due = last + self.gap;
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        if self.mannerly
            && let Some(until) = self.windows.get(&req.route()).copied()
        {
            let now = Instant::now();
            if until > now {
                let wait = (until - now).min(Duration::from_secs(70));
                eprintln!(
                    "waiting {} s for the server's rate-limit window on {}",
                    wait.as_secs(),
                    req.route()
                );
                // In steps, so Ctrl-C is heard within a tenth of a second, not after 70 s.
                let until = Instant::now() + wait;
                while Instant::now() < until && !self.interrupted.load(Ordering::SeqCst) {
                    std::thread::sleep((until - Instant::now()).min(Duration::from_millis(100)));
                }
            }
        }
        let url = format!("{}{}", self.base, req.path);
        let mut builder = ureq::http::Request::builder().method(req.method).uri(&url);
        for (name, value) in &req.headers {
            builder = builder.header(*name, value.as_str());
        }
        let body = req.json.as_ref().map(Value::to_string);
        if body.is_some() {
            builder = builder.header("Content-Type", "application/json");
        }
        let request = builder
            .body(body.unwrap_or_default())
            .map_err(|e| Failure::Unreachable(format!("{}{}: {e}", self.shown_base, req.path)))?;
        self.last = Some(Instant::now());
        let mut response = self
            .agent
            .run(request)
            .map_err(|e| Failure::Unreachable(format!("{}: {e}", self.shown_base)))?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        if req.method != "HEAD" {
            response
                .body_mut()
                .as_reader()
                .take(4 * 1024 * 1024)
                .read_to_end(&mut body)
                .map_err(|e| Failure::Unreachable(format!("{}: {e}", self.shown_base)))?;
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        if let (Some(remaining), Some(reset)) = (
            header("x-ratelimit-remaining"),
            header("x-ratelimit-reset").and_then(|r| r.parse::<u64>().ok()),
        ) && remaining.trim() == "0"
        {
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            let wait = Duration::from_millis(reset.saturating_sub(now_ms));
            self.windows.insert(req.route(), Instant::now() + wait);
        }
        let scrub = |text: &str| -> String {
            self.secrets.iter().fold(text.to_string(), |t, secret| {
                t.replace(secret.as_str(), &redact_secret(secret))
            })
        };
        let headers = headers
            .into_iter()
            .map(|(name, value)| (name, scrub(&value)))
            .collect();
        let body = if self
            .secrets
            .iter()
            .any(|secret| body.windows(secret.len()).any(|w| w == secret.as_bytes()))
        {
            scrub(&String::from_utf8_lossy(&body)).into_bytes()
        } else {
            body
        };
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

/// `…` and the last four characters: what the journal shows of a secret.
fn redact_secret(secret: &str) -> String {
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}

/// The password of a `scheme://user:password@host/…` URL.
fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    Some(
        userinfo
            .split_once(':')
            .map_or(userinfo, |(_, p)| p)
            .to_string(),
    )
}

/// A URL as printed: any `user:password@` removed.
pub(crate) fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://{host}{tail}"),
        None => url.to_string(),
    }
}

/// One case's result.
#[derive(Debug, Clone)]
struct Outcome {
    name: String,
    /// For each version compared: its differences.
    differences: Vec<(Version, Vec<String>)>,
    got_status: Option<u16>,
}

/// The reference mocks, one per version compared, each holding the same users as the target.
struct References {
    mocks: Vec<(Version, MockServer, Client)>,
}

fn reference_config(args: &VerifyArgs, version: Version, rate_limit: Option<RateLimit>) -> Config {
    let mut users = vec![json!({
        "_id": args.target.user_id,
        "username": "verify.agent",
        "authToken": args.target.auth_token,
        "roles": ["livechat-agent"],
    })];
    if let (Some(id), Some(token)) = (&args.unprivileged_user_id, &args.unprivileged_auth_token) {
        users.push(
            json!({"_id": id, "username": "verify.user", "authToken": token, "roles": ["user"]}),
        );
    }
    Config {
        host: "127.0.0.1".into(),
        port: 0,
        api_version: version,
        cors: match &args.cors {
            crate::cli::CorsSetting::Fixed(cors) => cors.clone(),
            crate::cli::CorsSetting::Auto => livechat_mock::Cors::Off,
        },
        rate_limit,
        fixtures: FixtureSource::Inline {
            visitors: json!([]),
            users: Value::Array(users),
            permissions: None,
        },
        ..Config::default()
    }
}

/// Whether the target may be spoken to: https, or http to this machine, or `--allow-http`.
fn check_target(target: &Target) -> Result<(), String> {
    let shown = shown_url(&target.target);
    let url = shown.as_str();
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        return if rest.is_empty() {
            Err(format!("--target {url:?} names no host"))
        } else {
            Ok(())
        };
    } else if let Some(rest) = url.strip_prefix("http://") {
        rest
    } else {
        return Err(format!(
            "--target {url:?} must start with https:// (or http:// for this machine)"
        ));
    };
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = host
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback || target.allow_http {
        Ok(())
    } else {
        Err(format!(
            "--target {url:?} is plain http to another machine: tokens would cross the network in clear; use https, or --allow-http if you mean it"
        ))
    }
}

/// The versions `--detect-version` tells apart: each release of the version table, and the
/// default.
fn candidate_versions() -> Vec<Version> {
    let mut versions: Vec<Version> = CHANGES.iter().map(|c| c.since).collect();
    versions.push(Version::DEFAULT);
    versions.push("7.0.0".parse().unwrap_or_default());
    versions.sort();
    versions.dedup();
    versions
}

/// Runs `livechat-mock verify`; returns the exit code.
pub async fn verify(mut args: VerifyArgs) -> Result<u8, Error> {
    if let Err(message) = check_target(&args.target) {
        eprintln!("error: {message}");
        return Ok(UNUSABLE);
    }
    if args.cors == crate::cli::CorsSetting::Auto {
        let probe_args = args.clone();
        let detected = tokio::task::spawn_blocking(move || detect_cors(&probe_args))
            .await
            .ok()
            .flatten();
        if let Some((cors, shown)) = detected {
            eprintln!("CORS: the target's preflight says {shown} (--cors insists on another)");
            args.cors = crate::cli::CorsSetting::Fixed(cors);
        }
    }
    let versions = if args.detect_version {
        candidate_versions()
    } else {
        vec![args.api_version.unwrap_or_default()]
    };
    let mut references = References { mocks: Vec::new() };
    for &version in &versions {
        let mock = MockServer::start(reference_config(&args, version, None)).await?;
        let client = Client::new(&mock.uri(), &args.target, false).map_err(Error::Config)?;
        references.mocks.push((version, mock, client));
    }
    let mut target = match Client::new(&args.target.target, &args.target, true) {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(UNUSABLE);
        }
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    target.interrupted = interrupted.clone();
    {
        let interrupted = interrupted.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, Ordering::SeqCst);
            }
        });
    }
    let args_for_run = args.clone();
    let run = tokio::task::spawn_blocking(move || {
        run_cases(&args_for_run, target, &mut references, &interrupted)
    })
    .await
    .map_err(|e| Error::Config(format!("the verification stopped: {e}")))?;
    let (outcomes, code) = match run {
        Ok(done) => done,
        Err(code) => return Ok(code),
    };
    report(&args, &versions, &outcomes)?;
    Ok(code)
}

/// The cases, in order, with the clean-up at the end whatever happens.
fn run_cases(
    args: &VerifyArgs,
    mut target: Client,
    references: &mut References,
    interrupted: &AtomicBool,
) -> Result<(Vec<Outcome>, u8), u8> {
    let user = (
        args.target.user_id.as_str(),
        args.target.auth_token.as_str(),
    );
    let token = format!("livechat-mock-verify-{:016x}", rand::random::<u64>());
    let register_body = json!({"visitor": {"token": token, "name": "livechat-mock verify"}});
    let mut outcomes = Vec::new();

    // Register on the target first: without it nothing else can be compared.
    let register = Req::get(VISITOR).method("POST").json(register_body.clone());
    let registered = match target.send(&register) {
        Ok(answer) => answer,
        Err(Failure::Unreachable(why)) => {
            eprintln!("error: cannot reach the target: {why}");
            // The registration may have landed although its answer did not (a timeout): try
            // the DELETE all the same.
            remove_or_warn(&mut target, &token);
            return Err(UNREACHABLE);
        }
    };
    let visitor: Option<Value> = serde_json::from_slice::<Value>(&registered.body)
        .ok()
        .and_then(|mut b| b.get_mut("visitor").map(Value::take))
        .filter(|_| registered.status == 200);
    let visitor_id = visitor
        .as_ref()
        .and_then(|v| v.get("_id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    // The same state on every reference: the target's visitor, as it stores it.
    for (version, mock, client) in references.mocks.iter_mut() {
        let answer = client.send(&register).ok();
        let mut outcome_diffs = Vec::new();
        if let Some(answer) = &answer {
            outcome_diffs = differences(&without_ip(answer), &without_ip(&registered));
        }
        if let (Some(doc), Some(id)) = (&visitor, &visitor_id) {
            let mut doc = doc.clone();
            if doc.get("token").is_none() {
                if let Some(obj) = doc.as_object_mut() {
                    obj.insert("token".into(), json!(token));
                }
            }
            // the mock's own registration of the same token goes, the target's document stays
            if let Some(own) = answer
                .as_ref()
                .and_then(|a| serde_json::from_slice::<Value>(&a.body).ok())
                .and_then(|b| b["visitor"]["_id"].as_str().map(str::to_string))
            {
                let _ = mock.delete_visitor(&own);
            }
            let _ = mock.put_visitor(id, doc);
        }
        record_diff(
            &mut outcomes,
            "register a visitor (POST /api/v1/livechat/visitor)",
            version,
            outcome_diffs,
            registered.status,
        );
    }

    let outcome_cases = cases(args, user, visitor_id.as_deref(), &token);
    let mut credentials_refused = false;
    let mut stopped = false;
    for (name, req) in outcome_cases {
        if interrupted.load(Ordering::SeqCst) {
            stopped = true;
            break;
        }
        let got = match target.send(&req) {
            Ok(answer) => answer,
            Err(Failure::Unreachable(why)) => {
                eprintln!("error: the target stopped answering: {why}");
                remove_or_warn(&mut target, &token);
                return Err(UNREACHABLE);
            }
        };
        if name.starts_with("200 ") && got.status == 401 {
            credentials_refused = true;
        }
        for (version, _, client) in references.mocks.iter_mut() {
            let expected = match client.send(&req) {
                Ok(answer) => answer,
                Err(_) => continue,
            };
            record_diff(
                &mut outcomes,
                &name,
                version,
                differences(&expected, &got),
                got.status,
            );
        }
    }

    if args.include_rate_limit && !stopped {
        rate_limit_case(
            args,
            &mut target,
            references,
            &mut outcomes,
            user,
            visitor_id.as_deref(),
        );
    }

    // Clean-up, and the companions it uses: DELETE, then the token is gone.
    let mut remains = false;
    let delete = Req::get(format!("{VISITOR}/{token}")).method("DELETE");
    let after = Req::get(format!("{VISITOR}/{token}"));
    for (name, req) in [
        (
            "delete the visitor (DELETE /api/v1/livechat/visitor/{token})",
            &delete,
        ),
        (
            "the visitor is gone (GET /api/v1/livechat/visitor/{token})",
            &after,
        ),
    ] {
        let Ok(got) = target.send(req) else {
            warn_remains(&token);
            remains = true;
            break;
        };
        if std::ptr::eq(req, &delete) && got.status != 200 {
            warn_remains(&token);
            remains = true;
        }
        for (version, _, client) in references.mocks.iter_mut() {
            if let Ok(expected) = client.send(req) {
                record_diff(
                    &mut outcomes,
                    name,
                    version,
                    differences(&expected, &got),
                    got.status,
                );
            }
        }
    }
    if stopped {
        if !remains {
            eprintln!("interrupted: the visitor was removed from the target");
        }
        return Err(130);
    }
    if remains {
        return Err(DIFFERED);
    }
    if credentials_refused {
        eprintln!(
            "error: the target refused the credentials of --user-id (401 where a logged-in agent gets 200)"
        );
        return Err(REFUSED);
    }
    let matched = if args.detect_version {
        detect(&outcomes).is_some_and(|(_, mismatches)| mismatches == 0)
    } else {
        outcomes
            .iter()
            .all(|o| o.differences.iter().all(|(_, d)| d.is_empty()))
    };
    let code = if matched { MATCHED } else { DIFFERED };
    Ok((outcomes, code))
}

fn without_ip(answer: &Answer) -> Answer {
    // `ip` depends on the proxy in front of the server (X-Real-IP), not on the contract.
    let mut answer = answer.clone();
    if let Ok(mut body) = serde_json::from_slice::<Value>(&answer.body) {
        if let Some(visitor) = body.get_mut("visitor").and_then(Value::as_object_mut) {
            visitor.shift_remove("ip");
        }
        answer.body = body.to_string().into_bytes();
    }
    answer
}

fn record_diff(
    outcomes: &mut Vec<Outcome>,
    name: &str,
    version: &Version,
    diffs: Vec<String>,
    got: u16,
) {
    match outcomes.iter_mut().find(|o| o.name == name) {
        Some(outcome) => outcome.differences.push((*version, diffs)),
        None => outcomes.push(Outcome {
            name: name.to_string(),
            differences: vec![(*version, diffs)],
            got_status: Some(got),
        }),
    }
}

/// Every version the cases were compared against, oldest first, each once.
fn versions_compared(outcomes: &[Outcome]) -> Vec<Version> {
    let mut versions: Vec<Version> = outcomes
        .iter()
        .flat_map(|o| o.differences.iter().map(|(v, _)| *v))
        .collect();
    versions.sort();
    versions.dedup();
    versions
}

/// The versions tied with the best one: releases these cases cannot tell apart.
fn tied(outcomes: &[Outcome], best: Version) -> Vec<Version> {
    let verdicts = |v: Version| -> Vec<bool> {
        outcomes
            .iter()
            .map(|o| o.differences.iter().any(|(ov, d)| *ov == v && d.is_empty()))
            .collect()
    };
    versions_compared(outcomes)
        .into_iter()
        .filter(|v| verdicts(*v) == verdicts(best))
        .collect()
}

/// The version the target behaves like: fewest cases differing (ties: the newest).
fn detect(outcomes: &[Outcome]) -> Option<(Version, usize)> {
    versions_compared(outcomes)
        .into_iter()
        .map(|v| {
            let mismatches = outcomes
                .iter()
                .filter(|o| {
                    o.differences
                        .iter()
                        .any(|(ov, d)| *ov == v && !d.is_empty())
                })
                .count();
            (v, mismatches)
        })
        .min_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
}

/// Every case of visitors.info the public API can provoke, and its route's neighbours.
fn cases(
    args: &VerifyArgs,
    user: (&str, &str),
    visitor_id: Option<&str>,
    token: &str,
) -> Vec<(String, Req)> {
    let authed = |query: &str| {
        Req::get(format!("{INFO}{query}"))
            .header("X-User-Id", user.0)
            .header("X-Auth-Token", user.1)
    };
    let id = visitor_id.unwrap_or("000000000000000000000000");
    let mut cases = vec![
        (
            "visitor by token (GET /api/v1/livechat/visitor/{token})".to_string(),
            Req::get(format!("{VISITOR}/{token}")),
        ),
        (
            "401 without credentials".into(),
            Req::get(format!("{INFO}?visitorId={id}")),
        ),
        (
            "401 with X-User-Id only".into(),
            Req::get(format!("{INFO}?visitorId={id}")).header("X-User-Id", user.0),
        ),
        (
            "401 with a wrong token".into(),
            Req::get(format!("{INFO}?visitorId={id}"))
                .header("X-User-Id", user.0)
                .header(
                    "X-Auth-Token",
                    "livechat-mock-verify-wrong-token-00000000000",
                ),
        ),
    ];
    if let (Some(uid), Some(utoken)) = (&args.unprivileged_user_id, &args.unprivileged_auth_token) {
        cases.push((
            "403 without view-l-room".into(),
            Req::get(format!("{INFO}?visitorId={id}"))
                .header("X-User-Id", uid)
                .header("X-Auth-Token", utoken),
        ));
        // 8.0.0 moved the permission check before the parameters'.
        cases.push((
            "403 before the parameters (no view-l-room, no visitorId)".into(),
            Req::get(INFO.to_string())
                .header("X-User-Id", uid)
                .header("X-Auth-Token", utoken),
        ));
    }
    cases.extend([
        ("400 missing visitorId".into(), authed("")),
        (
            "400 an extra key".into(),
            authed(&format!("?visitorId={id}&count=1")),
        ),
        (
            "400 visitorId repeated".into(),
            authed(&format!("?visitorId={id}&visitorId={id}")),
        ),
        (
            "400 visitorId as an object".into(),
            authed(&format!("?visitorId[k]={id}")),
        ),
        // 8.6.0 takes an array of one string as that string.
        (
            "visitorId as an array of one string".into(),
            authed(&format!("?visitorId[]={id}")),
        ),
        (
            "400 visitor-not-found (unknown id)".into(),
            authed("?visitorId=000000000000000000000000"),
        ),
        (
            "400 visitor-not-found (empty id)".into(),
            authed("?visitorId="),
        ),
        (
            "200 the registered visitor".into(),
            authed(&format!("?visitorId={id}")),
        ),
        (
            "HEAD the registered visitor".into(),
            authed(&format!("?visitorId={id}")).method("HEAD"),
        ),
        (
            "CORS preflight with an Origin".into(),
            Req::get(INFO.to_string())
                .method("OPTIONS")
                .header("Origin", "http://localhost:5173")
                .header("Access-Control-Request-Method", "GET"),
        ),
        (
            "404 a trailing slash".into(),
            Req::get(format!("{INFO}/?visitorId={id}")),
        ),
        (
            "404 POST on the path".into(),
            authed(&format!("?visitorId={id}"))
                .method("POST")
                .json(json!({})),
        ),
    ]);
    cases
}

/// Spends the target's window on visitors.info (only with `--include-rate-limit`).
fn rate_limit_case(
    args: &VerifyArgs,
    target: &mut Client,
    references: &mut References,
    outcomes: &mut Vec<Outcome>,
    user: (&str, &str),
    visitor_id: Option<&str>,
) {
    let req = Req::get(format!(
        "{INFO}?visitorId={}",
        visitor_id.unwrap_or("000000000000000000000000")
    ))
    .header("X-User-Id", user.0)
    .header("X-Auth-Token", user.1);
    target.mannerly = false;
    let mut got = None;
    for _ in 0..50 {
        match target.send(&req) {
            Ok(answer) if answer.status == 429 => {
                got = Some(answer);
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    target.mannerly = true;
    let Some(got) = got else {
        record_diff(
            outcomes,
            "429 past the rate limit",
            &Version::DEFAULT,
            vec!["no 429 within 50 calls: is the server's rate limiter on?".into()],
            0,
        );
        return;
    };
    for (version, _, _) in references.mocks.iter() {
        let expected = (|| {
            let runtime = tokio::runtime::Handle::current();
            let mock = runtime
                .block_on(MockServer::start(reference_config(
                    args,
                    *version,
                    Some(RateLimit::REAL_DEFAULT),
                )))
                .ok()?;
            let mut client = Client::new(&mock.uri(), &args.target, false).ok()?;
            let mut last = None;
            for _ in 0..50 {
                let answer = client.send(&req).ok()?;
                let limited = answer.status == 429;
                last = Some(answer);
                if limited {
                    break;
                }
            }
            last
        })();
        if let Some(expected) = expected {
            record_diff(
                outcomes,
                "429 past the rate limit",
                version,
                differences(&expected, &got),
                got.status,
            );
        }
    }
}

/// Removes the visitor from the target (best effort, for the early exits).
/// Tries the DELETE of the visitor verify registered; says so when it may remain.
fn remove_or_warn(target: &mut Client, token: &str) {
    let removed = target
        .send(&Req::get(format!("{VISITOR}/{token}")).method("DELETE"))
        .is_ok_and(|answer| answer.status == 200);
    if !removed {
        warn_remains(token);
    }
}

fn warn_remains(token: &str) {
    eprintln!(
        "warning: visitor …{} may remain on the target (its DELETE did not answer 200); remove it with DELETE /api/v1/livechat/visitor/{{token}}",
        &token[token.len() - 4..]
    );
}

fn report(args: &VerifyArgs, versions: &[Version], outcomes: &[Outcome]) -> Result<(), Error> {
    let detected = if args.detect_version {
        detect(outcomes)
    } else {
        None
    };
    let shown_version = detected.map_or(versions[0], |(v, _)| v);
    let diffs_for = |o: &Outcome| -> Vec<String> {
        o.differences
            .iter()
            .find(|(v, _)| *v == shown_version)
            .map(|(_, d)| d.clone())
            .unwrap_or_default()
    };
    match args.format {
        crate::cli::LogFormat::Json => {
            let cases: Vec<Value> = outcomes
                .iter()
                .map(|o| json!({"case": o.name, "status": o.got_status, "matched": diffs_for(o).is_empty(), "differences": diffs_for(o)}))
                .collect();
            let mut out = json!({"target": shown_url(&args.target.target), "version": shown_version.to_string(), "cases": cases});
            if let Some((v, mismatches)) = detected {
                out["behaves_like"] = json!(v.to_string());
                out["alike"] = json!(
                    tied(outcomes, v)
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                );
                out["mismatches"] = json!(mismatches);
            }
            println!("{out}");
        }
        crate::cli::LogFormat::Text => {
            println!(
                "verifying {} against livechat-mock {shown_version}",
                shown_url(&args.target.target)
            );
            for o in outcomes {
                let d = diffs_for(o);
                if d.is_empty() {
                    println!("  ok    {}", o.name);
                } else {
                    println!("  DIFF  {}", o.name);
                    for line in d {
                        println!("          {line}");
                    }
                }
            }
            let failed = outcomes.iter().filter(|o| !diffs_for(o).is_empty()).count();
            println!(
                "{} of {} cases match",
                outcomes.len() - failed,
                outcomes.len()
            );
            if let Some((v, mismatches)) = detected {
                let deciding: Vec<&str> = outcomes
                    .iter()
                    .filter(|o| {
                        let results: Vec<bool> =
                            o.differences.iter().map(|(_, d)| d.is_empty()).collect();
                        results.iter().any(|r| *r) && results.iter().any(|r| !*r)
                    })
                    .map(|o| o.name.as_str())
                    .collect();
                let alike = tied(outcomes, v);
                let alike = if alike.len() > 1 {
                    format!(
                        " (as do {}: these cases cannot tell them apart)",
                        alike
                            .iter()
                            .filter(|a| **a != v)
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                } else {
                    String::new()
                };
                println!(
                    "behaves like {v}{alike}; {mismatches} cases differ from it; the cases that decided it: {}",
                    if deciding.is_empty() {
                        "none (every release answers these alike)".to_string()
                    } else {
                        deciding.join("; ")
                    }
                );
            }
        }
    }
    if let Some(file) = &args.junit {
        write_junit(file, &shown_url(&args.target.target), outcomes, &diffs_for)?;
    }
    Ok(())
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn write_junit(
    file: &Path,
    target: &str,
    outcomes: &[Outcome],
    diffs_for: &dyn Fn(&Outcome) -> Vec<String>,
) -> Result<(), Error> {
    let failures = outcomes.iter().filter(|o| !diffs_for(o).is_empty()).count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"livechat-mock verify {}\" tests=\"{}\" failures=\"{failures}\">\n",
        xml(target),
        outcomes.len()
    );
    for o in outcomes {
        out.push_str(&format!(
            "<testcase classname=\"visitors.info\" name=\"{}\">",
            xml(&o.name)
        ));
        let d = diffs_for(o);
        if !d.is_empty() {
            out.push_str(&format!(
                "<failure message=\"{}\">{}</failure>",
                xml(&d[0]),
                xml(&d.join("\n"))
            ));
        }
        out.push_str("</testcase>\n");
    }
    out.push_str("</testsuite>\n</testsuites>\n");
    std::fs::write(file, out).map_err(|source| Error::Write { source })
}

/// Runs `livechat-mock record`; returns the exit code.
pub fn record(args: RecordArgs) -> Result<u8, Error> {
    if let Err(message) = check_target(&args.target) {
        eprintln!("error: {message}");
        return Ok(UNUSABLE);
    }
    let mut client = match Client::new(&args.target.target, &args.target, true) {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(UNUSABLE);
        }
    };
    let user = (&args.target.user_id, &args.target.auth_token);
    let mut visitors = Vec::new();
    let mut placeholders = 0;
    // One visitor once: a repeated id would write a set the mock refuses (duplicate `_id`).
    let mut ids: Vec<&String> = Vec::new();
    for id in &args.visitor_id {
        if ids.contains(&id) {
            eprintln!("warning: --visitor-id {id} given twice; recorded once");
        } else {
            ids.push(id);
        }
    }
    for (i, id) in ids.into_iter().enumerate() {
        // Encoded, so `a&visitorId=b` stays one id and `x#frag` is not cut at the `#`.
        let req = Req::get(format!("{INFO}?visitorId={}", encode_component(id)))
            .header("X-User-Id", user.0)
            .header("X-Auth-Token", user.1);
        let answer = match client.send(&req) {
            Ok(answer) => answer,
            Err(Failure::Unreachable(why)) => {
                eprintln!("error: cannot reach the target: {why}");
                return Ok(UNREACHABLE);
            }
        };
        if answer.status == 401 {
            eprintln!("error: the target refused the credentials of --user-id (401)");
            return Ok(REFUSED);
        }
        let body: Value = serde_json::from_slice(&answer.body).unwrap_or_default();
        let Some(mut visitor) = body
            .get("visitor")
            .filter(|v| v.is_object() && answer.status == 200)
            .cloned()
        else {
            eprintln!(
                "error: visitor {id}: {} {}",
                answer.status,
                crate::compare::excerpt(&String::from_utf8_lossy(&answer.body))
            );
            return Ok(DIFFERED);
        };
        if let Some(doc) = visitor.as_object_mut()
            && !doc.contains_key("token")
        {
            // 8.5.0 and later do not send the token: a placeholder keeps the fixture valid.
            let at = doc
                .keys()
                .position(|k| k == "_updatedAt")
                .map_or(doc.len(), |p| p + 1);
            doc.shift_insert(
                at.min(doc.len()),
                "token".into(),
                json!(format!("recorded-placeholder-token-{}", i + 1)),
            );
            placeholders += 1;
        }
        visitors.push(visitor);
    }
    let mut visitors_text = String::from("[");
    for (i, v) in visitors.iter().enumerate() {
        visitors_text.push_str(if i == 0 { "\n" } else { ",\n" });
        visitors_text.push_str(&v.to_string());
    }
    visitors_text.push_str("\n]\n");
    let placeholder_token = "recorded-placeholder-auth-token";
    let users = json!([{
        "_id": args.target.user_id,
        "username": "recorded.agent",
        "authToken": placeholder_token,
        "roles": ["livechat-agent"]
    }]);
    let users_text = format!("{users:#}\n");
    // Both files, checked as the mock will load them, then renamed into place together; never
    // through a link, never over an existing set without --force.
    let files: [(&str, &[u8]); 2] = [
        ("visitors.json", visitors_text.as_bytes()),
        ("users.json", users_text.as_bytes()),
    ];
    let written = livechat_mock::write_all_or_nothing(&args.out, &files, args.force, |staged| {
        let schemas = livechat_mock::SchemaSet::load(
            &livechat_mock::SchemaSource::Bundled,
            Version::default(),
        )
        .map_err(|e| e.to_string())?;
        livechat_mock::Fixtures::load(&FixtureSource::Dir(staged.to_path_buf()), &schemas)
            .map(|_| ())
            .map_err(|e| format!("the recorded set would not load, nothing was written: {e}"))
    });
    if let Err(err) = written {
        eprintln!("error: {err}");
        return Ok(UNUSABLE);
    }
    println!(
        "wrote {} visitors to {}",
        visitors.len(),
        args.out.join("visitors.json").display()
    );
    println!(
        "wrote users.json: user {} as a livechat agent, with the auth token placeholder {placeholder_token:?} (send it as X-Auth-Token to the mock; the real token is not written)",
        args.target.user_id
    );
    if placeholders > 0 {
        println!(
            "{placeholders} visitors had no token (the server is 8.5.0 or later, which does not send it): placeholder tokens recorded-placeholder-token-N were written"
        );
    }
    Ok(MATCHED)
}

/// `encodeURIComponent`: everything but `A–Z a–z 0–9 - _ . ! ~ * ' ( )` percent-encoded.
fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The target's CORS setting, read from its answer to the preflight the CORS case sends: 405
/// is `off`, `Access-Control-Allow-Origin: *` is `'*'`, the origin echoed back is a list
/// holding it, a 403 is a list without it.
fn detect_cors(args: &VerifyArgs) -> Option<(livechat_mock::Cors, String)> {
    use livechat_mock::Cors;
    let mut client = Client::new(&args.target.target, &args.target, false).ok()?;
    let origin = "http://localhost:5173";
    let answer = client
        .send(
            &Req::get(INFO.to_string())
                .method("OPTIONS")
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "GET"),
        )
        .ok()?;
    let allowed = answer
        .headers
        .iter()
        .find(|(name, _)| name == "access-control-allow-origin")
        .map(|(_, value)| value.clone());
    match (answer.status, allowed.as_deref()) {
        (405, _) => Some((Cors::Off, "off (405)".into())),
        (200, Some("*")) => Some((Cors::Any, "'*'".into())),
        (200, Some(echoed)) => Some((
            Cors::Origins(vec![echoed.to_lowercase()]),
            format!("a list holding {echoed}"),
        )),
        (403, _) => Some((
            Cors::Origins(vec!["http://origin-not-listed.invalid".into()]),
            format!("a list without {origin} (403)"),
        )),
        _ => None,
    }
}
