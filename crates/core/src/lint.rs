//! Static checks of a compiled pack, found by walking each rule's AST (not by matching text).
//!
//! | code | severity | finds |
//! |---|---|---|
//! | L001 | error | a read of a request field that is not in the schema (with "did you mean") |
//! | L002 | error | a read of a param or data table the pack does not define |
//! | L003 | warning | a param or data table the pack defines that no rule reads |
//! | L004 | error | a call to a function that exists neither in the API nor in the pack |
//! | L005 | warning | a finding whose field path is not a path of the request schema |
//! | L006 | warning | a rule that can never record a finding |
//! | L007 | warning | a rule without a `policy` line |
//! | L008 | warning | a rule that can revise or reject but cites a source not verified against its text |
//! | L009 | warning | a rule that can revise or reject but reads a placeholder data table |
//! | L010 | warning | a message that names a request field by its path instead of in words |
//! | L011 | warning | a source of the pack's sources table that no rule cites |
//! | L012 | warning | a rule of the pack whose sources all date from after the pack's `valid_from`, or any rule whose sources all date from after its `valid_to` |
//! | L013 | warning | a message or a source that names a file, which requesters do not have |
//!
//! Reads are followed through simple aliases: `let t = request.origin.tor;` then `t.drafted_by`,
//! and `for p in request.personnel` then `p.months`. A key tested first (`"k" in params`) or read
//! with `get(params, "k", …)` is not reported as undefined.

use std::collections::{BTreeMap, BTreeSet};

use rhai::{ASTFlags, ASTNode, Engine, Expr, Position, Stmt};

use crate::api::RESERVED_NAMES;
use crate::compile::{CompiledPack, CompiledRule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::finding::Outcome;
use crate::rhai_error::pos;
use crate::schema::{self, Shape};
use crate::source::PackSource;
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
    Method,
    Other,
}

/// Where a chain of reads starts.
#[derive(Clone, Debug)]
enum Root {
    Request(Vec<Step>),
    Params,
    Data,
}

fn warning(code: &'static str, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        ..Diagnostic::error(code, message)
    }
}

/// Lint a compiled pack. `source` gives the manifest paths and `lib/` texts.
pub fn lint(pack: &CompiledPack, source: &PackSource) -> Vec<Diagnostic> {
    let mut known: BTreeSet<String> = pack
        .engine
        .collect_fn_metadata(None, |info| Some(info.metadata.name.to_string()), true)
        .into_iter()
        .collect();
    known.extend(KEYWORD_FUNCTIONS.iter().map(|s| s.to_string()));
    let libs = lib_functions(&pack.engine, source);
    let params: BTreeSet<String> = source
        .layers
        .iter()
        .flat_map(|l| l.params.keys().cloned())
        .collect();
    let data: BTreeSet<String> = source
        .layers
        .iter()
        .flat_map(|l| l.data.keys().cloned())
        .collect();
    let placeholders = placeholder_tables(source);
    let mut out = Vec::new();
    let mut params_read = BTreeSet::new();
    let mut data_read = BTreeSet::new();
    for rule in &pack.rules {
        let defined = Defined {
            known: &known,
            libs: libs.get(&rule.pack),
            params: &params,
            data: &data,
        };
        let mut linter = RuleLint::new(rule, defined, &mut params_read, &mut data_read, &mut out);
        linter.run();
        let decides = linter.decides();
        let tables = std::mem::take(&mut linter.tables_read);
        if decides {
            deciding_on_weak_ground(rule, &tables, &placeholders, &mut out);
        }
    }
    if let Some(own) = source.layers.last() {
        sources_of_the_pack(pack, own, &mut out);
    }
    // Unused params and tables: only those the pack itself defines.
    if let Some(own) = source.layers.last() {
        for name in own.params.keys().filter(|p| !params_read.contains(*p)) {
            let at = own
                .param_positions
                .get(name)
                .copied()
                .unwrap_or(crate::json::Pos::new(1, 1));
            out.push(
                warning(
                    "L003",
                    format!("param `{name}` is defined but no rule reads it"),
                )
                .at(&own.manifest, at)
                .help("remove it, or read it as `params.NAME` in a rule"),
            );
        }
        for name in own.data.keys().filter(|d| !data_read.contains(*d)) {
            let file = own.data_files.get(name).unwrap_or(&own.manifest);
            out.push(
                warning(
                    "L003",
                    format!("data table `{name}` is defined but no rule reads it"),
                )
                .at(file, crate::json::Pos::new(1, 1))
                .help(format!(
                    "remove data/{name}.json, or read it as `data.{name}` in a rule"
                )),
            );
        }
    }
    out
}

