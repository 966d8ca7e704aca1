//! Checking requests against the schema without screening them: an intake step. The same
//! limits and problems as screening, and a JSON form per request for tools.

use tcscreen_core::{Diagnostic, InputError, Json, JsonValue, RequestLimits, ValidRequest};

use crate::escape::controls as esc;
use crate::inputs::{Item, Location};
use crate::plural;
use crate::problems;

/// What validating one request found.
#[derive(Debug)]
pub struct Validation {
    /// Where the request came from.
    pub location: Location,
    /// Its id, when it is valid.
    pub id: Option<String>,
    /// Its problems, as the schema states them (code, field path, message).
    pub errors: Vec<InputError>,
    /// The same problems located in the source, with their lines: what people are shown.
    pub problems: Vec<Diagnostic>,
}

/// Validate the request of `item` within `limits`.
pub fn validate(item: Item, limits: &RequestLimits) -> Validation {
    let (result, text) = match item.text {
        Ok(text) => (ValidRequest::from_text(&text, limits), Some(text)),
        Err(e) => (Err(vec![e]), None),
    };
    match result {
        Ok(request) => Validation {
            location: item.location,
            id: Some(request.id().to_string()),
            errors: Vec::new(),
            problems: Vec::new(),
        },
        Err(errors) => Validation {
            problems: errors
                .iter()
                .map(|e| problems::from_input(&item.location, e, text.as_deref()))
                .collect(),
            location: item.location,
            id: None,
            errors,
        },
    }
}

impl Validation {
    /// Whether the request is valid.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// `{"source", "id", "valid", "errors": [{"code", "path", "message"}]}`.
    pub fn to_json(&self) -> Json {
        let errors = self
            .errors
            .iter()
            .map(|e| {
                Json::object([
                    ("code", Json::string(e.code.as_str())),
                    ("path", Json::string(&e.path)),
                    ("message", Json::string(&e.message)),
                ])
            })
            .collect();
        Json::object([
            ("source", Json::string(self.location.display())),
            ("id", Json::opt_string(self.id.as_deref())),
            ("valid", Json::new(JsonValue::Bool(self.is_valid()))),
            ("errors", Json::array(errors)),
        ])
    }

    /// `ok  SOURCE  ID` for a valid request, for people.
    pub fn ok_line(&self) -> Option<String> {
        let id = self.id.as_deref()?;
        Some(format!(
            "ok  {}  {}",
            esc(&self.location.display()),
            esc(id)
        ))
    }
}

/// `N requests: V valid, I invalid`.
pub fn summary(valid: usize, invalid: usize) -> String {
    format!(
        "{} {}: {valid} valid, {invalid} invalid",
        valid + invalid,
        plural(valid + invalid, "request", "requests")
    )
}
