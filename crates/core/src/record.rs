//! The decision record (`tcscreen/decision/v1`, spec §5) and its canonical bytes.
//!
//! Same request, same pack bytes, same engine version ⇒ the same bytes, on any machine and
//! thread count: every field comes from those three inputs and the as-of date.

use std::collections::BTreeMap;

use crate::canonical;
use crate::compile::CompiledPack;
use crate::date::Date;
use crate::finding::{Criterion, Decision, Finding, RuleError};
use crate::json::Json;
use crate::request::ValidRequest;
use crate::screen::Screening;
use crate::source::PackIdentity;

/// The record's schema name.
pub const DECISION_SCHEMA: &str = "tcscreen/decision/v1";
/// The engine's name in records.
pub const ENGINE_NAME: &str = "tcscreen";
/// The engine's version in records.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A decision record.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DecisionRecord {
    /// Request id.
    pub request_id: String,
    /// Request country.
    pub country: String,
    /// SHA-256 of the canonical input.
    pub request_sha256: String,
    /// The pack that decided.
    pub pack: PackIdentity,
    /// Its ancestors, nearest first.
    pub chain: Vec<PackIdentity>,
    /// The screening date.
    pub as_of: Date,
    /// The decision, `None` if a rule failed.
    pub decision: Option<Decision>,
    /// The decision per criterion, `None` if a rule failed.
    pub criteria: Option<BTreeMap<Criterion, Decision>>,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Rule errors.
    pub errors: Vec<RuleError>,
    /// Rules attempted.
    pub rules_run: usize,
    /// The request as received.
    pub input: Json,
    /// Its canonical text, when known (saves writing it again).
    input_canonical: Option<String>,
}

impl DecisionRecord {
    /// The record of screening `request` with `pack` as of `as_of`.
    pub fn new(
        request: &ValidRequest,
        pack: &CompiledPack,
        as_of: Date,
        screening: &Screening,
    ) -> Self {
        DecisionRecord {
            request_id: request.id().to_string(),
            country: request.country().to_string(),
            request_sha256: request.sha256().to_string(),
            pack: pack.identity().clone(),
            chain: pack.chain().to_vec(),
            as_of,
            decision: screening.decision(),
            criteria: screening.criteria(),
            findings: screening.findings.clone(),
            errors: screening.errors.clone(),
            rules_run: screening.rules_run,
            input: request.json().clone(),
            input_canonical: Some(request.canonical().to_string()),
        }
    }

    /// The record as a JSON value.
    pub fn to_json(&self) -> Json {
        let mut members = self.members();
        members.push(("input", self.input.clone()));
        Json::object(members)
    }

    /// Every member but `input`.
    fn members(&self) -> Vec<(&'static str, Json)> {
        let identity = |p: &PackIdentity| {
            Json::object([
                ("id", Json::string(&p.id)),
                ("version", Json::string(&p.version)),
                ("sha256", Json::string(&p.sha256)),
            ])
        };
        let mut pack = identity(&self.pack);
        if let crate::json::JsonValue::Object(members) = &mut pack.value {
            members.push(crate::json::Member {
                key: "chain".into(),
                key_pos: crate::json::Pos::NONE,
                value: Json::array(self.chain.iter().map(identity).collect()),
            });
        }
        let decision = |d: Option<Decision>| Json::opt_string(d.map(Decision::as_str));
        let criteria = Json::object(Criterion::ALL.map(|c| {
            (
                c.as_str(),
                decision(self.criteria.as_ref().and_then(|m| m.get(&c).copied())),
            )
        }));
        let findings = self
            .findings
            .iter()
            .map(|f| {
                Json::object([
                    ("rule", Json::string(&f.rule)),
                    ("criterion", Json::string(f.criterion.as_str())),
                    ("outcome", Json::string(f.outcome.as_str())),
                    ("message", Json::string(&f.message)),
                    ("field", Json::opt_string(f.field.as_deref())),
                    ("policy", Json::opt_string(f.policy.as_deref())),
                    (
                        "overridden_from",
                        Json::opt_string(f.overridden_from.map(|o| o.as_str())),
                    ),
                ])
            })
            .collect();
        let errors = self
            .errors
            .iter()
            .map(|e| {
                Json::object([
                    ("rule", Json::string(&e.rule)),
                    ("file", Json::string(&e.file)),
                    ("line", e.line.map_or_else(Json::null, Json::number)),
                    ("column", e.column.map_or_else(Json::null, Json::number)),
                    ("message", Json::string(&e.message)),
                ])
            })
            .collect();
        vec![
            ("schema", Json::string(DECISION_SCHEMA)),
            (
                "request",
                Json::object([
                    ("id", Json::string(&self.request_id)),
                    ("country", Json::string(&self.country)),
                    ("sha256", Json::string(&self.request_sha256)),
                ]),
            ),
            ("pack", pack),
            (
                "engine",
                Json::object([
                    ("name", Json::string(ENGINE_NAME)),
                    ("version", Json::string(ENGINE_VERSION)),
                ]),
            ),
            ("as_of", Json::string(self.as_of.to_string())),
            ("decision", decision(self.decision)),
            ("criteria", criteria),
            ("findings", Json::array(findings)),
            ("errors", Json::array(errors)),
            ("rules_run", Json::number(self.rules_run as u64)),
        ]
    }

    /// The record's canonical JSON text (one line, no trailing newline).
    pub fn to_canonical(&self) -> String {
        let input = match &self.input_canonical {
            Some(text) => text.clone(),
            None => canonical::to_canonical_string(&self.input),
        };
        canonical::object_with_verbatim(self.members(), &[("input", &input)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Outcome, RuleError};
    use crate::request::RequestLimits;

    #[test]
    fn the_fast_canonical_form_equals_the_canonical_form_of_the_whole_record() {
        let request = ValidRequest::from_text(
            r#"{"id": "R", "country": "ZZ", "title": "T \"q\" é", "received": "2025-03-04", "extensions": {"z": 1.50, "a": [null]}}"#,
            &RequestLimits::default(),
        )
        .unwrap();
        let identity = PackIdentity {
            id: "p".into(),
            version: "1".into(),
            sha256: "ab".into(),
        };
        let mut record = DecisionRecord {
            request_id: "R".into(),
            country: "ZZ".into(),
            request_sha256: request.sha256().into(),
            pack: identity.clone(),
            chain: vec![identity],
            as_of: Date::parse("2025-03-04").unwrap(),
            decision: None,
            criteria: None,
            findings: vec![Finding {
                rule: "p/A".into(),
                criterion: Criterion::Exit,
                outcome: Outcome::Revise,
                message: "m\n".into(),
                field: Some("exit.criteria".into()),
                policy: None,
                overridden_from: Some(Outcome::Note),
            }],
            errors: vec![RuleError {
                rule: "p/B".into(),
                file: "p/rules/B.rhai".into(),
                line: Some(3),
                column: None,
                message: "x".into(),
            }],
            rules_run: 2,
            input: request.json().clone(),
            input_canonical: Some(request.canonical().to_string()),
        };
        let slow = canonical::to_canonical_string(&record.to_json());
        assert_eq!(record.to_canonical(), slow);
        record.input_canonical = None;
        assert_eq!(record.to_canonical(), slow);
        assert!(
            slow.contains(r#""input":{"country":"ZZ","extensions":{"a":[null],"z":1.5},"#),
            "{slow}"
        );
    }
}
