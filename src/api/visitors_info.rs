//! `GET /api/v1/livechat/visitors.info`: the one place that decides a request's outcome.
//!
//! Precedence: a per-request header > the admin override > `--outcome` > `--fault-rate` > the
//! fixtures (the real server's checks, in its order).

use std::borrow::Cow;

use crate::api::request::RequestParts;
use crate::base::endpoint::Endpoint;
use crate::base::query;
use crate::base::ratelimit::{RateCheck, RateLimit};
use crate::base::selection::{Choice, Convention, Example, OutcomeId};
use crate::base::versions::Behaviour;
use crate::data::config::AuthMode;
use crate::data::store::{Account, Store};
use crate::run::outcome::Outcome;
use crate::run::state::AppState;

/// Which rule chose an outcome (the journal's `rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Header(Convention),
    AdminOverride,
    GlobalOutcome,
    FaultRate,
    Fixtures,
    /// Routing itself answered: a 404, a preflight, the index, the mock's own header error.
    Route,
    /// A limit answered: 408, 413, 414, the Host-less 400, a registration cap.
    Limits,
    /// `--upstream` answered: the request was forwarded (the `tls` feature's).
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    Upstream,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Header(convention) => convention.as_str(),
            Rule::AdminOverride => "admin-override",
            Rule::GlobalOutcome => "global-outcome",
            Rule::FaultRate => "fault-rate",
            Rule::Fixtures => "fixtures",
            Rule::Route => "route",
            Rule::Limits => "limits",
            Rule::Upstream => "upstream",
        }
    }
}

/// An outcome and why.
#[derive(Debug, Clone)]
pub struct Decision {
    pub outcome: Outcome,
    pub rule: Rule,
    /// The limiter's headers, when the request went through it.
    pub rate: Option<RateCheck>,
    /// The admin override's `delay_ms`, drawn.
    pub delay: Option<std::time::Duration>,
}

/// The account every non-empty credential pair logs in as under `--auth any`.
static ANY_USER: Account = Account {
    auth_token: String::new(),
    view_l_room: true,
    bypass_rate_limit: false,
};

/// Decides the outcome of one visitors.info request. `fault` is what `--fault-rate` drew.
pub fn decide(request: &RequestParts, state: &AppState, fault: Option<OutcomeId>) -> Decision {
    // The query is read once, as the emulated version reads it, for every rule below.
    let params = visitor_id(request, state);
    let store = state.store();
    let chosen = match request.selection {
        Ok(Some((choice, convention))) => Some((choice, Rule::Header(convention))),
        _ => None,
    };
    let mut delay = None;
    let chosen = chosen
        .or_else(|| {
            admin_override(request, &params, state).map(|(choice, latency)| {
                delay = latency.map(|l| state.chaos.delay_of(l));
                (choice, Rule::AdminOverride)
            })
        })
        .or_else(|| {
            state
                .global_outcome
                .map(|id| (Choice::Outcome(id), Rule::GlobalOutcome))
        })
        .or_else(|| fault.map(|id| (Choice::Outcome(id), Rule::FaultRate)));
    match chosen {
        Some((choice, rule)) => Decision {
            outcome: resolve(choice, &params, state, &store),
            rule,
            rate: None,
            delay,
        },
        None => real_server(request, params, state, &store),
    }
}

/// The admin override, if one is set and this request is in its scope (using it up once).
fn admin_override(
    request: &RequestParts,
    params: &Result<Cow<'_, str>, query::ParamError>,
    state: &AppState,
) -> Option<(Choice, Option<crate::base::chaos::Latency>)> {
    state
        .overrides
        .take(params.as_deref().ok(), request.user_id.as_deref())
}

/// The `visitorId` of the request as the emulated version reads it.
fn visitor_id<'h>(
    request: &RequestParts<'h>,
    state: &AppState,
) -> Result<Cow<'h, str>, query::ParamError> {
    query::visitor_id(request.query, state.reading)
}

