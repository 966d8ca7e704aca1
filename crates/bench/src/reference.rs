//! A plain-Rust reference implementation of 29 rules of the shipped `base` pack
//! (`rules/base/rules/*.rhai`), on typed requests ([`crate::typed::Request`]).
//!
//! Each function below mirrors one `.rhai` file statement by statement: same conditions, same
//! rule id, outcome, field path and message, with the pack's params read from its manifest.
//! The differential test (`tests/differential.rs`) checks that the two agree exactly on
//! generated requests; the benchmarks measure what Rhai costs against this floor.
//!
//! Rhai semantics reproduced here:
//! - `is_blank(x)`: `()`, a string that is empty after `trim()`, an empty array;
//! - `a ?? b`: `a` unless it is `()` (an empty string is kept);
//! - a sum that starts as the integer `0` stays an integer until a decimal is added to it,
//!   and prints as one (`${shares}` of no stated share is `0`);
//! - decimals print with the scale their arithmetic left them (`rust_decimal`'s `Display`);
//!   the API's `format_amount(amount, currency)` rounds half away from zero to whole units and
//!   writes thousands commas after the currency;
//! - a rule whose cited sources all date from after the screening date does not run
//!   ([`IN_FORCE_FROM`], checked against the compiled pack by the differential test);
//! - pack overrides of `rules/base/pack.toml` apply (EX-15's findings are notes);
//! - dates compare as `YYYY-MM-DD` strings; `add_months` and `months_between` are
//!   `tcscreen_core::Date`'s, as in the engine.
//!
//! Not reproduced: rule errors (a decimal too large for `to_int`, a date past year 9999).
//! The corpus never produces them, and the differential test checks that Rhai reports none.

use std::collections::{BTreeMap, HashSet};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value as JsonValue;
use tcscreen_core::{Outcome, Value};

use crate::typed::{
    ChairedBy, Context, DocumentKind, Employer, FinancedBy, Function, IndicatorLevel, InitiatedBy,
    ModalityType, NeedsLedBy, Party, PersonOrigin, ProviderKind, ReportsTo, Request, RequesterKind,
    ReviewKind, Tied,
};

/// The rules of `base` this module implements (ids without the pack prefix), in id order.
pub const RULES: [&str; 28] = [
    "DL-01", "DL-02", "DL-03", "DL-04", "DL-05", "DL-06", "DL-07", "DL-08", "DL-09", "DQ-02",
    "DQ-03", "EX-01", "EX-02", "EX-03", "EX-04", "EX-05", "EX-07", "EX-08", "EX-10", "EX-11",
    "EX-12", "EX-13", "EX-14", "EX-15", "MG-02", "PF-02", "PF-04", "PF-10",
];

/// The first screening date each rule runs on: the date of its earliest cited source in
/// `rules/base/pack.toml` (a source dated to a month or a year counts from its last day).
/// `None`: the rule cites no source (`policy: none`) and always runs.
pub const IN_FORCE_FROM: [(&str, Option<&str>); 28] = [
    ("DL-01", Some("2008-07-31")),
    ("DL-02", Some("2008-07-31")),
    ("DL-03", Some("2008-07-31")),
    ("DL-04", Some("2008-09-04")),
    ("DL-05", Some("2008-09-04")),
    ("DL-06", Some("2005-03-02")),
    ("DL-07", Some("2008-09-04")),
    ("DL-08", Some("2008-07-31")),
    ("DL-09", Some("2009-03-31")),
    ("DQ-02", None),
    ("DQ-03", None),
    ("EX-01", Some("2008-07-31")),
    ("EX-02", Some("2008-12-31")),
    ("EX-03", Some("2007-09-30")),
    ("EX-04", Some("2007-09-30")),
    ("EX-05", None),
    ("EX-07", Some("2008-07-31")),
    ("EX-08", Some("2007-09-30")),
    ("EX-10", Some("2007-09-30")),
    ("EX-11", Some("2008-09-04")),
    ("EX-12", Some("2008-07-31")),
    ("EX-13", Some("2008-07-31")),
    ("EX-14", Some("2008-07-31")),
    ("EX-15", Some("2008-07-31")),
    ("MG-02", Some("2008-07-31")),
    ("PF-02", Some("2005-03-02")),
    ("PF-04", Some("2008-07-31")),
    ("PF-10", Some("2005-03-02")),
];

/// A finding of the reference: what the differential test compares.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RefFinding {
    /// Full rule id, `base/<id>`.
    pub rule: &'static str,
    /// The outcome the rule recorded.
    pub outcome: Outcome,
    /// The field path, if any.
    pub field: Option<String>,
    /// The message.
    pub message: String,
}

/// A number param as Rhai sees it: TOML integers are integers, fractions are decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Num {
    /// An `INT`.
    Int(i64),
    /// A decimal.
    Dec(Decimal),
}

impl Num {
    fn value(self) -> Decimal {
        match self {
            Num::Int(i) => Decimal::from(i),
            Num::Dec(d) => d,
        }
    }

    /// `${x}` in a rule.
    fn display(self) -> String {
        match self {
            Num::Int(i) => i.to_string(),
            Num::Dec(d) => d.to_string(),
        }
    }
}

/// The params of `rules/base/pack.toml` that the reference's rules read.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// DL-09.
    pub max_management_fee_share: Num,
    /// EX-03.
    pub min_months_counterpart: Num,
    /// EX-04.
    pub counterpart_assignment_months: i64,
    /// EX-05.
    pub supplement_transition_end: String,
    /// EX-05.
    pub supplement_transition_announced: String,
    /// EX-11.
    pub review_interval_months: Num,
    /// EX-11.
    pub midterm_review_after_months: Num,
    /// EX-12.
    pub max_months_same_function: Num,
    /// EX-14.
    pub max_gap_filling_months: Num,
    /// MG-02.
    pub max_total_without_steering_usd: Num,
    /// DQ-02.
    pub total_tolerance_per_line: Num,
    /// DQ-02.
    pub total_tolerance_share: Num,
    /// MG-02: `data/usd_rates.json` (empty until [`Params::with_data`]).
    pub usd_rates: UsdRates,
}

/// `data/usd_rates.json`: for each year, the date of the release its figures were read from
/// and the annual average rates against the US dollar.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UsdRates {
    years: BTreeMap<String, YearRates>,
}

#[derive(Clone, Debug, PartialEq)]
struct YearRates {
    published: String,
    usd_per_unit: BTreeMap<String, Decimal>,
    units_per_usd: BTreeMap<String, Decimal>,
}

/// An amount in US dollars, and the year of the rate when it was converted.
struct InUsd {
    amount: Decimal,
    year: Option<String>,
}

