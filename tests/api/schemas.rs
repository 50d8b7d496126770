//! The response schemas against the spec page's own examples, and against bodies that break
//! the contract.

use livechat_mock::{SchemaSet, SchemaSource, Version};
use serde_json::{Value, json};

fn schemas() -> SchemaSet {
    SchemaSet::load(&SchemaSource::Bundled, Version::DEFAULT).unwrap()
}

/// Every example on the API page, by status and name, verbatim.
fn spec_examples() -> Vec<(u16, &'static str, Value)> {
    vec![
        (
            200,
            "Success Example",
            json!({
                "visitor": {
                    "_id": "6a22b1765528fa64dd29de70", "username": "guest-10", "status": "online",
                    "ts": "2026-06-05T11:22:30.664Z", "_updatedAt": "2026-06-05T11:22:30.665Z",
                    "name": "Postman Test Visitor", "phone": [{"phoneNumber": "+15551234567"}],
                    "visitorEmails": [{"address": "postman-test@example.com"}]
                },
                "success": true
            }),
        ),
        (
            400,
            "Example 1",
            json!({"success": false, "error": "must have required property 'visitorId' [invalid-params]", "errorType": "invalid-params"}),
        ),
        (
            400,
            "Example 2",
            json!({"success": false, "error": "visitor-not-found"}),
        ),
        (
            401,
            "Authorization Error",
            json!({"status": "error", "message": "You must be logged in to do this."}),
        ),
        (
            403,
            "Permission Error",
            json!({"success": false, "error": "User does not have the permissions required for this action [error-unauthorized]"}),
        ),
        (
            403,
            "Unauthorized",
            json!({"success": false, "error": "unauthorized"}),
        ),
    ]
}

#[test]
fn every_example_on_the_spec_page_validates_against_its_status_schema() {
    let set = schemas();
    for (status, name, example) in spec_examples() {
        let schema = set.response(status).unwrap();
        assert_eq!(schema.check(&example), Ok(()), "{status} {name}");
    }
}

#[test]
fn the_bodies_the_real_8x_server_sends_validate_too() {
    let set = schemas();
    let not_logged_in = json!({"success": false, "error": "You must be logged in to do this.", "status": "error", "message": "You must be logged in to do this."});
    assert!(set.response(401).unwrap().is_valid(&not_logged_in));
    let too_many = json!({"success": false, "error": "Error, too many requests. Please slow down. You must wait 42 seconds before trying this endpoint again. [error-too-many-requests]"});
    assert!(set.response(429).unwrap().is_valid(&too_many));
    let external = json!({"visitor": {"_id": "0f17a3007e62aa0a1df9fd78", "username": "guest-1", "ts": "2026-06-05T11:22:30.664Z", "_updatedAt": "2026-06-05T11:22:30.665Z", "externalIds": [{"appId": "a", "entityId": "e", "metadata": {"username": "u"}}]}, "success": true});
    assert!(set.response(200).unwrap().is_valid(&external));
}

/// Removes `key` from the object at `pointer`.
fn without(mut value: Value, pointer: &str, key: &str) -> Value {
    value
        .pointer_mut(pointer)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .shift_remove(key);
    value
}

fn with(mut value: Value, pointer: &str, new: Value) -> Value {
    *value.pointer_mut(pointer).unwrap() = new;
    value
}

#[test]
fn a_body_missing_a_required_field_is_refused() {
    let set = schemas();
    let examples = spec_examples();
    let success = examples[0].2.clone();
    for (pointer, key) in [
        ("", "success"),
        ("", "visitor"),
        ("/visitor", "_id"),
        ("/visitor", "username"),
        ("/visitor", "ts"),
        ("/visitor", "_updatedAt"),
    ] {
        let broken = without(success.clone(), pointer, key);
        let violation = set.response(200).unwrap().check(&broken).unwrap_err();
        assert!(
            violation
                .message
                .contains(&format!("\"{key}\" is a required property")),
            "{key}: {violation:?}"
        );
    }
    for (status, index, key) in [
        (400, 1, "errorType"),
        (400, 2, "error"),
        (401, 3, "message"),
        (403, 4, "error"),
    ] {
        let broken = without(examples[index].2.clone(), "", key);
        assert!(
            !set.response(status).unwrap().is_valid(&broken),
            "{status} without {key}"
        );
    }
}

#[test]
fn a_body_with_a_wrong_type_is_refused_with_its_pointer() {
    let set = schemas();
    let success = spec_examples()[0].2.clone();
    for (pointer, value) in [
        ("/success", json!("true")),
        ("/visitor/username", json!(10)),
        ("/visitor/phone/0/phoneNumber", json!(15551234567u64)),
        ("/visitor/visitorEmails", json!("postman-test@example.com")),
        ("/visitor/status", json!("sleeping")),
        ("/visitor/ts", json!("June 5th")),
        ("/visitor/_id", json!("")),
    ] {
        let broken = with(success.clone(), pointer, value);
        let violation = set.response(200).unwrap().check(&broken).unwrap_err();
        assert_eq!(violation.pointer, pointer);
    }
    let bad_400 = json!({"success": "false", "error": "visitor-not-found"});
    assert!(!set.response(400).unwrap().is_valid(&bad_400));
    let bad_403 = json!({"success": false, "error": "nope"});
    assert!(!set.response(403).unwrap().is_valid(&bad_403));
}

#[test]
fn the_200_schema_forbids_the_token_and_unknown_fields() {
    let set = schemas();
    let success = spec_examples()[0].2.clone();
    for (key, value) in [
        ("token", json!("test-token-12345")),
        ("nickname", json!("x")),
    ] {
        let mut broken = success.clone();
        broken["visitor"]
            .as_object_mut()
            .unwrap()
            .insert(key.into(), value);
        let violation = set.response(200).unwrap().check(&broken).unwrap_err();
        assert_eq!(violation.pointer, "/visitor");
        assert!(
            violation.rule.ends_with("unevaluatedProperties"),
            "{violation:?}"
        );
    }
}
