//! The decision record (`tcscreen/decision/v1`, spec §5) and its canonical bytes.
//!
//! Same request, same pack bytes, same engine version ⇒ the same bytes, on any machine and
//! thread count: every field comes from those three inputs and the as-of date.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::date::Date;
use crate::decision::aggregation::Decision;
use crate::decision::finding::{Actor, Criterion, Finding, Outcome, RuleError};
use crate::json::Json;
use crate::pack::compile::CompiledPack;
use crate::pack::resolved::PackIdentity;
use crate::record::members::{self, Key, Members, Visitor, Word, key};
use crate::request::validate::ValidRequest;
use crate::screening::period::PackInForce;
use crate::screening::screen::Screening;

/// The record's schema name.
pub const DECISION_SCHEMA: &str = "tcscreen/decision/v1";
/// The engine's name in records.
pub const ENGINE_NAME: &str = "tcscreen";
/// The engine's version in records.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What one screening decided and why, with everything needed to replay it (spec §5):
/// written once per screened request, as canonical JSON, and never changed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DecisionRecord {
    /// The request's `id`, as it gave it.
    pub request_id: String,
    /// The request's `country` (which chose the pack, unless `--pack` did).
    pub country: String,
    /// SHA-256 of the canonical input.
    pub request_sha256: String,
    /// The pack that decided.
    pub pack: PackIdentity,
    /// Its ancestors, nearest first.
    pub chain: Vec<PackIdentity>,
    /// The date rules saw as `as_of`: the request's `received` date unless `--as-of` set it.
    pub as_of: Date,
    /// The decision, `None` if a rule failed.
    pub decision: Option<Decision>,
    /// The decision per criterion, `None` if a rule failed.
    pub criteria: Option<BTreeMap<Criterion, Decision>>,
    /// Every finding of every rule that ran, in rule-id order (empty when a rule failed).
    pub findings: Vec<Finding>,
    /// The rules that failed; any makes the decision `None`.
    pub errors: Vec<RuleError>,
    /// How many rules ran (disabled rules and rules not yet in force are not counted).
    pub rules_run: usize,
    /// The rules of the deciding pack that did not run because every source they cite is
    /// dated after the screening date, with the date from which each applies (written only
    /// when there are some).
    pub rules_not_in_force: Vec<RuleNotInForce>,
    /// The packs that come into force during the TC and took part in the screening (written
    /// only when there are some): see [`crate::screening::period`].
    pub in_force_during_tc: Vec<PackInForce>,
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
            rules_not_in_force: pack
                .rules()
                .iter()
                .filter(|r| !r.in_force(as_of))
                .filter_map(|r| {
                    Some(RuleNotInForce {
                        rule: r.id.clone(),
                        from: r.in_force_from()?,
                    })
                })
                .collect(),
            in_force_during_tc: Vec::new(),
            input: request.shared_json(),
            input_canonical: Some(request.shared_canonical()),
            engine_version: ENGINE_VERSION.to_string(),
        }
    }

    /// The record of a screening in which the packs `during` (in force from a date within the
    /// TC) took part beside the deciding pack.
    pub fn with_packs_in_force_during_tc(mut self, during: Vec<PackInForce>) -> Self {
        self.in_force_during_tc = during;
        self
    }

    /// Whether most of the deciding pack's rules could not run on the screening date (their
    /// sources are dated later): such a screening is never a plain accept.
    pub fn mostly_not_in_force(&self) -> bool {
        self.rules_not_in_force.len() > self.rules_run
    }

    /// The record as a JSON value.
    pub fn to_json(&self) -> Json {
        members::to_json(self)
    }

    /// Read a record back from JSON (a file, a JSON Lines entry, a register entry's record).
    /// Every field of §5 must be present with the right type; the error names the field.
    pub fn from_json(json: &Json) -> Result<DecisionRecord, String> {
        // What is not a record at all is told so first, whatever else it lacks.
        match json.get("schema").map(|s| s.as_str()) {
            None => return Err("`schema` is missing".into()),
            Some(None) => return Err("`schema` must be a string".into()),
            Some(Some(schema)) if schema != DECISION_SCHEMA => {
                return Err(format!(
                    "`schema` is \"{schema}\", not \"{DECISION_SCHEMA}\""
                ));
            }
            Some(Some(_)) => {}
        }
        members::from_json(json, "")
    }

    /// The record's canonical JSON text (one line, no trailing newline), written from the
    /// record's members without building a JSON value (the request's canonical text, known from
    /// validation, is reused).
    pub fn to_canonical(&self) -> String {
        let input = self
            .input_canonical
            .as_ref()
            .map_or(4096, |text| text.len());
        let texts: usize = self
            .findings
            .iter()
            .map(|f| f.message.len() + f.policy.as_ref().map_or(0, String::len) + 160)
            .chain(self.errors.iter().map(|e| e.message.len() + 160))
            .sum();
        members::to_canonical(self, input + texts + 512)
    }
}

