//! `received` cannot come before the request's own dates.
//!
//! The screening date defaults to `received`, and the screening date chooses the rules: a
//! requester who backdates `received` would pick an older, laxer pack (issue 18.1). A request
//! cannot have been received before the documents it holds existed: its letter, endorsements,
//! approvals, needs assessment, attached documents, or the start of a phase it extends. Such a
//! request is an input problem (I025) at the field that is later, not a screening.

use crate::date::Date;
use crate::json::{Json, JsonValue, Pos};

/// One of the request's own dates that falls after `received`: the request turns it into an
/// input problem (I025).
pub(crate) struct LateDate {
    /// The field path.
    pub(crate) path: String,
    /// Where the date is written.
    pub(crate) pos: Pos,
    /// What is wrong.
    pub(crate) message: String,
    /// How to fix it.
    pub(crate) help: String,
}

/// Dates that exist by the time a request is received: (path, what it is in words).
const SINGLE: &[(&[&str], &str)] = &[
    (&["origin", "request_letter", "date"], "the request letter"),
    (
        &["origin", "provider_approval_date"],
        "the provider's approval",
    ),
    (
        &["origin", "tor", "approval_date"],
        "the approval of the terms of reference",
    ),
    (
        &["origin", "needs_assessment", "date"],
        "the needs assessment",
    ),
    (
        &["alignment", "sector_forum", "date"],
        "the sector forum's review",
    ),
];

/// Lists whose items carry such a date: (list path, date key, what an item is).
const LISTS: &[(&[&str], &str, &str)] = &[
    (&["requester", "endorsements"], "date", "an endorsement"),
    (&["documents"], "date", "an attached document"),
    (
        &["schedule", "previous_phases"],
        "start",
        "the start of a previous phase",
    ),
];

fn at<'a>(json: &'a Json, path: &[&str]) -> Option<&'a Json> {
    path.iter().try_fold(json, |j, key| j.get(key))
}

fn date_of(json: &Json) -> Option<(Date, Pos)> {
    Date::parse(json.as_str()?).map(|d| (d, json.pos))
}

/// Every date of `request` that must be on or before `received`: (field path, what, date,
/// position).
fn own_dates(request: &Json) -> Vec<(String, &'static str, Date, Pos)> {
    let mut dates = Vec::new();
    for (path, what) in SINGLE {
        if let Some((date, pos)) = at(request, path).and_then(date_of) {
            dates.push((path.join("."), *what, date, pos));
        }
    }
    for (path, key, what) in LISTS {
        if let Some(JsonValue::Array(items)) = at(request, path).map(|j| &j.value) {
            for (i, item) in items.iter().enumerate() {
                if let Some((date, pos)) = item.get(key).and_then(date_of) {
                    dates.push((format!("{}[{i}].{key}", path.join(".")), *what, date, pos));
                }
            }
        }
    }
    dates
}

/// Each of the request's own dates that falls after `received`.
pub(crate) fn check(request: &Json, received: Date) -> Vec<LateDate> {
    own_dates(request)
        .into_iter()
        .filter(|(_, _, date, _)| *date > received)
        .map(|(path, what, date, pos)| LateDate {
            path,
            pos,
            message: format!(
                "{what} is dated {date}, after the date the request was received ({received}): a request cannot be received before its own documents"
            ),
            help: format!(
                "set `received` to the day the coordination unit received the request (on or after {date}), or correct this date; the screening date, and so the rules that apply, follow from `received`"
            ),
        })
        .collect()
}
