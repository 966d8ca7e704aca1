//! Property tests of tcscreen-core's invariants, through its public API only.
//!
//! - Normalisation is idempotent: normalising the canonical form of a request gives the same
//!   Rhai value (same types, same decimals with the same scale) as normalising the request.
//! - Canonical JSON ignores key order, whitespace, string escapes and number spelling.
//! - The decision is the worst finding (notes never count), overall and per criterion.
//! - An outcome override never changes which rules fire, nor their messages or fields.
//!
//! Requests come from the seeded corpus (`tcscreen_bench::corpus`), re-spelt by proptest;
//! arbitrary JSON comes from a proptest strategy. Failures print the seed to reproduce.
//!
//! (These would sit in crates/core/tests/ but for proptest, a dev-dependency that crate does
//! not have; they use nothing but its public API.)

use std::collections::BTreeMap;

use proptest::prelude::*;
use rhai::{Array, Dynamic, ImmutableString, Map};
use serde_json::Value as SJ;
use tcscreen_bench::corpus::{self, Options, SplitMix64};
use tcscreen_bench::packs;
use tcscreen_core::json::JsonLimits;
use tcscreen_core::{
    CompiledPack, Criterion, Date, Decision, EngineLimits, Outcome, PackFile, PackIdentity,
    PackLayer, Pos, RequestLimits, ResolvedPack, RuleSettings, RuleSettingsEntry, ValidRequest,
    canonical, on_eval_stack, screening::normalize,
};

// ----- rendering JSON in many equivalent spellings ------------------------------------------

/// Equivalent spellings of one JSON document, chosen by a seed.
struct Speller {
    rng: SplitMix64,
}

impl Speller {
    fn new(seed: u64) -> Speller {
        Speller {
            rng: SplitMix64::new(seed),
        }
    }

    fn ws(&mut self, out: &mut String) {
        const WS: [&str; 6] = ["", "", " ", "\n", "\t", "\r\n  "];
        out.push_str(WS[self.rng.below(WS.len() as u64) as usize]);
    }

    fn string(&mut self, s: &str, out: &mut String) {
        if self.rng.chance(50) {
            out.push_str(&serde_json::to_string(s).expect("a string"));
            return;
        }
        // Escape everything that may be escaped: \uXXXX (surrogate pairs beyond the BMP).
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str(if self.rng.chance(50) {
                    "\\\\"
                } else {
                    "\\u005C"
                }),
                '/' if self.rng.chance(50) => out.push_str("\\/"),
                c if (c as u32) < 0x20 || !c.is_ascii() || self.rng.chance(20) => {
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }

    /// A decimal `text` (plain, as serde_json writes it) in another exact spelling.
    fn number(&mut self, text: &str, out: &mut String) {
        let (sign, digits) = match text.strip_prefix('-') {
            Some(d) => ("-", d),
            None => ("", text),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        match self.rng.below(4) {
            0 => out.push_str(text),
            1 => {
                // Trailing zeros: 1.5 -> 1.500, 7 -> 7.00.
                let zeros = "0".repeat(1 + self.rng.below(3) as usize);
                out.push_str(&format!("{sign}{int}.{frac}{zeros}"));
            }
            2 => {
                // Integer mantissa with a negative exponent: 1.25 -> 125e-2.
                let mantissa = format!("{int}{frac}");
                let mantissa = mantissa.trim_start_matches('0');
                let mantissa = if mantissa.is_empty() { "0" } else { mantissa };
                let e = if self.rng.chance(50) { "e" } else { "E" };
                out.push_str(&format!("{sign}{mantissa}{e}-{}", frac.len()));
            }
            _ => {
                // Shifted: 12.5 -> 0.125e2 (or 0.125E+2).
                let e = if self.rng.chance(50) { "e+" } else { "E" };
                out.push_str(&format!("{sign}0.{int}{frac}{e}{}", int.len()));
            }
        }
    }

    fn value(&mut self, v: &SJ, out: &mut String) {
        match v {
            SJ::Null => out.push_str("null"),
            SJ::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            SJ::Number(n) => {
                let text = n.to_string();
                self.number(&text, out);
            }
            SJ::String(s) => self.string(s, out),
            SJ::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.ws(out);
                    self.value(item, out);
                    self.ws(out);
                }
                out.push(']');
            }
            SJ::Object(map) => {
                let mut members: Vec<(&String, &SJ)> = map.iter().collect();
                // Fisher–Yates with the speller's generator.
                for i in (1..members.len()).rev() {
                    let j = self.rng.below(i as u64 + 1) as usize;
                    members.swap(i, j);
                }
                out.push('{');
                for (i, (k, v)) in members.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.ws(out);
                    self.string(k, out);
                    self.ws(out);
                    out.push(':');
                    self.ws(out);
                    self.value(v, out);
                    self.ws(out);
                }
                out.push('}');
            }
        }
    }

    fn document(seed: u64, v: &SJ) -> String {
        let mut s = Speller::new(seed);
        let mut out = String::new();
        s.ws(&mut out);
        s.value(v, &mut out);
        s.ws(&mut out);
        out
    }
}