impl UsdRates {
    /// Read the table from the pack's data.
    pub fn from_value(table: &Value) -> Result<UsdRates, String> {
        let Value::Map(top) = table else {
            return Err("usd_rates is not an object".into());
        };
        let Some(Value::Map(years)) = top.get("years") else {
            return Err("usd_rates has no `years`".into());
        };
        let rates = |v: Option<&Value>| -> Result<BTreeMap<String, Decimal>, String> {
            let Some(Value::Map(m)) = v else {
                return Err("a year of usd_rates lacks a table of rates".into());
            };
            m.iter()
                .map(|(k, v)| match v {
                    Value::Decimal(d) => Ok((k.clone(), *d)),
                    Value::Int(i) => Ok((k.clone(), Decimal::from(*i))),
                    other => Err(format!("rate {k} is not a number: {other:?}")),
                })
                .collect()
        };
        let mut out = BTreeMap::new();
        for (year, entry) in years {
            let Value::Map(e) = entry else {
                return Err(format!("year {year} is not an object"));
            };
            let Some(Value::Str(published)) = e.get("published") else {
                return Err(format!("year {year} has no `published` date"));
            };
            out.insert(
                year.clone(),
                YearRates {
                    published: published.clone(),
                    usd_per_unit: rates(e.get("usd_per_unit"))?,
                    units_per_usd: rates(e.get("units_per_usd"))?,
                },
            );
        }
        Ok(UsdRates { years: out })
    }

    /// `money::in_currency(amount, currency, "USD", data.usd_rates, as_of)`.
    fn in_usd(&self, amount: Decimal, currency: &str, as_of: &str) -> Option<InUsd> {
        if currency == "USD" {
            return Some(InUsd { amount, year: None });
        }
        let (year, entry) = self
            .years
            .iter()
            .filter(|(_, e)| {
                (e.usd_per_unit.contains_key(currency) || e.units_per_usd.contains_key(currency))
                    && e.published.as_str() <= as_of
            })
            .max_by(|a, b| a.0.cmp(b.0))?;
        let converted = match entry.usd_per_unit.get(currency) {
            Some(rate) => amount * rate,
            None => amount / entry.units_per_usd[currency],
        };
        Some(InUsd {
            amount: converted.round_dp(2),
            year: Some(year.clone()),
        })
    }
}

/// `money::amount_words(amount, currency, value, "USD")`.
fn amount_words(amount: Decimal, currency: &str, value: &InUsd) -> String {
    match &value.year {
        Some(year) => format!(
            "{} (about {} at the {year} average exchange rate)",
            format_amount(amount, Some(currency)),
            format_amount(value.amount, Some("USD"))
        ),
        None => format_amount(amount, Some(currency)),
    }
}

impl Params {
    /// Read the params from a pack's merged `[params]`. Errors name a missing or mistyped one.
    pub fn from_values(values: &BTreeMap<String, Value>) -> Result<Params, String> {
        let num = |name: &str| match values.get(name) {
            Some(Value::Int(i)) => Ok(Num::Int(*i)),
            Some(Value::Decimal(d)) => Ok(Num::Dec(*d)),
            other => Err(format!("param `{name}` is not a number: {other:?}")),
        };
        let int = |name: &str| match num(name)? {
            Num::Int(i) => Ok(i),
            Num::Dec(d) if d.fract().is_zero() => d
                .to_i64()
                .ok_or_else(|| format!("param `{name}` is too large")),
            Num::Dec(d) => Err(format!("param `{name}` is not a whole number: {d}")),
        };
        let text = |name: &str| match values.get(name) {
            Some(Value::Str(s)) => Ok(s.clone()),
            other => Err(format!("param `{name}` is not a string: {other:?}")),
        };
        Ok(Params {
            max_management_fee_share: num("max_management_fee_share")?,
            min_months_counterpart: num("min_months_counterpart")?,
            counterpart_assignment_months: int("counterpart_assignment_months")?,
            supplement_transition_end: text("supplement_transition_end")?,
            supplement_transition_announced: text("supplement_transition_announced")?,
            review_interval_months: num("review_interval_months")?,
            midterm_review_after_months: num("midterm_review_after_months")?,
            max_months_same_function: num("max_months_same_function")?,
            max_gap_filling_months: num("max_gap_filling_months")?,
            max_total_without_steering_usd: num("max_total_without_steering_usd")?,
            total_tolerance_per_line: num("total_tolerance_per_line")?,
            total_tolerance_share: num("total_tolerance_share")?,
            usd_rates: UsdRates::default(),
        })
    }

    /// With the data tables the reference reads from the pack (`usd_rates`).
    pub fn with_data(mut self, data: &BTreeMap<String, Value>) -> Result<Params, String> {
        let table = data
            .get("usd_rates")
            .ok_or_else(|| "the pack has no data table usd_rates".to_string())?;
        self.usd_rates = UsdRates::from_value(table)?;
        Ok(self)
    }
}

impl Default for Params {
    /// The values of `rules/base/pack.toml` when this was written.
    fn default() -> Params {
        Params {
            max_management_fee_share: Num::Dec(Decimal::new(15, 2)),
            min_months_counterpart: Num::Int(6),
            counterpart_assignment_months: 3,
            supplement_transition_end: String::new(),
            supplement_transition_announced: String::new(),
            review_interval_months: Num::Int(12),
            midterm_review_after_months: Num::Int(36),
            max_months_same_function: Num::Int(60),
            max_gap_filling_months: Num::Int(12),
            max_total_without_steering_usd: Num::Int(1_000_000),
            total_tolerance_per_line: Num::Int(1),
            total_tolerance_share: Num::Dec(Decimal::new(5, 3)),
            usd_rates: UsdRates::default(),
        }
    }
}

/// Where findings go.
struct Out<'a> {
    findings: &'a mut Vec<RefFinding>,
    rule: &'static str,
}

