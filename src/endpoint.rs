//! `GET /api/v1/livechat/visitors.info` as a plain function: request parts and data in, the
//! outcome out, checks in the real server's order.

use crate::outcome::Outcome;
use crate::query::{self, ArrayCoercion};
use crate::request::RequestParts;
use crate::store::{Account, Store, VisitorEntry};

/// The one path the endpoint answers on, matched exactly.
pub const PATH: &str = "/api/v1/livechat/visitors.info";

/// Decides the outcome: authentication (401), permission (403), query parameters (400
/// invalid-params), lookup (400 visitor-not-found or 200).
pub fn visitors_info(request: &RequestParts, store: &Store) -> Outcome {
    let Some(account) = authenticate(request, store) else {
        return Outcome::NotLoggedIn;
    };
    if !account.view_l_room {
        return Outcome::Forbidden;
    }
    let visitor_id = match query::visitor_id(request.query.as_deref(), ArrayCoercion::SingleString)
    {
        Ok(id) => id,
        Err(error) => return Outcome::InvalidParams(error),
    };
    match store.visitor(&visitor_id) {
        Some(VisitorEntry::Served(prepared)) => Outcome::Found(prepared.clone()),
        Some(VisitorEntry::Disabled) | None => Outcome::VisitorNotFound,
    }
}

/// Both headers present, non-empty, and matching one user; anything else is "not logged in".
pub fn authenticate<'a>(request: &RequestParts, store: &'a Store) -> Option<&'a Account> {
    let user_id = request.user_id.as_deref().filter(|v| !v.is_empty())?;
    let auth_token = request.auth_token.as_deref().filter(|v| !v.is_empty())?;
    store.account(user_id, auth_token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{FixtureSource, Fixtures};
    use crate::query::ParamError;
    use crate::schema::{SchemaSet, SchemaSource};
    use hyper::Method;

    const AGENT: (&str, &str) = (
        "rbAXPnMktTFbNpwtJ",
        "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f",
    );
    const PLAIN_USER: (&str, &str) = (
        "D8hgkER8fq6g5jFbo",
        "gb0aRSmCXnlFWXGyGuEFqrLWoxALCIgPD0Ituzb7lLM",
    );

    fn store() -> Store {
        let schemas = SchemaSet::load(&SchemaSource::Bundled).unwrap();
        let fixtures = Fixtures::load(&FixtureSource::Bundled, &schemas).unwrap();
        Store::build(&fixtures, &schemas)
    }

    fn request(user: Option<(&str, &str)>, query: Option<&str>) -> RequestParts {
        RequestParts {
            method: Method::GET,
            path: PATH.into(),
            query: query.map(Into::into),
            user_id: user.map(|u| u.0.into()),
            auth_token: user.map(|u| u.1.into()),
            origin: None,
            access_control_request_method: None,
        }
    }

    #[test]
    fn authentication_comes_before_the_parameters() {
        assert_eq!(
            visitors_info(&request(None, None), &store()).id(),
            "not-logged-in"
        );
    }

    #[test]
    fn permission_comes_before_the_parameters() {
        assert_eq!(
            visitors_info(&request(Some(PLAIN_USER), None), &store()).id(),
            "forbidden"
        );
    }

    #[test]
    fn a_wrong_token_or_an_empty_header_is_not_logged_in() {
        let store = store();
        let wrong = request(Some((AGENT.0, "nope")), Some("visitorId=x"));
        assert_eq!(visitors_info(&wrong, &store).id(), "not-logged-in");
        let empty = request(Some((AGENT.0, "")), Some("visitorId=x"));
        assert_eq!(visitors_info(&empty, &store).id(), "not-logged-in");
    }

    #[test]
    fn parameters_come_before_the_lookup() {
        let outcome = visitors_info(&request(Some(AGENT), Some("visitorId=x&count=1")), &store());
        assert!(matches!(
            outcome,
            Outcome::InvalidParams(ParamError::AdditionalProperty)
        ));
    }

    #[test]
    fn a_disabled_visitor_is_not_found() {
        let outcome = visitors_info(
            &request(Some(AGENT), Some("visitorId=49952399c4aaeac137dc76fb")),
            &store(),
        );
        assert_eq!(outcome.id(), "visitor-not-found");
    }
}