/// Arbitrary JSON: objects, arrays, unicode strings, exact decimals.
fn json_value() -> impl Strategy<Value = SJ> {
    let number = (any::<i32>(), 0u32..5).prop_map(|(m, scale)| {
        let text = rust_decimal::Decimal::new(i64::from(m), scale).to_string();
        serde_json::from_str::<SJ>(&text).expect("a number")
    });
    let leaf = prop_oneof![
        Just(SJ::Null),
        any::<bool>().prop_map(SJ::Bool),
        number,
        "[a-z é中😀\"\\\\/\n\t\u{1}\u{7f}\u{2028}]{0,8}".prop_map(SJ::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(SJ::Array),
            prop::collection::btree_map("[a-zA-Z_é😀\u{e000}]{0,5}", inner, 0..6)
                .prop_map(|m| SJ::Object(m.into_iter().collect())),
        ]
    })
}

fn canonical_of(text: &str) -> String {
    let json = tcscreen_core::json::parse(text, JsonLimits::default())
        .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    canonical::to_canonical_string(&json)
}

// ----- deep equality of normalised requests --------------------------------------------------

fn same(a: &Dynamic, b: &Dynamic, path: &str) -> Result<(), String> {
    let differ = || Err(format!("{path}: {a:?} != {b:?}"));
    if a.type_name() != b.type_name() {
        return differ();
    }
    if a.is_unit() {
        return Ok(());
    }
    if let (Ok(x), Ok(y)) = (a.as_bool(), b.as_bool()) {
        return if x == y { Ok(()) } else { differ() };
    }
    if let (Ok(x), Ok(y)) = (a.as_int(), b.as_int()) {
        return if x == y { Ok(()) } else { differ() };
    }
    if let (Ok(x), Ok(y)) = (a.as_decimal(), b.as_decimal()) {
        // Same value and the same scale: a rule could print the difference.
        return if x == y && x.scale() == y.scale() {
            Ok(())
        } else {
            differ()
        };
    }
    if let (Some(x), Some(y)) = (
        a.read_lock::<ImmutableString>(),
        b.read_lock::<ImmutableString>(),
    ) {
        return if *x == *y { Ok(()) } else { differ() };
    }
    if let (Some(x), Some(y)) = (a.read_lock::<Array>(), b.read_lock::<Array>()) {
        if x.len() != y.len() {
            return differ();
        }
        for (i, (p, q)) in x.iter().zip(y.iter()).enumerate() {
            same(p, q, &format!("{path}[{i}]"))?;
        }
        return Ok(());
    }
    if let (Some(x), Some(y)) = (a.read_lock::<Map>(), b.read_lock::<Map>()) {
        if x.keys().ne(y.keys()) {
            return differ();
        }
        for (k, v) in x.iter() {
            same(v, &y[k], &format!("{path}.{k}"))?;
        }
        return Ok(());
    }
    Err(format!("{path}: unexpected type {}", a.type_name()))
}