impl Out<'_> {
    fn push(&mut self, outcome: Outcome, message: String, field: impl Into<String>) {
        self.findings.push(RefFinding {
            rule: self.rule,
            outcome,
            field: Some(field.into()),
            message,
        });
    }

    fn revise(&mut self, message: impl Into<String>, field: impl Into<String>) {
        self.push(Outcome::Revise, message.into(), field);
    }

    fn reject(&mut self, message: impl Into<String>, field: impl Into<String>) {
        self.push(Outcome::Reject, message.into(), field);
    }

    fn note(&mut self, message: impl Into<String>, field: impl Into<String>) {
        self.push(Outcome::Note, message.into(), field);
    }
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// The API's `format_amount(amount, currency)`: whole units, rounded half away from zero, with
/// thousands commas, after the currency; a currency not stated is said after the amount.
fn format_amount(d: Decimal, currency: Option<&str>) -> String {
    let rounded = d.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let digits = rounded.abs().to_string();
    let digits = digits.split('.').next().unwrap_or_default();
    let len = digits.len();
    let mut grouped = String::with_capacity(len + len / 3 + 1);
    if rounded.is_sign_negative() && !rounded.is_zero() {
        grouped.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match currency {
        Some(c) => format!("{c} {grouped}"),
        None => format!("{grouped} (currency not stated)"),
    }
}

/// `data/requester_kinds.json`: the kinds classed as government.
fn is_government(kind: Option<RequesterKind>) -> bool {
    matches!(
        kind,
        Some(
            RequesterKind::CentralGovernment
                | RequesterKind::LineMinistry
                | RequesterKind::StateAgency
                | RequesterKind::LocalGovernment
                | RequesterKind::Parliament
                | RequesterKind::Judiciary
        )
    )
}

/// `actors::is_south_south(kind)`.
fn is_south_south(kind: Option<ProviderKind>) -> bool {
    matches!(
        kind,
        Some(ProviderKind::SouthSouth | ProviderKind::Triangular)
    )
}

/// `money::tolerance(lines, total, per_line, share)`.
/// `actors::south_south_in_substance(request.provider.kind, request.personnel)`.
fn south_south_in_substance(req: &Request) -> bool {
    if is_south_south(req.provider.kind) {
        return req.personnel.iter().all(|p| {
            p.origin != Some(PersonOrigin::International)
                && p.employer != Some(Employer::ContractedFirm)
        });
    }
    !req.personnel.is_empty()
        && req.personnel.iter().all(|p| {
            p.origin == Some(PersonOrigin::SouthSouth)
                && p.employer == Some(Employer::PeerInstitution)
        })
}

/// `actors::is_peer_expert(p, south)`.
fn is_peer_expert(p: &crate::typed::Person, south: bool) -> bool {
    if p.employer == Some(Employer::ContractedFirm) || p.origin == Some(PersonOrigin::International)
    {
        return false;
    }
    south || p.employer == Some(Employer::PeerInstitution)
}

fn tolerance(lines: i64, total: Decimal, params: &Params) -> Decimal {
    let by_lines = Decimal::from(lines) * params.total_tolerance_per_line.value();
    let by_share = total * params.total_tolerance_share.value();
    by_share.max(by_lines)
}

/// `money::format_share(share)`.
fn format_share(share: Decimal) -> String {
    let p = (share * Decimal::ONE_HUNDRED).round_dp(1);
    let text = if p.fract().is_zero() {
        p.to_i64().map_or_else(|| p.to_string(), |i| i.to_string())
    } else {
        p.to_string()
    };
    text + "%"
}

/// A running sum that starts as the integer `0`, as in `let sum = 0; sum += x;`.
#[derive(Clone, Copy)]
struct Sum(Option<Decimal>);

impl Sum {
    fn add(&mut self, d: Decimal) {
        self.0 = Some(self.0.map_or(d, |s| s + d));
    }
    fn value(self) -> Decimal {
        self.0.unwrap_or(Decimal::ZERO)
    }
    fn display(self) -> String {
        self.0.map_or_else(|| "0".to_string(), |d| d.to_string())
    }
}

/// Screen `req` as of `as_of` with the reference rules; findings are appended in rule-id
/// order, then in the order each rule records them.
pub fn screen(
    req: &Request,
    params: &Params,
    as_of: tcscreen_core::Date,
    out: &mut Vec<RefFinding>,
) {
    let in_force = |id: &str| {
        IN_FORCE_FROM
            .iter()
            .find(|(rule, _)| *rule == id)
            .and_then(|(_, from)| *from)
            .is_none_or(|from| as_of.to_string().as_str() >= from)
    };
    macro_rules! run {
        ($f:ident, $id:literal $(, $arg:expr)*) => {
            if in_force($id) {
                $f(req $(, $arg)*, &mut Out { findings: out, rule: concat!("base/", $id) })
            }
        };
    }
    run!(dl_01, "DL-01");
    run!(dl_02, "DL-02");
    run!(dl_03, "DL-03");
    run!(dl_04, "DL-04");
    run!(dl_05, "DL-05");
    run!(dl_06, "DL-06");
    run!(dl_07, "DL-07");
    run!(dl_08, "DL-08");
    run!(dl_09, "DL-09", params);
    run!(dq_02, "DQ-02", params);
    run!(dq_03, "DQ-03");
    run!(ex_01, "EX-01");
    run!(ex_02, "EX-02");
    run!(ex_03, "EX-03", params);
    run!(ex_04, "EX-04", params);
    run!(ex_05, "EX-05", params, as_of);
    run!(ex_07, "EX-07");
    run!(ex_08, "EX-08");
    run!(ex_10, "EX-10");
    run!(ex_11, "EX-11", params);
    run!(ex_12, "EX-12", params);
    run!(ex_13, "EX-13");
    run!(ex_14, "EX-14", params);
    run!(ex_15, "EX-15");
    run!(mg_02, "MG-02", params, as_of);
    run!(pf_02, "PF-02");
    run!(pf_04, "PF-04");
    run!(pf_10, "PF-10");
}

fn dl_01(req: &Request, out: &mut Out<'_>) {
    let o = &req.origin;
    let mut has_letter = o.request_letter.date.is_some() || !blank(&o.request_letter.reference);
    for d in &req.documents {
        if d.kind == Some(DocumentKind::RequestLetter) {
            has_letter = true;
        }
    }
    let endorsed = req
        .requester
        .endorsements
        .iter()
        .any(|e| e.declined != Some(true));
    match o.initiated_by {
        None => out.revise(
            "Say who initiated the request (the government, a non-governmental partner, the provider, or jointly) and attach the requesting institution's letter.",
            "origin.initiated_by",
        ),
        Some(InitiatedBy::Provider) if !has_letter && !endorsed => out.reject(
            "This TC is offered by the provider: there is no request letter from the institution it is offered to, and no endorsement by it, so nothing shows that the institution asked for it. An offer can be screened as a request only once the institution itself has asked for the TC in writing or endorsed it.",
            "origin.initiated_by",
        ),
        _ => {}
    }
}

fn dl_02(req: &Request, out: &mut Out<'_>) {
    let o = &req.origin;
    let approval = o.provider_approval_date;
    let letter = o.request_letter.date;
    let tor = &o.tor;
    let late_letter = matches!((letter, approval), (Some(l), Some(a)) if l > a);
    let provider_tor = tor.drafted_by == Some(Party::Provider);
    let late_tor =
        provider_tor && matches!((tor.approval_date, approval), (Some(t), Some(a)) if t > a);
    let provider_recruits = o.recruitment.led_by == Some(Party::Provider);
    if let Some(approval) = approval
        && (late_letter || late_tor)
        && provider_tor
        && provider_recruits
    {
        let when = match (late_letter, letter, tor.approval_date) {
            (true, Some(letter), _) => format!(
                "the request letter is dated {letter}, after the provider approved the TC on {approval}"
            ),
            (_, _, Some(tor_date)) => format!(
                "the requesting institution approved the terms of reference on {tor_date}, after the provider approved the TC on {approval}"
            ),
            _ => String::new(),
        };
        out.revise(
            format!("The TC was decided by the provider before the requesting institution asked for it ({when}); the provider also drafted the terms of reference and leads the recruitment. That is supply-led technical co-operation, whatever was approved afterwards. Redesign it with the institution: let it set out the need, draft or co-draft the terms of reference and take part in selecting the personnel, then resubmit."),
            "origin.provider_approval_date",
        );
    } else if let (true, Some(letter), Some(approval)) = (late_letter, letter, approval) {
        out.note(
            format!("The request letter ({letter}) is dated after the provider approved the TC ({approval}); the request does not show how the requesting institution took part before the approval, for example the meeting or correspondence in which it asked for the support."),
            "origin.request_letter.date",
        );
    }
}

fn dl_03(req: &Request, out: &mut Out<'_>) {
    let tor = &req.origin.tor;
    match tor.drafted_by {
        None => out.revise(
            "Say who drafted the terms of reference: the requesting institution, the provider, or both jointly.",
            "origin.tor.drafted_by",
        ),
        Some(Party::Provider) if tor.partner_approved != Some(true) => out.revise(
            "The terms of reference were drafted by the provider: the requesting institution must revise and approve them, or redraft them jointly with the provider.",
            "origin.tor.partner_approved",
        ),
        Some(Party::Provider) if tor.approval_date.is_none() && blank(&tor.approval_ref) => out.revise(
            "The terms of reference were drafted by the provider and are said to be approved by the requesting institution: give the date of that approval and the letter or minute that records it.",
            "origin.tor.approval_ref",
        ),
        _ => {}
    }
}

/// `p.id ?? (p.title ?? fallback)`.
fn who<'a>(
    id: &'a Option<String>,
    title: &'a Option<String>,
    fallback: impl FnOnce() -> String,
) -> String {
    match (id, title) {
        (Some(id), _) => id.clone(),
        (None, Some(title)) => title.clone(),
        (None, None) => fallback(),
    }
}

