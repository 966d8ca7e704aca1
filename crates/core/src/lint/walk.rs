//! One rule's code walked: the reads, calls and findings of its AST checked against the request
//! schema, the pack's params, data tables and `lib/` functions, and the rule authors' API (L001,
//! L002, L004–L007, L010, L013 in messages, L014), and what it reads and can record
//! ([`rule_facts`]).
//!
//! Reads are followed through simple aliases: `let t = request.origin.tor;` then `t.drafted_by`,
//! and `for p in request.personnel` then `p.months`. A key tested first (`"k" in params`) or read
//! with `get(params, "k", …)` is not reported as undefined.
//!
//! A closure's parameter is typed from the whole receiver of the method it is passed to:
//! in `request.counterparts.filter(|c| c.assigned).map(|c| c.id)` both `c` are elements of
//! `request.counterparts`, because `filter` returns the list it filters. Each function body
//! (a closure, a function of the rule) is checked in its own scope: it sees only its
//! parameters, never the rule's variables or globals. Where the linter cannot tell what a
//! value is (what `map` returns, a lib/ helper's result, a variable given another value later,
//! the same closure text used on two different lists), it says nothing: a lint may be silent,
//! never wrong.

use std::collections::{BTreeMap, BTreeSet};

use rhai::{ASTFlags, ASTNode, Expr, Position, Stmt};

use crate::decision::finding::Outcome;
use crate::diagnostics::codes::Code;
use crate::diagnostics::diagnostic::Diagnostic;
use crate::engine::authors_api::RESERVED_NAMES;
use crate::engine::rhai_error::pos;
use crate::lint::whole_pack::file_name_in;
use crate::pack::compile::CompiledRule;
use crate::pack::rule_settings;
use crate::request::schema::{self, Shape};
use crate::suggest::did_you_mean;

/// Functions Rhai handles itself, outside any package.
const KEYWORD_FUNCTIONS: &[&str] = &[
    "type_of",
    "print",
    "debug",
    "Fn",
    "call",
    "curry",
    "is_def_var",
    "is_def_fn",
    "is_shared",
];

/// Property getters Rhai provides on built-in values (`s.len`, `a.is_empty`…).
const BUILT_IN_PROPERTIES: &[&str] = &["len", "is_empty", "chars", "bytes"];

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Field(String, Position),
    Key(String, Position),
    Item,
    /// A method call: its name, and the closures passed to it (function name, position).
    Method(String, Vec<(String, Position)>),
    Other,
}

/// What the linter knows of one parameter of a closure, from the places it is passed.
#[derive(Clone, Debug, PartialEq)]
enum Param {
    /// An element of the request at these steps (only fields, keys and items).
    Request(Vec<Step>),
    /// Not known, or different in different places: the parameter is not followed.
    Unknown,
}

/// Array methods that call a closure with elements of the array, and which of the closure's
/// parameters receive an element (Rhai 1.27's array package).
fn element_parameters(method: &str) -> &'static [usize] {
    match method {
        "filter" | "map" | "all" | "some" | "find" | "find_map" | "index_of" | "retain"
        | "drain" => &[0],
        "reduce" | "reduce_rev" => &[1],
        "sort" | "sort_by" | "dedup" => &[0, 1],
        _ => &[],
    }
}

/// Array methods that return a list of the same elements, or one element.
enum Returns {
    SameList,
    Element,
    Unknown,
}

fn returns(method: &str) -> Returns {
    match method {
        "filter" | "retain" | "drain" | "extract" => Returns::SameList,
        "find" | "get" => Returns::Element,
        _ => Returns::Unknown,
    }
}

/// Where a chain of reads starts.
#[derive(Clone, Debug)]
enum Root {
    Request(Vec<Step>),
    Params,
    Data,
}

/// The functions the engine defines, and the keywords called like functions.
pub(super) fn known_functions(engine: &rhai::Engine) -> BTreeSet<String> {
    let mut known: BTreeSet<String> = engine
        .collect_fn_metadata(None, |info| Some(info.metadata.name.to_string()), true)
        .into_iter()
        .collect();
    known.extend(KEYWORD_FUNCTIONS.iter().map(|s| s.to_string()));
    known
}

