//! Screening one request for the API and the pages alike: parse the query (`as_of`, `pack`:
//! the screening date is today unless someone allowed to sets another),
//! queue the request on the screening threads without waiting for room (a full queue is 503),
//! await the result, and append the record to the register when the server keeps one.

use std::sync::Arc;
use tcscreen_core::Code;

use axum::http::StatusCode;
use tcscreen_core::{Date, InputError};
use tcscreen_service::register_writer::ScreeningEntry;
use tcscreen_service::{Item, Location, PackChoice, ScreenOptions, ScreenResult, Screened};

use crate::identity::{self, Permission};
use crate::problem::ApiError;
use crate::state::AppState;

/// `?as_of=` and `?pack=`, as the command line's `--as-of` and `--pack` (a pack by id only:
/// never a folder on the server).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ScreenQuery {
    /// The screening date, YYYY-MM-DD, or `received` (each request's own date); default today.
    pub as_of: Option<String>,
    /// `ID` or `ID@VERSION`.
    pub pack: Option<String>,
    /// `ID` or `ID@VERSION`: the pack for requests whose country has none, as the command
    /// line's `--fallback-pack` (e.g. `base`).
    pub fallback_pack: Option<String>,
}

impl ScreenQuery {
    /// The options these give, within the server's settings ([`AppState::screen_settings`]),
    /// for the actor of the request being answered ([`identity::current`]). The screening
    /// date is today (UTC): a requester never chooses the rules through the request's own
    /// dates. Another date, or a pack chosen by hand, needs [`Permission::ChooseDateOrPack`]
    /// (a decider's, or the one person of single-person mode).
    pub fn options(&self, state: &AppState) -> Result<ScreenOptions, ApiError> {
        let actor = identity::current();
        let pack = match given(&self.pack) {
            Some(name) => {
                let choice = PackChoice::by_name(name)
                    .map_err(|d| ApiError::new(StatusCode::BAD_REQUEST, d))?;
                actor.require(Permission::ChooseDateOrPack)?;
                choice
            }
            None => PackChoice::Automatic,
        };
        let mut settings = state.screen_settings().clone();
        settings.fallback_pack = given(&self.fallback_pack).map(str::to_string);
        let fallback = settings
            .fallback()
            .map_err(|d| ApiError::new(StatusCode::BAD_REQUEST, d))?;
        settings.as_of = self.as_of(&actor)?;
        Ok(settings.options(pack, fallback))
    }

    /// The screening date: today, unless `actor` may choose another (`None`: each request's
    /// `received` date).
    fn as_of(&self, actor: &identity::Actor) -> Result<Option<Date>, ApiError> {
        let today = screening_date_today()?;
        let Some(as_of) = given(&self.as_of) else {
            return Ok(Some(today));
        };
        if as_of == AS_OF_RECEIVED {
            actor.require(Permission::ChooseDateOrPack)?;
            return Ok(None);
        }
        let date = Date::parse(as_of).ok_or_else(|| {
            ApiError::bad_request(
                format!("as_of `{as_of}` is not a date"),
                "write the screening date as YYYY-MM-DD (or `received` for each request's own date), or leave as_of out to screen as of today",
            )
        })?;
        if date != today {
            actor.require(Permission::ChooseDateOrPack)?;
        }
        Ok(Some(date))
    }
}

/// A query parameter's value, trimmed, when it is given and not blank.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// `as_of=received`: screen each request as of its own `received` date (as the command line
/// does by default), for those allowed to choose the date.
pub const AS_OF_RECEIVED: &str = "received";

/// Today's date (UTC), the server's screening date.
pub fn screening_date_today() -> Result<Date, ApiError> {
    tcscreen_service::decisions::today().ok_or_else(|| {
        ApiError::internal("the system clock gives no date: the server cannot tell today's date")
    })
}

/// Whether a screening is appended to the register (downloads screen again without it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Register {
    /// Append it, when the server keeps a register.
    Append,
    /// Do not.
    Skip,
}

/// Screen `text` (or report why it could not be read) with `options`: the screening, or the
/// error to answer with.
pub async fn screen(
    state: &AppState,
    location: Location,
    text: Result<String, InputError>,
    options: ScreenOptions,
    register: Register,
) -> Result<Box<Screened>, ApiError> {
    // Whatever the route checked: only those allowed to screen do.
    identity::current().require(Permission::Screen)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let item = Item { location, text };
    state
        .screener()
        .submit(item, Arc::new(options), move |result| {
            let _ = tx.send(result);
        })
        .map_err(|_busy| ApiError::busy())?;
    let result = rx
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, stopped()))?;
    match result {
        ScreenResult::Screened(screened) => {
            if register == Register::Append {
                append(state, &screened).await?;
            }
            Ok(screened)
        }
        ScreenResult::NotScreened(not) => Err(ApiError::not_screened(
            &not,
            state.screener().packs().catalog(),
        )),
    }
}

/// Append a screening to the register, if the server keeps one, and wait until it is on disk.
pub async fn append(state: &AppState, screened: &Screened) -> Result<Option<u64>, ApiError> {
    let Some(writer) = state.register() else {
        return Ok(None);
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let account = crate::identity::current().account;
    writer.append_screening(entry(screened, account), move |r| {
        let _ = tx.send(r);
    });
    match rx.await {
        Ok(Ok(seq)) => Ok(Some(seq)),
        Ok(Err(why)) => Err(ApiError::register(why)),
        Err(_) => Err(ApiError::register("the register's writer has stopped")),
    }
}

/// The register entry of a screening asked for by `account` (when the server has accounts).
pub fn entry(screened: &Screened, account: Option<String>) -> ScreeningEntry {
    ScreeningEntry::of(screened).by(account)
}

fn stopped() -> tcscreen_core::Diagnostic {
    tcscreen_core::Diagnostic::error(Code::H001, "the screening threads have stopped")
        .help("the server is shutting down; send the request again when it is back")
}
