//! The decision record (`tcscreen/decision/v1`, spec §5) and its canonical bytes.
//!
//! Same request, same pack bytes, same engine version ⇒ the same bytes, on any machine and
//! thread count: every field comes from those three inputs and the as-of date.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use crate::canonical;
use crate::compile::CompiledPack;
use crate::date::Date;
use crate::finding::{Criterion, Decision, Finding, Outcome, RuleError};
use crate::json::{Json, JsonValue};
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
    pub input: Arc<Json>,
    /// Its canonical text, when known (saves writing it again).
    input_canonical: Option<Arc<str>>,
    /// The engine version that wrote the record.
    pub engine_version: String,
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
            input: request.shared_json(),
            input_canonical: Some(request.shared_canonical()),
            engine_version: ENGINE_VERSION.to_string(),
        }
    }

    /// The record as a JSON value.
    pub fn to_json(&self) -> Json {
        let mut members = self.members();
        members.push(("input", (*self.input).clone()));
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
                    ("version", Json::string(&self.engine_version)),
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

    /// Read a record back from JSON (a file, a JSON Lines entry, a register entry's record).
    /// Every field of §5 must be present with the right type; the error names the field.
    pub fn from_json(json: &Json) -> Result<DecisionRecord, String> {
        let field = |obj: &Json, path: &str, name: &str| -> Result<Json, String> {
            obj.get(name)
                .cloned()
                .ok_or_else(|| format!("`{path}{name}` is missing"))
        };
        let string = |obj: &Json, path: &str, name: &str| -> Result<String, String> {
            field(obj, path, name)?
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("`{path}{name}` must be a string"))
        };
        let opt_string = |obj: &Json, path: &str, name: &str| -> Result<Option<String>, String> {
            let value = field(obj, path, name)?;
            if value.is_null() {
                Ok(None)
            } else {
                value
                    .as_str()
                    .map(|s| Some(s.to_string()))
                    .ok_or_else(|| format!("`{path}{name}` must be a string or null"))
            }
        };
        let list = |obj: &Json, name: &str| -> Result<Vec<Json>, String> {
            match field(obj, "", name)?.value {
                JsonValue::Array(items) => Ok(items),
                _ => Err(format!("`{name}` must be an array")),
            }
        };
        let number = |obj: &Json, path: &str, name: &str| -> Result<Option<u64>, String> {
            match field(obj, path, name)?.value {
                JsonValue::Null => Ok(None),
                JsonValue::Number(d) => u64::try_from(d)
                    .map(Some)
                    .map_err(|_| format!("`{path}{name}` must be a whole number")),
                _ => Err(format!("`{path}{name}` must be a number")),
            }
        };
        let schema = string(json, "", "schema")?;
        if schema != DECISION_SCHEMA {
            return Err(format!(
                "`schema` is \"{schema}\", not \"{DECISION_SCHEMA}\""
            ));
        }
        let request = field(json, "", "request")?;
        let pack = field(json, "", "pack")?;
        let identity = |p: &Json, path: &str| -> Result<PackIdentity, String> {
            Ok(PackIdentity {
                id: string(p, path, "id")?,
                version: string(p, path, "version")?,
                sha256: string(p, path, "sha256")?,
            })
        };
        let chain = match field(&pack, "pack.", "chain")?.value {
            JsonValue::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, p)| identity(p, &format!("pack.chain[{i}].")))
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err("`pack.chain` must be an array".into()),
        };
        let as_of = string(json, "", "as_of")?;
        let as_of =
            Date::parse(&as_of).ok_or_else(|| format!("`as_of` \"{as_of}\" is not a date"))?;
        let decision = opt_string(json, "", "decision")?
            .map(|d| {
                Decision::parse(&d)
                    .ok_or_else(|| format!("`decision` \"{d}\" is not accept, revise or reject"))
            })
            .transpose()?;
        let criteria_json = field(json, "", "criteria")?;
        let mut criteria = BTreeMap::new();
        for c in Criterion::ALL {
            if let Some(d) = opt_string(&criteria_json, "criteria.", c.as_str())? {
                let d = Decision::parse(&d)
                    .ok_or_else(|| format!("`criteria.{c}` \"{d}\" is not a decision"))?;
                criteria.insert(c, d);
            }
        }
        let criteria = if criteria.is_empty() {
            None
        } else {
            Some(criteria)
        };
        let findings = list(json, "findings")?
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let path = format!("findings[{i}].");
                let outcome = |name: &str| -> Result<Option<Outcome>, String> {
                    opt_string(f, &path, name)?
                        .map(|o| {
                            Outcome::parse(&o)
                                .ok_or_else(|| format!("`{path}{name}` \"{o}\" is not an outcome"))
                        })
                        .transpose()
                };
                let criterion = string(f, &path, "criterion")?;
                Ok(Finding {
                    rule: string(f, &path, "rule")?,
                    criterion: Criterion::parse(&criterion).ok_or_else(|| {
                        format!("`{path}criterion` \"{criterion}\" is not a criterion")
                    })?,
                    outcome: outcome("outcome")?
                        .ok_or_else(|| format!("`{path}outcome` must not be null"))?,
                    message: string(f, &path, "message")?,
                    field: opt_string(f, &path, "field")?,
                    policy: opt_string(f, &path, "policy")?,
                    overridden_from: outcome("overridden_from")?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let errors = list(json, "errors")?
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let path = format!("errors[{i}].");
                Ok(RuleError {
                    rule: string(e, &path, "rule")?,
                    file: string(e, &path, "file")?,
                    line: number(e, &path, "line")?.map(|n| n as u32),
                    column: number(e, &path, "column")?.map(|n| n as u32),
                    message: string(e, &path, "message")?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let rules_run =
            number(json, "", "rules_run")?.ok_or("`rules_run` must not be null")? as usize;
        let input = field(json, "", "input")?;
        let engine = field(json, "", "engine")?;
        Ok(DecisionRecord {
            request_id: string(&request, "request.", "id")?,
            country: string(&request, "request.", "country")?,
            request_sha256: string(&request, "request.", "sha256")?,
            pack: identity(&pack, "pack.")?,
            chain,
            as_of,
            decision,
            criteria,
            findings,
            errors,
            rules_run,
            input: Arc::new(input),
            input_canonical: None,
            engine_version: string(&engine, "engine.", "version")?,
        })
    }

    /// The record's canonical JSON text (one line, no trailing newline).
    ///
    /// Written directly, members in canonical (sorted) order, rather than built as a `Json`
    /// tree and then canonicalised: a record is written for every request, and this is several
    /// times faster. The tests check it against the canonical form of [`Self::to_json`].
    pub fn to_canonical(&self) -> String {
        let computed;
        let input: &str = match &self.input_canonical {
            Some(text) => text,
            None => {
                computed = canonical::to_canonical_string(&self.input);
                &computed
            }
        };
        let text_bytes: usize = self
            .findings
            .iter()
            .map(|f| f.message.len() + f.policy.as_ref().map_or(0, String::len) + 160)
            .chain(self.errors.iter().map(|e| e.message.len() + 160))
            .sum();
        let mut out = String::with_capacity(input.len() + text_bytes + 512);
        let string = |out: &mut String, s: &str| canonical::write_string(s, out);
        let opt_string = |out: &mut String, s: Option<&str>| match s {
            Some(s) => canonical::write_string(s, out),
            None => out.push_str("null"),
        };
        let number = |out: &mut String, n: Option<u32>| match n {
            Some(n) => {
                let _ = write!(out, "{n}");
            }
            None => out.push_str("null"),
        };
        let identity = |out: &mut String, p: &PackIdentity| {
            out.push_str(r#""id":"#);
            string(out, &p.id);
            out.push_str(r#","sha256":"#);
            string(out, &p.sha256);
            out.push_str(r#","version":"#);
            string(out, &p.version);
        };

        let _ = write!(out, r#"{{"as_of":"{}","criteria":{{"#, self.as_of);
        const SORTED: [Criterion; 4] = [
            Criterion::Data,
            Criterion::DemandLed,
            Criterion::Exit,
            Criterion::PolicyFit,
        ];
        for (i, c) in SORTED.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            string(&mut out, c.as_str());
            out.push(':');
            let d = self.criteria.as_ref().and_then(|m| m.get(c));
            opt_string(&mut out, d.map(|d| d.as_str()));
        }
        out.push_str(r#"},"decision":"#);
        opt_string(&mut out, self.decision.map(Decision::as_str));
        out.push_str(r#","engine":{"name":"#);
        string(&mut out, ENGINE_NAME);
        out.push_str(r#","version":"#);
        string(&mut out, &self.engine_version);
        out.push_str(r#"},"errors":["#);
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(r#"{"column":"#);
            number(&mut out, e.column);
            out.push_str(r#","file":"#);
            string(&mut out, &e.file);
            out.push_str(r#","line":"#);
            number(&mut out, e.line);
            out.push_str(r#","message":"#);
            string(&mut out, &e.message);
            out.push_str(r#","rule":"#);
            string(&mut out, &e.rule);
            out.push('}');
        }
        out.push_str(r#"],"findings":["#);
        for (i, f) in self.findings.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(r#"{"criterion":"#);
            string(&mut out, f.criterion.as_str());
            out.push_str(r#","field":"#);
            opt_string(&mut out, f.field.as_deref());
            out.push_str(r#","message":"#);
            string(&mut out, &f.message);
            out.push_str(r#","outcome":"#);
            string(&mut out, f.outcome.as_str());
            out.push_str(r#","overridden_from":"#);
            opt_string(&mut out, f.overridden_from.map(Outcome::as_str));
            out.push_str(r#","policy":"#);
            opt_string(&mut out, f.policy.as_deref());
            out.push_str(r#","rule":"#);
            string(&mut out, &f.rule);
            out.push('}');
        }
        out.push_str(r#"],"input":"#);
        out.push_str(input);
        out.push_str(r#","pack":{"chain":["#);
        for (i, p) in self.chain.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('{');
            identity(&mut out, p);
            out.push('}');
        }
        out.push_str("],");
        identity(&mut out, &self.pack);
        out.push_str(r#"},"request":{"country":"#);
        string(&mut out, &self.country);
        out.push_str(r#","id":"#);
        string(&mut out, &self.request_id);
        out.push_str(r#","sha256":"#);
        string(&mut out, &self.request_sha256);
        let _ = write!(out, r#"}},"rules_run":{},"schema":"#, self.rules_run);
        string(&mut out, DECISION_SCHEMA);
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
            input: request.shared_json(),
            input_canonical: Some(request.shared_canonical()),
            engine_version: ENGINE_VERSION.to_string(),
        };
        let parsed = DecisionRecord::from_json(
            &crate::json::parse(&record.to_canonical(), Default::default()).unwrap(),
        )
        .unwrap();
        assert_eq!(parsed.to_canonical(), record.to_canonical());
        let slow = canonical::to_canonical_string(&record.to_json());
        assert_eq!(record.to_canonical(), slow);
        record.input_canonical = None;
        assert_eq!(record.to_canonical(), slow);

        // Every optional member set, and two of everything that is a list.
        record.decision = Some(Decision::Revise);
        record.criteria = Some(
            Criterion::ALL
                .into_iter()
                .map(|c| (c, Decision::Accept))
                .collect(),
        );
        let mut second = record.findings[0].clone();
        second.policy = Some("Paris §4 \u{1}".into());
        second.overridden_from = None;
        second.field = None;
        record.findings.push(second);
        record.errors.push(RuleError {
            column: Some(7),
            ..record.errors[0].clone()
        });
        record.chain.insert(0, record.pack.clone());
        assert_eq!(
            record.to_canonical(),
            canonical::to_canonical_string(&record.to_json())
        );
        assert!(
            slow.contains(r#""input":{"country":"ZZ","extensions":{"a":[null],"z":1.5},"#),
            "{slow}"
        );
    }
}
