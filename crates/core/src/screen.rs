//! Screening one request with a compiled pack.
//!
//! The request is converted once and pushed into the scope as a constant beside `params`,
//! `data` and `as_of`; each rule then runs in id order on that scope, which is rewound after
//! every rule so no rule sees what another did. A rule that errors has its findings dropped.

use crate::api::{self, RawFinding};
use crate::compile::{CompiledPack, CompiledRule};
use crate::date::Date;
use crate::finding::{self, Decision, Finding, Outcome, RuleError};
use crate::normalize;
use crate::request::ValidRequest;
use crate::rhai_error::explain;
use crate::sandbox::{self, SafetyStop};

use std::collections::BTreeMap;
use std::fmt;

use rhai::{Dynamic, EvalAltResult};

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
    /// `print`/`debug` output of rules, for authors (never part of the record).
    pub output: Vec<RuleOutput>,
}

/// A line a rule printed with `print` or `debug`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleOutput {
    /// Full rule id.
    pub rule: String,
    /// The text.
    pub text: String,
}

impl Screening {
    /// The decision, or `None` if any rule failed.
    pub fn decision(&self) -> Option<Decision> {
        if self.errors.is_empty() {
            Some(Decision::from_outcomes(
                self.findings.iter().map(|f| f.outcome),
            ))
        } else {
            None
        }
    }

    /// The decision per criterion, or `None` if any rule failed.
    pub fn criteria(&self) -> Option<BTreeMap<finding::Criterion, Decision>> {
        self.errors
            .is_empty()
            .then(|| finding::criteria(&self.findings))
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
    /// Which net.
    pub reason: SafetyStop,
}

impl fmt::Display for EngineStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.reason {
            SafetyStop::WallClock => "ran past the wall-clock safety limit",
            SafetyStop::Memory => "held more memory than the safety limit",
        };
        write!(
            f,
            "rule `{}` {what} before its operation budget ran out; this is an engine stop, not a decision (no record written)",
            self.rule
        )
    }
}

impl std::error::Error for EngineStop {}

impl CompiledPack {
    /// Screen a request as of a date (the `--as-of` date, or the request's `received`).
    pub fn screen(&self, request: &ValidRequest, as_of: Date) -> Result<Screening, EngineStop> {
        let mut scope = self.globals.borrow_mut();
        let base = scope.len();
        scope.push_constant_dynamic("as_of", Dynamic::from(as_of.to_string()));
        scope.push_constant_dynamic("request", normalize::normalize(request));
        let start = scope.len();
        let mut screening = Screening {
            findings: Vec::new(),
            errors: Vec::new(),
            rules_run: 0,
            output: Vec::new(),
        };
        let mut stop = None;
        for rule in &self.rules {
            screening.rules_run += 1;
            api::open_sink();
            let result = sandbox::guarded(&self.limits, || {
                self.engine
                    .eval_ast_with_scope::<Dynamic>(&mut scope, &rule.ast)
            });
            scope.rewind(start);
            let sink = api::close_sink();
            screening
                .output
                .extend(sink.output.into_iter().map(|text| RuleOutput {
                    rule: rule.id.clone(),
                    text,
                }));
            match result {
                Ok(Ok(_)) => screening
                    .findings
                    .extend(sink.findings.into_iter().map(|raw| finding_of(rule, raw))),
                Ok(Err(err)) => {
                    if let Some(reason) =
                        sandbox::take_safety_stop().filter(|_| is_terminated(&err))
                    {
                        stop = Some(EngineStop {
                            rule: rule.id.clone(),
                            reason,
                        });
                        break;
                    }
                    let x = explain(&err, &rule.file, &self.limits);
                    let mut message = x.message;
                    for note in &x.notes {
                        message.push_str(&format!(" ({note})"));
                    }
                    screening.errors.push(RuleError {
                        rule: rule.id.clone(),
                        file: rule.file.clone(),
                        line: x.pos.is_known().then_some(x.pos.line),
                        column: x.pos.is_known().then_some(x.pos.column),
                        message,
                    });
                }
                Err(()) => screening.errors.push(RuleError {
                    rule: rule.id.clone(),
                    file: rule.file.clone(),
                    line: None,
                    column: None,
                    message: PANIC_MESSAGE.to_string(),
                }),
            }
        }
        scope.rewind(base);
        match stop {
            Some(stop) => Err(stop),
            None => Ok(screening),
        }
    }
}

fn is_terminated(err: &EvalAltResult) -> bool {
    match err {
        EvalAltResult::ErrorTerminated(..) => true,
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
        | EvalAltResult::ErrorInModule(_, inner, _) => is_terminated(inner),
        _ => false,
    }
}

fn finding_of(rule: &CompiledRule, raw: RawFinding) -> Finding {
    let (outcome, overridden_from) = match rule.outcome_override {
        Some(target) if raw.outcome != Outcome::Note && raw.outcome != target => {
            (target, Some(raw.outcome))
        }
        _ => (raw.outcome, None),
    };
    Finding {
        rule: rule.id.clone(),
        criterion: rule.criterion,
        outcome,
        message: raw.message,
        field: raw.field,
        policy: rule.policy.clone(),
        overridden_from,
    }
}
