//! `GET /v1/cases`: the register's cases, filtered, searched, sorted and paged with a cursor
//! (the parameters are [`crate::case_params`]; the answer is described in `docs/api.md`).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use tcscreen_core::Json;
use tcscreen_service::case_list::CaseSummary;

use crate::case_params::CaseParams;
use crate::problem::{ApiError, json_response};
use crate::register;
use crate::state::AppState;

/// `GET /v1/cases`: `{"cases": [...], "next": CURSOR|null, "total": N, "awaiting": N}`.
pub async fn cases(
    State(state): State<AppState>,
    params: Result<Query<CaseParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = params.map(|Query(p)| p).map_err(|e| {
        ApiError::bad_request(
            format!("the query string cannot be read: {}", e.body_text()),
            "see docs/api.md for the parameters of GET /v1/cases",
        )
    })?;
    let query = params.to_query()?;
    let page = register::cases(&state, query).await?;
    let awaiting = register::awaiting(&state).await?;
    Ok(json_response(
        StatusCode::OK,
        &Json::object([
            (
                "cases",
                Json::array(page.cases.iter().map(CaseSummary::to_json).collect()),
            ),
            ("next", Json::opt_string(page.next.as_deref())),
            ("total", Json::number(page.total as u64)),
            ("awaiting", Json::number(awaiting as u64)),
        ]),
    ))
}