/// The real server's checks in its order: authentication (401), permission (403), rate limit
/// (429), query parameters (400 invalid-params), lookup (400 visitor-not-found or 200). Before
/// the permission middleware (8.0.0) the parameters were checked before the permission.
fn real_server(
    request: &RequestParts,
    params: Result<Cow<'_, str>, query::ParamError>,
    state: &AppState,
    store: &Store,
) -> Decision {
    let decision = |outcome, rate| Decision {
        outcome,
        rule: Rule::Fixtures,
        rate,
        delay: None,
    };
    let Some((_user_id, account)) = authenticate(request, state, store) else {
        return decision(Outcome::NotLoggedIn, None);
    };
    if !state.version.has(Behaviour::PermissionBeforeParams) {
        if let Err(error) = &params {
            return decision(Outcome::InvalidParams(*error), None);
        }
    }
    // The limiter: a middleware before the permission check from 8.9.0 (PR #41970), the
    // action's first step before that (ApiClass.ts b2da2544), so after the router's parse.
    let limit = || match &state.limiter {
        Some(limiter) if !account.bypass_rate_limit => {
            let check = limiter.check(Endpoint::VisitorsInfo, request.peer, state.clock.now_ms());
            Some(check)
        }
        _ => None,
    };
    let middleware_limiter = state.version.has(Behaviour::RateLimiterMiddleware);
    let mut rate = None;
    if middleware_limiter {
        rate = limit();
        if let Some(check) = rate.filter(|check| !check.allowed) {
            return decision(Outcome::RateLimited(check), Some(check));
        }
    }
    if !account.view_l_room {
        return decision(Outcome::Forbidden, None);
    }
    // Router.ts parses the query before it calls the action: past qs's limits the router's 400
    // comes before the action's rate limit.
    if let Err(query::ParamError::Unparsable) = &params {
        return decision(Outcome::InvalidParams(query::ParamError::Unparsable), rate);
    }
    if !middleware_limiter {
        rate = limit();
        if let Some(check) = rate.filter(|check| !check.allowed) {
            return decision(Outcome::RateLimited(check), Some(check));
        }
    }
    let visitor_id = match params {
        Ok(id) => id,
        Err(error) => return decision(Outcome::InvalidParams(error), rate),
    };
    match store.found_body(&visitor_id) {
        Some(prepared) => decision(Outcome::Found(prepared.clone()), rate),
        None => decision(Outcome::VisitorNotFound, rate),
    }
}

/// Both headers present, non-empty, and matching one user (any pair under `--auth any`).
fn authenticate<'a>(
    request: &'a RequestParts,
    state: &AppState,
    store: &'a Store,
) -> Option<(&'a str, &'a Account)> {
    let (user_id, auth_token) = request.credentials(state)?;
    match state.auth {
        AuthMode::Fixtures => store.account(user_id, auth_token).map(|a| (user_id, a)),
        AuthMode::Any => Some((user_id, &ANY_USER)),
    }
}

/// What a chosen outcome means for this request. A status picks the outcome the real server
/// would send for this request when it has that status, else that status's first example.
fn resolve(
    choice: Choice,
    params: &Result<Cow<'_, str>, query::ParamError>,
    state: &AppState,
    store: &Store,
) -> Outcome {
    let named_visitor = || {
        params
            .as_ref()
            .ok()
            .and_then(|id| store.found_body(id))
            .unwrap_or_else(|| state.replies.success_example())
            .clone()
    };
    match choice {
        Choice::Outcome(OutcomeId::Ok) | Choice::Code(200) => Outcome::Found(named_visitor()),
        Choice::Example(Example::Success) => {
            Outcome::Found(state.replies.success_example().clone())
        }
        Choice::Outcome(OutcomeId::InvalidParams) => Outcome::InvalidParams(
            params
                .as_ref()
                .err()
                .copied()
                .unwrap_or(query::ParamError::MissingVisitorId),
        ),
        Choice::Example(Example::Example1) => {
            Outcome::InvalidParams(query::ParamError::MissingVisitorId)
        }
        Choice::Code(400) => match &params {
            Err(error) => Outcome::InvalidParams(*error),
            Ok(id) if store.found_body(id).is_none() => Outcome::VisitorNotFound,
            Ok(_) => Outcome::InvalidParams(query::ParamError::MissingVisitorId),
        },
        Choice::Outcome(OutcomeId::VisitorNotFound) | Choice::Example(Example::Example2) => {
            Outcome::VisitorNotFound
        }
        Choice::Outcome(OutcomeId::NotLoggedIn)
        | Choice::Code(401)
        | Choice::Example(Example::AuthorizationError) => Outcome::NotLoggedIn,
        Choice::Outcome(OutcomeId::Forbidden)
        | Choice::Code(403)
        | Choice::Example(Example::PermissionError) => Outcome::Forbidden,
        Choice::Outcome(OutcomeId::ForbiddenGeneric) | Choice::Example(Example::Unauthorized) => {
            Outcome::ForbiddenGeneric
        }
        Choice::Outcome(OutcomeId::RateLimited) | Choice::Code(429) => {
            let limit = state
                .limiter
                .as_ref()
                .map_or(RateLimit::REAL_DEFAULT, |l| l.config());
            Outcome::RateLimited(RateCheck::exhausted(limit, state.clock.now_ms()))
        }
        Choice::Outcome(OutcomeId::Reset) => Outcome::Reset,
        Choice::Outcome(OutcomeId::Hang) => Outcome::Hang,
        Choice::Outcome(OutcomeId::Malformed) => Outcome::Malformed(named_visitor()),
        Choice::Outcome(OutcomeId::ServerError) | Choice::Code(_) => Outcome::ServerError,
    }
}

