//! Citations as data: the sources a pack's rules rest on (an extension of the contract).
//!
//! A pack's manifest may hold a table of sources, `[sources.<id>]`, merged over its ancestors
//! per id like params. Once a pack's chain defines any source, every rule's `policy` line (and
//! every `policy` override) is a comma-separated list of source ids, or `none` for a rule that
//! checks only the request's own consistency. A finding then cites the sources dated on or
//! before the screening date, rendered from the table; a rule none of whose sources existed on
//! that date does not run. Packs without sources keep `policy` as free text.

use std::fmt;

use crate::date::Date;
use crate::json::Pos;

/// When a source was adopted or published: a day, or only a month or a year when that is all
/// that is known. A source dated to a month or a year counts from the last day of it, so that
/// it is never cited before it existed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceDate {
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
}

impl SourceDate {
    /// Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<SourceDate> {
        let parts: Vec<&str> = text.split('-').collect();
        let number = |s: &str, len: usize| -> Option<u32> {
            (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let year = number(parts.first()?, 4)? as i32;
        match parts.as_slice() {
            [_] => Date::from_ymd(year, 1, 1).map(|_| SourceDate {
                year,
                month: None,
                day: None,
            }),
            [_, m] => {
                let month = number(m, 2)?;
                Date::from_ymd(year, month, 1).map(|_| SourceDate {
                    year,
                    month: Some(month),
                    day: None,
                })
            }
            [_, _, _] => {
                let date = Date::parse(text)?;
                Some(SourceDate {
                    year,
                    month: Some(date.month()),
                    day: Some(date.day()),
                })
            }
            _ => None,
        }
    }

    /// The first screening date on which the source may be cited: the date itself, or the
    /// last day of its month or year.
    pub fn in_force_from(self) -> Date {
        match (self.month, self.day) {
            (Some(m), Some(d)) => Date::from_ymd(self.year, m, d),
            // January 31 plus m - 1 months is clamped to the end of month m.
            (Some(m), None) => {
                Date::from_ymd(self.year, 1, 31).and_then(|d| d.add_months(i64::from(m) - 1))
            }
            _ => Date::from_ymd(self.year, 12, 31),
        }
        .unwrap_or_else(|| Date::from_ymd(9999, 12, 31).expect("a valid date"))
    }
}

impl fmt::Display for SourceDate {
    /// For people: `2 March 2005`, `July 2008`, `2007`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let month = |m: u32| crate::date::MONTH_NAMES[(m as usize).saturating_sub(1).min(11)];
        match (self.month, self.day) {
            (Some(m), Some(d)) => write!(f, "{d} {} {}", month(m), self.year),
            (Some(m), None) => write!(f, "{} {}", month(m), self.year),
            _ => write!(f, "{}", self.year),
        }
    }
}

/// One entry of a pack's sources table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySource {
    /// The document's title: "Accra Agenda for Action".
    pub title: String,
    /// Who adopted or issued it: "Third High Level Forum on Aid Effectiveness".
    pub issuer: String,
    /// When it was adopted or published.
    pub date: SourceDate,
    /// The paragraph, article, indicator or section cited, if any: "para 14(b)(i)".
    pub clause: Option<String>,
    /// Whether what the rule relies on was checked against the document, or against a public
    /// source that quotes or reports it; `false` for a source recalled or inferred.
    pub verified: bool,
    /// The country whose policy it is (ISO 3166-1 alpha-2); `None` for an international text.
    pub country: Option<String>,
    /// Where the entry is written in the manifest.
    pub pos: Pos,
}

impl PolicySource {
    /// The citation as a finding shows it: "Accra Agenda for Action (Third High Level Forum on
    /// Aid Effectiveness, 4 September 2008), para 14(b)(i)".
    pub fn render(&self) -> String {
        let mut text = format!("{} ({}, {})", self.title, self.issuer, self.date);
        if let Some(clause) = &self.clause {
            text.push_str(", ");
            text.push_str(clause);
        }
        if !self.verified {
            text.push_str(" (wording not verified against the text)");
        }
        text
    }
}

/// A rule's `policy` value in a pack with sources: the ids it names, or none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyRefs {
    /// `none`: the rule checks the request's own consistency and rests on no policy text.
    Nothing,
    /// Source ids, in the order written.
    Sources(Vec<String>),
}

