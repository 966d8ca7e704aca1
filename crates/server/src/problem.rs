//! Errors of the API: `{"errors": [PROBLEM, …]}` with the problems the command line prints
//! (the same codes, messages, files, lines, columns and help, as `--error-format json` writes
//! them), and the HTTP status a client expects. Problems that only a server has (busy, not
//! authorised, no register, …) have codes of their own, `H001`…, explained by
//! `tcscreen explain`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tcscreen_core::Code;
use tcscreen_core::advice::Surface;
use tcscreen_core::{Diagnostic, Json, canonical};
use tcscreen_packs::Catalog;
use tcscreen_service::render::problem::to_json;
use tcscreen_service::{NotScreened, Problem};

/// Seconds a client is asked to wait when the server is busy.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// An error answer: a status and the problems that explain it.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Why, as the command line would say it, each with the field at fault when there is one.
    pub problems: Vec<ApiProblem>,
    /// Seconds to wait before trying again (503 when busy).
    pub retry_after: Option<u32>,
}

/// A problem of an answer: the command line's problem, and the path of the field of the input
/// at fault when there is one (`""`: the input as a whole).
#[derive(Clone, Debug)]
pub struct ApiProblem {
    /// The problem.
    pub diagnostic: Diagnostic,
    /// The field at fault, as the error object's `path`.
    pub path: Option<String>,
}

impl ApiProblem {
    /// `diagnostic`, about the field at `path`.
    pub fn at(diagnostic: Diagnostic, path: impl Into<String>) -> ApiProblem {
        ApiProblem {
            diagnostic,
            path: Some(path.into()),
        }
    }

    /// The error object ([`problem_json`]).
    pub fn to_json(&self) -> Json {
        problem_json(&self.diagnostic, self.path.as_deref())
    }
}

impl From<Diagnostic> for ApiProblem {
    fn from(diagnostic: Diagnostic) -> ApiProblem {
        ApiProblem {
            diagnostic,
            path: None,
        }
    }
}

impl ApiError {
    /// An error with one problem.
    pub fn new(status: StatusCode, problem: impl Into<ApiProblem>) -> ApiError {
        ApiError {
            status,
            problems: vec![problem.into()],
            retry_after: None,
        }
    }

    /// An error with several problems, about no field in particular.
    pub fn many(status: StatusCode, problems: Vec<Diagnostic>) -> ApiError {
        ApiError {
            status,
            problems: problems.into_iter().map(ApiProblem::from).collect(),
            retry_after: None,
        }
    }

    /// The problems, without their paths.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.problems.iter().map(|p| &p.diagnostic)
    }

    /// 503 with `Retry-After`: every screening thread is busy and the queue is full.
    pub fn busy() -> ApiError {
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Diagnostic::error(
                Code::H001,
                "the server is busy: every screening thread is working and the queue is full",
            )
            .help(format!(
                "send the request again in {RETRY_AFTER_SECONDS} second(s); for many requests use POST /v1/screen/batch, which waits for room instead"
            )),
        );
        e.retry_after = Some(RETRY_AFTER_SECONDS);
        e
    }

    /// 400: a query parameter, form field or header is not what the endpoint takes.
    pub fn bad_request(message: impl Into<String>, help: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            Diagnostic::error(Code::H004, message).help(help),
        )
    }

    /// 404: nothing at this address.
    pub fn not_found(message: impl Into<String>, help: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            Diagnostic::error(Code::H005, message).help(help),
        )
    }

    /// 404: the server keeps no register.
    pub fn no_register() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            Diagnostic::error(Code::H006, "this server keeps no register").help(
                "history and human decisions need a register: ask the server's operator to start it with one",
            ),
        )
    }

    /// 500: the server's own work failed or stopped, not the register's (a listing, a
    /// portfolio, a validation, a replay, a record written into the answer, the clock).
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Diagnostic::error(Code::H010, message).help(
                "the request was not completed; try again, and tell the server's operator if it fails again",
            ),
        )
    }

    /// 500: the register could not be written or read.
    pub fn register(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Diagnostic::error(Code::H008, message).help(
                "the request was not completed; try again later, and tell the server's operator (the register may need checking)",
            ),
        )
    }

    /// The status and problems of a request that was not screened: 400 when the body is not
    /// text or not JSON, 422 when it is JSON but not a valid request, 404 when no pack
    /// matches, 503 when the server's packs cannot be used or a safety stop ended the
    /// screening.
    pub fn not_screened(not: &NotScreened, catalog: &Catalog) -> ApiError {
        let problems = not.diagnostics(catalog, &mut Default::default());
        let status = match &not.problem {
            Problem::Input(errors)
                if errors
                    .iter()
                    .all(|d| d.code == Code::I001 || d.code == Code::I002) =>
            {
                StatusCode::BAD_REQUEST
            }
            Problem::Input(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Problem::Select(d) if d.code == Code::P021 => StatusCode::NOT_FOUND,
            Problem::Select(d) if d.code == Code::P022 => StatusCode::UNPROCESSABLE_ENTITY,
            Problem::Select(_) | Problem::Pack { .. } | Problem::Stop(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
        ApiError::many(status, problems)
    }

    /// The body: `{"errors": [...]}`.
    pub fn to_json(&self) -> Json {
        Json::object([(
            "errors",
            Json::array(self.problems.iter().map(ApiProblem::to_json).collect()),
        )])
    }
}

/// A problem as JSON, with the field path of an input problem when it is known; help that
/// names an option is worded for the API (`?as_of=`, not `--as-of`).
pub fn problem_json(d: &Diagnostic, path: Option<&str>) -> Json {
    let json = to_json(&d.clone().worded_for(Surface::Http));
    match (path, json.value) {
        (Some(path), tcscreen_core::JsonValue::Object(members)) => Json::object(
            members
                .into_iter()
                .map(|m| (m.key, m.value))
                .chain([("path".to_string(), Json::string(path))]),
        ),
        (_, value) => Json::new(value),
    }
}

/// A JSON response: the value's canonical text and a newline.
pub fn json_response(status: StatusCode, json: &Json) -> Response {
    let mut body = canonical::to_canonical_string(json);
    body.push('\n');
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = json_response(self.status, &self.to_json());
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tcscreen\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 22: a failure of the server's own work is not reported as the register's.
    #[test]
    fn the_servers_own_failures_have_a_code_apart_from_the_registers() {
        let internal = ApiError::internal("the pack listing stopped");
        let register = ApiError::register("the register's writer has stopped");
        assert_eq!(internal.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(internal.problems[0].diagnostic.code, Code::H010);
        assert_eq!(register.problems[0].diagnostic.code, Code::H008);
        let said = |e: &ApiError| format!("{:?}", e.to_json());
        assert!(!said(&internal).contains("register"), "{}", said(&internal));
        assert!(said(&register).contains("register"), "{}", said(&register));
        assert!(!Code::H010.explanation().contains("register verify"));
    }
}