/// The members of `criteria`, in canonical order.
const CRITERIA: [(Criterion, Key); 4] = [
    (Criterion::Data, key!("data")),
    (Criterion::DemandLed, key!("demand_led")),
    (Criterion::Exit, key!("exit")),
    (Criterion::PolicyFit, key!("policy_fit")),
];

impl Members for DecisionRecord {
    fn blank() -> Self {
        DecisionRecord {
            request_id: String::new(),
            country: String::new(),
            request_sha256: String::new(),
            pack: PackIdentity::blank(),
            chain: Vec::new(),
            as_of: Date::from_days_since_epoch(0).unwrap_or_else(|| unreachable!()),
            decision: None,
            criteria: None,
            findings: Vec::new(),
            errors: Vec::new(),
            rules_run: 0,
            rules_not_in_force: Vec::new(),
            in_force_during_tc: Vec::new(),
            input: Arc::new(Json::null()),
            input_canonical: None,
            engine_version: String::new(),
        }
    }

    fn members<V: Visitor<Self>>(v: &mut V) {
        v.date(key!("as_of"), |r| r.as_of, |r, x| r.as_of = x);
        v.object(key!("criteria"), |v| {
            for (c, key) in CRITERIA {
                v.opt_word(
                    key,
                    "a decision",
                    |r| r.criteria.as_ref().and_then(|m| m.get(&c).copied()),
                    |r, d| {
                        if let Some(d) = d {
                            r.criteria.get_or_insert_with(BTreeMap::new).insert(c, d);
                        }
                    },
                );
            }
        });
        v.opt_word(
            key!("decision"),
            "accept, revise or reject",
            |r| r.decision,
            |r, x| r.decision = x,
        );
        v.object(key!("engine"), |v| {
            v.constant(key!("name"), ENGINE_NAME, false);
            v.text(
                key!("version"),
                |r| &r.engine_version,
                |r, x| r.engine_version = x,
            );
        });
        v.list(key!("errors"), |r| &r.errors, |r, x| r.errors = x);
        v.list(key!("findings"), |r| &r.findings, |r, x| r.findings = x);
        v.sparse_list(
            key!("in_force_during_tc"),
            |r| &r.in_force_during_tc,
            |r, x| r.in_force_during_tc = x,
        );
        v.json(
            key!("input"),
            |r| (&*r.input, r.input_canonical.as_deref()),
            |r, x| r.input = Arc::new(x),
        );
        v.object(key!("pack"), |v| {
            v.list(key!("chain"), |r| &r.chain, |r, x| r.chain = x);
            v.include(|r| &r.pack, |r, x| r.pack = x);
        });
        v.object(key!("request"), |v| {
            v.text(key!("country"), |r| &r.country, |r, x| r.country = x);
            v.text(key!("id"), |r| &r.request_id, |r, x| r.request_id = x);
            v.text(
                key!("sha256"),
                |r| &r.request_sha256,
                |r, x| r.request_sha256 = x,
            );
        });
        v.sparse_list(
            key!("rules_not_in_force"),
            |r| &r.rules_not_in_force,
            |r, x| r.rules_not_in_force = x,
        );
        v.number(
            key!("rules_run"),
            |r| r.rules_run as u64,
            |r, x| r.rules_run = x as usize,
        );
        v.constant(key!("schema"), DECISION_SCHEMA, true);
    }
}

/// A rule that did not run because its sources are dated after the screening date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleNotInForce {
    /// Full rule id.
    pub rule: String,
    /// The first date it applies on: the date of its earliest source.
    pub from: Date,
}

impl Members for RuleNotInForce {
    fn blank() -> Self {
        RuleNotInForce {
            rule: String::new(),
            from: Date::from_days_since_epoch(0).unwrap_or_else(|| unreachable!()),
        }
    }

