//! The served OpenAPI document: valid OpenAPI 3.1, built from the gate's own schemas, and
//! following the emulated version.

use jsonschema::Registry;
use livechat_mock::Config;
use serde_json::{Value, json};

use crate::helpers::*;

async fn document(app: &TestApp) -> Value {
    let answer = app.get("/_mock/openapi.json").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    serde_json::from_str(&answer.body).unwrap()
}

/// A validator for `#/components/schemas/<name>` resolved inside the document itself.
fn component_validator(doc: &Value, name: &str) -> jsonschema::Validator {
    let registry = Registry::new()
        .add("urn:livechat-mock:openapi", doc)
        .unwrap()
        .prepare()
        .unwrap();
    jsonschema::draft202012::options()
        .with_registry(&registry)
        .build(&json!({ "$ref": format!("urn:livechat-mock:openapi#/components/schemas/{name}") }))
        .unwrap()
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let meta: Value =
        serde_json::from_str(include_str!("../data/openapi-3.1.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&meta).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], "8.8.1");
    // every embedded schema is a valid JSON Schema 2020-12 on its own terms
    for (name, _) in doc["components"]["schemas"].as_object().unwrap() {
        let _ = component_validator(&doc, name);
    }
}

#[tokio::test]
async fn the_document_embeds_every_schema_the_gate_uses() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let components = doc["components"]["schemas"].as_object().unwrap();
    for file in std::fs::read_dir(repo("schemas")).unwrap() {
        let name = file
            .unwrap()
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".json")
            .to_string();
        assert!(components.contains_key(&name), "{name} is not embedded");
    }
    let get = &doc["paths"][PATH]["get"];
    for status in ["200", "400", "401", "403", "429"] {
        assert_eq!(
            get["responses"][status]["content"]["application/json"]["schema"]["$ref"],
            format!("#/components/schemas/visitors.info.{status}"),
        );
    }
    // the examples are the page's, by name
    let examples = &get["responses"]["403"]["content"]["application/json"]["examples"];
    assert_eq!(
        examples["Unauthorized"]["value"],
        json!({"success": false, "error": "unauthorized"})
    );
}

#[tokio::test]
async fn the_embedded_200_schema_accepts_what_is_served_and_refuses_a_token() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let validator = component_validator(&doc, "visitors.info.200");
    let served = app
        .visitors_info(Some(AGENT), Some("visitorId=9c6539382b0537e65affb229"))
        .await;
    let body: Value = serde_json::from_str(&served.body).unwrap();
    assert!(validator.is_valid(&body));
    let mut with_token = body.clone();
    with_token["visitor"]["token"] = json!("I0b3jRtaWr4Y9OJFL");
    assert!(!validator.is_valid(&with_token));
}

#[tokio::test]
async fn the_document_follows_the_emulated_version() {
    let app = spawn_with(Config {
        api_version: "8.4.0".parse().unwrap(),
        ..Config::default()
    })
    .await;
    let doc = document(&app).await;
    assert_eq!(doc["info"]["version"], "8.4.0");
    let validator = component_validator(&doc, "visitors.info.200");
    let served = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
        .await;
    assert!(served.body.contains("\"token\""));
    assert!(validator.is_valid(&serde_json::from_str::<Value>(&served.body).unwrap()));
    let nine = spawn_with(Config {
        api_version: "9.0.0".parse().unwrap(),
        ..Config::default()
    })
    .await;
    let doc = document(&nine).await;
    let validator = component_validator(&doc, "visitors.info.401");
    assert!(
        validator
            .is_valid(&json!({"success": false, "error": "You must be logged in to do this."}))
    );
    assert!(
        !validator
            .is_valid(&json!({"status": "error", "message": "You must be logged in to do this."}))
    );
}

// A served document names the address it was fetched from, so Postman's importer sets its base
// URL to this mock; the 404 methods and the control API are in tags of their own.
#[tokio::test]
async fn the_served_document_names_its_server_and_separates_what_is_not_a_request() {
    let app = spawn_app().await;
    let document: serde_json::Value = app
        .client
        .get(app.url("/_mock/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["servers"][0]["url"], app.server.uri());
    let post = &document["paths"]["/api/v1/livechat/visitors.info"]["post"];
    assert_eq!(post["tags"][0], "Not routed (404, documentation only)");
    let header = &document["paths"]["/api/v1/livechat/visitors.info"]["get"]["parameters"][1];
    assert_eq!(header["schema"]["default"], "rbAXPnMktTFbNpwtJ");
}