fn dl_04(req: &Request, out: &mut Out<'_>) {
    let mut ids = String::new();
    for (i, p) in req.personnel.iter().enumerate() {
        if p.origin == Some(PersonOrigin::International) {
            if !ids.is_empty() {
                ids.push_str(", ");
            }
            ids.push_str(&who(&p.id, &p.title, || format!("position {}", i + 1)));
        }
    }
    if !ids.is_empty() {
        let r = &req.origin.recruitment;
        if r.national_market_tested != Some(true) {
            out.revise(
                format!("Test the national and regional market before recruiting from abroad ({ids}): advertise the posts nationally and record the result."),
                "origin.recruitment.national_market_tested",
            );
        }
        if blank(&r.international_justification) {
            out.revise(
                format!("Explain why {ids} must be recruited from abroad, e.g. that no national or regional candidate with the required experience applied."),
                "origin.recruitment.international_justification",
            );
        }
    }
}

fn dl_05(req: &Request, out: &mut Out<'_>) {
    let r = &req.origin.recruitment;
    if r.led_by == Some(Party::Provider) && r.partner_on_panel != Some(true) {
        out.revise(
            "The selection is led by the provider without the requesting institution: put the institution on the selection panel, or run the selection jointly.",
            "origin.recruitment.partner_on_panel",
        );
    }
}

fn dl_06(req: &Request, out: &mut Out<'_>) {
    let f = &req.finance;
    match f.tied {
        None => out.revise(
            "State whether the contracts for experts and services under the TC are open to suppliers from any country (untied), partly restricted, or restricted to the provider's country (tied).",
            "finance.tied",
        ),
        Some(tied @ (Tied::Tied | Tied::PartiallyTied)) => {
            if !south_south_in_substance(req) {
                let tied_text = if tied == Tied::Tied { "tied" } else { "partially tied" };
                let in_kind = if f.in_kind == Some(true) {
                    ", even though it is given in kind"
                } else {
                    ""
                };
                out.revise(
                    format!("The TC is {tied_text}{in_kind}: open the contracts for experts and services to suppliers beyond the provider's country, or explain why tying cannot be avoided."),
                    "finance.tied",
                );
            }
        }
        Some(Tied::Untied) => {}
    }
}

fn dl_07(req: &Request, out: &mut Out<'_>) {
    if req.origin.linked_conditions == Some(true) {
        out.note(
            "The TC is linked to a policy condition. Conditions are to be based on the country's own development objectives; the request does not show that this one is, or that the TC goes ahead whether or not the condition is met.",
            "origin.linked_conditions",
        );
    }
}

fn dl_08(req: &Request, out: &mut Out<'_>) {
    let south = south_south_in_substance(req);
    for (i, p) in req.personnel.iter().enumerate() {
        if p.reports_to == Some(ReportsTo::Provider) && !is_peer_expert(p, south) {
            let who = who(&p.id, &p.title, || format!("Position {}", i + 1));
            out.revise(
                format!("{who} reports to the provider: make the position report to the requesting institution's line management, or to a steering committee that the institution chairs."),
                format!("personnel[{i}].reports_to"),
            );
        }
    }
    if req.management.accountable_to == Some(Party::Provider) && !south {
        out.revise(
            "Make the TC accountable to the requesting institution, or jointly to the institution and the provider, instead of to the provider alone.",
            "management.accountable_to",
        );
    }
}

fn dl_09(req: &Request, params: &Params, out: &mut Out<'_>) {
    let f = &req.finance;
    if let (Some(fee), Some(total)) = (f.management_fee, f.total)
        && total.0 > Decimal::ZERO
    {
        let share = fee.0 / total.0;
        let max = params.max_management_fee_share.value();
        if share > max {
            out.note(
                format!(
                    "The management fee ({}) is {} of the total, more than {}; the request does not show what it pays for beyond the experts' time.",
                    format_amount(fee.0, f.currency.as_deref()),
                    format_share(share),
                    format_share(max)
                ),
                "finance.management_fee",
            );
        }
    }
}

fn dq_02(req: &Request, params: &Params, out: &mut Out<'_>) {
    dq_02_amounts(req, params, out);
    dq_02_ids(req, out);
    dq_02_dates(req, out);
}

