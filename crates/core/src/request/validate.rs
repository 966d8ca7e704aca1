//! Reading and validating a request (spec §2): text → JSON → checked against the schema.
//!
//! Validation checks form only (types, enums, calendar dates, signs, codes) and reports every
//! problem in one pass, each with its field path and position. Consistency between fields is
//! for rules to judge. A request that passes becomes a [`ValidRequest`], which carries its
//! canonical text and hash for the decision record.

use std::fmt;
use std::sync::Arc;

use crate::canonical;
use crate::date::Date;
use crate::diagnostics::codes::Code;
use crate::hash;
use crate::json::{self, Json, JsonErrorKind, JsonLimits, JsonValue, Pos};
use crate::request::schema::{self, CodeKind, Shape};
use crate::suggest::did_you_mean;

/// Bounds on one request. Together with the engine limits they are chosen so that the largest
/// request that passes validation can still be screened (see `docs/record.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLimits {
    /// Largest request text, in bytes.
    pub max_bytes: usize,
    /// Nesting depth and value count.
    pub json: JsonLimits,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            max_bytes: 4 * 1024 * 1024,
            json: JsonLimits::default(),
        }
    }
}

impl RequestLimits {
    /// The default limits with a size limit of `max_bytes` (`--max-request-bytes`), which may
    /// lower the default but not raise it: the engine's limits are sized so that the largest
    /// valid request can be screened.
    pub fn with_max_bytes(max_bytes: Option<usize>) -> RequestLimits {
        let mut limits = RequestLimits::default();
        if let Some(max) = max_bytes {
            limits.max_bytes = max.min(limits.max_bytes);
        }
        limits
    }
}

/// One problem with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// What kind of problem (`I0xx`); `tcscreen explain CODE` explains it.
    pub code: Code,
    /// The field path (`personnel[0].months`), empty for the request as a whole.
    pub path: String,
    /// Line and column in the text, when known.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Help worded for the command line or the API (it then replaces `help`).
    pub advice: Option<crate::advice::Advice>,
}