/// Data tables marked as placeholders: a top-level key `_placeholder` says why the content is
/// not real data. Rules reading them may only record notes.
fn placeholder_tables(source: &PackSource) -> BTreeMap<String, String> {
    let mut tables = BTreeMap::new();
    for layer in &source.layers {
        for (stem, value) in &layer.data {
            match value {
                crate::value::Value::Map(m) if m.contains_key("_placeholder") => {
                    tables.insert(
                        stem.clone(),
                        layer.data_files.get(stem).cloned().unwrap_or_default(),
                    );
                }
                _ => {
                    tables.remove(stem);
                }
            }
        }
    }
    tables
}

/// L008 and L009: a rule that decides must rest on verified sources and real data.
fn deciding_on_weak_ground(
    rule: &CompiledRule,
    tables: &BTreeSet<String>,
    placeholders: &BTreeMap<String, String>,
    out: &mut Vec<Diagnostic>,
) {
    let at = crate::json::Pos::new(1, 1);
    let policy_at = rule.front_matter.policy_pos.unwrap_or(at);
    for c in rule.citations.iter().filter(|c| !c.verified) {
        out.push(
            warning(
                "L008",
                format!(
                    "rule `{}` can revise or reject, but cites `{}`, which is not verified against its text",
                    rule.id, c.id
                ),
            )
            .at(&rule.display, policy_at)
            .help("verify the source and set `verified = true` in its [sources] entry, or let the rule only record notes (`outcome = \"note\"` in pack.toml)"),
        );
    }
    for table in tables.iter().filter(|t| placeholders.contains_key(*t)) {
        out.push(
            warning(
                "L009",
                format!(
                    "rule `{}` can revise or reject, but reads `data.{table}`, a placeholder table",
                    rule.id
                ),
            )
            .at(&rule.display, at)
            .help("until the table holds real data, let the rule only record notes (`outcome = \"note\"` in pack.toml, or note(…) in the rule)"),
        );
    }
}

/// L011, L012 and L013 for the sources the pack itself defines and the rules it cites them in.
fn sources_of_the_pack(
    pack: &CompiledPack,
    own: &crate::source::PackLayer,
    out: &mut Vec<Diagnostic>,
) {
    let cited: BTreeSet<&str> = pack
        .rules
        .iter()
        .flat_map(|r| r.citations.iter().map(|c| c.id.as_str()))
        .collect();
    for (id, source) in &own.sources {
        if !cited.contains(id.as_str()) {
            out.push(
                warning(
                    "L011",
                    format!("source `{id}` is in the sources table but no rule cites it"),
                )
                .at(&own.manifest, source.pos)
                .help("cite it in a rule's `policy` line, or remove the entry"),
            );
        }
        for (what, text) in [
            ("title", Some(&source.title)),
            ("issuer", Some(&source.issuer)),
            ("clause", source.clause.as_ref()),
        ] {
            if let Some(name) = text.and_then(|t| file_name_in(t)) {
                out.push(
                    warning("L013", format!("the {what} of source `{id}` names the file `{name}`"))
                        .at(&own.manifest, source.pos)
                        .help("cite the document people can obtain (its title, issuer, date and paragraph), not a file of the pack or of its research"),
                );
            }
        }
    }
    if let Some(to) = own.valid_to {
        for rule in &pack.rules {
            if let Some(first) = rule.in_force_from()
                && first > to
            {
                out.push(
                    warning(
                        "L012",
                        format!(
                            "rule `{}` never runs while the pack is valid: its first source is dated {first}, after the pack's valid_to ({to})",
                            rule.id
                        ),
                    )
                    .at(&own.manifest, crate::json::Pos::new(1, 1))
                    .help(format!("disable it in this version (`[rules.\"{}\"] disabled = true`), saying why", rule.id)),
                );
            }
        }
    }
    let Some(from) = own.valid_from else {
        return;
    };
    let overridden: BTreeSet<&str> = own
        .settings
        .iter()
        .filter(|e| e.settings.policy.is_some())
        .map(|e| e.rule.as_str())
        .collect();
    for rule in &pack.rules {
        let its_own = rule.pack == own.id || overridden.contains(rule.id.as_str());
        if let Some(first) = rule.in_force_from()
            && its_own
            && first > from
        {
            out.push(
                warning(
                    "L012",
                    format!(
                        "rule `{}` applies only from {first}, when its first source is dated, but the pack is valid from {from}",
                        rule.id
                    ),
                )
                .at(&own.manifest, crate::json::Pos::new(1, 1))
                .help("set `valid_from` to the date the policy was adopted, or check the source's date"),
            );
        }
    }
}

