//! `GET /api/v1/me` and `POST /api/v1/logout`, added through the endpoint list (issue 20).
//! Sources: `apps/meteor/server/api/v1/misc.ts` (0e7ae2f6) `API.v1.get('me', { authRequired:
//! true, … })`, `apps/meteor/server/api/lib/getUserInfo.ts` (00d0bbab), and the logout route of
//! `apps/meteor/server/api/ApiClass.ts` (0358e0dc) through `packages/http-router/src/Router.ts`
//! (05360738): 200 with no body (Rocket.Chat issue #35922).

use crate::helpers::*;

#[tokio::test]
async fn me_is_the_logged_in_user_as_get_user_info_builds_it_with_success_last() {
    let app = spawn_app().await;
    let answer = app.me(Some(AGENT)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert!(
        answer.body.starts_with(r#"{"_id":"rbAXPnMktTFbNpwtJ","services":{"password":{"exists":true}},"username":"agent.alice","emails":[{"address":"alice.agent@example.com","verified":true}],"status":"online","active":true,"name":"Alice Agent","roles":["user","livechat-agent"]"#),
        "{}",
        answer.body
    );
    assert!(
        answer
            .body
            .contains(r#""email":"alice.agent@example.com","avatarUrl":"http://"#),
        "{}",
        answer.body
    );
    assert!(
        answer
            .body
            .ends_with(r#"/avatar/agent.alice","isOAuthUser":false,"success":true}"#),
        "{}",
        answer.body
    );
    // login's data.me is the same object
    let login = Answer::from(
        app.client
            .post(app.url("/api/v1/login"))
            .header("Content-Type", "application/json")
            .body(r#"{"user":"agent.alice","password":"alice-agent-pass"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let login: serde_json::Value = serde_json::from_str(&login.body).unwrap();
    let mut mine: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    mine.as_object_mut().unwrap().remove("success");
    assert_eq!(login["data"]["me"], mine);
}

#[tokio::test]
async fn me_without_credentials_is_the_authentication_middlewares_401() {
    let app = spawn_app().await;
    for user in [None, Some((AGENT.0, "wrong"))] {
        let answer = app.me(user).await;
        assert_eq!((answer.status, answer.body.as_str()), (401, NOT_LOGGED_IN));
    }
}

#[tokio::test]
async fn logout_answers_an_empty_200_and_the_token_is_gone_until_a_password_login() {
    let app = spawn_app().await;
    let answer = app.logout(AGENT).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, ""));
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(app.me(Some(AGENT)).await.status, 401);
    assert_eq!(
        app.visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
            .await
            .status,
        401
    );
    assert_eq!(app.logout(AGENT).await.status, 401, "already logged out");
    // other users stay logged in
    assert_eq!(app.me(Some(MANAGER)).await.status, 200);
    let resume = app
        .client
        .post(app.url("/api/v1/login"))
        .header("Content-Type", "application/json")
        .body(format!(r#"{{"resume":"{}"}}"#, AGENT.1))
        .send()
        .await
        .unwrap();
    assert_eq!(resume.status(), 401, "a removed token cannot resume");
    let login = app
        .client
        .post(app.url("/api/v1/login"))
        .header("Content-Type", "application/json")
        .body(r#"{"user":"agent.alice","password":"alice-agent-pass"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    assert_eq!(app.me(Some(AGENT)).await.status, 200, "issued again");
}

#[tokio::test]
async fn a_reset_logs_everyone_back_in() {
    let app = spawn_app().await;
    assert_eq!(app.logout(AGENT).await.status, 200);
    app.server.reset();
    assert_eq!(app.me(Some(AGENT)).await.status, 200);
}

#[tokio::test]
async fn the_dashboard_page_is_served_whole_before_the_token_check() {
    let app = spawn_with(livechat_mock::Config {
        admin: livechat_mock::Admin::Token("s3cret-admin-token".into()),
        ..livechat_mock::Config::default()
    })
    .await;
    let answer = Answer::from(app.client.get(app.url("/_mock/ui")).send().await.unwrap()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        answer.body.starts_with("<!doctype html>") || answer.body.starts_with("<!DOCTYPE html>")
    );
    assert!(
        !answer.body.contains("http://") && !answer.body.contains("https://"),
        "no CDN"
    );
    let health = app
        .client
        .get(app.url("/_mock/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 401, "the rest still needs the token");
}
