//! Naming an outcome: the stable outcome ids, the spec page's example names, status codes, and
//! the request headers clients already use to ask a mock for one (Prism's `Prefer`, Postman's
//! `x-mock-response-code` / `x-mock-response-name`).

use std::fmt;
use std::str::FromStr;

/// The mock's stable names for everything visitors.info can come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutcomeId {
    Ok,
    InvalidParams,
    VisitorNotFound,
    NotLoggedIn,
    Forbidden,
    ForbiddenGeneric,
    RateLimited,
    /// 500 `{"success":false,"error":"Internal server error"}`.
    ServerError,
    /// The connection is closed with no response.
    Reset,
    /// No answer until the client gives up.
    Hang,
    /// Status 200 with a truncated JSON body: the one deliberate exception to the schema gate.
    Malformed,
}

impl OutcomeId {
    pub const ALL: [OutcomeId; 11] = [
        OutcomeId::Ok,
        OutcomeId::InvalidParams,
        OutcomeId::VisitorNotFound,
        OutcomeId::NotLoggedIn,
        OutcomeId::Forbidden,
        OutcomeId::ForbiddenGeneric,
        OutcomeId::RateLimited,
        OutcomeId::ServerError,
        OutcomeId::Reset,
        OutcomeId::Hang,
        OutcomeId::Malformed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeId::Ok => "ok",
            OutcomeId::InvalidParams => "invalid-params",
            OutcomeId::VisitorNotFound => "visitor-not-found",
            OutcomeId::NotLoggedIn => "not-logged-in",
            OutcomeId::Forbidden => "forbidden",
            OutcomeId::ForbiddenGeneric => "forbidden-generic",
            OutcomeId::RateLimited => "rate-limited",
            OutcomeId::ServerError => "server-error",
            OutcomeId::Reset => "reset",
            OutcomeId::Hang => "hang",
            OutcomeId::Malformed => "malformed",
        }
    }

    /// Faults break the transport or the contract on purpose; they are what `--faults` lists.
    pub fn is_fault(self) -> bool {
        matches!(
            self,
            OutcomeId::ServerError | OutcomeId::Reset | OutcomeId::Hang | OutcomeId::Malformed
        )
    }
}

impl fmt::Display for OutcomeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl OutcomeId {
    /// The outcome a status code stands for where one outcome must be named (`--outcome 403`):
    /// the status's first outcome. (A request header's code is read per request instead: its
    /// 400 is the 400 the real server would send that request.)
    pub fn of_code(code: u16) -> Option<OutcomeId> {
        Some(match code {
            200 => OutcomeId::Ok,
            400 => OutcomeId::InvalidParams,
            401 => OutcomeId::NotLoggedIn,
            403 => OutcomeId::Forbidden,
            429 => OutcomeId::RateLimited,
            500 => OutcomeId::ServerError,
            _ => return None,
        })
    }
}

impl FromStr for OutcomeId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(id) = OutcomeId::ALL.into_iter().find(|id| id.as_str() == s) {
            return Ok(id);
        }
        if let Some(id) = s.trim().parse::<u16>().ok().and_then(OutcomeId::of_code) {
            return Ok(id);
        }
        let names = OutcomeId::ALL.map(OutcomeId::as_str);
        let suggestion = closest(s, &names)
            .map(|name| format!(" (did you mean {name:?}?)"))
            .unwrap_or_default();
        Err(format!(
            "unknown outcome {s:?}{suggestion}; accepted: {}, or a status code: 200, 400, 401, 403, 429, 500",
            list(names)
        ))
    }
}

/// The name closest to `given` by edit distance, if it is close enough to be a slip (at most a
/// third of its letters wrong).
pub fn closest<'a>(given: &str, names: &[&'a str]) -> Option<&'a str> {
    let given = given.to_ascii_lowercase();
    names
        .iter()
        .map(|name| (edit_distance(&given, name), *name))
        .filter(|(distance, name)| *distance <= name.len().div_ceil(3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substituted = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substituted.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The examples of the spec page, by their names there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Example {
    Success,
    Example1,
    Example2,
    AuthorizationError,
    PermissionError,
    Unauthorized,
}

impl Example {
    pub const ALL: [Example; 6] = [
        Example::Success,
        Example::Example1,
        Example::Example2,
        Example::AuthorizationError,
        Example::PermissionError,
        Example::Unauthorized,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Example::Success => "Success Example",
            Example::Example1 => "Example 1",
            Example::Example2 => "Example 2",
            Example::AuthorizationError => "Authorization Error",
            Example::PermissionError => "Permission Error",
            Example::Unauthorized => "Unauthorized",
        }
    }

    /// The status the page lists the example under.
    pub fn status(self) -> u16 {
        match self {
            Example::Success => 200,
            Example::Example1 | Example::Example2 => 400,
            Example::AuthorizationError => 401,
            Example::PermissionError | Example::Unauthorized => 403,
        }
    }
}

/// The statuses that can be asked for by code, each with its outcomes.
pub const CODES: [u16; 6] = [200, 400, 401, 403, 429, 500];

/// What a client, an override or a flag asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Choice {
    /// An outcome by its stable id.
    Outcome(OutcomeId),
    /// A status: the outcome the real server would send for this request if it has that status,
    /// else the first example of that status.
    Code(u16),
    /// A named example of the spec page, exactly.
    Example(Example),
}

