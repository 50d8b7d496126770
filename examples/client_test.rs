//! A downstream client's flow against the mock: log in, register a visitor, read it back with
//! visitors.info, then see the 401 screen once. Each step is checked: the example exits
//! non-zero, naming the step, when the mock answers otherwise.
//!
//! Run with `cargo run --example client_test`.

use livechat_mock::{MockServer, OutcomeId};
use serde_json::{Value, json};

/// Stops the example with the step that went wrong.
fn check(ok: bool, step: &str, got: &dyn std::fmt::Debug) -> Result<(), String> {
    if ok {
        println!("ok: {step}");
        Ok(())
    } else {
        Err(format!("FAILED: {step}: got {got:?}"))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = MockServer::builder().start().await?;
    let base = server.uri();
    let http = reqwest::Client::new();

    // JSON bodies need their Content-Type: Rocket.Chat reads a body without it as a text.
    let login: Value = http
        .post(format!("{base}/api/v1/login"))
        .header("Content-Type", "application/json")
        .body(json!({"user": "agent.alice", "password": "alice-agent-pass"}).to_string())
        .send()
        .await?
        .json()
        .await?;
    let user_id = login["data"]["userId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let token = login["data"]["authToken"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    check(
        login["status"] == "success" && !token.is_empty(),
        &format!("logged in as {user_id}"),
        &login,
    )?;

    let registered: Value = http
        .post(format!("{base}/api/v1/livechat/visitor"))
        .header("Content-Type", "application/json")
        .body(
            json!({"visitor": {"token": "example-visitor-token", "name": "Example Visitor"}})
                .to_string(),
        )
        .send()
        .await?
        .json()
        .await?;
    let visitor_id = registered["visitor"]["_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    check(
        registered["success"] == true && !visitor_id.is_empty(),
        &format!("registered visitor {visitor_id}"),
        &registered,
    )?;

    let info = |http: reqwest::Client| {
        let url = format!("{base}/api/v1/livechat/visitors.info?visitorId={visitor_id}");
        let (user_id, token) = (user_id.clone(), token.clone());
        async move {
            let response = http
                .get(url)
                .header("X-User-Id", user_id)
                .header("X-Auth-Token", token)
                .send()
                .await?;
            Ok::<_, reqwest::Error>((response.status().as_u16(), response.text().await?))
        }
    };
    let found = info(http.clone()).await?;
    check(
        found.0 == 200 && found.1.contains("Example Visitor"),
        "visitors.info finds the registered visitor",
        &found,
    )?;

    server.set_outcome(OutcomeId::NotLoggedIn, Some(1))?;
    let forced = info(http.clone()).await?;
    check(forced.0 == 401, "a forced 401 once", &forced)?;
    let after = info(http).await?;
    check(after.0 == 200, "and the next answer is 200 again", &after.0)?;
    let seen = server.requests().len();
    check(seen == 5, &format!("the mock saw {seen} requests"), &seen)?;
    Ok(())
}