/// A file name in a text (`domain.md`, `rules/kh/pack.toml`): documents requesters do not have.
fn file_name_in(text: &str) -> Option<String> {
    text.split(|c: char| {
        c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';' | ':' | '"' | '\'' | '`')
    })
    .map(|w| w.trim_end_matches(['.', ',']))
    .find(|w| {
        w.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty()
                && stem
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-/".contains(&b))
                && ["md", "rhai", "toml", "json", "jsonl", "rs"].contains(&ext)
        })
    })
    .map(str::to_string)
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
        .map(|o| match rule.outcome_override {
            Some(target) if *o != Outcome::Note => target,
            _ => *o,
        })
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

/// The functions each pack's `lib/` modules define: pack id → module name → function names.
fn lib_functions(
    engine: &Engine,
    source: &PackSource,
) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut out: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for layer in &source.layers {
        for lib in &layer.libs {
            let Some(name) = lib.module_name() else {
                continue;
            };
            let functions = engine
                .compile(&lib.text)
                .map(|ast| ast.iter_functions().map(|f| f.name.to_string()).collect())
                .unwrap_or_default();
            out.entry(layer.id.clone())
                .or_default()
                .insert(name.to_string(), functions);
        }
    }
    out
}

struct RuleLint<'a> {
    rule: &'a CompiledRule,
    known: &'a BTreeSet<String>,
    libs: Option<&'a BTreeMap<String, BTreeSet<String>>>,
    params: &'a BTreeSet<String>,
    data: &'a BTreeSet<String>,
    aliases: BTreeMap<String, Vec<Step>>,
    imports: BTreeMap<String, String>,
    strings: BTreeSet<String>,
    params_read: &'a mut BTreeSet<String>,
    data_read: &'a mut BTreeSet<String>,
    records: bool,
    calls_lib: bool,
    out: &'a mut Vec<Diagnostic>,
    /// Request paths the rule reads that exist in the schema (`origin.tor.drafted_by`).
    reads: BTreeSet<String>,
    /// Outcomes the rule can record (before pack overrides).
    outcomes: BTreeSet<Outcome>,
    /// Data tables this rule reads.
    tables_read: BTreeSet<String>,
}

/// What the pack defines, for one rule's lint.
struct Defined<'a> {
    known: &'a BTreeSet<String>,
    libs: Option<&'a BTreeMap<String, BTreeSet<String>>>,
    params: &'a BTreeSet<String>,
    data: &'a BTreeSet<String>,
}

impl<'a> RuleLint<'a> {
    fn new(
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
            imports: BTreeMap::new(),
            strings: BTreeSet::new(),
            params_read,
            data_read,
            records: false,
            calls_lib: false,
            out,
            reads: BTreeSet::new(),
            outcomes: BTreeSet::new(),
            tables_read: BTreeSet::new(),
        }
    }
}