impl Choice {
    /// Reads an example name or an outcome id.
    ///
    /// # Errors
    /// A name that is neither, with the accepted ones.
    pub fn by_name(name: &str) -> Result<Choice, String> {
        if let Some(example) = Example::ALL.into_iter().find(|e| e.name() == name) {
            return Ok(Choice::Example(example));
        }
        if let Some(id) = OutcomeId::ALL.into_iter().find(|id| id.as_str() == name) {
            return Ok(Choice::Outcome(id));
        }
        let names: Vec<&str> = Example::ALL
            .map(Example::name)
            .into_iter()
            .chain(OutcomeId::ALL.map(OutcomeId::as_str))
            .collect();
        let suggestion = closest(name, &names)
            .map(|close| format!(" (did you mean {close:?}?)"))
            .unwrap_or_default();
        Err(format!(
            "unknown example {name:?}{suggestion}; accepted: {}",
            accepted_names()
        ))
    }

    /// Reads a status code.
    ///
    /// # Errors
    /// A code this endpoint has no outcome for, with the accepted ones.
    pub fn by_code(code: &str) -> Result<Choice, String> {
        match code.trim().parse::<u16>() {
            Ok(code) if CODES.contains(&code) => Ok(Choice::Code(code)),
            _ => Err(format!(
                "unknown response code {code:?}; accepted: {}",
                list(CODES.map(|c| c.to_string()))
            )),
        }
    }

    /// Both a code and a name: the name must be one of the code's.
    fn by_code_and_name(code: &str, name: &str) -> Result<Choice, String> {
        let Choice::Code(status) = Choice::by_code(code)? else {
            unreachable!("by_code only returns codes")
        };
        let choice = Choice::by_name(name)?;
        let fits = match choice {
            Choice::Example(example) => example.status() == status,
            Choice::Outcome(id) => status_of(id) == Some(status),
            Choice::Code(_) => false,
        };
        if fits {
            Ok(choice)
        } else {
            Err(format!(
                "example {name:?} is not a {status} response; accepted for {status}: {}",
                names_for(status)
            ))
        }
    }
}

/// The status an outcome id answers with (none for a reset or a hang).
fn status_of(id: OutcomeId) -> Option<u16> {
    match id {
        OutcomeId::Ok | OutcomeId::Malformed => Some(200),
        OutcomeId::InvalidParams | OutcomeId::VisitorNotFound => Some(400),
        OutcomeId::NotLoggedIn => Some(401),
        OutcomeId::Forbidden | OutcomeId::ForbiddenGeneric => Some(403),
        OutcomeId::RateLimited => Some(429),
        OutcomeId::ServerError => Some(500),
        OutcomeId::Reset | OutcomeId::Hang => None,
    }
}

fn names_for(status: u16) -> String {
    let examples = Example::ALL
        .into_iter()
        .filter(|e| e.status() == status)
        .map(Example::name);
    let ids = OutcomeId::ALL
        .into_iter()
        .filter(|id| status_of(*id) == Some(status))
        .map(OutcomeId::as_str);
    list(examples.chain(ids))
}

fn accepted_names() -> String {
    list(
        Example::ALL
            .map(Example::name)
            .into_iter()
            .chain(OutcomeId::ALL.map(OutcomeId::as_str)),
    )
}

