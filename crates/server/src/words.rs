//! An officer's words on every page: fields by their labels ("Personnel, row 1: months"), the
//! schema's values by their labels (`tcscreen_core::request::schema_labels`), shapes and
//! problems in plain sentences ("Personnel, row 1: months must be a number, zero or more"),
//! and text from the engine (field descriptions, problem messages, help) with its code marks,
//! field paths, command-line options and problem codes taken out. The API keeps codes and
//! paths; only pages use this module.

use tcscreen_core::request::schema::{self, CodeKind, Shape};
use tcscreen_core::request::schema_labels::enum_label;
use tcscreen_core::{Code, Diagnostic};

/// Field names whose label is not their name in words.
const FIELD_LABELS: &[(&str, &str)] = &[
    ("accountable_to", "Accountable to"),
    ("approval_date", "Date of the partner's approval"),
    ("approval_ref", "Reference of the partner's approval"),
    ("assigned_from", "Assigned from"),
    ("budget_line", "Budget line"),
    ("capacity_plans", "Capacity-development plans"),
    ("cd_plan", "Capacity-development plan"),
    ("covers_sustainability", "Covers sustainability"),
    ("decides_in_country", "Decides in the country"),
    ("end_point", "End point"),
    ("evaluation_joint", "Evaluated jointly"),
    ("extensions", "Extensions (for the country's pack)"),
    ("free_standing", "Free-standing"),
    ("iati_aid_type", "IATI aid type"),
    ("id", "Identifier"),
    ("in_kind", "In kind"),
    ("international_justification", "Why international experts"),
    ("linked_conditions", "Tied to a policy condition"),
    ("management_fee", "Management fee"),
    ("meets_every_months", "Meets every (months)"),
    ("months_same_function", "Months in the same function"),
    ("needs_assessment", "Needs assessment"),
    ("on_budget", "On the national budget"),
    ("on_establishment", "Post on the establishment"),
    ("partner_approved", "Approved by the partner"),
    ("partner_on_panel", "Partner on the selection panel"),
    ("post_exit_support", "Support after the end"),
    ("previous_phases", "Previous phases"),
    ("programme_based", "Programme-based"),
    ("provider_approval_date", "Date of the provider's approval"),
    ("recurrent_after_exit", "Recurrent costs after the end"),
    ("ref", "Reference"),
    ("request_letter", "Request letter"),
    ("salary_supplement", "Salary supplement"),
    ("sector_forum", "Sector forum"),
    ("tor", "Terms of reference"),
];

/// Descriptions that speak to developers in the schema, in an officer's words for the form.
const FIELD_DESCRIPTIONS: &[(&str, &str)] = &[
    (
        "country",
        "The partner country that receives the TC: the choices are the countries that have a pack on this server.",
    ),
    (
        "received",
        "The date the coordination unit received the request.",
    ),
    (
        "extensions",
        "Anything else the country's pack asks for, written as a JSON object. Leave it empty unless the pack's guidance says otherwise.",
    ),
];

/// The label of a field, by its name: `drafted_by` is "Drafted by", `tor` "Terms of
/// reference".
pub fn field_label(name: &str) -> String {
    if let Some((_, label)) = FIELD_LABELS.iter().find(|(n, _)| *n == name) {
        return (*label).to_string();
    }
    capitalised(&name.replace('_', " "))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Lower-case the first letter of a label used inside a sentence, unless it starts an acronym
/// ("IATI aid type").
fn in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if !second.is_uppercase() => {
            first.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_string(),
    }
}

/// The description of a field for the form, with the schema's code marks and paths in words.
pub fn field_description(path: &str, description: &str) -> String {
    let name = path.rsplit('.').next().unwrap_or(path);
    let name = name.split('[').next().unwrap_or(name);
    if path.split('.').count() == 1
        && let Some((_, text)) = FIELD_DESCRIPTIONS.iter().find(|(n, _)| *n == name)
    {
        return (*text).to_string();
    }
    // "Extension (evidence of demand): …" says where the field comes from, for developers.
    let description = match description.strip_prefix("Extension") {
        Some(rest) => rest.split_once(": ").map_or(description, |(_, text)| text),
        None => description,
    };
    capitalised(&plain(description))
}

/// A field path in the form's words: `personnel[0].months` is "Personnel, row 1: months",
/// `origin.tor.drafted_by` "Origin: terms of reference: drafted by"; `[]` (any row) is left
/// out.
pub fn path_in_words(path: &str) -> String {
    let path = path.strip_prefix("request.").unwrap_or(path);
    let segments: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    let mut words = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let (name, rest) = segment.split_at(segment.find('[').unwrap_or(segment.len()));
        let label = field_label(name);
        let mut word = if i == 0 { label } else { in_sentence(&label) };
        for index in rest.split(']').filter_map(|p| p.strip_prefix('[')) {
            if let Ok(n) = index.parse::<usize>() {
                word.push_str(&format!(", row {}", n + 1));
            }
        }
        words.push(word);
    }
    words.join(": ")
}

/// What a value of `shape` looks like, for the hint under a field (empty when the input says
/// it already: choices, yes or no, text).
pub fn shape_hint(shape: &Shape) -> &'static str {
    match shape {
        Shape::Date => "A date.",
        Shape::NonNegative => "A number, zero or more.",
        Shape::Percent => "A percentage, from 0 to 100.",
        Shape::Code(CodeKind::Country) => "The country's two-letter code, such as KH.",
        Shape::Code(CodeKind::Currency) => "The three-letter currency code, such as USD.",
        Shape::Code(CodeKind::DacSector) => "The five-digit OECD DAC sector code, such as 15110.",
        Shape::List(Shape::Enum(_)) => "Tick all that apply.",
        Shape::List(_) => "One per line.",
        _ => "",
    }
}