impl RuleLint<'_> {
    /// Whether the rule can record revise or reject once pack overrides apply (a rule that
    /// records through a lib/ function is assumed to be able to).
    fn decides(&self) -> bool {
        let recorded =
            self.outcomes.iter().any(|o| *o != Outcome::Note) || (self.calls_lib && !self.records);
        recorded && self.rule.outcome_override != Some(Outcome::Note)
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

    fn run(&mut self) {
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
        // Second pass, in source order: the latest binding of a name is the one in scope.
        let mut chains = Vec::new();
        let mut calls = Vec::new();
        ast.walk(&mut |path: &[ASTNode]| {
            match path.last() {
                Some(ASTNode::Stmt(Stmt::Var(x, _, _))) => match self.root_of(&x.1) {
                    Some(Root::Request(steps)) => {
                        self.aliases.insert(x.0.name.to_string(), steps);
                    }
                    _ => {
                        self.aliases.remove(x.0.name.as_str());
                    }
                },
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
        let script_functions: BTreeSet<String> =
            ast.iter_functions().map(|f| f.name.to_string()).collect();
        for (call, p) in &calls {
            self.check_call(call, *p, &script_functions);
        }
        if !self.records && !self.calls_lib {
            let d = warning(
                "L006",
                format!("rule `{}` can never record a finding", self.rule.id),
            )
            .help("call reject(…), revise(…) or note(…) where the rule finds something");
            self.out.push(self.at(d, Position::new(1, 1)));
        }
        if self.rule.policy.is_none() && !self.rule.cites_nothing {
            let d = warning("L007", format!("rule `{}` cites no policy", self.rule.id))
                .help("add `//! policy: <the clause this rule enforces>` so findings say which policy asks for the change");
            self.out.push(self.at(d, Position::new(1, 1)));
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
            "request" => Some(Root::Request(steps)),
            "params" => Some(Root::Params),
            "data" => Some(Root::Data),
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
        match v.1.as_str() {
            "params" | "data" => {
                let is_params = v.1.as_str() == "params";
                let Some(Step::Field(name, p) | Step::Key(name, p)) = steps.first().cloned() else {
                    return;
                };
                let (defined, read, what) = if is_params {
                    (self.params, &mut *self.params_read, "param")
                } else {
                    (self.data, &mut *self.data_read, "data table")
                };
                read.insert(name.clone());
                if !is_params {
                    self.tables_read.insert(name.clone());
                }
                if !defined.contains(&name) && !self.strings.contains(&name) {
                    let help = match did_you_mean(&name, defined.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None if is_params => "define it under [params] in pack.toml, or test it first: `\"NAME\" in params`".into(),
                        None => "add data/NAME.json to the pack, or test it first: `\"NAME\" in data`".into(),
                    };
                    let d =
                        Diagnostic::error("L002", format!("the pack defines no {what} `{name}`"))
                            .help(help);
                    self.out.push(self.at(d, p));
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

    fn check_request_path(&mut self, steps: &[Step]) {
        let mut shape: &'static Shape = &schema::REQUEST;
        let mut path = String::from("request");
        for step in steps {
            if path != "request" {
                self.reads
                    .insert(path.trim_start_matches("request.").to_string());
            }
            match (shape, step) {
                (Shape::FreeObject, _) | (_, Step::Method | Step::Other) => return,
                (Shape::Object(fields), Step::Field(name, p) | Step::Key(name, p)) => match fields
                    .iter()
                    .find(|f| f.name == name)
                {
                    Some(field) => {
                        shape = field.shape;
                        path = format!("{path}.{name}");
                    }
                    None => {
                        let help = match did_you_mean(name, fields.iter().map(|f| f.name)) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!(
                                "the fields of `{path}` are: {}",
                                fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                            ),
                        };
                        let d =
                            Diagnostic::error("L001", format!("`{path}` has no field `{name}`"))
                                .help(help);
                        let d = self.at(d, *p);
                        self.out.push(d);
                        return;
                    }
                },
                (Shape::Object(_), Step::Item) => return,
                (Shape::List(inner), Step::Item | Step::Key(..)) => {
                    shape = inner;
                    path.push_str("[]");
                }
                (_, Step::Field(name, _)) if BUILT_IN_PROPERTIES.contains(&name.as_str()) => break,
                (Shape::List(_), Step::Field(name, p)) => {
                    let d = Diagnostic::error("L001", format!("`{path}` is a list: it has no field `{name}`"))
                        .help(format!("loop over it (`for x in {path} {{ x.{name} }}`) or pick an item (`{path}[0].{name}`)"));
                    let d = self.at(d, *p);
                    self.out.push(d);
                    return;
                }
                (_, Step::Field(name, p)) => {
                    let d = Diagnostic::error(
                        "L001",
                        format!("`{path}` is a single value: it has no field `{name}`"),
                    );
                    let d = self.at(d, *p);
                    self.out.push(d);
                    return;
                }
                _ => return,
            }
        }
        if path != "request" {
            self.reads
                .insert(path.trim_start_matches("request.").to_string());
        }
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
                    "L004",
                    format!("lib/{module}.rhai has no function `{name}`"),
                )
                .help(help);
                let d = self.at(d, p);
                self.out.push(d);
            }
            return;
        }
        if let Some(outcome) = Outcome::parse(name) {
            self.outcomes.insert(outcome);
            self.records = true;
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
            "L004",
            format!("no function `{name}` in the rule API, Rhai or this pack"),
        )
        .help(help);
        let d = self.at(d, p);
        self.out.push(d);
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
            let d = warning("L010", format!("the message names the request field `{path}` by its path"))
                .help("name the field in words (\"the terms of reference\", \"counterpart 1's salary supplement\"); the finding's second argument records the path, and the decision note shows it in words");
            let d = self.at(d, p);
            self.out.push(d);
        }
        if let Some(name) = file_name_in(&text) {
            let d = warning("L013", format!("the message names the file `{name}`"))
                .help("requesters have none of the pack's files or research notes: say what to change in plain words");
            let d = self.at(d, p);
            self.out.push(d);
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
            let d = warning("L005", format!("the finding's field `{text}` is not a path of the request"))
                .help("field paths name request fields, like \"origin.tor.drafted_by\" or \"personnel[0].months\"");
            let d = self.at(d, p);
            self.out.push(d);
        }
    }
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
        Expr::MethodCall(..) => out.push(Step::Method),
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
