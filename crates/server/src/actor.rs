//! Who is acting: the one place the server decides which person a human decision is recorded
//! under. Today the server has no accounts, so it is the name the person typed in the decision
//! form or the API body (`by`); when accounts arrive, this is what returns the signed-in
//! account instead, and every caller follows.

use axum::http::HeaderMap;

use crate::state::AppState;

/// The person recording a decision: today the name they gave (`typed`), as it is.
pub fn decider(_state: &AppState, _headers: &HeaderMap, typed: &str) -> String {
    typed.to_string()
}
