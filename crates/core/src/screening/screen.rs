//! Screening one request with a compiled pack.
//!
//! The request is converted once and pushed into the scope as a constant beside `params`,
//! `data` and `as_of`; each rule then runs in id order on that scope, which is rewound after
//! every rule so no rule sees what another did. A rule that errors has its findings dropped.
//! A request has budgets of its own beside each rule's: bytes of findings and of printed
//! output (rule errors past them), and wall-clock time (a safety stop).

use crate::date::Date;
use crate::decision::aggregation::{self, Decision};
use crate::decision::finding::{Finding, Outcome, RuleError};
use crate::engine::authors_api::{self, RawFinding};
use crate::engine::rhai_error::{Script, explain_in, is_terminated};
use crate::engine::sandbox::{self, SafetyStop};
use crate::engine::value::same_value;
use crate::pack::citation;
use crate::pack::compile::{CompiledPack, CompiledRule};
use crate::request::validate::ValidRequest;
use crate::screening::normalize;

use std::collections::BTreeMap;
use std::fmt;
use std::time::Instant;

use rhai::{Dynamic, Scope};

/// The message of a rule error caused by a panic inside the engine.
pub const PANIC_MESSAGE: &str = "the rule engine failed internally while running this rule (a bug in tcscreen or Rhai, not a decision); please report it";

/// What screening found, before it is written as a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Screening {
    /// Findings, in rule-id order then the order recorded.
    pub findings: Vec<Finding>,
    /// Rules that failed.
    pub errors: Vec<RuleError>,
    /// How many rules were attempted.
    pub rules_run: usize,
    /// `print`/`debug` output of rules, for authors (never part of the record); kept only by
    /// [`CompiledPack::screen_traced`].
    pub output: Vec<RuleOutput>,
}

/// A line a rule printed with `print` or `debug`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleOutput {
    /// Full rule id.
    pub rule: String,
    /// What the rule printed, as it printed it (shown escaped in traces).
    pub text: String,
}

impl Screening {
    /// The decision, or `None` if any rule failed.
    pub fn decision(&self) -> Option<Decision> {
        aggregation::of(&self.findings, &self.errors)
    }

    /// The decision per criterion, or `None` if any rule failed.
    pub fn criteria(&self) -> Option<BTreeMap<crate::decision::finding::Criterion, Decision>> {
        aggregation::by_criterion(&self.findings, &self.errors)
    }

    /// Whether the rule recorded any finding.
    pub fn fired(&self, rule: &str) -> bool {
        self.findings.iter().any(|f| f.rule == rule)
    }
}

/// A safety net stopped a rule: the result depends on the machine, so there is no decision
/// and no record. Retry on a less loaded machine, or report the pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineStop {
    /// Full id of the rule that was running.
    pub rule: String,
    /// The limit the rule ran into: wall-clock time or memory.
    pub reason: SafetyStop,
}

impl fmt::Display for EngineStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.reason.what_happened();
        write!(
            f,
            "rule `{}` {what} before its operation budget ran out; this is an engine stop, not a decision (no record written)",
            self.rule
        )
    }
}

impl std::error::Error for EngineStop {}

/// What one screening of a request has used of the request's budgets.
struct RequestRun {
    /// When the request's wall-clock time is up (`None` without a clock).
    deadline: Option<Instant>,
    /// Keep printed output (for a trace).
    keep_output: bool,
    /// Bytes of findings text kept so far.
    findings_bytes: usize,
    /// Bytes printed so far.
    output_bytes: usize,
}

impl RequestRun {
    fn new(deadline: Option<Instant>, keep_output: bool) -> RequestRun {
        RequestRun {
            deadline,
            keep_output,
            findings_bytes: 0,
            output_bytes: 0,
        }
    }
}

/// What one rule left behind.
enum RuleRun {
    Findings(Vec<Finding>),
    Failed(RuleError),
    Stopped(EngineStop),
}