fn corpus_request(seed: u64) -> SJ {
    corpus::request(seed, 0, &Options::default())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn canonical_json_ignores_key_order_whitespace_and_spelling(
        value in json_value(), a in any::<u64>(), b in any::<u64>()
    ) {
        let doc = SJ::Object([("v".to_string(), value)].into_iter().collect());
        let (ta, tb) = (Speller::document(a, &doc), Speller::document(b, &doc));
        let (ca, cb) = (canonical_of(&ta), canonical_of(&tb));
        prop_assert_eq!(&ca, &cb, "spellings:\n{}\n{}", ta, tb);
        // The canonical text is a fixed point, and has no insignificant whitespace.
        prop_assert_eq!(&canonical_of(&ca), &ca);
        prop_assert!(!ca.contains('\n'));
    }

    #[test]
    fn normalising_the_canonical_form_gives_the_same_value(seed in any::<u64>(), spelling in any::<u64>()) {
        let text = Speller::document(spelling, &corpus_request(seed));
        let limits = RequestLimits::default();
        let first = ValidRequest::from_text(&text, &limits)
            .unwrap_or_else(|e| panic!("corpus seed {seed}, spelling {spelling}: {e:?}"));
        let second = ValidRequest::from_text(first.canonical(), &limits).expect("canonical is valid");
        prop_assert_eq!(first.canonical(), second.canonical());
        prop_assert_eq!(first.sha256(), second.sha256());
        let (n1, n2) = (normalize::normalize(&first), normalize::normalize(&second));
        if let Err(e) = same(&n1, &n2, "request") {
            panic!("corpus seed {seed}, spelling {spelling}: {e}");
        }
        // And the spelling did not matter either.
        let plain = ValidRequest::from_text(&corpus_request(seed).to_string(), &limits).expect("valid");
        prop_assert_eq!(plain.canonical(), first.canonical());
    }

    #[test]
    fn the_decision_is_the_worst_outcome(outcomes in prop::collection::vec(0u8..3, 0..12)) {
        let outcomes: Vec<Outcome> = outcomes.iter().map(|&o| OUTCOMES[o as usize]).collect();
        let worst = outcomes.iter().copied().filter(|&o| o != Outcome::Note).max();
        let expected = match worst {
            None => Decision::Accept,
            Some(Outcome::Revise) => Decision::Revise,
            Some(_) => Decision::Reject,
        };
        prop_assert_eq!(Decision::from_outcomes(outcomes.iter().copied()), expected);
        // Order does not matter.
        prop_assert_eq!(Decision::from_outcomes(outcomes.iter().rev().copied()), expected);
    }
}

const OUTCOMES: [Outcome; 3] = [Outcome::Note, Outcome::Revise, Outcome::Reject];