/// DQ-02, amounts: the budget lines, the positions' costs and the sector shares.
fn dq_02_amounts(req: &Request, params: &Params, out: &mut Out<'_>) {
    let f = &req.finance;
    let currency = f.currency.as_deref();

    // Budget lines against the total, within the rounding tolerance.
    let lines = [
        f.personnel,
        f.training,
        f.travel,
        f.equipment,
        f.management_fee,
        f.allowances,
        f.other,
    ];
    let mut stated = 0;
    let mut sum = Sum(None);
    for x in lines.into_iter().flatten() {
        stated += 1;
        sum.add(x.0);
    }
    if let Some(total) = f.total
        && stated > 0
        && (sum.value() - total.0).abs() > tolerance(stated, total.0, params)
    {
        out.revise(
            format!(
                "The budget lines add up to {} but the total is {}: correct the lines or the total.",
                format_amount(sum.value(), currency),
                format_amount(total.0, currency)
            ),
            "finance.total",
        );
    }

    // Personnel costs against the personnel line.
    let mut costs = Sum(None);
    let mut costed = 0;
    for p in &req.personnel {
        if let Some(cost) = p.cost {
            costed += 1;
            costs.add(cost.0);
        }
    }
    if let Some(line) = f.personnel
        && costed > 0
        && costs.value() > line.0 + tolerance(costed, line.0, params)
    {
        out.revise(
            format!(
                "The costs of the positions add up to {}, more than the personnel budget line of {}: correct one of them.",
                format_amount(costs.value(), currency),
                format_amount(line.0, currency)
            ),
            "finance.personnel",
        );
    }

    // Sector shares.
    let sectors = &req.alignment.sectors;
    if !sectors.is_empty() {
        let mut shares = Sum(None);
        for s in sectors {
            if let Some(share) = s.share {
                shares.add(share.0);
            }
        }
        if shares.value() != Decimal::ONE_HUNDRED {
            out.revise(
                format!(
                    "The shares of the sectors add up to {}%, not 100%: correct them.",
                    shares.display()
                ),
                "alignment.sectors",
            );
        }
    }
}

/// DQ-02, identifiers: unique, and every reference to a counterpart names one.
fn dq_02_ids(req: &Request, out: &mut Out<'_>) {
    // Ids.
    let mut counterpart_ids: HashSet<&str> = HashSet::new();
    for (i, c) in req.counterparts.iter().enumerate() {
        match &c.id {
            None => out.revise(
                format!(
                    "Give counterpart {} an identifier, so that positions and handover milestones can refer to it.",
                    i + 1
                ),
                format!("counterparts[{i}].id"),
            ),
            Some(id) if counterpart_ids.contains(id.as_str()) => out.revise(
                format!("The counterpart identifier {id} is used twice: give each counterpart its own."),
                format!("counterparts[{i}].id"),
            ),
            Some(id) => {
                counterpart_ids.insert(id);
            }
        }
    }
    let mut person_ids: HashSet<&str> = HashSet::new();
    for (i, p) in req.personnel.iter().enumerate() {
        if let Some(id) = &p.id {
            if person_ids.contains(id.as_str()) {
                out.revise(
                    format!(
                        "The position identifier {id} is used twice: give each position its own."
                    ),
                    format!("personnel[{i}].id"),
                );
            } else {
                person_ids.insert(id);
            }
        }
        for (j, r) in p.counterparts.iter().enumerate() {
            if !counterpart_ids.contains(r.as_str()) {
                out.revise(
                    format!(
                        "Position {} names counterpart {r}, who is not in the list of counterparts: add the counterpart or correct the identifier.",
                        i + 1
                    ),
                    format!("personnel[{i}].counterparts[{j}]"),
                );
            }
        }
    }
    for (i, h) in req.exit.handover.iter().enumerate() {
        if let Some(to) = &h.to
            && !to.trim().is_empty()
            && !counterpart_ids.contains(to.as_str())
        {
            let function = h.function.as_deref().unwrap_or("a function");
            out.revise(
                format!("The handover of {function} goes to {to}, who is not in the list of counterparts: add the counterpart or correct the identifier."),
                format!("exit.handover[{i}].to"),
            );
        }
    }
}

/// DQ-02, dates: the TC's end, handover milestones and previous phases against its start.
fn dq_02_dates(req: &Request, out: &mut Out<'_>) {
    // Dates.
    let start = req.schedule.start;
    let end = req.schedule.end;
    if let (Some(start), Some(end)) = (start, end)
        && end <= start
    {
        out.revise(
            format!("The TC ends ({end}) on or before it starts ({start}): correct the start or end date."),
            "schedule.end",
        );
    }
    if let Some(start) = start {
        for (i, h) in req.exit.handover.iter().enumerate() {
            if let Some(date) = h.date
                && date < start
            {
                out.revise(
                    format!(
                        "Handover milestone {}, dated {date}, falls before the TC starts ({start}): correct its date.",
                        i + 1
                    ),
                    format!("exit.handover[{i}].date"),
                );
            }
        }
        for (i, ph) in req.schedule.previous_phases.iter().enumerate() {
            if let Some(end) = ph.end
                && end > start
            {
                out.revise(
                    format!(
                        "Previous phase {} ends ({end}) after this phase starts ({start}): correct the dates.",
                        i + 1
                    ),
                    format!("schedule.previous_phases[{i}].end"),
                );
            }
        }
    }
}

fn dq_03(req: &Request, out: &mut Out<'_>) {
    let wanted: [(bool, &str, &str); 8] = [
        (
            blank(&req.requester.name),
            "requester.name",
            "Give the requesting institution's name.",
        ),
        (
            req.requester.kind.is_none(),
            "requester.kind",
            "Say what kind of body the requesting institution is (ministry, agency, local government, civil-society organisation, …).",
        ),
        (
            blank(&req.provider.name),
            "provider.name",
            "Give the provider's name.",
        ),
        (
            req.provider.kind.is_none(),
            "provider.kind",
            "Say what kind of provider it is (bilateral, multilateral, South-South, …).",
        ),
        (
            req.schedule.start.is_none(),
            "schedule.start",
            "Give the start date.",
        ),
        (
            req.schedule.end.is_none(),
            "schedule.end",
            "Give the end date.",
        ),
        (
            blank(&req.finance.currency),
            "finance.currency",
            "Give the currency of the amounts.",
        ),
        (
            req.finance.total.is_none(),
            "finance.total",
            "Give the total cost.",
        ),
    ];
    for (is_blank, path, message) in wanted {
        if is_blank {
            out.revise(message, path);
        }
    }
}

fn ex_01(req: &Request, out: &mut Out<'_>) {
    let indicators = &req.capacity.indicators;
    let complete = indicators.iter().any(|ind| {
        !blank(&ind.baseline)
            && ind
                .targets
                .iter()
                .any(|t| t.date.is_some() && !blank(&t.value))
    });
    if !complete {
        if indicators.is_empty() {
            out.revise(
                "Add at least one capacity indicator with a baseline and a dated target, e.g. a task the institution carries out without external staff.",
                "capacity.indicators",
            );
        } else {
            out.revise(
                "Give at least one capacity indicator a baseline, and a target with a value and a date.",
                "capacity.indicators",
            );
        }
    }
}

