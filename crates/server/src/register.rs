//! The register, through its one writer thread, for the API and the pages alike: the verified
//! entries about a request, and recording a person's decision on its latest screening
//! (screenings are appended by [`crate::screening`]).

use axum::http::StatusCode;
use tcscreen_core::{Code, Diagnostic};
use tcscreen_service::decisions::{DecideError, DecisionInput, Refused};
use tcscreen_service::register::{Entry, HumanDecision};

use crate::identity::{self, Permission};
use crate::problem::ApiError;
use crate::state::AppState;

/// The verified entries about a request (`tcscreen register show`).
pub async fn request_history(state: &AppState, request_id: &str) -> Result<Vec<Entry>, ApiError> {
    let writer = state.register().ok_or_else(ApiError::no_register)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    writer.history(request_id, move |r| {
        let _ = tx.send(r);
    });
    match rx.await {
        Ok(Ok(entries)) => Ok(entries),
        Ok(Err(broken)) => Err(ApiError::register(format!(
            "the register is damaged at entry {} ({}): {}",
            broken.seq,
            broken.damage.as_str(),
            broken.message
        ))),
        Err(_) => Err(ApiError::register("the register's writer has stopped")),
    }
}

/// A decision refused: 404 when there is no screening to decide on, 422 otherwise.
pub fn refused(refused: &Refused) -> ApiError {
    let status = match refused {
        Refused::NoScreening { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let code = match refused {
        Refused::NoScreening { .. } => Code::H005,
        _ => Code::H007,
    };
    let mut error = ApiError::new(
        status,
        Diagnostic::error(code, refused.message()).help(refused.help()),
    );
    error.paths = vec![refused.field().map(str::to_string)];
    error
}

/// Record a decision through the register's writer.
///
/// Every decision, from any route, goes through here: the actor of the request must be allowed
/// to decide, and the decision is recorded under their account (a typed name that differs is
/// refused), whatever the route checked before.
pub async fn record_decision(
    state: &AppState,
    request_id: &str,
    mut input: DecisionInput,
) -> Result<(u64, HumanDecision), ApiError> {
    let actor = identity::current();
    actor.require(Permission::Decide)?;
    input.by = actor.decided_by(Some(&input.by))?;
    let writer = state.register().ok_or_else(ApiError::no_register)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    writer.decide(request_id, input, move |r| {
        let _ = tx.send(r);
    });
    match rx.await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(DecideError::Refused(why))) => Err(refused(&why)),
        Ok(Err(DecideError::Damaged(broken))) => Err(ApiError::register(format!(
            "the register is damaged at entry {} ({}): {}; nothing was recorded",
            broken.seq,
            broken.damage.as_str(),
            broken.message
        ))),
        Ok(Err(DecideError::Io(why))) => Err(ApiError::register(why)),
        Err(_) => Err(ApiError::register("the register's writer has stopped")),
    }
}
