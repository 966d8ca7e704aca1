//! The register, through its one writer and its index, for the API and the pages alike: the
//! list of cases, a case's entries opened from the register, and recording a person's
//! decision on the screening they saw (screenings are appended by [`crate::screening`]).
//! Nothing here reads the whole register: the index says where each entry lies, and opening one
//! reads its line and checks it against the hash verified when the server started.

use axum::http::StatusCode;
use tcscreen_core::{Code, DecisionRecord, Diagnostic};
use tcscreen_service::case_list::{self, CasePage, CaseQuery};
use tcscreen_service::decisions::{Audience, DecideError, DecisionInput, Refused};
use tcscreen_service::register::{Entry, HumanDecision};
use tcscreen_service::register_index::Case;

use crate::identity::{self, Permission};
use crate::problem::{ApiError, ApiProblem};
use crate::state::AppState;

/// A case with its entries opened from the register, oldest first.
pub struct CaseFile {
    /// The case as the index holds it.
    pub case: Case,
    /// Its entries, each with a screening's record.
    pub entries: Vec<(Entry, Option<DecisionRecord>)>,
}

impl CaseFile {
    /// The screenings, oldest first: entry and record.
    pub fn rounds(&self) -> impl Iterator<Item = (&Entry, &DecisionRecord)> {
        self.entries
            .iter()
            .filter_map(|(e, r)| r.as_ref().map(|r| (e, r)))
    }
}

/// Run `work` with the register's writer on a blocking thread (it may read the file).
async fn with_writer<R: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&tcscreen_service::register_writer::RegisterWriter) -> R + Send + 'static,
) -> Result<R, ApiError> {
    if state.register().is_none() {
        return Err(ApiError::no_register());
    }
    let state = state.clone();
    tokio::task::spawn_blocking(move || state.register().map(work))
        .await
        .ok()
        .flatten()
        .ok_or_else(|| ApiError::register("the register could not be read"))
}

/// A page of cases.
pub async fn cases(state: &AppState, query: CaseQuery) -> Result<CasePage, ApiError> {
    with_writer(state, move |writer| {
        case_list::list(&writer.index(), &query)
    })
    .await?
    .map_err(|bad| ApiError::bad_request(bad.0, "start again from the first page"))
}

/// How many cases wait for a person's decision.
pub async fn awaiting(state: &AppState) -> Result<usize, ApiError> {
    let writer = state.register().ok_or_else(ApiError::no_register)?;
    Ok(writer.index().awaiting())
}

/// The case of `request_id` (matched without regard to case) with every entry opened, or
/// `None` when the register has no entry for it.
pub async fn open_case(state: &AppState, request_id: &str) -> Result<Option<CaseFile>, ApiError> {
    let request_id = request_id.to_string();
    with_writer(state, move |writer| -> Result<Option<CaseFile>, String> {
        let Some(case) = writer.index().case(&request_id).cloned() else {
            return Ok(None);
        };
        let entries = writer.open(&case.entries())?;
        Ok(Some(CaseFile { case, entries }))
    })
    .await?
    .map_err(ApiError::register)
}

/// The record of the screening recorded as entry `seq` (`None` when that entry is not a
/// screening), read from the register through the index.
pub async fn open_record(state: &AppState, seq: u64) -> Result<Option<DecisionRecord>, ApiError> {
    with_writer(state, move |writer| writer.open(&[seq]))
        .await?
        .map(|mut opened| opened.pop().and_then(|(_, record)| record))
        .map_err(ApiError::register)
}

/// The entries of a request's case, oldest first (`tcscreen register show`).
pub async fn request_history(state: &AppState, request_id: &str) -> Result<Vec<Entry>, ApiError> {
    Ok(open_case(state, request_id)
        .await?
        .map(|file| file.entries.into_iter().map(|(e, _)| e).collect())
        .unwrap_or_default())
}

/// A decision refused: 404 when there is no screening to decide on, 409 when the screening
/// decided on is no longer the latest, 422 otherwise.
pub fn refused(refused: &Refused) -> ApiError {
    let status = match refused {
        Refused::NoScreening { .. } => StatusCode::NOT_FOUND,
        Refused::NotLatest { .. } => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let code = match refused {
        Refused::NoScreening { .. } => Code::H005,
        _ => Code::H007,
    };
    let told = refused.describe(Audience::Api);
    ApiError::new(
        status,
        ApiProblem {
            diagnostic: Diagnostic::error(code, told.message).maybe_help(told.help),
            path: refused.field().map(|f| f.name().to_string()),
        },
    )
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