/// What a rule reads from the request, and the outcomes it can record after pack overrides:
/// for explanations (`screen --trace`) and coverage (`test --coverage`).
pub fn rule_facts(rule: &CompiledRule) -> (Vec<String>, BTreeSet<Outcome>) {
    let (known, params, data) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let (mut params_read, mut data_read, mut out) = (BTreeSet::new(), BTreeSet::new(), Vec::new());
    let defined = Defined {
        known: &known,
        libs: None,
        params: &params,
        data: &data,
    };
    let mut linter = RuleLint::new(rule, defined, &mut params_read, &mut data_read, &mut out);
    linter.run();
    let outcomes = linter
        .outcomes
        .iter()
        .map(|o| rule_settings::outcome_under(rule.outcome_override, *o))
        .collect();
    // Keep the most specific paths: `origin.tor` is implied by `origin.tor.drafted_by`.
    let reads: Vec<String> = linter
        .reads
        .iter()
        .filter(|r| {
            !linter.reads.iter().any(|o| {
                o.len() > r.len()
                    && o.starts_with(r.as_str())
                    && matches!(o.as_bytes()[r.len()], b'.' | b'[')
            })
        })
        .cloned()
        .collect();
    (reads, outcomes)
}

pub(super) struct RuleLint<'a> {
    rule: &'a CompiledRule,
    known: &'a BTreeSet<String>,
    libs: Option<&'a BTreeMap<String, BTreeSet<String>>>,
    params: &'a BTreeSet<String>,
    data: &'a BTreeSet<String>,
    /// Variables of the body being walked that hold a part of the request.
    aliases: BTreeMap<String, Vec<Step>>,
    /// Variables of the body being walked that are given another value after `let`.
    reassigned: BTreeSet<String>,
    /// Whether the body being walked is a function's: the globals are not in view.
    in_function: bool,
    imports: BTreeMap<String, String>,
    strings: BTreeSet<String>,
    params_read: &'a mut BTreeSet<String>,
    data_read: &'a mut BTreeSet<String>,
    records: bool,
    calls_lib: bool,
    out: &'a mut Vec<Diagnostic>,
    /// While closures are being typed, nothing is reported.
    quiet: bool,
    /// What each closure's parameters are, from the previous round of typing.
    closures: BTreeMap<String, Vec<Param>>,
    /// The same, being gathered in this round.
    closures_next: BTreeMap<String, Vec<Param>>,
    /// Closures passed where their parameters could be typed, by position, in this round.
    typed_sites: BTreeSet<Position>,
    /// Every closure met in this round, with its position.
    closure_sites: Vec<(String, Position)>,
    /// Request paths the rule reads that exist in the schema (`origin.tor.drafted_by`).
    reads: BTreeSet<String>,
    /// Outcomes the rule can record (before pack overrides).
    outcomes: BTreeSet<Outcome>,
    /// Data tables this rule reads.
    pub(super) tables_read: BTreeSet<String>,
}

/// What the pack defines, for one rule's lint.
pub(super) struct Defined<'a> {
    pub(super) known: &'a BTreeSet<String>,
    pub(super) libs: Option<&'a BTreeMap<String, BTreeSet<String>>>,
    pub(super) params: &'a BTreeSet<String>,
    pub(super) data: &'a BTreeSet<String>,
}

impl<'a> RuleLint<'a> {
    pub(super) fn new(
        rule: &'a CompiledRule,
        defined: Defined<'a>,
        params_read: &'a mut BTreeSet<String>,
        data_read: &'a mut BTreeSet<String>,
        out: &'a mut Vec<Diagnostic>,
    ) -> Self {
        RuleLint {
            rule,
            known: defined.known,
            libs: defined.libs,
            params: defined.params,
            data: defined.data,
            aliases: BTreeMap::new(),
            reassigned: BTreeSet::new(),
            in_function: false,
            imports: BTreeMap::new(),
            strings: BTreeSet::new(),
            params_read,
            data_read,
            records: false,
            calls_lib: false,
            out,
            quiet: false,
            closures: BTreeMap::new(),
            closures_next: BTreeMap::new(),
            typed_sites: BTreeSet::new(),
            closure_sites: Vec::new(),
            reads: BTreeSet::new(),
            outcomes: BTreeSet::new(),
            tables_read: BTreeSet::new(),
        }
    }
}

/// One function of a rule: its name and parameters.
struct Function {
    name: String,
    params: Vec<String>,
}

