//! `import iati --attach REQUEST.json FILE --identifier ID`: the provider's published record of
//! an activity added to a requester's own request, as `extensions.iati` (the form DQ-01
//! compares with what the requester says) and `extensions.iati_source`. Nothing else in the
//! request changes: what the requester says and what the provider published stay two sides
//! that can disagree.

use std::io::Read;

use tcscreen_core::json::{self, JsonLimits, Member};
use tcscreen_core::{Json, JsonValue, Pos};

use super::activity::{self, Activity};
use super::gate;
use super::mapping::{self, CountryPart, ImportOptions};
use super::splitter::{Piece, Splitter};

/// The request with the record attached, and remarks for people (a record replaced, the
/// request's country not among the activity's).
#[derive(Debug)]
pub struct Attached {
    /// The request, members in their order.
    pub request: Json,
    /// Remarks.
    pub remarks: Vec<String>,
}

/// Attach the activity `identifier` of the IATI file `xml` to `request_text`.
pub fn attach(
    request_text: &str,
    xml: impl Read,
    identifier: &str,
    options: &ImportOptions,
) -> Result<Attached, String> {
    let mut request = json::parse(request_text, JsonLimits::default()).map_err(|errors| {
        match errors.first() {
            Some(e) => format!("the request is not valid JSON: {}: {}", e.pos, e.message),
            None => "the request is not valid JSON".into(),
        }
    })?;
    let country = request
        .get("country")
        .and_then(Json::as_str)
        .map(str::to_string);
    let JsonValue::Object(_) = request.value else {
        return Err("the request is not a JSON object".into());
    };
    let activity = find(xml, identifier, &options.file)?;
    let verdict = gate::judge(&activity);
    let parts = mapping::countries(&activity);
    let mut remarks = Vec::new();
    let part = match country
        .as_deref()
        .and_then(|c| parts.iter().find(|p| p.country == c))
    {
        Some(part) => part.clone(),
        None => {
            let listed: Vec<&str> = parts.iter().map(|p| p.country.as_str()).collect();
            remarks.push(format!(
                "the published activity {identifier} does not name the request's country {} among its recipient countries ({})",
                country.as_deref().unwrap_or("(none)"),
                if listed.is_empty() { "none".to_string() } else { listed.join(", ") }
            ));
            CountryPart {
                country: country.clone().unwrap_or_default(),
                percentage: None,
                on_transactions: false,
            }
        }
    };
    let draft = mapping::request(&activity, &part, &verdict, options);
    let Some(JsonValue::Object(members)) = draft.get("extensions").map(|e| e.value.clone()) else {
        return Err("internal: the draft has no extensions".into());
    };
    let extensions = extensions_of(&mut request);
    for member in members {
        if let Some(existing) = extensions.iter_mut().find(|m| m.key == member.key) {
            remarks.push(format!(
                "extensions.{} was replaced by the published record",
                member.key
            ));
            existing.value = member.value;
        } else {
            extensions.push(member);
        }
    }
    Ok(Attached { request, remarks })
}

/// The request's `extensions` members, created when missing.
fn extensions_of(request: &mut Json) -> &mut Vec<Member> {
    let JsonValue::Object(members) = &mut request.value else {
        unreachable!("checked to be an object");
    };
    let at = match members.iter().position(|m| m.key == "extensions") {
        Some(i) if matches!(members[i].value.value, JsonValue::Object(_)) => i,
        Some(i) => {
            members[i].value = Json::object(Vec::<(String, Json)>::new());
            i
        }
        None => {
            members.push(Member {
                key: "extensions".into(),
                key_pos: Pos::NONE,
                value: Json::object(Vec::<(String, Json)>::new()),
            });
            members.len() - 1
        }
    };
    match &mut members[at].value.value {
        JsonValue::Object(extensions) => extensions,
        _ => unreachable!("made an object above"),
    }
}

/// The activity `identifier` in the file; an error naming the closest identifier when absent.
fn find(xml: impl Read, identifier: &str, file: &str) -> Result<Activity, String> {
    let mut seen: Vec<String> = Vec::new();
    for piece in Splitter::new(xml) {
        let Piece::Activity(raw) = piece else {
            continue;
        };
        match activity::read(&raw) {
            Ok(activity) if activity.identifier == identifier.trim() => return Ok(activity),
            Ok(activity) => seen.push(activity.identifier),
            Err(problem) if problem.activity.as_deref() == Some(identifier.trim()) => {
                return Err(format!(
                    "{file}:{}:{}: the activity {identifier} cannot be read: {}",
                    problem.place.line, problem.place.column, problem.message
                ));
            }
            Err(_) => {}
        }
    }
    let hint = tcscreen_core::suggest::did_you_mean(identifier, seen.iter().map(String::as_str))
        .map(|s| format!(" (did you mean {s}?)"))
        .unwrap_or_default();
    Err(format!(
        "{file} holds no activity with the identifier {identifier}{hint}"
    ))
}
