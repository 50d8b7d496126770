//! A downstream client's flow against the mock: log in, register a visitor, read it back with
//! visitors.info, then see the 401 screen once.
//!
//! Run with `cargo run --example client_test`.

use livechat_mock::{MockServer, OutcomeId};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = MockServer::builder().start().await?;
    let base = server.uri();
    let http = reqwest::Client::new();

    let login: Value = http
        .post(format!("{base}/api/v1/login"))
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
    println!("logged in as {user_id}");

    let registered: Value = http
        .post(format!("{base}/api/v1/livechat/visitor"))
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
    println!("registered visitor {visitor_id}");

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
    println!("visitors.info: {:?}", info(http.clone()).await?);

    server.set_outcome(OutcomeId::NotLoggedIn, Some(1))?;
    println!(
        "visitors.info with a forced 401: {:?}",
        info(http.clone()).await?
    );
    println!("and after: {:?}", info(http).await?.0);
    println!("the mock saw {} requests", server.requests().len());
    Ok(())
}