#[cfg(test)]
mod tests {
    //! The decision without a socket: request parts and a loaded state in, an outcome out.
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::base::query::ParamError;
    use crate::data::config::Config;

    const AGENT: (&str, &str) = (
        "rbAXPnMktTFbNpwtJ",
        "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f",
    );
    const PLAIN_USER: (&str, &str) = (
        "D8hgkER8fq6g5jFbo",
        "gb0aRSmCXnlFWXGyGuEFqrLWoxALCIgPD0Ituzb7lLM",
    );

    fn request(query: &str, user: Option<(&str, &str)>) -> hyper::Request<()> {
        let mut request = hyper::Request::builder()
            .uri(format!("{}?{query}", crate::base::endpoint::VISITORS_INFO));
        if let Some((id, token)) = user {
            request = request
                .header("X-User-Id", id)
                .header("X-Auth-Token", token);
        }
        request.body(()).unwrap()
    }

    fn outcome(state: &AppState, query: &str, user: Option<(&str, &str)>) -> OutcomeId {
        decide(
            &RequestParts::from_request(&request(query, user)),
            state,
            None,
        )
        .outcome
        .id()
    }

    #[test]
    fn the_real_servers_order_of_checks() {
        let state = AppState::load(&Config::default()).unwrap();
        let found = "visitorId=6a22b1765528fa64dd29de70";
        assert_eq!(outcome(&state, found, None), OutcomeId::NotLoggedIn);
        assert_eq!(
            outcome(&state, "", None),
            OutcomeId::NotLoggedIn,
            "401 before 400"
        );
        assert_eq!(
            outcome(&state, "", Some(PLAIN_USER)),
            OutcomeId::Forbidden,
            "403 before 400 (8.x)"
        );
        assert_eq!(outcome(&state, "", Some(AGENT)), OutcomeId::InvalidParams);
        assert_eq!(
            outcome(&state, "visitorId=nope", Some(AGENT)),
            OutcomeId::VisitorNotFound
        );
        let decision = decide(
            &RequestParts::from_request(&request(found, Some(AGENT))),
            &state,
            None,
        );
        assert_eq!(
            (decision.outcome.id(), decision.rule),
            (OutcomeId::Ok, Rule::Fixtures)
        );
    }

    #[test]
    fn before_8_0_the_parameters_come_before_the_permission() {
        let state = AppState::load(&Config {
            api_version: "7.0.0".parse().unwrap(),
            ..Config::default()
        })
        .unwrap();
        let decision = decide(
            &RequestParts::from_request(&request("", Some(PLAIN_USER))),
            &state,
            None,
        );
        assert!(matches!(
            decision.outcome,
            Outcome::InvalidParams(ParamError::MissingVisitorId)
        ));
    }

    #[test]
    fn a_forced_outcome_wins_over_the_fixtures_and_says_which_rule_chose_it() {
        let state = AppState::load(&Config {
            outcome: Some(OutcomeId::ServerError),
            ..Config::default()
        })
        .unwrap();
        let decision = decide(
            &RequestParts::from_request(&request("visitorId=x", Some(AGENT))),
            &state,
            None,
        );
        assert_eq!(
            (decision.outcome.id(), decision.rule),
            (OutcomeId::ServerError, Rule::GlobalOutcome)
        );
        let fault = decide(
            &RequestParts::from_request(&request("visitorId=x", Some(AGENT))),
            &state,
            Some(OutcomeId::Reset),
        );
        assert_eq!(
            fault.rule,
            Rule::GlobalOutcome,
            "--outcome before --fault-rate"
        );
        match state.replies.reply(&decision.outcome) {
            crate::run::outcome::Delivery::Send(reply) => {
                assert_eq!(reply.status, hyper::StatusCode::INTERNAL_SERVER_ERROR);
                assert_eq!(
                    reply.body,
                    r#"{"success":false,"error":"Internal server error"}"#
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            state.replies.reply(&Outcome::Hang),
            crate::run::outcome::Delivery::Hang
        ));
    }
}