fn ex_02(req: &Request, out: &mut Out<'_>) {
    let indicators = &req.capacity.indicators;
    if !indicators.is_empty()
        && indicators
            .iter()
            .all(|i| i.level == Some(IndicatorLevel::Individual))
        && !indicators.iter().any(|i| i.service == Some(true))
    {
        out.revise(
            "Every capacity indicator counts individuals (e.g. people trained), which says nothing about whether the institution works better: add one about the institution's work or a service it delivers to its users, such as a task it carries out on its own after the TC.",
            "capacity.indicators",
        );
    }
}

fn ex_03(req: &Request, params: &Params, out: &mut Out<'_>) {
    let min = params.min_months_counterpart;
    for (i, p) in req.personnel.iter().enumerate() {
        let Some(function @ (Function::CapacityDevelopment | Function::PolicyAdvice)) = p.function
        else {
            continue;
        };
        if !p.counterparts.is_empty() {
            continue;
        }
        let who = who(&p.id, &p.title, || format!("position {}", i + 1));
        let role = function.as_str().replace('_', " ");
        let length = p
            .months
            .map_or_else(String::new, |m| format!("{} months of ", m.0));
        if p.months.is_some_and(|m| m.0 < min.value()) {
            out.note(
                format!("No counterparts are named for {who} ({length}{role}); advisers work with named counterparts who take over."),
                format!("personnel[{i}].counterparts"),
            );
        } else {
            out.revise(
                format!("Name the counterparts of {who} ({length}{role}) and list them with the request: advisers work with named counterparts who take over."),
                format!("personnel[{i}].counterparts"),
            );
        }
    }
}

/// `c.id ?? `${i + 1}``.
fn counterpart_who(id: &Option<String>, i: usize) -> String {
    id.clone().unwrap_or_else(|| (i + 1).to_string())
}

/// `actors::is_civil_service(kind, table, c.on_establishment)`.
fn civil_servant(req: &Request, on_establishment: Option<bool>) -> bool {
    is_government(req.requester.kind) || on_establishment == Some(true)
}

fn ex_04(req: &Request, params: &Params, out: &mut Out<'_>) {
    let months = params.counterpart_assignment_months;
    let start = req.schedule.start;
    let deadline = start.and_then(|s| s.0.add_months(months));
    for (i, c) in req.counterparts.iter().enumerate() {
        if !civil_servant(req, c.on_establishment) {
            continue;
        }
        let who = counterpart_who(&c.id, i);
        let position = c.position.as_deref().unwrap_or("position not stated");
        if c.on_establishment == Some(false) {
            out.revise(
                format!("Counterpart {who} ({position}) does not hold a post on the civil-service establishment: assign a counterpart in an established post, or have the post created before the TC ends."),
                format!("counterparts[{i}].on_establishment"),
            );
        }
        if c.assigned != Some(true) {
            match (c.assigned_from, deadline, start) {
                (None, _, _) => out.revise(
                    format!("Give the date from which counterpart {who} ({position}) will be in post; counterparts should be in post within {months} months of the start."),
                    format!("counterparts[{i}].assigned_from"),
                ),
                (Some(from), Some(deadline), Some(start)) if from.0 > deadline => out.note(
                    format!("Counterpart {who} ({position}) is to be in post only from {from}, more than {months} months after the start ({start}), which leaves less time for the handover."),
                    format!("counterparts[{i}].assigned_from"),
                ),
                _ => {}
            }
        }
    }
}

fn ex_05(req: &Request, params: &Params, as_of: tcscreen_core::Date, out: &mut Out<'_>) {
    let transition_end = params.supplement_transition_end.as_str();
    let announced = params.supplement_transition_announced.as_str();
    let today = as_of.to_string();
    let in_transition = !transition_end.is_empty()
        && today.as_str() <= transition_end
        && (announced.is_empty() || today.as_str() >= announced);
    let ends_in_time = req.schedule.end.is_some_and(|end| {
        !transition_end.is_empty() && end.to_string().as_str() <= transition_end
    });
    for (i, c) in req.counterparts.iter().enumerate() {
        if c.salary_supplement == Some(true) && civil_servant(req, c.on_establishment) {
            let who = counterpart_who(&c.id, i);
            let position = c.position.as_deref().unwrap_or("position not stated");
            if in_transition && ends_in_time {
                out.note(
                    format!("The salary supplement for counterpart {who} ({position}) is tolerated only during the transition, which ends on {transition_end}; the TC ends by then."),
                    format!("counterparts[{i}].salary_supplement"),
                );
            } else {
                // A note after `rules/base/pack.toml`'s outcome override: the rule's information.
                out.note(
                    format!("The TC budget pays a salary supplement to counterpart {who} ({position}). This screening does not ask for a change to it."),
                    format!("counterparts[{i}].salary_supplement"),
                );
            }
        }
    }
}

fn ex_07(req: &Request, out: &mut Out<'_>) {
    if blank(&req.exit.end_point) {
        out.revise(
            "Describe the end point: what the institution will do on its own when the TC ends.",
            "exit.end_point",
        );
    }
    if req.exit.criteria.iter().all(|c| c.trim().is_empty()) {
        out.revise(
            "List the exit criteria: observable conditions, tied to the capacity indicators, under which the TC stops.",
            "exit.criteria",
        );
    }
}

fn ex_08(req: &Request, out: &mut Out<'_>) {
    let handover = &req.exit.handover;
    if handover.is_empty() {
        out.revise(
            "Plan the handover: for each function, the date it passes to a named counterpart.",
            "exit.handover",
        );
        return;
    }
    let last = handover.iter().filter_map(|h| h.date).max();
    if let (Some(last), Some(end)) = (last, req.schedule.end)
        && last > end
    {
        out.revise(
            format!("The last handover ({last}) falls after the TC ends ({end}): hand every function over before the end, leaving time for the counterpart to run it alone."),
            "exit.handover",
        );
    }
    for (i, h) in handover.iter().enumerate() {
        let what = h
            .function
            .clone()
            .unwrap_or_else(|| format!("handover milestone {}", i + 1));
        if h.date.is_none() {
            out.revise(
                format!("Date the handover of {what}."),
                format!("exit.handover[{i}].date"),
            );
        }
        if blank(&h.to) {
            out.revise(
                format!("Name the counterpart who takes over {what}."),
                format!("exit.handover[{i}].to"),
            );
        }
    }
}