/// What a value must be, for a problem: "must be a number, zero or more".
fn must_be(shape: &Shape) -> String {
    match shape {
        Shape::Bool => "must be yes or no".into(),
        Shape::Date => "must be a date that exists in the calendar".into(),
        Shape::NonNegative => "must be a number, zero or more".into(),
        Shape::Percent => "must be a percentage from 0 to 100".into(),
        Shape::Code(CodeKind::Country) => {
            "must be a country's two-letter code in capitals, such as KH".into()
        }
        Shape::Code(CodeKind::Currency) => {
            "must be a three-letter currency code in capitals, such as USD".into()
        }
        Shape::Code(CodeKind::DacSector) => {
            "must be a five-digit sector code, such as 15110".into()
        }
        Shape::Enum(values) => format!(
            "must be one of: {}",
            values
                .iter()
                .map(|v| enum_label(v))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Shape::List(_) => "must be a list".into(),
        Shape::Object(_) => "must be a group of fields".into(),
        Shape::FreeObject => "must be written as a JSON object".into(),
        Shape::Text | Shape::NonBlankText | Shape::Id { .. } | Shape::SchemaName => {
            "must be text".into()
        }
    }
}

/// A problem in words, naming the field by its label: "Personnel, row 1: months must be a
/// number, zero or more". `path` is the field's path (in the request or the form); without it,
/// the path the message starts with (`` `personnel[0].months`: … ``) is used, if any.
pub fn problem_in_words(d: &Diagnostic, path: Option<&str>) -> String {
    let (leading, rest) = split_leading_path(&d.message);
    let Some(path) = path.or(leading).filter(|p| !p.is_empty()) else {
        return capitalised(&plain(rest));
    };
    let shape = schema::shape_at(path);
    let predicate = match d.code {
        Code::I010 => "is required".to_string(),
        Code::I011 => "is not a field of a request".to_string(),
        Code::I003 => "is given twice".to_string(),
        Code::I004 => "has more digits than can be held exactly".to_string(),
        Code::I014 => "must be a date that exists in the calendar".to_string(),
        Code::I017 => "cannot be empty".to_string(),
        Code::I018 => {
            "cannot hold invisible control characters, such as a tab or a line break".to_string()
        }
        Code::I012 | Code::I013 | Code::I015 | Code::I016 => match shape {
            Some(shape) => must_be(shape),
            None => plain(rest),
        },
        _ => plain(rest),
    };
    format!("{} {predicate}", path_in_words(path))
}

/// `` `path`: rest `` as (Some(path), rest); otherwise (None, the message).
fn split_leading_path(message: &str) -> (Option<&str>, &str) {
    if let Some(inner) = message.strip_prefix('`')
        && let Some((path, rest)) = inner.split_once("`: ")
    {
        return (Some(path), rest);
    }
    (None, message)
}

/// Help or notes for a page: in words, or `None` when it only speaks to developers (a command,
/// an option, an endpoint, a document of the project).
pub fn help_in_words(help: &str) -> Option<String> {
    let developer = [
        "tcscreen ",
        "--",
        "/v1/",
        "docs/",
        "explain",
        "GET ",
        "POST ",
    ];
    (!developer.iter().any(|d| help.contains(d))).then(|| capitalised(&plain(help)))
}

/// Text from the engine with its code marks taken out: a field path in marks becomes the
/// field's words, a value of the schema its label, anything else its text in quotes.
pub fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else {
            out.push_str(after);
            return out;
        };
        let inner = &after[..close];
        out.push_str(&in_words(inner));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

fn in_words(inner: &str) -> String {
    let bare = inner.replace("[]", "");
    let looks_like_path = !bare.is_empty()
        && bare
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.[]".contains(c));
    if looks_like_path && (bare.contains('.') || bare.contains('_')) {
        if schema::field(&bare).is_some() {
            return in_sentence(&path_in_words(&bare));
        }
        if !bare.contains('.') {
            return enum_label(&bare);
        }
    }
    format!("“{inner}”")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_name_the_forms_labels() {
        let d = Diagnostic::error(
            Code::I012,
            "`personnel[0].months`: expected a number, found a string",
        );
        assert_eq!(
            problem_in_words(&d, None),
            "Personnel, row 1: months must be a number, zero or more"
        );
        let d = Diagnostic::error(Code::I016, "`country`: `kh` is not an ISO 3166-1 code");
        assert_eq!(
            problem_in_words(&d, Some("country")),
            "Country must be a country's two-letter code in capitals, such as KH"
        );
        let d = Diagnostic::error(Code::I013, "`origin.tor.drafted_by`: not one of …");
        assert_eq!(
            problem_in_words(&d, None),
            "Origin: terms of reference: drafted by must be one of: The partner (requesting side); Jointly, partner and provider; The provider"
        );
    }

    #[test]
    fn engine_text_loses_its_code_marks() {
        assert_eq!(
            plain("in `finance.currency`: not a monthly rate (`south_south`: another country)"),
            "in finance: currency: not a monthly rate (South-South (another developing country): another country)"
        );
        assert_eq!(plain("such as `P1`"), "such as “P1”");
        assert_eq!(
            field_description(
                "origin.tor.ref",
                "Extension (evidence of demand): the reference."
            ),
            "The reference."
        );
        assert!(help_in_words("run `tcscreen explain I002`").is_none());
        assert!(help_in_words("send --as-of").is_none());
        assert_eq!(
            help_in_words("write it as a date").as_deref(),
            Some("Write it as a date")
        );
    }
}