impl CompiledPack {
    pub(crate) fn globals_scope(params: &Dynamic, data: &Dynamic) -> Scope<'static> {
        let mut scope = Scope::new();
        scope.push_constant_dynamic("params", params.clone());
        scope.push_constant_dynamic("data", data.clone());
        scope
    }

    /// Screen a request as of a date (the `--as-of` date, or the request's `received`). What
    /// rules print is counted against the request's budget but not kept.
    pub fn screen(&self, request: &ValidRequest, as_of: Date) -> Result<Screening, EngineStop> {
        self.screen_with(request, as_of, false)
    }

    /// [`CompiledPack::screen`], keeping what each rule prints with `print` and `debug` in
    /// [`Screening::output`] (for a trace). The screening is otherwise the same.
    pub fn screen_traced(
        &self,
        request: &ValidRequest,
        as_of: Date,
    ) -> Result<Screening, EngineStop> {
        self.screen_with(request, as_of, true)
    }

    /// Rules share one scope for speed. Rhai 1.27 does not fully enforce constants (a rule can
    /// add a key to a map inside a constant, set a character of a string or a bit of an
    /// integer), so the shared globals are compared with pristine copies after every rule that
    /// might change them (see `isolation`), and after the last rule; if anything changed, the
    /// request is screened again with fresh copies for every rule, and a rule that changes its
    /// copy fails. No rule ever decides on a value another rule changed, even if a third rule
    /// changed it back; both paths give the same record.
    fn screen_with(
        &self,
        request: &ValidRequest,
        as_of: Date,
        keep_output: bool,
    ) -> Result<Screening, EngineStop> {
        let limits = &self.limits;
        let deadline = limits.clock.map(|now| now() + limits.max_request_wall_time);
        let pristine = Pristine {
            request,
            params: &self.params,
            data: &self.data,
            as_of: as_of.to_string(),
        };
        let mut screening = Screening {
            findings: Vec::new(),
            errors: Vec::new(),
            rules_run: 0,
            output: Vec::new(),
        };
        let mut run = RequestRun::new(deadline, keep_output);
        let clean = {
            let mut scope = self.globals.borrow_mut();
            let base = scope.len();
            scope.push_constant_dynamic("as_of", Dynamic::from(pristine.as_of.clone()));
            scope.push_constant_dynamic("request", normalize::normalize(request));
            let start = scope.len();
            let mut clean = true;
            for rule in self.rules.iter().filter(|r| r.in_force(as_of)) {
                let result = self.run_rule(rule, as_of, &mut scope, &mut screening, &mut run);
                scope.rewind(start);
                if let RuleRun::Stopped(stop) = result {
                    drop(scope);
                    self.reset_globals();
                    return Err(stop);
                }
                screening.record(result);
                if rule.may_change_globals && pristine.changed(&scope).is_some() {
                    clean = false;
                    break;
                }
            }
            let clean = clean && pristine.changed(&scope).is_none();
            scope.rewind(base);
            clean
        };
        if clean {
            return Ok(screening);
        }
        self.reset_globals();
        self.screen_isolated(
            &pristine,
            as_of,
            &mut RequestRun::new(deadline, keep_output),
        )
    }

    /// The slow path: every rule gets fresh copies of the globals, and fails if it changes them.
    fn screen_isolated(
        &self,
        pristine: &Pristine<'_>,
        as_of: Date,
        run: &mut RequestRun,
    ) -> Result<Screening, EngineStop> {
        let mut screening = Screening {
            findings: Vec::new(),
            errors: Vec::new(),
            rules_run: 0,
            output: Vec::new(),
        };
        for rule in self.rules.iter().filter(|r| r.in_force(as_of)) {
            let mut scope = pristine.fresh_scope();
            let run = match self.run_rule(rule, as_of, &mut scope, &mut screening, run) {
                RuleRun::Stopped(stop) => return Err(stop),
                RuleRun::Findings(_) if pristine.changed(&scope).is_some() => {
                    let changed = pristine.changed(&scope).unwrap_or("a global");
                    RuleRun::Failed(RuleError {
                        rule: rule.id.clone(),
                        file: rule.file.clone(),
                        line: None,
                        column: None,
                        message: format!(
                            "the rule changed `{changed}`, which is read-only: `request`, `params`, `data` and `as_of` must not be changed (copy a value first: `let x = {changed}; …`)"
                        ),
                    })
                }
                run => run,
            };
            screening.record(run);
        }
        Ok(screening)
    }

    /// Put pristine `params` and `data` back into the shared scope.
    fn reset_globals(&self) {
        *self.globals.borrow_mut() = CompiledPack::globals_scope(&self.params, &self.data);
    }

    fn run_rule(
        &self,
        rule: &CompiledRule,
        as_of: Date,
        scope: &mut Scope<'static>,
        screening: &mut Screening,
        request: &mut RequestRun,
    ) -> RuleRun {
        screening.rules_run += 1;
        authors_api::open_sink(authors_api::Allowance {
            findings_bytes: self
                .limits
                .max_findings_bytes
                .saturating_sub(request.findings_bytes),
            output_bytes: self
                .limits
                .max_output_bytes
                .saturating_sub(request.output_bytes),
            keep_output: request.keep_output,
            findings_limit: self.limits.max_findings_bytes,
            actor: rule.actor,
        });
        let result = sandbox::guarded(&self.limits, request.deadline, || {
            self.engine.eval_ast_with_scope::<Dynamic>(scope, &rule.ast)
        });
        let sink = authors_api::close_sink();
        request.output_bytes = request.output_bytes.saturating_add(sink.output_bytes);
        screening
            .output
            .extend(sink.output.into_iter().map(|text| RuleOutput {
                rule: rule.id.clone(),
                text,
            }));
        match result {
            Ok(Ok(_)) if sink.output_overflow => RuleRun::Failed(RuleError {
                rule: rule.id.clone(),
                file: rule.file.clone(),
                line: None,
                column: None,
                message: format!(
                    "the rules of this request printed more than {} bytes with print() and debug(); print less",
                    self.limits.max_output_bytes
                ),
            }),
            Ok(Ok(_)) => {
                request.findings_bytes += sink.findings_bytes;
                RuleRun::Findings(
                    sink.findings
                        .into_iter()
                        .map(|raw| finding_of(rule, raw, as_of))
                        .collect(),
                )
            }
            Ok(Err(err)) => {
                if let Some(reason) = sandbox::take_safety_stop().filter(|_| is_terminated(&err)) {
                    return RuleRun::Stopped(EngineStop {
                        rule: rule.id.clone(),
                        reason,
                    });
                }
                let native = |name: &str| {
                    !self
                        .engine
                        .collect_fn_metadata(
                            None,
                            |f| (f.metadata.name == name).then_some(()),
                            true,
                        )
                        .is_empty()
                };
                let script = Script {
                    ast: &rule.ast,
                    native: &native,
                };
                let x = explain_in(&err, &rule.file, &self.limits, Some(&script));
                let mut message = x.message;
                for note in &x.notes {
                    message.push_str(&format!(" ({note})"));
                }
                RuleRun::Failed(RuleError {
                    rule: rule.id.clone(),
                    file: rule.file.clone(),
                    line: x.pos.is_known().then_some(x.pos.line),
                    column: x.pos.is_known().then_some(x.pos.column),
                    message,
                })
            }
            Err(()) => RuleRun::Failed(RuleError {
                rule: rule.id.clone(),
                file: rule.file.clone(),
                line: None,
                column: None,
                message: PANIC_MESSAGE.to_string(),
            }),
        }
    }
}