/// A one-layer pack from (id, criterion, body) rules.
fn tiny_pack(rules: &[(String, Criterion, String)]) -> ResolvedPack {
    ResolvedPack {
        identity: PackIdentity {
            id: "p".into(),
            version: "1".into(),
            sha256: "0".repeat(64),
        },
        chain: vec![],
        layers: vec![PackLayer {
            id: "p".into(),
            manifest: "p/pack.toml".into(),
            rules: rules
                .iter()
                .map(|(id, criterion, body)| PackFile {
                    path: format!("rules/{id}.rhai"),
                    display: format!("p/rules/{id}.rhai"),
                    text: format!(
                        "//! id: {id}\n//! title: {id}\n//! criterion: {}\n{body}\n",
                        criterion.as_str()
                    ),
                })
                .collect(),
            ..PackLayer::default()
        }],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Screen generated findings through a pack: the record's decision and criteria are the
    /// worst outcome overall and per criterion.
    #[test]
    fn screened_findings_decide_by_the_worst(
        findings in prop::collection::vec((0usize..4, prop::collection::vec(0u8..3, 0..4)), 1..6)
    ) {
        let rules: Vec<(String, Criterion, String)> = findings
            .iter()
            .enumerate()
            .map(|(i, (c, outcomes))| {
                let body: String = outcomes
                    .iter()
                    .enumerate()
                    .map(|(k, &o)| format!("{}(\"finding {k}\");\n", OUTCOMES[o as usize].as_str()))
                    .collect();
                (format!("R-{i}"), Criterion::ALL[*c], body)
            })
            .collect();
        let resolved = tiny_pack(&rules);
        let request = ValidRequest::from_text(
            r#"{"id": "R", "country": "KH", "title": "T", "received": "2025-03-04"}"#,
            &RequestLimits::default(),
        ).expect("valid");
        let screening = on_eval_stack(|| {
            let pack = CompiledPack::compile(&resolved, &EngineLimits::default()).expect("compiles");
            pack.screen(&request, request.received()).expect("no stop")
        });
        prop_assert!(screening.errors.is_empty());
        let all: Vec<Outcome> = findings.iter().flat_map(|(_, o)| o.iter().map(|&o| OUTCOMES[o as usize])).collect();
        prop_assert_eq!(screening.findings.len(), all.len());
        prop_assert_eq!(screening.decision(), Some(Decision::from_outcomes(all)));
        let criteria = screening.criteria().expect("no errors");
        for c in Criterion::ALL {
            let mine = findings
                .iter()
                .filter(|(k, _)| Criterion::ALL[*k] == c)
                .flat_map(|(_, o)| o.iter().map(|&o| OUTCOMES[o as usize]));
            prop_assert_eq!(criteria[&c], Decision::from_outcomes(mine));
        }
    }
}

/// The shipped base pack compiled with the given outcome overrides (full rule id → outcome).
fn base_with_overrides(overrides: &BTreeMap<String, Outcome>) -> ResolvedPack {
    let mut resolved =
        (*packs::shipped("base", None, Date::parse("2025-01-01").expect("a date"))).clone();
    let layer = resolved.layers.last_mut().expect("a layer");
    for (rule, outcome) in overrides {
        layer.settings.push(RuleSettingsEntry {
            rule: rule.clone(),
            pos: Pos::NONE,
            settings: RuleSettings {
                outcome: Some(*outcome),
                ..RuleSettings::default()
            },
        });
    }
    resolved
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn an_outcome_override_never_changes_which_rules_fire(
        seed in any::<u64>(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3), 1..12)
    ) {
        let request_text = corpus_request(seed).to_string();
        let request = ValidRequest::from_text(&request_text, &RequestLimits::default()).expect("valid");
        let plain_source = base_with_overrides(&BTreeMap::new());
        let (plain, overridden, overrides) = on_eval_stack(|| {
            let plain_pack = CompiledPack::compile(&plain_source, &EngineLimits::default()).expect("compiles");
            let ids: Vec<String> = plain_pack.rules().iter().map(|r| r.id.clone()).collect();
            let overrides: BTreeMap<String, Outcome> = picks
                .iter()
                .map(|(index, o)| (ids[index.index(ids.len())].clone(), OUTCOMES[*o as usize]))
                .collect();
            let pack = CompiledPack::compile(&base_with_overrides(&overrides), &EngineLimits::default())
                .expect("compiles");
            let as_of = request.received();
            (
                plain_pack.screen(&request, as_of).expect("no stop"),
                pack.screen(&request, as_of).expect("no stop"),
                overrides,
            )
        });
        // The same rules fire (and fail), with the same fields, in the same order, and the same
        // messages, except that a finding lowered to a note may read as the rule's information.
        let shape = |s: &tcscreen_core::Screening| -> Vec<(String, Option<String>)> {
            s.findings.iter().map(|f| (f.rule.clone(), f.field.clone())).collect()
        };
        prop_assert_eq!(shape(&plain), shape(&overridden), "seed {}", seed);
        let lowered = |f: &tcscreen_core::Finding| f.outcome == Outcome::Note && f.overridden_from.is_some();
        for (before, after) in plain.findings.iter().zip(&overridden.findings) {
            if !lowered(before) && !lowered(after) {
                prop_assert_eq!(&before.message, &after.message, "seed {}", seed);
            }
        }
        prop_assert_eq!(&plain.errors, &overridden.errors);
        prop_assert_eq!(plain.rules_run, overridden.rules_run);
        // Only the outcomes move, as documented: notes stay notes; revise/reject become the
        // override, and `overridden_from` says what the rule recorded. (The base pack itself
        // turns some rules' findings into notes: what the rule recorded is then the outcome it
        // was overridden from.)
        for (before, after) in plain.findings.iter().zip(&overridden.findings) {
            let recorded = before.overridden_from.unwrap_or(before.outcome);
            match overrides.get(&before.rule) {
                Some(&target) if recorded != Outcome::Note => {
                    prop_assert_eq!(after.outcome, target);
                    let from = (recorded != target).then_some(recorded);
                    prop_assert_eq!(after.overridden_from, from);
                }
                _ => {
                    prop_assert_eq!(after.outcome, before.outcome);
                    prop_assert_eq!(after.overridden_from, before.overridden_from);
                }
            }
        }
    }
}
