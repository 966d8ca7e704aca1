//! Which address serves what: the JSON API under `/v1` and the health checks ([`crate::api`]),
//! the pages and their assets ([`crate::web`]), every request through the checks of
//! [`crate::guard`], and what answers when no route or no method matches (JSON for the API, a
//! page otherwise).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::problem::ApiError;
use crate::security::is_api;
use crate::state::AppState;
use crate::{api, api_cases, guard, web};

/// The routes: the JSON API under `/v1`, health checks, the pages and their assets.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/v1/screen", post(api::screen))
        .route("/v1/screen/batch", post(api::screen_batch))
        .route("/v1/validate", post(api::validate))
        .route("/v1/schema", get(api::schema))
        .route("/v1/schema/example", get(api::example))
        .route("/v1/packs", get(api::packs))
        .route("/v1/rules/{*id}", get(api::rule))
        .route("/v1/replay", post(api::replay))
        .route("/v1/cases", get(api_cases::cases))
        .route("/v1/register/{request_id}", get(api::history))
        .route("/v1/register/{request_id}/decision", post(api::decide))
        .route("/v1/reload", post(api::reload))
        .route("/v1/openapi.json", get(api::openapi))
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz));
    api.merge(web::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .with_state(state)
}

/// A route that does not take the method: 405 (JSON for the API, a page otherwise).
pub async fn method_not_allowed(
    State(state): State<AppState>,
    method: axum::http::Method,
    uri: axum::http::Uri,
) -> Response {
    let mut error = ApiError::bad_request(
        format!("{} does not take {method}", uri.path()),
        "GET /v1/openapi.json lists each endpoint with its method",
    );
    error.status = StatusCode::METHOD_NOT_ALLOWED;
    if is_api(uri.path()) {
        error.into_response()
    } else {
        web::error_page(&state, &error)
    }
}

/// No route: 404 (JSON for the API, a page otherwise).
pub async fn not_found(State(state): State<AppState>, uri: axum::http::Uri) -> Response {
    if is_api(uri.path()) {
        ApiError::not_found(
            format!("nothing at {}", uri.path()),
            "GET /v1/openapi.json lists the endpoints",
        )
        .into_response()
    } else {
        web::not_found(&state, uri.path())
    }
}