    fn members<V: Visitor<Self>>(v: &mut V) {
        v.date(key!("from"), |r| r.from, |r, x| r.from = x);
        v.text(key!("rule"), |r| &r.rule, |r, x| r.rule = x);
    }
}

impl Members for PackInForce {
    fn blank() -> Self {
        PackInForce {
            pack: PackIdentity::blank(),
            chain: Vec::new(),
            from: Date::from_days_since_epoch(0).unwrap_or_else(|| unreachable!()),
        }
    }

    fn members<V: Visitor<Self>>(v: &mut V) {
        v.list(key!("chain"), |p| &p.chain, |p, x| p.chain = x);
        v.date(key!("from"), |p| p.from, |p, x| p.from = x);
        v.include(|p| &p.pack, |p, x| p.pack = x);
    }
}

impl Members for PackIdentity {
    fn blank() -> Self {
        PackIdentity {
            id: String::new(),
            version: String::new(),
            sha256: String::new(),
        }
    }

    fn members<V: Visitor<Self>>(v: &mut V) {
        v.text(key!("id"), |p| &p.id, |p, x| p.id = x);
        v.text(key!("sha256"), |p| &p.sha256, |p, x| p.sha256 = x);
        v.text(key!("version"), |p| &p.version, |p, x| p.version = x);
    }
}

impl Members for Finding {
    fn blank() -> Self {
        Finding {
            rule: String::new(),
            criterion: Criterion::Data,
            outcome: Outcome::Note,
            message: String::new(),
            field: None,
            policy: None,
            overridden_from: None,
            actor: None,
        }
    }

    fn members<V: Visitor<Self>>(v: &mut V) {
        v.added_word(key!("actor"), "an actor", |f| f.actor, |f, x| f.actor = x);
        v.word(
            key!("criterion"),
            "a criterion",
            |f| f.criterion,
            |f, x| f.criterion = x,
        );
        v.opt_text(key!("field"), |f| f.field.as_deref(), |f, x| f.field = x);
        v.text(key!("message"), |f| &f.message, |f, x| f.message = x);
        v.present_word(
            key!("outcome"),
            "an outcome",
            |f| f.outcome,
            |f, x| f.outcome = x,
        );
        v.opt_word(
            key!("overridden_from"),
            "an outcome",
            |f| f.overridden_from,
            |f, x| f.overridden_from = x,
        );
        v.opt_text(key!("policy"), |f| f.policy.as_deref(), |f, x| f.policy = x);
        v.text(key!("rule"), |f| &f.rule, |f, x| f.rule = x);
    }
}

impl Members for RuleError {
    fn blank() -> Self {
        RuleError {
            rule: String::new(),
            file: String::new(),
            line: None,
            column: None,
            message: String::new(),
        }
    }

    fn members<V: Visitor<Self>>(v: &mut V) {
        let line = |n: Option<u64>| n.map(|n| n as u32);
        v.opt_number(
            key!("column"),
            |e| e.column.map(u64::from),
            |e, x| e.column = line(x),
        );
        v.text(key!("file"), |e| &e.file, |e, x| e.file = x);
        v.opt_number(
            key!("line"),
            |e| e.line.map(u64::from),
            |e, x| e.line = line(x),
        );
        v.text(key!("message"), |e| &e.message, |e, x| e.message = x);
        v.text(key!("rule"), |e| &e.rule, |e, x| e.rule = x);
    }
}

impl Word for Decision {
    fn as_str(self) -> &'static str {
        Decision::as_str(self)
    }

    fn parse(text: &str) -> Option<Self> {
        Decision::parse(text)
    }
}

impl Word for Outcome {
    fn as_str(self) -> &'static str {
        Outcome::as_str(self)
    }

    fn parse(text: &str) -> Option<Self> {
        Outcome::parse(text)
    }
}

impl Word for Actor {
    fn as_str(self) -> &'static str {
        Actor::as_str(self)
    }

    fn parse(text: &str) -> Option<Self> {
        Actor::parse(text)
    }
}

