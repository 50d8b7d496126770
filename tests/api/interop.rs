//! Interop with contract-testing tools and pages (issue 24): per-override latency, preflights
//! that do not wait, and outcomes a page on another origin can choose.

use livechat_mock::Config;

use crate::helpers::*;

const FOUND: &str = "visitorId=6a22b1765528fa64dd29de70";

/// The journal's `delay_ms` of the last request.
fn last_delay(app: &TestApp) -> Option<u64> {
    app.server.requests().last().and_then(|e| e.delay_ms)
}

#[tokio::test]
async fn an_override_waits_its_own_delay_and_a_sequence_step_its_own() {
    let app = spawn_app().await;
    let set = app
        .client
        .put(app.url("/_mock/outcome"))
        .header("Content-Type", "application/json")
        .body(r#"[{"outcome":"forbidden","times":1,"delay_ms":120},{"outcome":"ok","times":1,"delay_ms":[10,40]},{"outcome":"ok","times":1}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200, "{}", set.text().await.unwrap());
    let started = std::time::Instant::now();
    assert_eq!(
        app.visitors_info(Some(AGENT), Some(FOUND)).await.status,
        403
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(120));
    assert_eq!(last_delay(&app), Some(120));
    assert_eq!(
        app.visitors_info(Some(AGENT), Some(FOUND)).await.status,
        200
    );
    let drawn = last_delay(&app).unwrap();
    assert!((10..=40).contains(&drawn), "{drawn}");
    app.visitors_info(Some(AGENT), Some(FOUND)).await;
    assert_eq!(
        last_delay(&app),
        None,
        "a step without delay_ms waits nothing"
    );
    let reversed = app
        .client
        .put(app.url("/_mock/outcome"))
        .header("Content-Type", "application/json")
        .body(r#"{"outcome":"ok","times":1,"delay_ms":[50,10]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(reversed.status(), 200, "the bounds in either order");
    app.visitors_info(Some(AGENT), Some(FOUND)).await;
    let drawn = last_delay(&app).unwrap();
    assert!((10..=50).contains(&drawn), "{drawn}");
    let refused = app
        .client
        .put(app.url("/_mock/outcome"))
        .header("Content-Type", "application/json")
        .body(r#"{"outcome":"ok","delay_ms":-1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422, "the schema's refusal");
}

#[tokio::test]
async fn latency_does_not_delay_a_preflight_unless_asked() {
    let preflight = |app: &TestApp| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url(PATH))
            .header("Origin", "http://localhost:5173")
            .header("Access-Control-Request-Method", "GET")
            .send()
    };
    let app = spawn_with(Config {
        latency: Some("200".parse().unwrap()),
        ..Config::default()
    })
    .await;
    assert_eq!(preflight(&app).await.unwrap().status(), 200);
    assert_eq!(last_delay(&app), None);
    app.visitors_info(Some(AGENT), Some(FOUND)).await;
    assert_eq!(last_delay(&app), Some(200));
    let asked = spawn_with(Config {
        latency: Some("200".parse().unwrap()),
        latency_preflight: true,
        ..Config::default()
    })
    .await;
    assert_eq!(preflight(&asked).await.unwrap().status(), 200);
    assert_eq!(last_delay(&asked), Some(200));
}

async fn state_change(app: &TestApp, body: &str) -> Answer {
    app.post_json("/_mock/provider-states", body).await
}

// Pact's state-change protocol: setup and teardown with params, the older body form, a list of
// the vocabulary, and an unknown state's 400 naming the known ones.
#[tokio::test]
async fn provider_states_set_up_and_tear_down_what_they_name() {
    let app = spawn_app().await;
    let id = "0123456789abcdef01234567";
    let setup = state_change(
        &app,
        &format!(r#"{{"action":"setup","state":"a visitor with id {id} exists","params":{{"name":"Pact Visitor"}}}}"#),
    )
    .await;
    assert_eq!(
        (setup.status, setup.body.as_str()),
        (200, format!(r#"{{"visitorId":"{id}"}}"#).as_str())
    );
    let found = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={id}")))
        .await;
    assert_eq!(found.status, 200);
    assert!(
        found.body.contains(r#""name":"Pact Visitor""#),
        "{}",
        found.body
    );
    let teardown = state_change(
        &app,
        &format!(r#"{{"action":"teardown","state":"a visitor with id {id} exists"}}"#),
    )
    .await;
    assert_eq!(teardown.status, 200);
    assert_eq!(
        app.visitors_info(Some(AGENT), Some(&format!("visitorId={id}")))
            .await
            .status,
        400,
        "teardown removed it"
    );

    // the older form: {"state": ..., "states": [...]}
    let lacks = state_change(
        &app,
        &format!(r#"{{"consumer":"c","state":"the user {} lacks view-l-room","states":["the user {} lacks view-l-room"]}}"#, AGENT.0, AGENT.0),
    )
    .await;
    assert_eq!(lacks.status, 200, "{}", lacks.body);
    let forbidden = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
        .await;
    assert_eq!(forbidden.status, 403);
    state_change(
        &app,
        &format!(
            r#"{{"action":"teardown","state":"the user {} lacks view-l-room"}}"#,
            AGENT.0
        ),
    )
    .await;
    assert_eq!(
        app.visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
            .await
            .status,
        200,
        "view-l-room is back"
    );

    let limited = state_change(
        &app,
        r#"{"action":"setup","state":"the server is rate limiting"}"#,
    )
    .await;
    assert_eq!(limited.status, 200);
    assert_eq!(
        app.visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
            .await
            .status,
        429
    );
    state_change(
        &app,
        r#"{"action":"teardown","state":"the server is rate limiting"}"#,
    )
    .await;
    assert_eq!(
        app.visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
            .await
            .status,
        200
    );

    // removing a visitor that exists, then putting it back (this once deadlocked: the read
    // guard of the look-up was held across the delete)
    let gone = format!(
        r#"{{"action":"setup","state":"no visitor with id {SPEC_VISITOR}","params":{{"visitorId":"{SPEC_VISITOR}"}}}}"#
    );
    let answer = tokio::time::timeout(std::time::Duration::from_secs(5), state_change(&app, &gone))
        .await
        .expect("the state change is answered");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        app.visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
            .await
            .status,
        400
    );
    state_change(
        &app,
        &gone.replace(r#""action":"setup""#, r#""action":"teardown""#),
    )
    .await;
    assert_eq!(
        app.visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
            .await
            .body,
        SPEC_VISITOR_BODY,
        "teardown put it back"
    );

    let unknown = state_change(&app, r#"{"action":"setup","state":"the moon is full"}"#).await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown
            .body
            .contains(r#"unknown provider state \"the moon is full\"; known: "#),
        "{}",
        unknown.body
    );
    assert!(
        unknown.body.contains("visitor {token} is registered"),
        "{}",
        unknown.body
    );
    let listed = app.get("/_mock/provider-states").await;
    assert_eq!(listed.status, 200);
    assert!(
        listed
            .body
            .contains(r#""state":"no visitor with id {visitorId}""#),
        "{}",
        listed.body
    );
    let empty = state_change(&app, r#"{"action":"setup","params":{}}"#).await;
    assert_eq!(
        (empty.status, empty.body.as_str()),
        (200, "{}"),
        "no state: nothing to do"
    );
}

// GET /_mock/pact: the journal's interactions as a Pact v4 file, secrets left out, matching
// rules for generated fields; refused (409) when the journal keeps no responses.
#[tokio::test]
async fn the_journal_exports_as_a_v4_pact() {
    let plain = spawn_app().await;
    assert_eq!(plain.get("/_mock/pact").await.status, 409);
    let app = spawn_with(livechat_mock::Config {
        journal_responses: true,
        ..livechat_mock::Config::default()
    })
    .await;
    app.visitors_info(Some(AGENT), Some(FOUND)).await;
    app.visitors_info(Some(AGENT), None).await;
    let pact = app
        .get("/_mock/pact?consumer=widget&provider=livechat-mock")
        .await;
    assert_eq!(pact.status, 200);
    let pact: serde_json::Value = serde_json::from_str(&pact.body).unwrap();
    assert_eq!(pact["metadata"]["pactSpecification"]["version"], "4.0");
    assert_eq!(pact["consumer"]["name"], "widget");
    let interactions = pact["interactions"].as_array().unwrap();
    assert_eq!(interactions.len(), 2);
    let found = &interactions[0];
    assert_eq!(found["request"]["query"]["visitorId"][0], SPEC_VISITOR);
    assert_eq!(found["request"]["headers"]["x-user-id"][0], AGENT.0);
    assert!(
        found["request"]["headers"].get("x-auth-token").is_none(),
        "the cut token is left out"
    );
    assert_eq!(found["response"]["status"], 200);
    assert_eq!(
        found["response"]["body"]["content"]["visitor"]["_id"],
        SPEC_VISITOR
    );
    assert_eq!(
        found["response"]["matchingRules"]["body"]["$.visitor.ts"]["matchers"][0]["match"],
        "regex"
    );
    assert_eq!(interactions[1]["response"]["status"], 400);
}
