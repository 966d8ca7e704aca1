//! The query string of the list of cases, shared by `GET /v1/cases` and the Cases page:
//! `state`, `country`, `decision`, `provider`, `received_from`, `received_to`, `q` (search),
//! `sort`, `order` (`asc` or `desc`), `limit` and `cursor`. Empty values mean "not set", as a
//! form sends them. A value that cannot be read is refused with the parameter's name and what
//! it takes.

use tcscreen_core::{Date, Decision};
use tcscreen_service::case_list::{CaseQuery, DEFAULT_PAGE, MAX_PAGE};
use tcscreen_service::register_index::{CaseState, SortBy};

use crate::problem::ApiError;

/// The parameters as given (each optional).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct CaseParams {
    /// `awaiting` or `decided`.
    pub state: Option<String>,
    /// A country code.
    pub country: Option<String>,
    /// The latest screening's decision: `accept`, `revise`, `reject` or `none`.
    pub decision: Option<String>,
    /// A provider's whole name.
    pub provider: Option<String>,
    /// Received on or after (YYYY-MM-DD).
    pub received_from: Option<String>,
    /// Received on or before (YYYY-MM-DD).
    pub received_to: Option<String>,
    /// Words to find in the id, title, requester or provider.
    pub q: Option<String>,
    /// The column to sort by.
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub order: Option<String>,
    /// Cases on a page.
    pub limit: Option<String>,
    /// Where the page starts (from the previous page's `next`).
    pub cursor: Option<String>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl CaseParams {
    /// The query they describe, or which parameter is wrong.
    pub fn to_query(&self) -> Result<CaseQuery, ApiError> {
        let wrong = |name: &str, value: &str, takes: &str| {
            ApiError::bad_request(
                format!("`{name}` cannot be `{value}`"),
                format!("{name} takes {takes}"),
            )
        };
        let date = |name: &str, value: &Option<String>| {
            given(value)
                .map(|v| Date::parse(v).ok_or_else(|| wrong(name, v, "a date, YYYY-MM-DD")))
                .transpose()
        };
        let state = given(&self.state)
            .map(|v| CaseState::parse(v).ok_or_else(|| wrong("state", v, "awaiting or decided")))
            .transpose()?;
        let decision = given(&self.decision)
            .map(|v| match v {
                "none" => Ok(None),
                _ => Decision::parse(v)
                    .map(Some)
                    .ok_or_else(|| wrong("decision", v, "accept, revise, reject or none")),
            })
            .transpose()?;
        let sort = given(&self.sort)
            .map(|v| {
                SortBy::parse(v).ok_or_else(|| {
                    let names: Vec<&str> = SortBy::ALL.iter().map(|s| s.as_str()).collect();
                    wrong("sort", v, &names.join(", "))
                })
            })
            .transpose()?
            .unwrap_or_default();
        let descending = match given(&self.order) {
            None => sort.descending_by_default(),
            Some("asc") => false,
            Some("desc") => true,
            Some(other) => return Err(wrong("order", other, "asc or desc")),
        };
        let limit = match given(&self.limit) {
            None => DEFAULT_PAGE,
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| wrong("limit", v, &format!("a number from 1 to {MAX_PAGE}")))?,
        };
        Ok(CaseQuery {
            state,
            country: given(&self.country).map(str::to_string),
            decision,
            provider: given(&self.provider).map(str::to_string),
            received_from: date("received_from", &self.received_from)?,
            received_to: date("received_to", &self.received_to)?,
            search: given(&self.q).map(str::to_string),
            sort,
            descending,
            cursor: given(&self.cursor).map(str::to_string),
            limit,
        })
    }
}