fn ex_10(req: &Request, out: &mut Out<'_>) {
    let f = &req.finance;
    let r = &f.recurrent_after_exit;
    let amount = match r.annual {
        Some(annual) => format!("{} a year", format_amount(annual.0, f.currency.as_deref())),
        None => "an amount not stated".to_string(),
    };
    match r.financed_by {
        Some(FinancedBy::Unfunded) => out.revise(
            format!("The running costs after the TC ends ({amount}) are unfunded: name the budget line or other source that will pay them."),
            "finance.recurrent_after_exit.financed_by",
        ),
        Some(FinancedBy::OtherDonor)
            if is_government(req.requester.kind)
                && !req
                    .documents
                    .iter()
                    .any(|d| d.kind == Some(DocumentKind::PhaseOutPlan)) =>
        {
            out.revise(
                format!("After the TC, another donor would pay the running costs ({amount}): that hands the function on to the next donor instead of to the institution. Name the line of the institution's budget that takes the costs over, or attach a dated plan that phases the function out."),
                "finance.recurrent_after_exit.financed_by",
            );
        }
        None if f.equipment.is_some_and(|e| e.0 > Decimal::ZERO) => out.revise(
            "The TC buys equipment: state its yearly running cost after the TC ends and who pays it.",
            "finance.recurrent_after_exit",
        ),
        _ => {}
    }
}

fn ex_11(req: &Request, params: &Params, out: &mut Out<'_>) {
    let (Some(start), Some(end)) = (req.schedule.start, req.schedule.end) else {
        return;
    };
    if end <= start {
        return;
    }
    let interval = params.review_interval_months;
    let mut dues = Vec::new();
    let mut has_midterm = false;
    for r in &req.reviews {
        if r.joint == Some(true)
            && let Some(due) = r.due
        {
            if r.covers_sustainability == Some(true) {
                dues.push(due);
            }
            if r.kind == Some(ReviewKind::MidTerm) {
                has_midterm = true;
            }
        }
    }
    let over = |months: i64, limit: Num| Decimal::from(months) > limit.value();
    if dues.is_empty() {
        out.revise(
            format!(
                "Plan reviews held jointly by the requesting institution and the provider that cover sustainability, at least every {} months and at the end of the TC.",
                interval.display()
            ),
            "reviews",
        );
    } else {
        dues.sort();
        let mut previous = start;
        for d in dues {
            if over(previous.0.months_until(d.0), interval) {
                out.note(
                    format!(
                        "No joint review covering sustainability is planned between {previous} and {d}, more than {} months apart.",
                        interval.display()
                    ),
                    "reviews",
                );
            }
            previous = d;
        }
        if over(previous.0.months_until(end.0), interval) {
            out.note(
                format!(
                    "The last joint review covering sustainability is due {previous}, more than {} months before the TC ends ({end}); no final joint review is planned.",
                    interval.display()
                ),
                "reviews",
            );
        }
    }
    let length = start.0.months_until(end.0);
    if over(length, params.midterm_review_after_months) && !has_midterm {
        out.note(
            format!("The TC lasts {length} months, and no joint mid-term review is planned."),
            "reviews",
        );
    }
}

fn ex_12(req: &Request, params: &Params, out: &mut Out<'_>) {
    let s = &req.schedule;
    let limit = params.max_months_same_function;
    match s.months_same_function {
        Some(months) if months.0 > limit.value() => out.note(
            format!(
                "External TC has filled the same function for {} months, more than the {} months taken here as a guide; the request does not show how the function passes to the institution's own staff, with the adviser handing over to the holder of the post.",
                months.0,
                limit.display()
            ),
            "schedule.months_same_function",
        ),
        None if s.extension == Some(true) => out.revise(
            "Say for how many months external TC has filled the same function, all phases and this one included.",
            "schedule.months_same_function",
        ),
        _ => {}
    }
}

fn ex_13(req: &Request, out: &mut Out<'_>) {
    let s = &req.schedule;
    if s.extension != Some(true) {
        return;
    }
    if s.previous_phases.is_empty() {
        out.revise(
            "List the previous phases with their dates and evaluations.",
            "schedule.previous_phases",
        );
    }
    for (i, ph) in s.previous_phases.iter().enumerate() {
        if blank(&ph.evaluation) {
            let from = ph.start.map_or_else(|| "?".to_string(), |d| d.to_string());
            let to = ph.end.map_or_else(|| "?".to_string(), |d| d.to_string());
            out.revise(
                format!("Evaluate the previous phase ({from} to {to}) before extending, and reference the evaluation."),
                format!("schedule.previous_phases[{i}].evaluation"),
            );
        }
    }
}

fn ex_14(req: &Request, params: &Params, out: &mut Out<'_>) {
    let crisis = req.context.iter().any(|c| {
        matches!(
            c,
            Context::FragileOrConflict | Context::PostDisaster | Context::Humanitarian
        )
    });
    let s = &req.schedule;
    let earlier = s
        .previous_phases
        .iter()
        .filter(|ph| ph.same_function == Some(true))
        .count();
    let dated: HashSet<&str> = req
        .counterparts
        .iter()
        .filter(|c| c.assigned_from.is_some())
        .filter_map(|c| c.id.as_deref())
        .collect();
    let limit = params.max_gap_filling_months;
    for (i, p) in req.personnel.iter().enumerate() {
        if p.function != Some(Function::GapFilling) {
            continue;
        }
        let who = who(&p.id, &p.title, || format!("Position {}", i + 1));
        let longer =
            matches!((s.months_same_function, p.months), (Some(all), Some(m)) if all.0 > m.0);
        let repeated = earlier > 0 || s.extension == Some(true) || longer;
        if !crisis {
            out.revise(
                format!("{who} fills a line function outside a fragile, post-disaster or humanitarian context: turn the position into capacity development with a counterpart, or have the institution fill the post itself."),
                format!("personnel[{i}].function"),
            );
        } else if repeated {
            let total = s
                .months_same_function
                .map_or_else(String::new, |m| format!(" ({} months in all)", m.0));
            out.revise(
                format!("{who} goes on filling the same function after an earlier phase{total}: a crisis allows gap-filling for one bounded phase while the posts are filled, and each renewal makes it a substitute for the post. Put the counterparts in post and turn the position into coaching them, or have the institution fill the posts itself."),
                format!("personnel[{i}].function"),
            );
        }
        if let Some(months) = p.months
            && months.0 > limit.value()
        {
            out.note(
                format!(
                    "Gap-filling by {who} is planned for {} months, more than the {} months taken here as a guide; the handover can start as soon as the posts are filled.",
                    months.0,
                    limit.display()
                ),
                format!("personnel[{i}].months"),
            );
        }
        if !p.counterparts.iter().any(|id| dated.contains(id.as_str())) {
            out.revise(
                format!("Name the counterparts who will take over from {who}, with the date each will be in post."),
                format!("personnel[{i}].counterparts"),
            );
        }
    }
}

