//! The control API's routes, in one table. Dispatch, the 405's `Allow`, the 404's list, the
//! index page and the served OpenAPI's `/_mock/` paths are all read from [`ROUTES`].

use hyper::Method;

/// What a control route does; `routes.rs` answers each, `openapi.rs` describes each (both by
/// an exhaustive match, so a new one cannot be left out of either).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Ui,
    Health,
    GetOutcome,
    PutOutcome,
    DeleteOutcome,
    ListVisitors,
    PutVisitor,
    DeleteVisitor,
    Reset,
    ListRequests,
    ClearRequests,
    Coverage,
    ClearCoverage,
    CoverageMarkdown,
    ListExpectations,
    AddExpectation,
    ClearExpectations,
    Verify,
    ListProviderStates,
    ChangeProviderState,
    Pact,
    CaPem,
    OpenApi,
}

/// One control route: a method on a path (`{id}` stands for one segment).
#[derive(Debug)]
pub struct ControlRoute {
    pub method: Method,
    pub path: &'static str,
    pub op: Op,
}

const fn route(method: Method, path: &'static str, op: Op) -> ControlRoute {
    ControlRoute { method, path, op }
}

/// Every control route, grouped by path in the order the 404 and the index list them.
pub static ROUTES: [ControlRoute; 23] = [
    route(Method::GET, "/_mock/ui", Op::Ui),
    route(Method::GET, "/_mock/health", Op::Health),
    route(Method::GET, "/_mock/outcome", Op::GetOutcome),
    route(Method::PUT, "/_mock/outcome", Op::PutOutcome),
    route(Method::DELETE, "/_mock/outcome", Op::DeleteOutcome),
    route(Method::GET, "/_mock/visitors", Op::ListVisitors),
    route(Method::PUT, "/_mock/visitors/{id}", Op::PutVisitor),
    route(Method::DELETE, "/_mock/visitors/{id}", Op::DeleteVisitor),
    route(Method::POST, "/_mock/reset", Op::Reset),
    route(Method::GET, "/_mock/requests", Op::ListRequests),
    route(Method::DELETE, "/_mock/requests", Op::ClearRequests),
    route(Method::GET, "/_mock/coverage", Op::Coverage),
    route(Method::DELETE, "/_mock/coverage", Op::ClearCoverage),
    route(Method::GET, "/_mock/coverage.md", Op::CoverageMarkdown),
    route(Method::GET, "/_mock/expectations", Op::ListExpectations),
    route(Method::POST, "/_mock/expectations", Op::AddExpectation),
    route(Method::DELETE, "/_mock/expectations", Op::ClearExpectations),
    route(Method::GET, "/_mock/verify", Op::Verify),
    route(
        Method::GET,
        "/_mock/provider-states",
        Op::ListProviderStates,
    ),
    route(
        Method::POST,
        "/_mock/provider-states",
        Op::ChangeProviderState,
    ),
    route(Method::GET, "/_mock/pact", Op::Pact),
    route(Method::GET, "/_mock/ca.pem", Op::CaPem),
    route(Method::GET, "/_mock/openapi.json", Op::OpenApi),
];

/// What the table says of a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Found<'a> {
    /// This route, with the `{id}` segment when its path has one (still percent-encoded).
    Route(Op, Option<&'a str>),
    /// The path is a route's, the method is none of its: the methods it takes, for `Allow`.
    WrongMethod(String),
    NoRoute,
}

/// Whether `path` is `pattern`'s, and its `{id}` segment if it has one.
fn matches<'a>(pattern: &str, path: &'a str) -> Option<Option<&'a str>> {
    match pattern.strip_suffix("/{id}") {
        Some(prefix) => {
            let id = path.strip_prefix(prefix)?.strip_prefix('/')?;
            (!id.is_empty() && !id.contains('/')).then_some(Some(id))
        }
        None => (pattern == path).then_some(None),
    }
}

/// Finds the route of `method` on `path` (a trailing `/` is not the same path).
pub fn find<'a>(method: &Method, path: &'a str) -> Found<'a> {
    let mut allow = Vec::new();
    for candidate in &ROUTES {
        if let Some(id) = matches(candidate.path, path) {
            if candidate.method == method {
                return Found::Route(candidate.op, id);
            }
            allow.push(candidate.method.as_str());
        }
    }
    if allow.is_empty() {
        Found::NoRoute
    } else {
        Found::WrongMethod(allow.join(", "))
    }
}

/// Every route as `GET|PUT|DELETE /_mock/outcome, ...`: the 404's list and the index's.
pub fn listing() -> String {
    let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
    for route in &ROUTES {
        match groups.last_mut() {
            Some((methods, path)) if *path == route.path => methods.push(route.method.as_str()),
            _ => groups.push((vec![route.method.as_str()], route.path)),
        }
    }
    groups
        .iter()
        .map(|(methods, path)| format!("{} {path}", methods.join("|")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_finds_its_route_or_the_methods_its_path_takes() {
        assert_eq!(
            find(&Method::GET, "/_mock/health"),
            Found::Route(Op::Health, None)
        );
        assert_eq!(
            find(&Method::DELETE, "/_mock/visitors/v%201"),
            Found::Route(Op::DeleteVisitor, Some("v%201"))
        );
        assert_eq!(
            find(&Method::POST, "/_mock/outcome"),
            Found::WrongMethod("GET, PUT, DELETE".into())
        );
        assert_eq!(
            find(&Method::GET, "/_mock/visitors/x"),
            Found::WrongMethod("PUT, DELETE".into())
        );
        assert_eq!(find(&Method::GET, "/_mock/visitors/a/b"), Found::NoRoute);
        assert_eq!(find(&Method::GET, "/_mock/health/"), Found::NoRoute);
        assert_eq!(find(&Method::GET, "/_mock"), Found::NoRoute);
    }

    #[test]
    fn the_listing_groups_each_paths_methods_in_table_order() {
        assert_eq!(
            listing(),
            "GET /_mock/ui, GET /_mock/health, GET|PUT|DELETE /_mock/outcome, GET /_mock/visitors, PUT|DELETE /_mock/visitors/{id}, POST /_mock/reset, GET|DELETE /_mock/requests, GET|DELETE /_mock/coverage, GET /_mock/coverage.md, GET|POST|DELETE /_mock/expectations, GET /_mock/verify, GET|POST /_mock/provider-states, GET /_mock/pact, GET /_mock/ca.pem, GET /_mock/openapi.json"
        );
        // each path's routes are together, so the listing names every path once
        let mut paths: Vec<&str> = ROUTES.iter().map(|r| r.path).collect();
        paths.dedup();
        let mut unique = paths.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(paths.len(), unique.len());
    }
}