impl Screening {
    fn record(&mut self, run: RuleRun) {
        match run {
            RuleRun::Findings(findings) => self.findings.extend(findings),
            RuleRun::Failed(error) => self.errors.push(error),
            RuleRun::Stopped(_) => {}
        }
    }
}

/// What the shared globals were before the rules ran, to tell whether a rule changed them.
struct Pristine<'a> {
    request: &'a ValidRequest,
    params: &'a Dynamic,
    data: &'a Dynamic,
    as_of: String,
}

impl Pristine<'_> {
    /// The first global in `scope` that no longer equals its pristine value.
    fn changed(&self, scope: &Scope<'_>) -> Option<&'static str> {
        let same =
            |name: &str, check: &dyn Fn(&Dynamic) -> bool| scope.get(name).is_some_and(check);
        if !same("request", &|v| normalize::unchanged(v, self.request)) {
            return Some("request");
        }
        if !same("params", &|v| same_value(v, self.params)) {
            return Some("params");
        }
        if !same("data", &|v| same_value(v, self.data)) {
            return Some("data");
        }
        if !same("as_of", &|v| {
            v.read_lock::<rhai::ImmutableString>()
                .is_some_and(|s| s.as_str() == self.as_of)
        }) {
            return Some("as_of");
        }
        None
    }

    /// A scope with fresh copies of every global.
    fn fresh_scope(&self) -> Scope<'static> {
        let mut scope = Scope::new();
        scope.push_constant_dynamic("request", normalize::normalize(self.request));
        scope.push_constant_dynamic("params", self.params.clone());
        scope.push_constant_dynamic("data", self.data.clone());
        scope.push_constant_dynamic("as_of", Dynamic::from(self.as_of.clone()));
        scope
    }
}

