//! Findings, their outcomes and criteria, who acts on them, and rule errors (spec §5). How
//! findings combine into a decision is `aggregation.rs`.

use std::fmt;

/// What a finding asks for. Ordered by severity: `Note < Revise < Reject`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Recorded for information; never changes the decision.
    Note,
    /// The request must change before it can be accepted.
    Revise,
    /// The request cannot be accepted.
    Reject,
}

impl Outcome {
    /// The name used in packs and records.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Note => "note",
            Outcome::Revise => "revise",
            Outcome::Reject => "reject",
        }
    }

    /// Parse `note`, `revise` or `reject`.
    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "note" => Some(Outcome::Note),
            "revise" => Some(Outcome::Revise),
            "reject" => Some(Outcome::Reject),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who must act on a finding: the note a requester receives groups what to change by it, and
/// leaves out what is for the coordination unit itself. An extension of the contract (front
/// matter `actor`, manifest `actor`, a finding's `actor`, and the record's `findings[].actor`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Actor {
    /// The requesting institution (the default).
    #[default]
    Requester,
    /// The provider (donor, agency or firm).
    Provider,
    /// The requester and the provider together.
    Both,
    /// The coordination unit that screens the request: its own follow-up (a check by hand, a
    /// list to consult), kept in the record and shown on the page, never in the requester's
    /// note. Only notes may be addressed to it.
    CoordinationUnit,
    /// Nobody in particular: information about the request as a whole (a profile), shown as
    /// a paragraph rather than as something to change.
    None,
}

impl Actor {
    /// Every actor, in the order the note shows them.
    pub const ALL: [Actor; 5] = [
        Actor::Requester,
        Actor::Provider,
        Actor::Both,
        Actor::CoordinationUnit,
        Actor::None,
    ];

    /// The name used in front matter and manifests.
    pub const fn as_str(self) -> &'static str {
        match self {
            Actor::Requester => "requester",
            Actor::Provider => "provider",
            Actor::Both => "both",
            Actor::CoordinationUnit => "coordination_unit",
            Actor::None => "none",
        }
    }

    /// Parse `requester`, `provider`, `both`, `coordination_unit` or `none`.
    pub fn parse(s: &str) -> Option<Actor> {
        Actor::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The screening criteria a rule belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Criterion {
    /// Aligned with national and sector strategies, managed jointly, through country systems.
    PolicyFit,
    /// The partner asked for it, wrote the terms of reference, leads recruitment.
    DemandLed,
    /// Capacity is the exit strategy.
    Exit,
    /// The request's own data are complete and consistent.
    Data,
}

impl Criterion {
    /// Every criterion, in record order.
    pub const ALL: [Criterion; 4] = [
        Criterion::PolicyFit,
        Criterion::DemandLed,
        Criterion::Exit,
        Criterion::Data,
    ];

    /// The name used in front matter and records.
    pub const fn as_str(self) -> &'static str {
        match self {
            Criterion::PolicyFit => "policy_fit",
            Criterion::DemandLed => "demand_led",
            Criterion::Exit => "exit",
            Criterion::Data => "data",
        }
    }

    /// Parse a criterion name.
    pub fn parse(s: &str) -> Option<Criterion> {
        Criterion::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding in a decision record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Full rule id, `<pack id>/<rule id>`.
    pub rule: String,
    /// The rule's criterion.
    pub criterion: Criterion,
    /// The outcome after any pack override.
    pub outcome: Outcome,
    /// What to change, in the rule's words.
    pub message: String,
    /// The dotted field path the finding is about, if the rule named one.
    pub field: Option<String>,
    /// The policy clause cited (after any pack override).
    pub policy: Option<String>,
    /// The outcome the rule recorded, when a pack override changed it.
    pub overridden_from: Option<Outcome>,
    /// Who must act on it: the finding's own, else the rule's (front matter or pack
    /// setting). `None` only in a record written before records named it.
    pub actor: Option<Actor>,
}

/// A rule that failed: its findings are dropped and the decision is `null`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    /// Full rule id.
    pub rule: String,
    /// The rule's file, `<pack id>/rules/…` (stable across machines).
    pub file: String,
    /// Line in the rule file, when known.
    pub line: Option<u32>,
    /// Column (characters) in the rule file, when known.
    pub column: Option<u32>,
    /// What went wrong.
    pub message: String,
}