fn list<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> String {
    items
        .into_iter()
        .map(|s| format!("{:?}", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which header convention a per-request choice came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// `Prefer: code=403, example=Permission Error` (Stoplight Prism).
    Prefer,
    /// `x-mock-response-code` / `x-mock-response-name` (Postman mock servers).
    Postman,
}

impl Convention {
    pub fn as_str(self) -> &'static str {
        match self {
            Convention::Prefer => "prefer-header",
            Convention::Postman => "x-mock-response-header",
        }
    }
}

/// The per-request choice in a request's `Prefer`, `x-mock-response-code` and
/// `x-mock-response-name` header values, if any.
///
/// # Errors
/// An unknown code or name, or a name that is not one of the code's: the message lists what is
/// accepted.
pub fn from_values(
    prefer: Option<&str>,
    mock_code: Option<&str>,
    mock_name: Option<&str>,
) -> Result<Option<(Choice, Convention)>, String> {
    if let Some(prefer) = prefer {
        let (mut code, mut example) = (None, None);
        for preference in prefer.split(',') {
            let Some((key, value)) = preference.split_once('=') else {
                continue;
            };
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            match key.trim().to_ascii_lowercase().as_str() {
                "code" => code = Some(value.to_string()),
                "example" => example = Some(value.to_string()),
                _ => {} // other preferences (Prism's `dynamic`, RFC 7240's own) do not apply
            }
        }
        if let Some(choice) = combine(code.as_deref(), example.as_deref())? {
            return Ok(Some((choice, Convention::Prefer)));
        }
    }
    Ok(combine(mock_code, mock_name)?.map(|choice| (choice, Convention::Postman)))
}

fn combine(code: Option<&str>, name: Option<&str>) -> Result<Option<Choice>, String> {
    match (code, name) {
        (None, None) => Ok(None),
        (Some(code), None) => Choice::by_code(code).map(Some),
        (None, Some(name)) => Choice::by_name(name).map(Some),
        (Some(code), Some(name)) => Choice::by_code_and_name(code, name).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue 25: a misspelled name is answered with the name meant; codes are taken everywhere.
    #[test]
    fn a_slip_is_answered_with_the_name_meant_and_a_code_is_an_outcome() {
        let err = "forbiden".parse::<OutcomeId>().unwrap_err();
        assert!(err.contains(r#"(did you mean "forbidden"?)"#), "{err}");
        assert!(
            !"zzzzzz"
                .parse::<OutcomeId>()
                .unwrap_err()
                .contains("did you mean")
        );
        assert_eq!("403".parse(), Ok(OutcomeId::Forbidden));
        assert_eq!("500".parse(), Ok(OutcomeId::ServerError));
        assert!("418".parse::<OutcomeId>().is_err());
        let err = Choice::by_name("rate-limitted").unwrap_err();
        assert!(err.contains(r#"(did you mean "rate-limited"?)"#), "{err}");
    }
    use crate::base::text::header;
    use hyper::HeaderMap;
    use hyper::header::HeaderValue;

    fn from_headers(headers: &HeaderMap) -> Result<Option<(Choice, Convention)>, String> {
        from_values(
            header(headers, "prefer").as_deref(),
            header(headers, "x-mock-response-code").as_deref(),
            header(headers, "x-mock-response-name").as_deref(),
        )
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn prefer_takes_a_code_an_example_or_both() {
        assert_eq!(
            from_headers(&headers(&[("prefer", "code=403")])),
            Ok(Some((Choice::Code(403), Convention::Prefer)))
        );
        assert_eq!(
            from_headers(&headers(&[("prefer", "example=Unauthorized")])),
            Ok(Some((
                Choice::Example(Example::Unauthorized),
                Convention::Prefer
            )))
        );
        assert_eq!(
            from_headers(&headers(&[("prefer", "code=400, example=Example 2")])),
            Ok(Some((
                Choice::Example(Example::Example2),
                Convention::Prefer
            )))
        );
        assert_eq!(
            from_headers(&headers(&[("prefer", "example=\"Example 2\"")])),
            Ok(Some((
                Choice::Example(Example::Example2),
                Convention::Prefer
            )))
        );
        assert_eq!(
            from_headers(&headers(&[("prefer", "code=200, example=malformed")])),
            Ok(Some((
                Choice::Outcome(OutcomeId::Malformed),
                Convention::Prefer
            )))
        );
    }

    #[test]
    fn prefer_without_code_or_example_is_not_a_choice() {
        assert_eq!(
            from_headers(&headers(&[("prefer", "dynamic=true")])),
            Ok(None)
        );
        assert_eq!(
            from_headers(&headers(&[("prefer", "return=minimal")])),
            Ok(None)
        );
    }

    #[test]
    fn postman_headers_take_a_code_a_name_or_both() {
        assert_eq!(
            from_headers(&headers(&[("x-mock-response-code", "401")])),
            Ok(Some((Choice::Code(401), Convention::Postman)))
        );
        assert_eq!(
            from_headers(&headers(&[("x-mock-response-name", "forbidden-generic")])),
            Ok(Some((
                Choice::Outcome(OutcomeId::ForbiddenGeneric),
                Convention::Postman
            )))
        );
    }

    #[test]
    fn unknown_codes_and_names_and_mismatches_list_what_is_accepted() {
        assert_eq!(
            from_headers(&headers(&[("prefer", "code=418")])).unwrap_err(),
            "unknown response code \"418\"; accepted: \"200\", \"400\", \"401\", \"403\", \"429\", \"500\""
        );
        let err = from_headers(&headers(&[("x-mock-response-name", "Example 3")])).unwrap_err();
        assert!(
            err.starts_with(
                "unknown example \"Example 3\" (did you mean \"Example 1\"?); accepted: \"Success Example\", \"Example 1\""
            ),
            "{err}"
        );
        assert_eq!(
            from_headers(&headers(&[("prefer", "code=401, example=Example 2")])).unwrap_err(),
            "example \"Example 2\" is not a 401 response; accepted for 401: \"Authorization Error\", \"not-logged-in\""
        );
    }
}