impl Word for Criterion {
    fn as_str(self) -> &'static str {
        Criterion::as_str(self)
    }

    fn parse(text: &str) -> Option<Self> {
        Criterion::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical;
    use crate::request::validate::RequestLimits;

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
                actor: Some(Actor::Provider),
            }],
            errors: vec![RuleError {
                rule: "p/B".into(),
                file: "p/rules/B.rhai".into(),
                line: Some(3),
                column: None,
                message: "x".into(),
            }],
            rules_run: 2,
            rules_not_in_force: Vec::new(),
            in_force_during_tc: Vec::new(),
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
        second.actor = None;
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

    /// The members read back what they write, and names the first member that is wrong as the
    /// hand-written reader did (the same messages, checked against the previous binary).
    #[test]
    fn a_wrong_member_is_named_with_its_path() {
        let request = ValidRequest::from_text(
            r#"{"id": "R", "country": "ZZ", "title": "T", "received": "2025-03-04"}"#,
            &RequestLimits::default(),
        )
        .unwrap();
        let identity = PackIdentity {
            id: "p".into(),
            version: "1".into(),
            sha256: "ab".into(),
        };
        let record = DecisionRecord {
            request_id: "R".into(),
            country: "ZZ".into(),
            request_sha256: request.sha256().into(),
            pack: identity.clone(),
            chain: vec![identity],
            as_of: Date::parse("2025-03-04").unwrap(),
            decision: Some(Decision::Revise),
            criteria: Some(Criterion::ALL.map(|c| (c, Decision::Revise)).into()),
            findings: vec![Finding {
                rule: "p/A".into(),
                criterion: Criterion::Exit,
                outcome: Outcome::Revise,
                message: "m".into(),
                field: None,
                policy: None,
                overridden_from: None,
                actor: Some(Actor::Both),
            }],
            errors: Vec::new(),
            rules_run: 1,
            rules_not_in_force: Vec::new(),
            in_force_during_tc: Vec::new(),
            input: request.shared_json(),
            input_canonical: None,
            engine_version: ENGINE_VERSION.to_string(),
        };
        let text = record.to_canonical();
        let read = |text: &str| {
            DecisionRecord::from_json(&crate::json::parse(text, Default::default()).unwrap())
        };
        assert_eq!(read(&text).unwrap().to_canonical(), text);
        for (from, to, message) in [
            (
                r#""schema":"tcscreen/decision/v1""#,
                r#""schema":"x""#,
                r#"`schema` is "x", not "tcscreen/decision/v1""#,
            ),
            (
                r#""chain":[{"#,
                r#""chain":[{"x":1},{"#,
                "`pack.chain[0].id` is missing",
            ),
            (
                r#""as_of":"2025-03-04""#,
                r#""as_of":"2025-02-30""#,
                r#"`as_of` "2025-02-30" is not a date"#,
            ),
            (
                r#""decision":"revise""#,
                r#""decision":"maybe""#,
                r#"`decision` "maybe" is not accept, revise or reject"#,
            ),
            (
                r#""exit":"revise""#,
                r#""exit":"x""#,
                r#"`criteria.exit` "x" is not a decision"#,
            ),
            (
                r#""criterion":"exit""#,
                r#""criterion":null"#,
                "`findings[0].criterion` must be a string",
            ),
            (
                r#""outcome":"revise""#,
                r#""outcome":null"#,
                "`findings[0].outcome` must not be null",
            ),
            (
                r#""field":null"#,
                r#""field":3"#,
                "`findings[0].field` must be a string or null",
            ),
            (
                r#""errors":[]"#,
                r#""errors":[{"column":null,"file":"f","line":"3","message":"m","rule":"r"}]"#,
                "`errors[0].line` must be a number",
            ),
            (
                r#""rules_run":1"#,
                r#""rules_run":-1"#,
                "`rules_run` must be a whole number",
            ),
        ] {
            assert!(text.contains(from), "{from}");
            let changed = text.replacen(from, to, 1);
            assert_eq!(read(&changed).err().as_deref(), Some(message), "{to}");
        }
        for (c, key) in CRITERIA {
            assert_eq!(key.name, c.as_str());
        }
        let engine = format!(r#""engine":{{"name":"tcscreen","version":"{ENGINE_VERSION}"}}"#);
        let changed = text.replacen(&engine, r#""engine":{"name":"tcscreen","version":1}"#, 1);
        assert_eq!(
            read(&changed).err().as_deref(),
            Some("`engine.version` must be a string")
        );
    }
}
