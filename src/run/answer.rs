//! Every answer the mock can give, as one type. The decision returns it; the journal, coverage,
//! expectations and the request log consume it; [`Answer::as_str`] exists only for output.
//! [`contract_label`] places each answer in the contract (or says it is none of the contract's),
//! by an exhaustive match: a new answer without a place there does not compile.

use crate::base::endpoint::Endpoint;
use crate::base::query::ParamError;
use crate::base::selection::OutcomeId;

/// What the mock answered. The endpoints' answers come first, then the router's and the limits'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// What visitors.info's decision came to, by the name users force it with; the companions
    /// share the middlewares' (`not-logged-in`, `rate-limited`) and `server-error`. One
    /// vocabulary: the journal's `outcome` is the id's own name.
    Outcome(OutcomeId),
    /// A 400 of the query's validator (or the router's `Invalid query parameters`), by the
    /// message sent: what coverage tells apart.
    InvalidParams(ParamError),
    // the companions
    LoggedIn,
    LoginFailed,
    VisitorRegistered,
    VisitorUpdated,
    /// The companions' `Match error` and other plain 400s.
    BadRequest,
    InvalidToken,
    InvalidDepartment,
    /// `GET livechat/visitor/{token}`'s 200.
    VisitorByToken,
    VisitorDeleted,
    Me,
    LoggedOut,
    // the router
    Preflight,
    /// `GET /`: what the mock serves.
    Index,
    NotFound,
    /// A `Prefer` / `x-mock-*` selection the mock cannot honour.
    MockError,
    /// Passed to `--upstream` (the `tls` feature's).
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    Upstream,
    // the limits
    UriTooLong,
    /// An HTTP/1.1 request without `Host`.
    NoHost,
    /// A raw byte past 0x7F in the target.
    BadTarget,
    BodyTimeout,
    BodyTooLarge,
    BadBody,
    RegistrationCapped,
}

impl Answer {
    /// The answer's name in the journal, the request log and expectations.
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Outcome(id) => id.as_str(),
            Answer::InvalidParams(_) => OutcomeId::InvalidParams.as_str(),
            Answer::VisitorByToken => "ok",
            Answer::LoggedIn => "logged-in",
            Answer::LoginFailed => "login-failed",
            Answer::VisitorRegistered => "visitor-registered",
            Answer::VisitorUpdated => "visitor-updated",
            Answer::BadRequest => "bad-request",
            Answer::InvalidToken => "invalid-token",
            Answer::InvalidDepartment => "invalid-department",
            Answer::VisitorDeleted => "visitor-deleted",
            Answer::Me => "me",
            Answer::LoggedOut => "logged-out",
            Answer::Preflight => "preflight",
            Answer::Index => "index",
            Answer::NotFound => "not-found",
            Answer::MockError => "mock-error",
            Answer::Upstream => "upstream",
            Answer::UriTooLong => "uri-too-long",
            Answer::NoHost => "no-host",
            Answer::BadTarget => "bad-target",
            Answer::BodyTimeout => "body-timeout",
            Answer::BodyTooLarge => "body-too-large",
            Answer::BadBody => "bad-body",
            Answer::RegistrationCapped => "registration-capped",
        }
    }
}

/// Every answer the contract allows a client, by endpoint: what `/_mock/coverage` counts.
pub const CONTRACT: [(Endpoint, &str); 26] = [
    (Endpoint::VisitorsInfo, "200"),
    (
        Endpoint::VisitorsInfo,
        "400 must have required property 'visitorId'",
    ),
    (
        Endpoint::VisitorsInfo,
        "400 must NOT have additional properties",
    ),
    (Endpoint::VisitorsInfo, "400 must be string"),
    (Endpoint::VisitorsInfo, "400 Invalid query parameters"),
    (Endpoint::VisitorsInfo, "400 visitor-not-found"),
    (Endpoint::VisitorsInfo, "401"),
    (Endpoint::VisitorsInfo, "403 error-unauthorized"),
    (Endpoint::VisitorsInfo, "403 unauthorized"),
    (Endpoint::VisitorsInfo, "429"),
    (Endpoint::VisitorsInfo, "500"),
    (Endpoint::VisitorsInfo, "reset"),
    (Endpoint::VisitorsInfo, "hang"),
    (Endpoint::VisitorsInfo, "malformed"),
    (Endpoint::Login, "200"),
    (Endpoint::Login, "401"),
    (Endpoint::RegisterVisitor, "200"),
    (Endpoint::RegisterVisitor, "400"),
    (Endpoint::VisitorByToken, "200"),
    (Endpoint::VisitorByToken, "400"),
    (Endpoint::DeleteVisitor, "200"),
    (Endpoint::DeleteVisitor, "400"),
    (Endpoint::Me, "200"),
    (Endpoint::Me, "401"),
    (Endpoint::Logout, "200"),
    (Endpoint::Logout, "401"),
];