impl InputError {
    fn new(code: Code, path: &str, pos: Pos, message: impl Into<String>) -> Self {
        InputError {
            code,
            path: path.to_string(),
            pos,
            message: message.into(),
            help: None,
            advice: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pos.is_known() {
            write!(f, "{}: ", self.pos)?;
        }
        if !self.path.is_empty() {
            write!(f, "`{}`: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Decode the bytes of a request file as text: refuses empty and binary files and invalid
/// UTF-8 (naming where), and drops a leading byte-order mark.
pub fn decode_text(bytes: &[u8]) -> Result<&str, InputError> {
    if bytes.is_empty() {
        return Err(
            InputError::new(Code::I001, "", Pos::NONE, "the file is empty")
                .help("a request is one JSON object; see `tcscreen schema --example`"),
        );
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            let binary = bytes.contains(&0);
            let what = if binary {
                "binary data, not text"
            } else {
                "text that is not UTF-8"
            };
            return Err(InputError::new(Code::I001, "", end_pos(valid), what)
                .help("save the request as UTF-8 JSON text"));
        }
    };
    if let Some(at) = text.find('\0') {
        return Err(InputError::new(
            Code::I001,
            "",
            end_pos(&text[..at]),
            "binary data, not text (a NUL byte)",
        )
        .help("save the request as UTF-8 JSON text"));
    }
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// The position just after `text`.
fn end_pos(text: &str) -> Pos {
    let line = text.matches('\n').count() + 1;
    let last_line = text.rsplit('\n').next().unwrap_or("");
    Pos::new(line as u32, last_line.chars().count() as u32 + 1)
}

/// A request that passed validation, ready to screen.
#[derive(Clone, Debug)]
pub struct ValidRequest {
    // Shared with the decision records made from it, which embed both.
    json: Arc<Json>,
    canonical: Arc<str>,
    sha256: String,
    id: String,
    country: String,
    received: Date,
}

impl ValidRequest {
    /// Read and validate a request from its text.
    pub fn from_text(text: &str, limits: &RequestLimits) -> Result<ValidRequest, Vec<InputError>> {
        if text.len() > limits.max_bytes {
            return Err(vec![InputError::new(
                Code::I005,
                "",
                Pos::NONE,
                format!("the request is {} bytes, more than the limit of {}", text.len(), limits.max_bytes),
            )
            .help("move bulky material (annexes, full texts) out of the request and cite it in `documents`")]);
        }
        let json = json::parse(text, limits.json).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let code = match e.kind {
                        JsonErrorKind::Syntax
                        | JsonErrorKind::TrailingContent
                        | JsonErrorKind::Empty => Code::I002,
                        JsonErrorKind::DuplicateKey => Code::I003,
                        JsonErrorKind::NumberRange => Code::I004,
                        JsonErrorKind::Limit => Code::I005,
                    };
                    let advice = (e.kind == JsonErrorKind::TrailingContent)
                        .then_some(crate::advice::Advice::OneRequestPerLine);
                    InputError {
                        code,
                        path: String::new(),
                        pos: e.pos,
                        message: e.message,
                        help: e.help,
                        advice,
                    }
                })
                .collect::<Vec<_>>()
        })?;
        ValidRequest::from_json(json)
    }

    /// Validate an already parsed request.
    pub fn from_json(json: Json) -> Result<ValidRequest, Vec<InputError>> {
        let mut errors = Vec::new();
        let mut path = String::new();
        check(&json, &schema::REQUEST, &mut path, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let field = |name: &str| {
            json.get(name)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let (id, country) = (field("id"), field("country"));
        let Some(received) = Date::parse(&field("received")) else {
            return Err(vec![InputError::new(
                Code::I014,
                "received",
                Pos::NONE,
                "not a date",
            )]);
        };
        let late: Vec<InputError> = crate::request::received::check(&json, received)
            .into_iter()
            .map(|l| InputError::new(Code::I025, &l.path, l.pos, l.message).help(l.help))
            .collect();
        if !late.is_empty() {
            return Err(late);
        }
        let canonical = canonical::to_canonical_string(&json);
        let sha256 = hash::sha256_hex(canonical.as_bytes());
        Ok(ValidRequest {
            json: Arc::new(json),
            canonical: canonical.into(),
            sha256,
            id,
            country,
            received,
        })
    }

    /// The request id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The requesting country (ISO 3166-1 alpha-2).
    pub fn country(&self) -> &str {
        &self.country
    }

    /// The date the request was received: the default as-of date.
    pub fn received(&self) -> Date {
        self.received
    }

    /// The TC's planned first and last days (`schedule.start`, `schedule.end`), when stated.
    pub fn schedule(&self) -> (Option<Date>, Option<Date>) {
        let date = |key: &str| {
            self.json
                .get("schedule")
                .and_then(|s| s.get(key))
                .and_then(Json::as_str)
                .and_then(Date::parse)
        };
        (date("start"), date("end"))
    }

    /// The request as parsed.
    pub fn json(&self) -> &Json {
        &self.json
    }

    /// The request as parsed, shared.
    pub fn shared_json(&self) -> Arc<Json> {
        Arc::clone(&self.json)
    }

    /// The canonical JSON text of the request as received.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The canonical text, shared.
    pub fn shared_canonical(&self) -> Arc<str> {
        Arc::clone(&self.canonical)
    }

    /// SHA-256 of the canonical text, lowercase hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn check(value: &Json, shape: &Shape, path: &mut String, errors: &mut Vec<InputError>) {
    let mismatch = |expected: &str, here: &str| {
        InputError::new(
            Code::I012,
            here,
            value.pos,
            format!("expected {expected}, found {}", value.kind_name()),
        )
    };
    match (shape, &value.value) {
        (Shape::Object(fields), JsonValue::Object(members)) => {
            check_object(value, fields, members, path, errors);
        }
        (Shape::Object(_), _) => errors.push(mismatch("an object", path)),
        (Shape::FreeObject, JsonValue::Object(_)) => {}
        (Shape::FreeObject, _) => errors.push(mismatch("an object", path)),
        (Shape::List(item), JsonValue::Array(items)) => {
            for (i, element) in items.iter().enumerate() {
                let saved = path.len();
                use std::fmt::Write as _;
                let _ = write!(path, "[{i}]");
                check(element, item, path, errors);
                path.truncate(saved);
            }
        }
        (Shape::List(_), _) => errors.push(mismatch("an array", path)),
        (Shape::Bool, JsonValue::Bool(_)) => {}
        (Shape::Bool, _) => errors.push(mismatch("`true` or `false`", path)),
        (Shape::NonNegative | Shape::Percent, JsonValue::Number(n)) => {
            if n.is_sign_negative() {
                errors.push(InputError::new(
                    Code::I015,
                    path,
                    value.pos,
                    format!("must not be negative, found {n}"),
                ));
            } else if matches!(shape, Shape::NonNegative)
                && *n > rust_decimal::Decimal::from(schema::MAX_AMOUNT)
            {
                errors.push(
                    InputError::new(
                        Code::I015,
                        path,
                        value.pos,
                        format!("must be at most 1000000000000000 (10^15), found {n}"),
                    )
                    .help("amounts and durations are at most 10^15; check the figure (a misplaced decimal point, or cents written as units?)"),
                );
            } else if matches!(shape, Shape::Percent) && *n > rust_decimal::Decimal::ONE_HUNDRED {
                errors.push(InputError::new(
                    Code::I015,
                    path,
                    value.pos,
                    format!("a percentage must be between 0 and 100, found {n}"),
                ));
            }
        }
        (Shape::NonNegative, _) => errors.push(mismatch("a number", path)),
        (Shape::Percent, _) => errors.push(mismatch("a number from 0 to 100", path)),
        (Shape::Text, JsonValue::String(_)) => {}
        (Shape::Text, _) => errors.push(mismatch("a string", path)),
        (Shape::SchemaName, JsonValue::String(s)) if s == schema::REQUEST_SCHEMA => {}
        (Shape::SchemaName, _) => errors.push(
            InputError::new(
                Code::I013,
                path,
                value.pos,
                format!("expected \"{}\"", schema::REQUEST_SCHEMA),
            )
            .help("leave `schema` out, or set it to the version this request was written for"),
        ),
        (Shape::Enum(allowed), v) if !matches!(v, JsonValue::String(_)) => errors.push(
            mismatch("a string", path).help(format!("expected one of: {}", allowed.join(", "))),
        ),
        (Shape::Date, v) if !matches!(v, JsonValue::String(_)) => {
            errors.push(mismatch("a date string (YYYY-MM-DD)", path));
        }
        (_, JsonValue::String(s)) => check_text(shape, s, value.pos, path, errors),
        (_, _) => errors.push(mismatch("a string", path)),
    }
}

/// An object: each member against its field (unknown ones refused), then the required fields.
fn check_object(
    value: &Json,
    fields: &[crate::request::schema::Field],
    members: &[crate::json::Member],
    path: &mut String,
    errors: &mut Vec<InputError>,
) {
    // The path buffer grows and shrinks in place; strings are built only for errors.
    let saved = path.len();
    for member in members {
        match fields.iter().find(|f| f.name == member.key) {
            Some(field) => {
                if member.value.is_null() {
                    continue;
                }
                if saved > 0 {
                    path.push('.');
                }
                path.push_str(field.name);
                check(&member.value, field.shape, path, errors);
                path.truncate(saved);
            }
            None => errors.push(unknown_field(fields, member, &path[..saved])),
        }
    }
    for field in fields.iter().filter(|f| f.required) {
        let present = members
            .iter()
            .any(|m| m.key == field.name && !m.value.is_null());
        if !present {
            errors.push(
                InputError::new(
                    Code::I010,
                    &join(&path[..saved], field.name),
                    value.pos,
                    format!("missing required field `{}`", field.name),
                )
                .help("every request needs `id`, `country`, `title` and `received`"),
            );
        }
    }
}

/// I011: a member that is not a field of the object at `here`, with the field meant.
fn unknown_field(
    fields: &[crate::request::schema::Field],
    member: &crate::json::Member,
    here: &str,
) -> InputError {
    let names = fields.iter().map(|f| f.name);
    let place = if here.is_empty() {
        "the request".to_string()
    } else {
        format!("`{here}`")
    };
    let error = InputError::new(
        Code::I011,
        &join(here, &member.key),
        member.key_pos,
        format!("unknown field `{}` in {place}", member.key),
    );
    let help = match did_you_mean(&member.key, names.clone()) {
        Some(s) => format!("did you mean `{s}`?"),
        None if here.is_empty() => format!(
            "the fields of a request are: {}; put country-specific data under `extensions`",
            names.collect::<Vec<_>>().join(", ")
        ),
        None => format!(
            "the fields here are: {}",
            names.collect::<Vec<_>>().join(", ")
        ),
    };
    error.help(help)
}

/// A string against the shapes that hold strings: non-blank text, ids, dates, allowed values
/// and codes.
fn check_text(shape: &Shape, s: &str, pos: Pos, path: &str, errors: &mut Vec<InputError>) {
    match shape {
        Shape::NonBlankText | Shape::Id { non_blank: true } if s.trim().is_empty() => {
            errors.push(InputError::new(Code::I017, path, pos, "must not be empty"));
        }
        Shape::Id { .. } => {
            if let Some((at, c)) = s
                .chars()
                .enumerate()
                .find(|(_, c)| crate::text::is_unsafe(*c))
            {
                errors.push(
                    InputError::new(
                        Code::I018,
                        path,
                        pos,
                        format!(
                            "an id may not hold control characters: U+{:04X} is character {} of it",
                            u32::from(c),
                            at + 1
                        ),
                    )
                    .help("ids are shown in decision notes, registers and terminals; remove line breaks, tabs, escape and direction characters from it"),
                );
            } else if let Some((at, c, what)) = crate::lookalike::id_lookalike(s) {
                errors.push(
                    InputError::new(
                        Code::I019,
                        path,
                        pos,
                        format!(
                            "an id may not hold {what}: U+{:04X} is character {at} of it",
                            u32::from(c)
                        ),
                    )
                    .help("an id with it could look exactly like another id; write the id with the characters it seems to have"),
                );
            }
        }
        Shape::Date if Date::parse(s).is_none() => errors.push(
            InputError::new(
                Code::I014,
                path,
                pos,
                format!("`{s}` is not a calendar date"),
            )
            .help("write dates as YYYY-MM-DD, for example 2025-03-04"),
        ),
        Shape::Enum(allowed) if !allowed.contains(&s) => {
            let help = match did_you_mean(s, allowed.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("expected one of: {}", allowed.join(", ")),
            };
            errors.push(
                InputError::new(
                    Code::I013,
                    path,
                    pos,
                    format!("`{s}` is not an allowed value"),
                )
                .help(help),
            );
        }
        Shape::Code(kind) => {
            let (ok, what) = match kind {
                CodeKind::Country => (
                    is_upper_code(s, 2),
                    "an ISO 3166-1 alpha-2 country code in upper case, like `KH`",
                ),
                CodeKind::Currency => (
                    is_upper_code(s, 3),
                    "an ISO 4217 currency code in upper case, like `USD`",
                ),
                CodeKind::DacSector => (
                    s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit()),
                    "a five-digit OECD DAC purpose code as a string, like \"15110\"",
                ),
            };
            if !ok {
                errors.push(InputError::new(
                    Code::I016,
                    path,
                    pos,
                    format!("`{s}` is not {what}"),
                ));
            }
        }
        _ => {}
    }
}

fn is_upper_code(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<InputError> {
        ValidRequest::from_text(text, &RequestLimits::default()).expect_err("invalid")
    }

    const MINIMAL: &str =
        r#"{"id": "R1", "country": "KH", "title": "T", "received": "2025-03-04"}"#;

    #[test]
    fn minimal_request_is_valid() {
        let r = ValidRequest::from_text(MINIMAL, &RequestLimits::default()).unwrap();
        assert_eq!(r.id(), "R1");
        assert_eq!(
            r.canonical(),
            r#"{"country":"KH","id":"R1","received":"2025-03-04","title":"T"}"#
        );
        assert_eq!(r.sha256().len(), 64);
    }

    #[test]
    fn reports_every_problem_in_one_pass() {
        let text = r#"{"id": "R1", "country": "kh", "received": "2025-02-30",
            "origin": {"torr": {}, "initiated_by": "provder"},
            "personnel": [{"months": -3, "origin": "international"}, {"months": "six"}],
            "alignment": {"sectors": [{"code": 15110, "share": 120}]},
            "finance": {"total": 10, "tied": true}}"#;
        let found: Vec<(String, Code)> = errors(text)
            .iter()
            .map(|e| (e.path.clone(), e.code))
            .collect();
        assert_eq!(
            found,
            [
                ("country".to_string(), Code::I016),
                ("received".to_string(), Code::I014),
                ("origin.torr".to_string(), Code::I011),
                ("origin.initiated_by".to_string(), Code::I013),
                ("personnel[0].months".to_string(), Code::I015),
                ("personnel[1].months".to_string(), Code::I012),
                ("alignment.sectors[0].code".to_string(), Code::I012),
                ("alignment.sectors[0].share".to_string(), Code::I015),
                ("finance.tied".to_string(), Code::I012),
                ("title".to_string(), Code::I010),
            ]
        );
    }

    #[test]
    fn amounts_and_durations_are_bounded() {
        // 7.9e28 fits a decimal but overflowed base/DQ-02's sums: refused, naming the bound.
        let text = r#"{"id": "R1", "country": "KH", "title": "T", "received": "2025-03-04",
            "finance": {"total": 79000000000000000000000000000, "personnel": 1000000000000000},
            "personnel": [{"months": 1000000000000000.5}]}"#;
        let found = errors(text);
        let paths: Vec<&str> = found.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["finance.total", "personnel[0].months"]);
        for e in &found {
            assert_eq!(e.code, Code::I015);
            assert!(
                e.message.contains("at most 1000000000000000"),
                "{}",
                e.message
            );
        }
        let schema = crate::canonical::to_canonical_string(&schema::json_schema());
        assert!(schema.contains(r#""maximum":1000000000000000"#));
    }

    #[test]
    fn suggestions_for_typos() {
        let e = &errors(
            r#"{"id": "R1", "country": "KH", "title": "T", "received": "2025-03-04", "origin": {"torr": {}}}"#,
        )[0];
        assert_eq!(e.message, "unknown field `torr` in `origin`");
        assert_eq!(e.help.as_deref(), Some("did you mean `tor`?"));
        assert_eq!(e.pos, Pos::new(1, 82));
        let e = &errors(
            r#"{"id": "R1", "country": "KH", "title": "T", "received": "2025-03-04", "origin": {"initiated_by": "provder"}}"#,
        )[0];
        assert_eq!(e.help.as_deref(), Some("did you mean `provider`?"));
    }

    #[test]
    fn null_means_absent() {
        let e = errors(
            r#"{"id": null, "country": "KH", "title": "T", "received": "2025-03-04", "summary": null}"#,
        );
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].code, Code::I010);
        assert_eq!(e[0].path, "id");
    }

    #[test]
    fn text_decoding() {
        assert_eq!(decode_text(b"").unwrap_err().message, "the file is empty");
        assert_eq!(
            decode_text(b"{\n \"a\": \xff}").unwrap_err().pos,
            Pos::new(2, 7)
        );
        assert!(
            decode_text(b"\x00\x01\x02")
                .unwrap_err()
                .message
                .contains("binary")
        );
        assert_eq!(decode_text("\u{feff}{}".as_bytes()).unwrap(), "{}");
    }
}