impl RuleLint<'_> {
    /// Whether the rule can record revise or reject once pack overrides apply (a rule that
    /// records through a lib/ function is assumed to be able to).
    pub(super) fn decides(&self) -> bool {
        let recorded =
            self.outcomes.iter().any(|o| *o != Outcome::Note) || (self.calls_lib && !self.records);
        recorded && rule_settings::can_decide(self.rule.outcome_override)
    }

    fn at(&self, d: Diagnostic, p: Position) -> Diagnostic {
        let p = pos(p);
        d.at(
            &self.rule.display,
            if p.is_known() {
                p
            } else {
                crate::json::Pos::new(1, 1)
            },
        )
    }

    /// Report a problem at a place of the rule (not while closures are being typed).
    fn report(&mut self, d: Diagnostic, p: Position) {
        if !self.quiet {
            let d = self.at(d, p);
            if !self.out.contains(&d) {
                self.out.push(d);
            }
        }
    }

    fn read(&mut self, path: &str) {
        if !self.quiet && path != "request" {
            self.reads
                .insert(path.trim_start_matches("request.").to_string());
        }
    }

    pub(super) fn run(&mut self) {
        let ast = &self.rule.ast;
        // First pass: string constants (keys tested with `in`) and imports.
        ast.walk(&mut |path: &[ASTNode]| {
            match path.last() {
                Some(ASTNode::Stmt(Stmt::Import(x, _))) => {
                    if let Expr::StringConstant(s, _) = &x.0 {
                        self.imports.insert(x.1.name.to_string(), s.to_string());
                    }
                }
                Some(ASTNode::Expr(Expr::StringConstant(s, _))) => {
                    self.strings.insert(s.to_string());
                }
                _ => {}
            }
            true
        });
        let functions: Vec<Function> = ast
            .iter_fn_def()
            .map(|f| Function {
                name: f.name.to_string(),
                params: f.params.iter().map(ToString::to_string).collect(),
            })
            .collect();
        // Type the closures' parameters, quietly: a closure inside a closure is typed once the
        // outer one is, so this takes one round per level of nesting, plus one to see nothing
        // changed. Every round starts again from what the previous one knew.
        self.quiet = true;
        for _ in 0..=functions.len() + 1 {
            self.round(&functions);
            let next = std::mem::take(&mut self.closures_next);
            if next == self.closures {
                break;
            }
            self.closures = next;
        }
        self.quiet = false;
        self.round(&functions);
        self.closures_next.clear();
        if !self.records && !self.calls_lib {
            let d = Diagnostic::warning(
                Code::L006,
                format!("rule `{}` can never record a finding", self.rule.id),
            )
            .help("call reject(…), revise(…) or note(…) where the rule finds something");
            self.report(d, Position::new(1, 1));
        }
        if self.rule.policy.is_none() && !self.rule.cites_nothing {
            let d = Diagnostic::warning(Code::L007, format!("rule `{}` cites no policy", self.rule.id))
                .help("add `//! policy: <the clause this rule enforces>` so findings say which policy asks for the change");
            self.report(d, Position::new(1, 1));
        }
    }

    /// Walk the rule's own code, then each of its functions, each in its own scope.
    fn round(&mut self, functions: &[Function]) {
        self.typed_sites.clear();
        self.closure_sites.clear();
        let ast = &self.rule.ast;
        let script_functions: BTreeSet<String> = functions.iter().map(|f| f.name.clone()).collect();
        self.in_function = false;
        self.aliases.clear();
        let statements = ast.clone_statements_only();
        self.body(&statements, &script_functions);
        for function in functions {
            self.in_function = true;
            self.aliases.clear();
            if let Some(params) = self.closures.get(&function.name) {
                for (name, param) in function.params.iter().zip(params) {
                    if let Param::Request(steps) = param {
                        self.aliases.insert(name.clone(), steps.clone());
                    }
                }
            }
            let arity = function.params.len();
            // (`clone_functions_only_filtered` does not filter in Rhai 1.27: retain instead.)
            let mut body = ast.clone_functions_only();
            body.retain_functions(|_, _, name, n| name == function.name && n == arity);
            self.body(&body, &script_functions);
        }
        // A closure also passed where its parameters cannot be typed is not followed.
        for (name, at) in std::mem::take(&mut self.closure_sites) {
            if !self.typed_sites.contains(&at) {
                self.closures_next.insert(name, vec![Param::Unknown; 8]);
            }
        }
    }

    /// Check one body: the rule's own statements, or one function's.
    fn body(&mut self, ast: &rhai::AST, script_functions: &BTreeSet<String>) {
        self.reassigned.clear();
        ast.walk(&mut |path: &[ASTNode]| {
            if let Some(ASTNode::Stmt(Stmt::Assignment(x))) = path.last()
                && let Expr::Variable(v, _, _) = &x.1.lhs
            {
                self.reassigned.insert(v.1.to_string());
            }
            true
        });
        // In source order: the latest binding of a name is the one in scope.
        let mut chains = Vec::new();
        let mut calls = Vec::new();
        ast.walk(&mut |path: &[ASTNode]| {
            match path.last() {
                Some(ASTNode::Stmt(Stmt::Var(x, _, _))) => {
                    let name = x.0.name.to_string();
                    match self.root_of(&x.1) {
                        Some(Root::Request(steps)) if !self.reassigned.contains(&name) => {
                            self.aliases.insert(name, steps);
                        }
                        _ => {
                            self.aliases.remove(&name);
                        }
                    }
                }
                Some(ASTNode::Stmt(Stmt::For(x, _))) => {
                    if let Some(counter) = &x.1 {
                        self.aliases.remove(counter.name.as_str());
                    }
                    match self.root_of(&x.2.expr) {
                        Some(Root::Request(mut steps)) => {
                            steps.push(Step::Item);
                            self.aliases.insert(x.0.name.to_string(), steps);
                        }
                        _ => {
                            self.aliases.remove(x.0.name.as_str());
                        }
                    }
                }
                Some(ASTNode::Expr(e @ (Expr::Dot(..) | Expr::Index(..)))) => {
                    // Only whole chains: a chain's inner links have no variable on the left.
                    if let Expr::Variable(v, _, _) = left_most(e) {
                        let base = self.aliases.get(v.1.as_str()).cloned();
                        chains.push(((*e).clone(), base));
                    }
                }
                Some(ASTNode::Expr(Expr::DynamicConstant(value, at))) => {
                    if let Some(name) = closure_name(value) {
                        self.closure_sites.push((name, *at));
                    }
                }
                Some(ASTNode::Expr(Expr::FnCall(f, p))) => calls.push(((**f).clone(), *p)),
                Some(ASTNode::Stmt(Stmt::FnCall(f, p))) => calls.push(((**f).clone(), *p)),
                Some(ASTNode::Expr(Expr::MethodCall(f, p))) => calls.push(((**f).clone(), *p)),
                _ => {}
            }
            true
        });
        for (chain, base) in &chains {
            self.check_chain(chain, base.as_ref());
        }
        for (call, p) in &calls {
            self.check_call(call, *p, script_functions);
        }
    }

    /// The global a chain or variable reads from, and the steps after it.
    fn root_of(&self, expr: &Expr) -> Option<Root> {
        let (name, mut steps) = match expr {
            Expr::Variable(v, _, _) => (v.1.to_string(), Vec::new()),
            e @ (Expr::Dot(..) | Expr::Index(..)) => {
                let Expr::Variable(v, _, _) = left_most(e) else {
                    return None;
                };
                let mut steps = Vec::new();
                chain_steps(e, &mut steps, true);
                (v.1.to_string(), steps)
            }
            _ => return None,
        };
        match name.as_str() {
            "request" if !self.in_function => Some(Root::Request(steps)),
            "params" if !self.in_function => Some(Root::Params),
            "data" if !self.in_function => Some(Root::Data),
            alias => {
                let mut base = self.aliases.get(alias)?.clone();
                base.append(&mut steps);
                Some(Root::Request(base))
            }
        }
    }

    fn check_chain(&mut self, chain: &Expr, alias: Option<&Vec<Step>>) {
        let Expr::Variable(v, _, _) = left_most(chain) else {
            return;
        };
        let mut steps = Vec::new();
        chain_steps(chain, &mut steps, true);
        let root = if self.in_function { "" } else { v.1.as_str() };
        match root {
            "params" | "data" => {
                let is_params = root == "params";
                let Some(Step::Field(name, p) | Step::Key(name, p)) = steps.first().cloned() else {
                    return;
                };
                let quiet = self.quiet;
                let (defined, read, what) = if is_params {
                    (self.params, &mut *self.params_read, "param")
                } else {
                    (self.data, &mut *self.data_read, "data table")
                };
                if !quiet {
                    read.insert(name.clone());
                    if !is_params {
                        self.tables_read.insert(name.clone());
                    }
                }
                if !defined.contains(&name) && !self.strings.contains(&name) {
                    let help = match did_you_mean(&name, defined.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None if is_params => "define it under [params] in pack.toml, or test it first: `\"NAME\" in params`".into(),
                        None => "add data/NAME.json to the pack, or test it first: `\"NAME\" in data`".into(),
                    };
                    let d = Diagnostic::error(
                        Code::L002,
                        format!("the pack defines no {what} `{name}`"),
                    )
                    .help(help);
                    self.report(d, p);
                }
            }
            "request" => self.check_request_path(&steps),
            _ => {
                if let Some(base) = alias {
                    let mut all = base.clone();
                    all.extend(steps);
                    self.check_request_path(&all);
                }
            }
        }
    }

    /// Type the parameters of the closures passed to `method` on a list whose elements are
    /// at `element` (steps from the request).
    fn type_closures(&mut self, method: &str, closures: &[(String, Position)], element: &[Step]) {
        let slots = element_parameters(method);
        if slots.is_empty() {
            return;
        }
        for (name, at) in closures {
            self.typed_sites.insert(*at);
            let params = self.closures_next.entry(name.clone()).or_default();
            for slot in 0..=*slots.iter().max().unwrap_or(&0) {
                let param = if slots.contains(&slot) {
                    Param::Request(element.to_vec())
                } else {
                    Param::Unknown
                };
                match params.get_mut(slot) {
                    None => params.push(param),
                    Some(known) if *known != param => *known = Param::Unknown,
                    Some(_) => {}
                }
            }
        }
    }

    fn check_request_path(&mut self, steps: &[Step]) {
        let mut shape: &'static Shape = &schema::REQUEST;
        let mut path = String::from("request");
        // The steps taken so far, as a request path: what a closure's parameter is typed with.
        let mut typed: Vec<Step> = Vec::new();
        for step in steps {
            self.read(&path);
            match (shape, step) {
                (Shape::List(inner), Step::Method(method, closures)) => {
                    let mut element = typed.clone();
                    element.push(Step::Item);
                    self.type_closures(method, closures, &element);
                    match returns(method) {
                        Returns::SameList => {}
                        Returns::Element => {
                            shape = inner;
                            path.push_str("[]");
                            typed.push(Step::Item);
                        }
                        Returns::Unknown => return,
                    }
                }
                (Shape::FreeObject, _) | (_, Step::Method(..) | Step::Other) => return,
                (Shape::Object(fields), Step::Field(name, p) | Step::Key(name, p)) => {
                    match fields.iter().find(|f| f.name == name) {
                        Some(field) => {
                            shape = field.shape;
                            path = format!("{path}.{name}");
                            typed.push(step.clone());
                        }
                        None => {
                            let help = match did_you_mean(name, fields.iter().map(|f| f.name)) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!(
                                    "the fields of `{path}` are: {}",
                                    fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                                ),
                            };
                            let d = Diagnostic::error(
                                Code::L001,
                                format!("`{path}` has no field `{name}`"),
                            )
                            .help(help);
                            self.report(d, *p);
                            return;
                        }
                    }
                }
                (Shape::Object(_), Step::Item) => return,
                (Shape::List(inner), Step::Item | Step::Key(..)) => {
                    shape = inner;
                    path.push_str("[]");
                    typed.push(Step::Item);
                }
                (_, Step::Field(name, _)) if BUILT_IN_PROPERTIES.contains(&name.as_str()) => break,
                (Shape::List(_), Step::Field(name, p)) => {
                    let d = Diagnostic::error(Code::L001, format!("`{path}` is a list: it has no field `{name}`"))
                        .help(format!("loop over it (`for x in {path} {{ x.{name} }}`) or pick an item (`{path}[0].{name}`)"));
                    self.report(d, *p);
                    return;
                }
                (_, Step::Field(name, p)) => {
                    let d = Diagnostic::error(
                        Code::L001,
                        format!("`{path}` is a single value: it has no field `{name}`"),
                    );
                    self.report(d, *p);
                    return;
                }
                _ => return,
            }
        }
        self.read(&path);
    }

    fn check_call(
        &mut self,
        call: &rhai::FnCallExpr,
        p: Position,
        script_functions: &BTreeSet<String>,
    ) {
        let name = call.name.as_str();
        if call.op_token.is_some() {
            return;
        }
        if !call.namespace.is_empty() {
            self.calls_lib = true;
            let alias = call.namespace.root();
            let Some(module) = self.imports.get(alias) else {
                return;
            };
            let Some(functions) = self.libs.and_then(|l| l.get(module)) else {
                return;
            };
            if !functions.contains(name) {
                let help = match did_you_mean(name, functions.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{alias}::{s}`?"),
                    None => format!(
                        "lib/{module}.rhai defines: {}",
                        functions.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                };
                let d = Diagnostic::error(
                    Code::L004,
                    format!("lib/{module}.rhai has no function `{name}`"),
                )
                .help(help);
                self.report(d, p);
            }
            return;
        }
        if let Some(outcome) = Outcome::parse(name) {
            self.outcomes.insert(outcome);
            self.records = true;
            self.check_lowered(outcome, call, p);
            if let Some(Expr::Map(members, _)) = call.args.first() {
                // The map form: its message and information are read by requesters too.
                for (name, value) in members.0.iter() {
                    match name.as_str() {
                        "message" | "information" => self.check_message(value),
                        "field" => self.check_field_path(value),
                        _ => {}
                    }
                }
                return;
            }
            if let Some(message) = call.args.first() {
                self.check_message(message);
            }
            if let Some(field) = call.args.get(1) {
                self.check_field_path(field);
            }
            return;
        }
        if self.known.contains(name)
            || script_functions.contains(name)
            || name.starts_with("get$")
            || name.starts_with("set$")
        {
            return;
        }
        let candidates = RESERVED_NAMES
            .iter()
            .copied()
            .chain(script_functions.iter().map(String::as_str));
        let help = match did_you_mean(name, candidates).or_else(|| did_you_mean(name, self.known.iter().map(String::as_str))) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "define the function in this rule or in a lib/ module, or check the authors' guide for the helpers".into(),
        };
        let d = Diagnostic::error(
            Code::L004,
            format!("no function `{name}` in the rule API, Rhai or this pack"),
        )
        .help(help);
        self.report(d, p);
    }

    /// L014: a revise or reject that the pack lowers to a note reads as information, so it
    /// needs an information text (the map form's `information`), or the requester is asked for
    /// a change that the decision does not need.
    fn check_lowered(&mut self, outcome: Outcome, call: &rhai::FnCallExpr, p: Position) {
        if outcome == Outcome::Note || self.rule.outcome_override != Some(Outcome::Note) {
            return;
        }
        let informed = match call.args.first() {
            Some(Expr::Map(members, _)) => members
                .0
                .iter()
                .any(|(name, _)| name.as_str() == "information"),
            // Not a map literal: the linter cannot tell, so it says nothing.
            Some(Expr::StringConstant(..) | Expr::InterpolatedString(..)) => false,
            _ => true,
        };
        if !informed {
            let name = outcome.as_str();
            let d = Diagnostic::warning(
                Code::L014,
                format!("the pack lowers `{}` to a note, but this {name}() gives no information text", self.rule.id),
            )
            .help(format!("the requester would read its request for a change as information: use {name}(#{{ message: …, field: …, information: \"…\" }}), stating the fact without asking for a change"));
            self.report(d, p);
        }
    }

    /// L010 and L013: a message is read by a requester, who knows fields by their names in
    /// words and has none of the pack's files.
    fn check_message(&mut self, message: &Expr) {
        let (text, p) = match message {
            Expr::StringConstant(s, p) => (s.to_string(), *p),
            Expr::InterpolatedString(parts, p) => {
                let text = parts
                    .iter()
                    .map(|part| match part {
                        Expr::StringConstant(s, _) => s.to_string(),
                        _ => "0".to_string(),
                    })
                    .collect::<String>();
                (text, *p)
            }
            _ => return,
        };
        if let Some(path) = field_path_in(&text) {
            let d = Diagnostic::warning(Code::L010, format!("the message names the request field `{path}` by its path"))
                .help("name the field in words (\"the terms of reference\", \"counterpart 1's salary supplement\"); the finding's second argument records the path, and the decision note shows it in words");
            self.report(d, p);
        }
        if let Some(name) = file_name_in(&text) {
            let d = Diagnostic::warning(Code::L013, format!("the message names the file `{name}`"))
                .help("requesters have none of the pack's files or research notes: say what to change in plain words");
            self.report(d, p);
        }
    }

    fn check_field_path(&mut self, field: &Expr) {
        let (text, p) = match field {
            Expr::StringConstant(s, p) => (s.to_string(), *p),
            // `personnel[${i}].months`: check the shape with the interpolations as indices.
            Expr::InterpolatedString(parts, p) => {
                let text = parts
                    .iter()
                    .map(|part| match part {
                        Expr::StringConstant(s, _) => s.to_string(),
                        _ => "0".to_string(),
                    })
                    .collect::<String>();
                (text, *p)
            }
            _ => return,
        };
        if schema::shape_at(&text).is_none() {
            let d = Diagnostic::warning(Code::L005, format!("the finding's field `{text}` is not a path of the request"))
                .help("field paths name request fields, like \"origin.tor.drafted_by\" or \"personnel[0].months\"");
            self.report(d, p);
        }
    }
}

/// The function a closure constant stands for (`|c| c.id` is compiled to a function
/// `anon$…`); `None` for any other constant, and for named function pointers.
fn closure_name(value: &rhai::Dynamic) -> Option<String> {
    let pointer = value.read_lock::<rhai::FnPtr>()?;
    pointer
        .is_anonymous()
        .then(|| pointer.fn_name().to_string())
}

/// A dotted request path in a text (`origin.tor.drafted_by`, `personnel[0].months`).
fn field_path_in(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']')))
        .map(|w| w.trim_end_matches('.'))
        .find(|w| w.contains('.') && schema::shape_at(w).is_some())
        .map(str::to_string)
}

fn left_most(expr: &Expr) -> &Expr {
    match expr {
        Expr::Dot(b, _, _) | Expr::Index(b, _, _) => left_most(&b.lhs),
        e => e,
    }
}

/// The steps of a chain after its left-most variable (`first` skips that variable).
fn chain_steps(expr: &Expr, out: &mut Vec<Step>, first: bool) {
    match expr {
        Expr::Variable(..) if first => {}
        Expr::Property(x, p) => out.push(Step::Field(x.2.to_string(), *p)),
        Expr::MethodCall(call, _) => {
            let closures = call
                .args
                .iter()
                .filter_map(|arg| match arg {
                    Expr::DynamicConstant(value, at) => closure_name(value).map(|n| (n, *at)),
                    _ => None,
                })
                .collect();
            out.push(Step::Method(call.name.to_string(), closures));
        }
        Expr::Dot(b, _, _) => {
            chain_steps(&b.lhs, out, first);
            chain_steps(&b.rhs, out, false);
        }
        Expr::Index(b, flags, _) => {
            chain_steps(&b.lhs, out, first);
            if flags.contains(ASTFlags::BREAK) {
                index_step(&b.rhs, out);
            } else {
                // Not the last link: the right side is the index followed by the rest.
                match &b.rhs {
                    Expr::Dot(c, _, _) | Expr::Index(c, _, _) => {
                        index_step(&c.lhs, out);
                        chain_steps(&c.rhs, out, false);
                    }
                    other => index_step(other, out),
                }
            }
        }
        _ => out.push(Step::Other),
    }
}

fn index_step(expr: &Expr, out: &mut Vec<Step>) {
    out.push(match expr {
        Expr::StringConstant(s, p) => Step::Key(s.to_string(), *p),
        _ => Step::Item,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sandbox_limits::EngineLimits;
    use crate::lint::lint;
    use crate::pack::compile::CompiledPack;
    use crate::pack::resolved::{PackFile, PackIdentity, PackLayer, ResolvedPack};

    /// Lint a pack `t` with one rule `A` whose body is `body`; the messages of the L001s.
    fn l001(body: &str) -> Vec<String> {
        let resolved = ResolvedPack::for_test(vec![PackLayer::for_test(vec![PackFile {
            path: "rules/A.rhai".into(),
            display: "A.rhai".into(),
            text: format!(
                "//! title: A\n//! criterion: exit\n//! policy: p\n{body}\nnote(\"n\");\n"
            ),
        }])]);
        let pack = CompiledPack::compile(&resolved, &EngineLimits::default())
            .unwrap_or_else(|e| panic!("{e:?}"));
        lint(&pack, &resolved)
            .into_iter()
            .filter(|d| d.code == Code::L001)
            .map(|d| format!("{}:{} {}", d.pos.line, d.pos.column, d.message))
            .collect()
    }

    #[test]
    fn a_closure_parameter_is_typed_by_its_whole_receiver() {
        // The case: `c` was taken for an element of personnel[].counterparts[] (an
        // id), the type of an earlier loop variable of the same name.
        let body = "for p in request.personnel { for c in p.counterparts { if c == \"x\" { note(\"x\"); } } }\n\
                    let ids = request.counterparts.filter(|c| c.assigned == true).map(|c| c.id);";
        assert_eq!(l001(body), Vec::<String>::new());
        // A closure's parameter is checked against the element of the list it runs over.
        assert_eq!(
            l001("let ids = request.counterparts.filter(|c| c.assignd == true);"),
            ["4:45 `request.counterparts[]` has no field `assignd`"]
        );
        // Through a filter, the list is the same list.
        assert_eq!(
            l001("let ids = request.counterparts.filter(|c| c.assigned).map(|c| c.idd);"),
            ["4:65 `request.counterparts[]` has no field `idd`"]
        );
        // reduce: the element is the second parameter; sort: both are elements.
        assert_eq!(
            l001("let n = request.personnel.reduce(|sum, p| sum + p.monts, 0);"),
            ["4:51 `request.personnel[]` has no field `monts`"]
        );
        assert_eq!(
            l001("let s = request.reviews; s.sort(|a, b| a.due - b.dues);"),
            ["4:50 `request.reviews[]` has no field `dues`"]
        );
        // A closure inside a closure.
        assert_eq!(
            l001(
                "let x = request.capacity.indicators.filter(|i| i.targets.some(|t| t.dat != ()));"
            ),
            ["4:69 `request.capacity.indicators[].targets[]` has no field `dat`"]
        );
        // A list through a variable, and a loop over a filtered list.
        assert_eq!(
            l001(
                "let cs = request.counterparts;\nfor c in cs.filter(|c| c.assigned) { if c.positon == () { note(\"x\"); } }"
            ),
            ["5:43 `request.counterparts[]` has no field `positon`"]
        );
    }

    /// The map form of a finding is read like the string form: its message and information
    /// are checked for paths, its field against the schema.
    #[test]
    fn a_finding_map_is_checked_like_a_message_and_a_field() {
        let resolved = ResolvedPack::for_test(vec![PackLayer::for_test(vec![PackFile {
                path: "rules/A.rhai".into(),
                display: "A.rhai".into(),
                text: "//! title: A\n//! criterion: exit\n//! policy: p\nrevise(#{ message: \"Fix it.\", field: \"origin.torr\", information: \"See origin.tor.drafted_by.\" });\n".into(),
            }])]);
        let pack = CompiledPack::compile(&resolved, &EngineLimits::default())
            .unwrap_or_else(|e| panic!("{e:?}"));
        let codes: Vec<Code> = lint(&pack, &resolved).into_iter().map(|d| d.code).collect();
        assert!(codes.contains(&Code::L005), "{codes:?}");
        assert!(codes.contains(&Code::L010), "{codes:?}");
    }

    /// L014: a revise the pack lowers to a note needs its information text; with it, or
    /// without the override, nothing is said.
    #[test]
    fn a_lowered_finding_without_information_is_reported() {
        let l014 = |body: &str, lowered: bool| -> usize {
            let settings = if lowered {
                vec![crate::pack::rule_settings::RuleSettingsEntry {
                    rule: "t/A".into(),
                    pos: crate::json::Pos::new(1, 1),
                    settings: crate::pack::rule_settings::RuleSettings {
                        outcome: Some(Outcome::Note),
                        ..Default::default()
                    },
                }]
            } else {
                Vec::new()
            };
            let resolved = ResolvedPack {
                identity: PackIdentity {
                    id: "t".into(),
                    version: "1".into(),
                    sha256: "0".into(),
                },
                chain: vec![],
                layers: vec![PackLayer {
                    id: "t".into(),
                    manifest: "t/pack.toml".into(),
                    rules: vec![PackFile {
                        path: "rules/A.rhai".into(),
                        display: "A.rhai".into(),
                        text: format!("//! title: A\n//! criterion: exit\n//! policy: p\n{body}\n"),
                    }],
                    settings,
                    ..PackLayer::default()
                }],
            };
            let pack = CompiledPack::compile(&resolved, &EngineLimits::default())
                .unwrap_or_else(|e| panic!("{e:?}"));
            lint(&pack, &resolved)
                .into_iter()
                .filter(|d| d.code == Code::L014)
                .count()
        };
        assert_eq!(l014("revise(\"Attach the plan.\");", true), 1);
        assert_eq!(l014("reject(#{ message: \"Attach the plan.\" });", true), 1);
        assert_eq!(
            l014(
                "revise(#{ message: \"Attach the plan.\", information: \"No plan is attached.\" });",
                true
            ),
            0
        );
        assert_eq!(l014("note(\"No plan is attached.\");", true), 0);
        assert_eq!(l014("revise(\"Attach the plan.\");", false), 0);
    }

    #[test]
    fn when_the_linter_cannot_tell_it_says_nothing() {
        for body in [
            // A closure called by other means than an array method.
            "let f = |x| x.whatever;\nlet y = f.call(request.origin);",
            // Over something that is not a request list.
            "let a = data.t.filter(|x| x.anything);",
            "let a = [#{k: 1}].filter(|x| x.k == 1);",
            // What map returns is not known.
            "let a = request.personnel.map(|p| p.counterparts).filter(|c| c.whatever);",
            // A function's parameters are not the rule's variables, whatever their names.
            "for p in request.reviews { if p.joint == true { note(\"x\"); } }\nfn months(p) { p.months }\nlet m = months(request.personnel[0]);",
            "fn f(request) { request.anything }\nlet x = f(#{anything: 1});",
            "fn g(params) { params.not_a_param }\nlet y = g(#{not_a_param: 1});",
            // A variable given another value later is not followed.
            "let t = request.origin;\nt = request.finance;\nif t.currency == () { note(\"x\"); }",
            // `this` and named function pointers are left alone.
            "fn pick(x) { x.anything }\nlet a = request.counterparts.filter(Fn(\"pick\"));",
        ] {
            assert_eq!(l001(body), Vec::<String>::new(), "{body}");
        }
    }
}