/// Parse a `policy` value of a pack with sources. Ids are letters, digits, `-`, `_` and `.`.
pub fn parse_refs(text: &str) -> Result<PolicyRefs, String> {
    let text = text.trim();
    if text == "none" {
        return Ok(PolicyRefs::Nothing);
    }
    let mut ids = Vec::new();
    for part in text.split(',') {
        let id = part.trim();
        if !is_source_id(id) {
            return Err(if id.is_empty() {
                "an empty source id (two commas in a row, or a comma at the end)".to_string()
            } else {
                format!("`{id}` is not a source id")
            });
        }
        ids.push(id.to_string());
    }
    Ok(PolicyRefs::Sources(ids))
}

/// Whether `id` can name a source: letters, digits, `-`, `_` and `.`, starting with a letter or
/// a digit.
pub fn is_source_id(id: &str) -> bool {
    id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// A source a compiled rule cites, ready to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    /// The key of its `[sources.<id>]` table, as rules name it.
    pub id: String,
    /// The first screening date it may be cited on.
    pub from: Date,
    /// What the requester reads: title, issuer, date and clause, in one line.
    pub text: String,
    /// Whether the pack checked the citation against the text (`verified = true`).
    pub verified: bool,
    /// The country whose policy it is, if any.
    pub country: Option<String>,
}

/// The citations in force on `as_of`, joined for a finding; `None` when there is none.
pub fn in_force(citations: &[Citation], as_of: Date) -> Option<String> {
    let mut out = String::new();
    for c in citations.iter().filter(|c| c.from <= as_of) {
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(&c.text);
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn a_source_dated_to_a_month_or_a_year_counts_from_its_last_day() {
        let day = SourceDate::parse("2019-05-30").unwrap();
        assert_eq!(day.in_force_from(), date("2019-05-30"));
        assert_eq!(day.to_string(), "30 May 2019");
        let month = SourceDate::parse("2008-07").unwrap();
        assert_eq!(month.in_force_from(), date("2008-07-31"));
        assert_eq!(month.to_string(), "July 2008");
        assert_eq!(
            SourceDate::parse("2024-02").unwrap().in_force_from(),
            date("2024-02-29")
        );
        let year = SourceDate::parse("2007").unwrap();
        assert_eq!(year.in_force_from(), date("2007-12-31"));
        assert_eq!(year.to_string(), "2007");
        for bad in [
            "",
            "07",
            "2008-7",
            "2008-13",
            "2009-02-30",
            "2008-07-01-02",
            "20O8",
        ] {
            assert_eq!(SourceDate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn citations_render_for_people_and_say_when_unverified() {
        let mut source = PolicySource {
            title: "Accra Agenda for Action".into(),
            issuer: "Third High Level Forum on Aid Effectiveness".into(),
            date: SourceDate::parse("2008-09-04").unwrap(),
            clause: Some("para 14(b)(i)".into()),
            verified: true,
            country: None,
            pos: Pos::NONE,
        };
        assert_eq!(
            source.render(),
            "Accra Agenda for Action (Third High Level Forum on Aid Effectiveness, 4 September 2008), para 14(b)(i)"
        );
        source.verified = false;
        source.clause = None;
        assert_eq!(
            source.render(),
            "Accra Agenda for Action (Third High Level Forum on Aid Effectiveness, 4 September 2008) (wording not verified against the text)"
        );
    }

    #[test]
    fn only_sources_dated_on_or_before_the_screening_date_are_cited() {
        let citation = |id: &str, from: &str| Citation {
            id: id.into(),
            from: date(from),
            text: id.to_uppercase(),
            verified: true,
            country: None,
        };
        let cited = [
            citation("paris", "2005-03-02"),
            citation("busan", "2011-12-01"),
        ];
        assert_eq!(
            in_force(&cited, date("2009-03-04")).as_deref(),
            Some("PARIS")
        );
        assert_eq!(
            in_force(&cited, date("2011-12-01")).as_deref(),
            Some("PARIS; BUSAN")
        );
        assert_eq!(in_force(&cited, date("2005-03-01")), None);
    }

    #[test]
    fn policy_lines_name_sources_or_none() {
        assert_eq!(parse_refs(" none "), Ok(PolicyRefs::Nothing));
        assert_eq!(
            parse_refs("paris-2005-ind6, eu-backbone-2008.gp7"),
            Ok(PolicyRefs::Sources(vec![
                "paris-2005-ind6".into(),
                "eu-backbone-2008.gp7".into()
            ]))
        );
        assert!(parse_refs("Paris Declaration (2005), Indicator 6").is_err());
        assert!(parse_refs("a,,b").is_err());
    }
}