/// How an answer reads in the contract: its status, and for visitors.info's 400s and 403s the
/// body variant. `None` for the router's and the limits' answers, which no endpoint's contract
/// lists. Whether the pair is in [`CONTRACT`] is [`contract_index`]'s question.
pub fn contract_label(answer: Answer) -> Option<&'static str> {
    Some(match answer {
        Answer::Outcome(OutcomeId::Ok)
        | Answer::LoggedIn
        | Answer::VisitorRegistered
        | Answer::VisitorUpdated
        | Answer::VisitorByToken
        | Answer::VisitorDeleted
        | Answer::Me
        | Answer::LoggedOut => "200",
        // A forced `invalid-params` with nothing wrong in the query sends the missing-visitorId
        // 400 (`visitors_info::resolve`); the decision gives its `ParamError` otherwise.
        Answer::InvalidParams(ParamError::MissingVisitorId)
        | Answer::Outcome(OutcomeId::InvalidParams) => {
            "400 must have required property 'visitorId'"
        }
        Answer::InvalidParams(ParamError::AdditionalProperty) => {
            "400 must NOT have additional properties"
        }
        Answer::InvalidParams(ParamError::NotString) => "400 must be string",
        Answer::InvalidParams(ParamError::Unparsable) => "400 Invalid query parameters",
        Answer::Outcome(OutcomeId::VisitorNotFound) => "400 visitor-not-found",
        Answer::BadRequest | Answer::InvalidToken | Answer::InvalidDepartment => "400",
        Answer::Outcome(OutcomeId::NotLoggedIn) | Answer::LoginFailed => "401",
        Answer::Outcome(OutcomeId::Forbidden) => "403 error-unauthorized",
        Answer::Outcome(OutcomeId::ForbiddenGeneric) => "403 unauthorized",
        Answer::Outcome(OutcomeId::RateLimited) => "429",
        Answer::Outcome(OutcomeId::ServerError) => "500",
        Answer::Outcome(OutcomeId::Reset) => "reset",
        Answer::Outcome(OutcomeId::Hang) => "hang",
        Answer::Outcome(OutcomeId::Malformed) => "malformed",
        Answer::Preflight
        | Answer::Index
        | Answer::NotFound
        | Answer::MockError
        | Answer::Upstream
        | Answer::UriTooLong
        | Answer::NoHost
        | Answer::BadTarget
        | Answer::BodyTimeout
        | Answer::BodyTooLarge
        | Answer::BadBody
        | Answer::RegistrationCapped => return None,
    })
}

/// The place in [`CONTRACT`] of `answer` sent by `endpoint`, if the contract lists it (a
/// companion's 429, for one, it does not).
pub fn contract_index(endpoint: Endpoint, answer: Answer) -> Option<usize> {
    let label = contract_label(answer)?;
    CONTRACT
        .iter()
        .position(|(e, l)| *e == endpoint && *l == label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contract_entry_is_an_answer_the_mock_can_give() {
        // Each row of CONTRACT is reached by some answer of its endpoint.
        let answers: Vec<Answer> = OutcomeId::ALL
            .map(Answer::Outcome)
            .into_iter()
            .chain(ParamError::ALL.map(Answer::InvalidParams))
            .chain([
                Answer::InvalidParams(ParamError::Unparsable),
                Answer::LoginFailed,
                Answer::InvalidToken,
            ])
            .collect();
        for (i, (endpoint, label)) in CONTRACT.iter().enumerate() {
            assert!(
                answers
                    .iter()
                    .any(|a| contract_index(*endpoint, *a) == Some(i)),
                "{} {label}",
                endpoint.label()
            );
        }
    }

    #[test]
    fn the_router_and_the_limits_answer_outside_the_contract() {
        for answer in [Answer::Preflight, Answer::NotFound, Answer::UriTooLong] {
            assert_eq!(contract_label(answer), None);
        }
        assert_eq!(
            contract_index(Endpoint::Login, Answer::Outcome(OutcomeId::RateLimited)),
            None
        );
    }
}