/// Recorded as revise in the rule, a note after `rules/base/pack.toml`'s outcome override,
/// which records the rule's information text instead of its request for a change.
fn ex_15(req: &Request, out: &mut Out<'_>) {
    let types = &req.modality.types;
    if (types.contains(&ModalityType::TrainingAbroad) || types.contains(&ModalityType::Scholarship))
        && !req
            .documents
            .iter()
            .any(|d| d.kind == Some(DocumentKind::ReturnPlacementPlan))
    {
        out.note(
            "No return and placement plan is attached for those trained abroad (the post each returns to, the period of service after return, and who checks it).",
            "documents",
        );
    }
}

fn mg_02(req: &Request, params: &Params, as_of: tcscreen_core::Date, out: &mut Out<'_>) {
    let f = &req.finance;
    let threshold = params.max_total_without_steering_usd.value();
    match (req.management.steering.chaired_by, f.total) {
        (Some(ChairedBy::Provider), _) => out.revise(
            "Have the requesting institution chair the steering committee, or co-chair it with the provider.",
            "management.steering.chaired_by",
        ),
        (None, Some(total)) => {
            let currency = f.currency.as_deref();
            let as_of = as_of.to_string();
            match currency.and_then(|c| params.usd_rates.in_usd(total.0, c, &as_of)) {
                Some(size) => {
                    if size.amount > threshold {
                        out.note(
                            format!(
                                "At {} the TC would benefit from a steering committee chaired or co-chaired by the requesting institution; the request names none.",
                                amount_words(total.0, currency.unwrap_or_default(), &size)
                            ),
                            "management.steering",
                        );
                    }
                }
                None => {
                    let why = match currency {
                        None => "the budget's currency is not stated".to_string(),
                        Some(c) => format!(
                            "the budget is in {c}, for which this screening holds no exchange rate to USD published before the screening date"
                        ),
                    };
                    out.note(
                        format!(
                            "The size above which a joint steering body is expected ({}) could not be applied: {why}. Compare the amounts by hand.",
                            format_amount(threshold, Some("USD"))
                        ),
                        "finance.currency",
                    );
                }
            }
        }
        _ => {}
    }
}

fn pf_02(req: &Request, out: &mut Out<'_>) {
    for (i, plan) in req.alignment.plans.iter().enumerate() {
        let n = i + 1;
        if blank(&plan.plan) {
            out.revise(
                format!("Name plan {n} the request cites (its title and period, e.g. the national development plan or the sector strategy)."),
                format!("alignment.plans[{i}].plan"),
            );
        }
        if blank(&plan.objective) {
            out.revise(
                format!("Give the objective or priority of plan {n} that the TC serves, as numbered in the plan."),
                format!("alignment.plans[{i}].objective"),
            );
        }
        if plan.level.is_none() {
            out.revise(
                format!("Say what level plan {n} is: national, sector, sub-national, institutional, or the organisation's own strategy."),
                format!("alignment.plans[{i}].level"),
            );
        }
    }
}

fn pf_04(req: &Request, out: &mut Out<'_>) {
    let has_document = req
        .documents
        .iter()
        .any(|d| d.kind == Some(DocumentKind::CapacityAssessment));
    if blank(&req.capacity.assessment) && !has_document {
        out.revise(
            "Reference the capacity assessment that identified this need, led by the requesting institution or done jointly, and attach it.",
            "capacity.assessment",
        );
    }
    if req.origin.needs_assessment.led_by == Some(NeedsLedBy::Provider) {
        out.revise(
            "The needs assessment was led by the provider: have the requesting institution validate it or redo it jointly, and say who led it.",
            "origin.needs_assessment.led_by",
        );
    }
}

/// `${x}` of a JSON value from `extensions`, as Rhai prints the value it becomes.
fn rhai_text(value: &JsonValue) -> Option<String> {
    match value {
        JsonValue::String(s) => Some(s.clone()),
        JsonValue::Bool(b) => Some(b.to_string()),
        JsonValue::Number(n) => {
            let d: Decimal = n.to_string().parse().ok()?;
            Some(tcscreen_core::number::normalize(d).to_string())
        }
        // Arrays and maps print in Rhai's own notation; the corpus never asks for that.
        _ => None,
    }
}

fn pf_10(req: &Request, out: &mut Out<'_>) {
    let Some(list) = req.extensions.get("overlapping_activities") else {
        return;
    };
    // `"key" in ext` is true for a key whose value is null too; the value is then `()`.
    let JsonValue::Array(items) = list else {
        out.revise(
            "List the overlapping activities as a list, each with the activity's identifier and the kind of overlap (same function, same institution or same beneficiaries).",
            "extensions.overlapping_activities",
        );
        return;
    };
    for (i, o) in items.iter().enumerate() {
        let JsonValue::Object(o) = o else {
            out.revise(
                format!(
                    "Describe overlapping activity {} with its identifier and the kind of overlap (same function, same institution or same beneficiaries).",
                    i + 1
                ),
                format!("extensions.overlapping_activities[{i}]"),
            );
            continue;
        };
        let other = match o.get("id") {
            Some(v) if !v.is_null() => rhai_text(v).unwrap_or_else(|| "(not printable)".into()),
            _ => "(no identifier)".to_string(),
        };
        let overlap = o.get("overlap").and_then(JsonValue::as_str);
        if overlap == Some("same_function") {
            out.revise(
                format!("Activity {other} already supports the same function: merge the two into one programme, or divide the work and say who does what."),
                format!("extensions.overlapping_activities[{i}]"),
            );
        } else if overlap == Some("same_institution") && req.management.pooled != Some(true) {
            out.note(
                format!("Activity {other} supports the same institution; a joint or pooled arrangement with its provider may be possible."),
                format!("extensions.overlapping_activities[{i}]"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_shares_print_like_the_api_and_the_money_lib() {
        assert_eq!(
            format_amount(Decimal::new(1_000_000, 0), Some("USD")),
            "USD 1,000,000"
        );
        assert_eq!(
            format_amount(Decimal::new(123_450, 2), Some("KHR")),
            "KHR 1,235"
        );
        assert_eq!(
            format_amount(Decimal::new(10_000, 2), None),
            "100 (currency not stated)"
        );
        assert_eq!(format_amount(Decimal::ZERO, Some("USD")), "USD 0");
        assert_eq!(
            format_amount(Decimal::new(-15005, 1), Some("USD")),
            "USD -1,501"
        );
        assert_eq!(format_share(Decimal::new(15, 2)), "15%");
        assert_eq!(format_share(Decimal::new(1375, 4)), "13.8%");
    }
}