impl CompiledRule {
    /// Whether the rule applies on `as_of`: a rule that cites sources runs only once one of
    /// them exists, so that no finding cites a text dated after the screening date.
    pub fn in_force(&self, as_of: Date) -> bool {
        self.citations.is_empty() || self.citations.iter().any(|c| c.from <= as_of)
    }

    /// The first date the rule applies on, when it cites sources.
    pub fn in_force_from(&self) -> Option<Date> {
        self.citations.iter().map(|c| c.from).min()
    }

    /// The citation of a finding recorded on `as_of`: the sources in force that day.
    pub fn policy_on(&self, as_of: Date) -> Option<String> {
        if self.citations.iter().all(|c| c.from <= as_of) {
            self.policy.clone()
        } else {
            citation::in_force(&self.citations, as_of)
        }
    }
}

fn finding_of(rule: &CompiledRule, raw: RawFinding, as_of: Date) -> Finding {
    let (outcome, overridden_from) =
        crate::pack::rule_settings::recorded_outcome(rule.outcome_override, raw.outcome);
    // A finding the pack lowers to a note reads as information when the rule wrote it so.
    let message = match raw.information {
        Some(information) if outcome == Outcome::Note && overridden_from.is_some() => information,
        _ => raw.message,
    };
    Finding {
        rule: rule.id.clone(),
        criterion: rule.criterion,
        outcome,
        message,
        field: raw.field,
        policy: rule.policy_on(as_of),
        overridden_from,
        actor: Some(raw.actor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes::Code;
    use crate::engine::sandbox_limits::EngineLimits;
    use crate::pack::resolved::{PackFile, PackIdentity, PackLayer, ResolvedPack};
    use crate::request::validate::RequestLimits;

    fn pack(rules: &[(&str, &str)]) -> CompiledPack {
        try_pack(rules).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn try_pack(rules: &[(&str, &str)]) -> Result<CompiledPack, Vec<crate::Diagnostic>> {
        let resolved = ResolvedPack::for_test(vec![PackLayer::for_test(
            rules
                .iter()
                .map(|(name, body)| PackFile {
                    path: format!("rules/{name}.rhai"),
                    display: format!("{name}.rhai"),
                    text: format!("//! title: {name}\n//! criterion: exit\n{body}\n"),
                })
                .collect(),
        )]);
        CompiledPack::compile(&resolved, &EngineLimits::default())
    }

    #[test]
    fn a_rule_cannot_redefine_a_global_but_may_reuse_names_in_loops_and_functions() {
        for global in crate::engine::authors_api::GLOBALS {
            let errors = try_pack(&[("A", &format!("if true {{ let {global} = 1; }}"))])
                .err()
                .unwrap_or_else(|| panic!("`let {global}` compiled"));
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].code, Code::R020);
            assert!(errors[0].message.contains(global), "{errors:?}");
        }
        // With the run-time shadowing check off, a `let` in a loop body or a function still
        // behaves as before, and rules still cannot see each other's variables.
        let pack = pack(&[
            (
                "A",
                "fn f(x) { let request = x; request }\nlet n = 0;\nfor i in 0..3 { let twice = i * 2; n += twice; }\nif n == 6 && f(1) == 1 && type_of(request) == \"map\" { revise(`n ${n}`); }",
            ),
            ("B", "let n = 1;\nrevise(`n ${n}`);"),
        ]);
        let screening = pack
            .screen(&request(), Date::parse("2025-03-04").unwrap())
            .unwrap();
        let messages: Vec<&str> = screening
            .findings
            .iter()
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(messages, ["n 6", "n 1"], "{:?}", screening.errors);
    }

    fn request() -> ValidRequest {
        ValidRequest::from_text(
            r#"{"id": "R", "country": "ZZ", "title": "T", "received": "2025-03-04"}"#,
            &RequestLimits::default(),
        )
        .unwrap()
    }

    /// The map form: a finding names its own actor, and is read as information when the
    /// pack lowers the rule to a note; the coordination unit is never asked for a change.
    #[test]
    fn a_finding_names_who_acts_and_how_it_reads_as_information() {
        use crate::decision::finding::Actor;
        use crate::pack::rule_settings::{RuleSettings, RuleSettingsEntry};
        let rules = [
            (
                "A",
                "revise(#{ message: \"Remove the top-up.\", field: \"finance.total\", information: \"From 2010 top-ups end.\" });\nrevise(\"Plain.\");",
            ),
            (
                "B",
                "reject(#{ message: \"Offer not asked for.\", actor: \"provider\" });\nnote(#{ message: \"The unit checks the list.\", actor: \"coordination_unit\" });\nnote(\"Default actor.\");",
            ),
        ];
        let as_of = Date::parse("2025-03-04").unwrap();
        let screening = pack(&rules).screen(&request(), as_of).unwrap();
        assert!(screening.errors.is_empty(), "{:?}", screening.errors);
        let seen: Vec<(&str, Option<Actor>, Outcome)> = screening
            .findings
            .iter()
            .map(|f| (f.message.as_str(), f.actor, f.outcome))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "Remove the top-up.",
                    Some(Actor::Requester),
                    Outcome::Revise
                ),
                ("Plain.", Some(Actor::Requester), Outcome::Revise),
                (
                    "Offer not asked for.",
                    Some(Actor::Provider),
                    Outcome::Reject
                ),
                (
                    "The unit checks the list.",
                    Some(Actor::CoordinationUnit),
                    Outcome::Note
                ),
                ("Default actor.", Some(Actor::Requester), Outcome::Note),
            ]
        );
        assert_eq!(
            screening.findings[0].field.as_deref(),
            Some("finance.total")
        );

        // Lowered to a note by the pack: the information is recorded, with where it came from.
        let resolved = ResolvedPack::for_test(vec![PackLayer {
            settings: vec![RuleSettingsEntry {
                rule: "t/A".into(),
                pos: crate::json::Pos::new(1, 1),
                settings: RuleSettings {
                    outcome: Some(Outcome::Note),
                    ..RuleSettings::default()
                },
            }],
            ..PackLayer::for_test(
                rules
                    .iter()
                    .map(|(name, body)| PackFile {
                        path: format!("rules/{name}.rhai"),
                        display: format!("{name}.rhai"),
                        text: format!("//! title: {name}\n//! criterion: exit\n{body}\n"),
                    })
                    .collect(),
            )
        }]);
        let lowered = CompiledPack::compile(&resolved, &EngineLimits::default()).unwrap();
        let screening = lowered.screen(&request(), as_of).unwrap();
        let first = &screening.findings[0];
        assert_eq!(
            (first.message.as_str(), first.outcome, first.overridden_from),
            (
                "From 2010 top-ups end.",
                Outcome::Note,
                Some(Outcome::Revise)
            )
        );
        // Without information, the rule's own words stay (the linter and the note's tests
        // catch an instruction shown as information).
        assert_eq!(screening.findings[1].message, "Plain.");
    }

    #[test]
    fn a_finding_map_that_cannot_be_recorded_is_a_rule_error() {
        for (body, expected) in [
            (
                "revise(#{ message: \"m\", actor: \"coordination_unit\" });",
                "the coordination unit is not asked to change the request",
            ),
            (
                "revise(#{ message: \"m\", to: \"provider\" });",
                "`to` is not a member",
            ),
            (
                "revise(#{ field: \"finance.total\" });",
                "needs a `message`",
            ),
            (
                "revise(#{ message: \"m\", actor: \"donor\" });",
                "the actor `donor` is not known",
            ),
            (
                "note(#{ message: \"m\", information: \"i\" });",
                "a note is information already",
            ),
            ("revise(#{ message: 3 });", "`message` must be a string"),
        ] {
            let screening = pack(&[("A", body)])
                .screen(&request(), Date::parse("2025-03-04").unwrap())
                .unwrap();
            assert_eq!(screening.decision(), None, "{body}");
            assert!(
                screening.errors[0].message.contains(expected),
                "{body}: {}",
                screening.errors[0].message
            );
        }
    }

    #[test]
    fn a_panic_in_the_engine_is_a_rule_error_with_a_fixed_message() {
        let mut pack = pack(&[
            ("A", "note(\"before\"); boom();"),
            ("B", "note(\"after\");"),
        ]);
        pack.engine
            .register_fn("boom", || -> bool { panic!("simulated engine bug") });
        let screening = pack
            .screen(&request(), Date::parse("2025-03-04").unwrap())
            .unwrap();
        assert_eq!(screening.decision(), None);
        assert_eq!(screening.errors.len(), 1);
        assert_eq!(screening.errors[0].rule, "t/A");
        assert_eq!(screening.errors[0].message, PANIC_MESSAGE);
        // The failing rule's findings are dropped; the others stay.
        let messages: Vec<&str> = screening
            .findings
            .iter()
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(messages, ["after"]);
    }

    #[test]
    fn a_safety_stop_is_not_a_decision() {
        let mut pack = pack(&[("A", "loop { }")]);
        pack.limits.max_wall_time = std::time::Duration::ZERO;
        pack.limits.clock = Some(std::time::Instant::now);
        pack.limits.max_operations = u64::MAX;
        let stop = pack
            .screen(&request(), Date::parse("2025-03-04").unwrap())
            .unwrap_err();
        assert_eq!(
            stop,
            EngineStop {
                rule: "t/A".into(),
                reason: SafetyStop::WallClock
            }
        );
    }

    fn messages(pack: &CompiledPack, as_of: &str) -> Vec<String> {
        let screening = pack
            .screen(&request(), Date::parse(as_of).unwrap())
            .unwrap();
        assert_eq!(screening.errors, [], "no rule fails");
        screening.findings.into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn format_amount_writes_the_currency_thousands_and_fixed_decimals() {
        let formats = pack(&[(
            "A",
            r#"
            note(format_amount(20833.333333333333333333333333, "USD"));
            note(format_amount(250000, "USD"));
            note(format_amount(1234567.5, "KHR"));
            note(format_amount(1234567.5, "USD", 2));
            note(format_amount(0.005, "USD", 2));
            note(format_amount(999.5, "NPR"));
            note(format_amount(-1500, "USD"));
            note(format_amount(15000, ()));
            note(format_amount((), "USD"));
            note(format_amount(12, "USD", 0));
            "#,
        )]);
        assert_eq!(
            messages(&formats, "2025-03-04"),
            [
                "USD 20,833",
                "USD 250,000",
                "KHR 1,234,568",
                "USD 1,234,567.50",
                "USD 0.01",
                "NPR 1,000",
                "USD -1,500",
                "15,000 (currency not stated)",
                "(amount not stated)",
                "USD 12",
            ]
        );
        for bad in [
            r#"format_amount("12", "USD")"#,
            r#"format_amount(12, "USD", 7)"#,
            r#"format_amount(12, "USD", -1)"#,
            r#"format_amount(12, 5)"#,
        ] {
            let failing = pack(&[("A", &format!("note({bad});"))]);
            let screening = failing
                .screen(&request(), Date::parse("2025-03-04").unwrap())
                .unwrap();
            assert_eq!(screening.errors.len(), 1, "{bad} is a rule error");
            assert!(
                screening.errors[0].message.contains("format_amount("),
                "{bad}: {}",
                screening.errors[0].message
            );
        }
    }

    fn source(
        title: &str,
        date: &str,
        country: Option<&str>,
    ) -> crate::pack::citation::PolicySource {
        crate::pack::citation::PolicySource {
            title: title.into(),
            issuer: "Forum".into(),
            date: crate::pack::citation::SourceDate::parse(date).unwrap(),
            clause: Some("para 1".into()),
            verified: true,
            country: country.map(str::to_string),
            pos: crate::json::Pos::NONE,
        }
    }

    /// A two-layer pack: `base` with sources and rules, `kh` (country KH) on top.
    fn cited_pack(
        base_rules: &[(&str, &str)],
        kh_policy: Option<&str>,
    ) -> Result<CompiledPack, Vec<crate::Diagnostic>> {
        let rule = |name: &str, front: &str| PackFile {
            path: format!("rules/{name}.rhai"),
            display: format!("{name}.rhai"),
            text: format!("//! title: {name}\n//! criterion: exit\n{front}\nnote(\"found\");\n"),
        };
        let base = PackLayer {
            id: "base".into(),
            manifest: "base/pack.toml".into(),
            rules: base_rules.iter().map(|(n, f)| rule(n, f)).collect(),
            sources: [
                ("paris".to_string(), source("Paris", "2005-03-02", None)),
                ("busan".to_string(), source("Busan", "2011-12-01", None)),
                ("kh-nog".to_string(), source("NOG", "2006-03", Some("KH"))),
                (
                    "np-dcp".to_string(),
                    source("DCP", "2019-05-30", Some("NP")),
                ),
            ]
            .into(),
            ..PackLayer::default()
        };
        let kh = PackLayer {
            id: "kh".into(),
            manifest: "kh/pack.toml".into(),
            country: Some("KH".into()),
            settings: kh_policy
                .map(|p| crate::pack::rule_settings::RuleSettingsEntry {
                    rule: "base/A".into(),
                    pos: crate::json::Pos::new(7, 1),
                    settings: crate::pack::rule_settings::RuleSettings {
                        policy: Some(p.into()),
                        ..Default::default()
                    },
                })
                .into_iter()
                .collect(),
            ..PackLayer::default()
        };
        let resolved = ResolvedPack {
            identity: PackIdentity {
                id: "kh".into(),
                version: "1".into(),
                sha256: "0".into(),
            },
            chain: vec![],
            layers: vec![base, kh],
        };
        CompiledPack::compile(&resolved, &EngineLimits::default())
    }

    #[test]
    fn findings_cite_only_sources_dated_on_or_before_the_screening_date() {
        let pack = cited_pack(
            &[
                ("A", "//! policy: paris, busan"),
                ("B", "//! policy: busan"),
                ("C", "//! policy: none"),
            ],
            None,
        )
        .unwrap();
        let on = |as_of: &str| {
            let screening = pack
                .screen(&request(), Date::parse(as_of).unwrap())
                .unwrap();
            let cited: Vec<(String, Option<String>)> = screening
                .findings
                .into_iter()
                .map(|f| (f.rule, f.policy))
                .collect();
            (cited, screening.rules_run)
        };
        // In 2009 B rests only on a text of 2011: it does not run, and A cites Paris alone.
        assert_eq!(
            on("2009-03-04"),
            (
                vec![
                    (
                        "base/A".into(),
                        Some("Paris (Forum, 2 March 2005), para 1".into())
                    ),
                    ("base/C".into(), None),
                ],
                2
            )
        );
        assert_eq!(
            on("2011-12-01").0[..2],
            [
                (
                    "base/A".into(),
                    Some(
                        "Paris (Forum, 2 March 2005), para 1; Busan (Forum, 1 December 2011), para 1"
                            .into()
                    )
                ),
                ("base/B".into(), Some("Busan (Forum, 1 December 2011), para 1".into())),
            ]
        );
    }

    #[test]
    fn a_citation_must_name_a_known_source_of_the_packs_own_country() {
        let codes =
            |result: Result<CompiledPack, Vec<crate::Diagnostic>>| -> Vec<(String, String)> {
                result
                    .err()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|d| (d.code.to_string(), d.file.clone().unwrap_or_default()))
                    .collect()
            };
        // An unknown id, or free text, is refused where it is written.
        assert_eq!(
            codes(cited_pack(&[("A", "//! policy: pariss")], None)),
            [(Code::P018.to_string(), "A.rhai".to_string())]
        );
        assert_eq!(
            codes(cited_pack(
                &[("A", "//! policy: Paris Declaration (2005)")],
                None
            )),
            [(Code::P018.to_string(), "A.rhai".to_string())]
        );
        // A Cambodian source may be cited by the Cambodia pack, not by another country's.
        assert!(cited_pack(&[("A", "//! policy: paris")], Some("kh-nog")).is_ok());
        assert_eq!(
            codes(cited_pack(&[("A", "//! policy: paris")], Some("np-dcp"))),
            [(Code::P019.to_string(), "kh/pack.toml".to_string())]
        );
        assert_eq!(
            codes(cited_pack(&[("A", "//! policy: np-dcp")], None)),
            [(Code::P019.to_string(), "A.rhai".to_string())]
        );
    }

    #[test]
    fn errors_inside_helpers_name_the_helper_and_the_rule() {
        let pack = pack(&[("A", "fn ratio(a, b) { a / b }\nlet x = ratio(1, 0);")]);
        let screening = pack
            .screen(&request(), Date::parse("2025-03-04").unwrap())
            .unwrap();
        let error = &screening.errors[0];
        assert_eq!((error.line, error.column), (Some(4), Some(9)));
        assert!(
            error
                .message
                .starts_with("division by zero: `b` is zero in `a / b`"),
            "{}",
            error.message
        );
        assert!(
            error
                .message
                .contains("in a call to `ratio` at t/rules/A.rhai:4:9"),
            "{}",
            error.message
        );
        assert!(
            error
                .message
                .contains("the error is at t/rules/A.rhai:3:20"),
            "{}",
            error.message
        );
    }

    /// The rule errors of a one-rule pack on a request with a few fields stated.
    fn rule_errors(body: &str) -> Vec<(Option<u32>, Option<u32>, String)> {
        let pack = pack(&[("A", body)]);
        let request = ValidRequest::from_text(
            r#"{"id": "R", "country": "ZZ", "title": "T", "received": "2025-03-04",
                "finance": {"currency": "USD", "total": 100},
                "personnel": [{"id": "P1"}], "counterparts": [{"id": "C1"}]}"#,
            &RequestLimits::default(),
        )
        .unwrap();
        let screening = pack
            .screen(&request, Date::parse("2025-03-04").unwrap())
            .unwrap();
        screening
            .errors
            .into_iter()
            .map(|e| (e.line, e.column, e.message))
            .collect()
    }

    #[track_caller]
    fn says(body: &str, at: (u32, u32), expected: &str) {
        let errors = rule_errors(body);
        assert_eq!(errors.len(), 1, "{body}: {errors:?}");
        let (line, column, message) = &errors[0];
        assert_eq!(
            (*line, *column),
            (Some(at.0), Some(at.1)),
            "{body}: {message}"
        );
        assert!(
            message.starts_with(expected),
            "{body}:\n  said     {message}\n  expected {expected}…"
        );
        for engine_text in [
            "no function",
            "(())",
            "ImmutableString",
            "i64",
            "Data type",
            "out of bounds",
            "getter",
            "Indexer",
        ] {
            assert!(
                !message.contains(engine_text),
                "{body}: engine text in {message}"
            );
        }
    }

    #[test]
    fn common_rhai_errors_are_said_in_the_authors_terms() {
        // A field the request does not state.
        says(
            "let n = request.requester.name.to_upper();",
            (3, 32),
            "`request.requester.name` is not stated (it is `()`), so `to_upper` cannot be used on it",
        );
        says(
            "let f = request.finance;\nlet x = f.total / f.personnel;",
            (4, 17),
            "`f.personnel` is not stated (it is `()`), so `f.total / f.personnel` cannot be computed",
        );
        says(
            "let k = -request.requester.name;",
            (3, 9),
            "`request.requester.name` is not stated (it is `()`), so `-request.requester.name` cannot be computed",
        );
        says(
            "let z = request.requester.name.first;",
            (3, 32),
            "`request.requester.name` is not stated (it is `()`), so it has no field `first`",
        );
        says(
            "let w = request.origin.tor.drafted_by[0];",
            (3, 38),
            "`request.origin.tor.drafted_by` is not stated (it is `()`), so it has no item [0]",
        );
        // A type mismatch, naming the field.
        says(
            "let v = request.title * 2;",
            (3, 23),
            "`*` cannot combine text and a whole number: `request.title` is text, `2` is a whole number",
        );
        says(
            "if request.title { note(\"x\"); }",
            (3, 11),
            "`request.title` is text, but a condition must be true or false",
        );
        says(
            "for q in request.finance.total { }",
            (3, 10),
            "`for` needs a list, a range or text to loop over, and `request.finance.total` is none of these",
        );
        says(
            "let t = request.finance.total.to_upper();",
            (3, 31),
            "`to_upper` cannot be used on a number: `request.finance.total` is a number",
        );
        // An index out of range.
        says(
            "let p = request.personnel[3];",
            (3, 27),
            "`request.personnel` has 1 item, so it has no item [3]",
        );
        says(
            "let s = request.alignment.sectors[0].code;",
            (3, 35),
            "`request.alignment.sectors` is empty, so it has no item [0]",
        );
        // Inside a closure: the closure's own text, and where it was called.
        let errors = rule_errors("let m = request.counterparts.map(|c| c.position.to_upper());");
        let message = &errors[0].2;
        assert!(
            message.starts_with(
                "`c.position` is not stated (it is `()`), so `to_upper` cannot be used on it"
            ),
            "{message}"
        );
        assert!(message.contains("in a closure"), "{message}");
        assert!(!message.contains("anon$"), "{message}");
    }

    /// Issue 23, item 1: a number ordered against text was silently false.
    #[test]
    fn ordering_a_number_against_text_is_a_rule_error_naming_both_sides() {
        says(
            "if request.finance.total > \"24\" { note(\"x\"); }",
            (3, 26),
            "`>` cannot compare a number with text: `request.finance.total` is a number, `\"24\"` is text, so the comparison would never be true; write the number without quotes: `24`",
        );
        says(
            "let short = request.title <= 3;",
            (3, 27),
            "`<=` cannot compare text with a whole number: `request.title` is text, `3` is a whole number, so the comparison would never be true; turn the text into a number first: `parse_decimal(request.title)`",
        );
        // Equality keeps its meaning, and numbers and text still order among themselves.
        assert!(rule_errors("if request.finance.total == \"100\" || request.title != 3 || request.finance.total > 3 || request.title < \"U\" { note(\"x\"); }").is_empty());
    }
}
