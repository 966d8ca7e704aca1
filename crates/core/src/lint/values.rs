//! Lints about the kinds of values a rule compares and uses, from what the schema says of each
//! request field and what the manifest gives each param:
//!
//! | code | severity | finds |
//! |---|---|---|
//! | L030 | error | a comparison of a number with text where both sides are known (`request.personnel[0].months > "24"`, a param written `"24"` compared with a number field) |
//! | L031 | warning | a method, arithmetic or a date helper used on an optional field that the rule never tests (`request.requester.name.len()`) |
//!
//! Kinds are known for literals, `as_of`, request fields (through `let` aliases and `for`
//! loops over request lists, as in [`crate::lint::walk`]) and `params`. A field counts as tested
//! when it appears anywhere in a condition of the rule (an `if`, either side of `&&` or `||`,
//! the left of `??`, an argument of `is_blank`, `is_date` or `type_of`): the lint may be
//! silent, never wrong. Only scalars can be missing: absent lists are `[]` and absent objects
//! are present with every field `()`.

use std::collections::{BTreeMap, BTreeSet};

use rhai::{ASTNode, Expr, Position, Stmt};

use crate::diagnostics::codes::Code;
use crate::diagnostics::diagnostic::Diagnostic;
use crate::engine::rhai_error::pos;
use crate::engine::value::Value;
use crate::pack::compile::{CompiledPack, CompiledRule};
use crate::pack::resolved::ResolvedPack;
use crate::request::schema::{self, Shape};

/// The operators that compare two values.
const COMPARISONS: [&str; 6] = ["==", "!=", ">", ">=", "<", "<="];

/// Methods that work on `()` as on any value.
const ANY_VALUE_METHODS: [&str; 4] = ["type_of", "to_string", "to_debug", "is_shared"];

/// Functions of the API that fail on `()` where they need a date.
const DATE_HELPERS: [&str; 3] = ["days_between", "months_between", "add_months"];

/// Functions whose arguments a rule tests rather than uses.
const TESTS: [&str; 4] = ["is_blank", "is_date", "type_of", "get"];

/// What kind of value an expression has, when the linter can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Number,
    Text,
}

impl Kind {
    fn words(self) -> &'static str {
        match self {
            Kind::Number => "a number",
            Kind::Text => "text",
        }
    }
}

/// What a name or chain stands for.
#[derive(Clone, Debug, PartialEq)]
enum Known {
    /// A request path, in the schema's form (`personnel[].months`).
    Request(String),
    /// A value of a known kind (a literal, `as_of`, a param).
    Value(Kind, Origin),
}

/// Where a value of a known kind comes from, for the help line.
#[derive(Clone, Debug, PartialEq)]
enum Origin {
    Literal,
    Param(String),
    Other,
}

/// Lint every rule of `pack` for L030 and L031, adding to `out`.
pub(crate) fn lint(pack: &CompiledPack, resolved: &ResolvedPack, out: &mut Vec<Diagnostic>) {
    let mut params: BTreeMap<String, Kind> = BTreeMap::new();
    for layer in &resolved.layers {
        for (name, value) in &layer.params {
            match value {
                Value::Int(_) | Value::Decimal(_) => params.insert(name.clone(), Kind::Number),
                Value::Str(_) => params.insert(name.clone(), Kind::Text),
                _ => params.remove(name),
            };
        }
    }
    for rule in &pack.rules {
        let mut lint = RuleValues {
            rule,
            params: &params,
            aliases: BTreeMap::new(),
            tested: BTreeSet::new(),
            uses: Vec::new(),
            found: Vec::new(),
        };
        lint.run();
        for d in lint.found {
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
}

struct RuleValues<'a> {
    rule: &'a CompiledRule,
    params: &'a BTreeMap<String, Kind>,
    /// Variables bound once to a request path or a value of known kind.
    aliases: BTreeMap<String, Known>,
    /// Request paths that appear in a condition somewhere in the rule.
    tested: BTreeSet<String>,
    /// Uses of optional fields (L031), kept until every condition is known.
    uses: Vec<(String, Diagnostic)>,
    found: Vec<Diagnostic>,
}

impl RuleValues<'_> {
    fn run(&mut self) {
        let ast = self.rule.ast.clone_statements_only();
        let mut reassigned = BTreeSet::new();
        ast.walk(&mut |path: &[ASTNode]| {
            if let Some(ASTNode::Stmt(Stmt::Assignment(x))) = path.last()
                && let Expr::Variable(v, _, _) = &x.1.lhs
            {
                reassigned.insert(v.1.to_string());
            }
            true
        });
        // One pass in source order, so that each name means what it is bound to there; uses of
        // optional fields are judged at the end, once every condition of the rule is known.
        ast.walk(&mut |path: &[ASTNode]| {
            match path.last() {
                Some(ASTNode::Stmt(Stmt::Var(x, _, _))) => {
                    let name = x.0.name.to_string();
                    match self.known(&x.1) {
                        Some(known) if !reassigned.contains(&name) => {
                            self.aliases.insert(name, known);
                        }
                        _ => {
                            self.aliases.remove(&name);
                        }
                    }
                }
                Some(ASTNode::Stmt(Stmt::For(x, _))) => {
                    let name = x.0.name.to_string();
                    match self.known(&x.2.expr) {
                        Some(Known::Request(list)) => {
                            self.aliases
                                .insert(name, Known::Request(format!("{list}[]")));
                        }
                        _ => {
                            self.aliases.remove(&name);
                        }
                    }
                }
                Some(ASTNode::Stmt(Stmt::If(x, _) | Stmt::While(x, _))) => {
                    self.collect_tested(&x.expr);
                }
                Some(ASTNode::Expr(Expr::And(x, _) | Expr::Or(x, _))) => {
                    for operand in x.iter() {
                        self.collect_tested(operand);
                    }
                }
                Some(ASTNode::Expr(Expr::Coalesce(x, _))) => {
                    if let Some(first) = x.first() {
                        self.collect_tested(first);
                    }
                }
                Some(ASTNode::Expr(Expr::FnCall(f, p)))
                | Some(ASTNode::Stmt(Stmt::FnCall(f, p))) => {
                    if TESTS.contains(&f.name.as_str()) && f.namespace.is_empty() {
                        for arg in f.args.iter() {
                            self.collect_tested(arg);
                        }
                    }
                    self.call(f, *p);
                }
                Some(ASTNode::Expr(e @ Expr::Dot(..))) => {
                    if let Expr::Variable(..) = left_most(e) {
                        self.methods_in_chain(e);
                    }
                }
                _ => {}
            }
            true
        });
        for (path, d) in std::mem::take(&mut self.uses) {
            if !self.tested.contains(&path) && !self.found.contains(&d) {
                self.found.push(d);
            }
        }
    }

    /// Every request path inside `expr` (at any depth) counts as tested.
    fn collect_tested(&mut self, expr: &Expr) {
        let mut paths = Vec::new();
        expr.walk(&mut Vec::new(), &mut |path: &[ASTNode]| {
            if let Some(ASTNode::Expr(e)) = path.last()
                && let Some(Known::Request(p)) = self.known(e)
            {
                paths.push(p);
            }
            true
        });
        self.tested.extend(paths);
    }

    /// What `expr` stands for, when it is a literal, `as_of`, a param, a request chain of
    /// fields and items, or an alias of one.
    fn known(&self, expr: &Expr) -> Option<Known> {
        match expr {
            Expr::IntegerConstant(..) => Some(Known::Value(Kind::Number, Origin::Literal)),
            Expr::DynamicConstant(d, _) if d.is_decimal() => {
                Some(Known::Value(Kind::Number, Origin::Literal))
            }
            Expr::StringConstant(..) => Some(Known::Value(Kind::Text, Origin::Literal)),
            Expr::InterpolatedString(..) => Some(Known::Value(Kind::Text, Origin::Other)),
            Expr::Variable(v, _, _) => match v.1.as_str() {
                "as_of" => Some(Known::Value(Kind::Text, Origin::Other)),
                "request" => Some(Known::Request(String::new())),
                name => self.aliases.get(name).cloned(),
            },
            Expr::Dot(..) | Expr::Index(..) => {
                let Expr::Variable(v, _, _) = left_most(expr) else {
                    return None;
                };
                let mut steps = Vec::new();
                if !steps_of(expr, &mut steps) {
                    return None;
                }
                match v.1.as_str() {
                    "params" => match steps.as_slice() {
                        [Step::Field(name)] => self
                            .params
                            .get(name)
                            .map(|k| Known::Value(*k, Origin::Param(name.clone()))),
                        _ => None,
                    },
                    name => {
                        let base = match name {
                            "request" => String::new(),
                            alias => match self.aliases.get(alias)? {
                                Known::Request(path) => path.clone(),
                                Known::Value(..) => return None,
                            },
                        };
                        Some(Known::Request(extend(base, &steps)))
                    }
                }
            }
            _ => None,
        }
    }

    /// The kind of `expr`'s value, with where it comes from.
    fn kind(&self, expr: &Expr) -> Option<(Kind, Origin)> {
        match self.known(expr)? {
            Known::Value(kind, origin) => Some((kind, origin)),
            Known::Request(path) => {
                let kind = match schema::field(&path)?.1.shape {
                    Shape::NonNegative | Shape::Percent => Kind::Number,
                    Shape::Text
                    | Shape::NonBlankText
                    | Shape::Id { .. }
                    | Shape::Date
                    | Shape::Enum(_)
                    | Shape::Code(_)
                    | Shape::SchemaName => Kind::Text,
                    _ => return None,
                };
                Some((kind, Origin::Other))
            }
        }
    }

    /// A request path that a request may leave out (`None` for lists, objects, required
    /// fields and anything not a request path).
    fn optional_scalar(&self, expr: &Expr) -> Option<String> {
        let Known::Request(path) = self.known(expr)? else {
            return None;
        };
        let (_, field) = schema::field(&path)?;
        let scalar = !matches!(
            field.shape,
            Shape::List(_) | Shape::Object(_) | Shape::FreeObject
        );
        (scalar && !field.required).then_some(path)
    }

    fn call(&mut self, f: &rhai::FnCallExpr, p: Position) {
        let name = f.name.as_str();
        if f.op_token.is_some() && f.args.len() == 2 {
            if COMPARISONS.contains(&name) {
                self.comparison(name, &f.args[0], &f.args[1], p);
            } else if ["-", "*", "/", "%", "+"].contains(&name) {
                for arg in f.args.iter() {
                    let number = matches!(self.kind(arg), Some((Kind::Number, _)));
                    if (name != "+" || number)
                        && let Some(path) = self.optional_scalar(arg)
                    {
                        self.unguarded(arg, &path, &format!("`{name}`"), p);
                    }
                }
            }
        } else if DATE_HELPERS.contains(&name) && f.namespace.is_empty() {
            for arg in f.args.iter() {
                if let Some(path) = self.optional_scalar(arg) {
                    self.unguarded(arg, &path, &format!("`{name}`"), p);
                }
            }
        }
    }

    /// L030: `a OP b` with one side a number and the other text.
    fn comparison(&mut self, op: &str, a: &Expr, b: &Expr, p: Position) {
        let (Some((ka, oa)), Some((kb, ob))) = (self.kind(a), self.kind(b)) else {
            return;
        };
        if ka == kb {
            return;
        }
        let (ta, tb) = (
            crate::engine::expr_at::text(a),
            crate::engine::expr_at::text(b),
        );
        let (text, text_origin) = if ka == Kind::Text {
            (&ta, &oa)
        } else {
            (&tb, &ob)
        };
        let help = match text_origin {
            Origin::Literal => format!(
                "write the number without quotes: `{}`",
                text.trim_matches('"')
            ),
            Origin::Param(name) => format!(
                "`{name}` is text in the manifest: write its value without quotes under [params] in pack.toml"
            ),
            Origin::Other => {
                "compare values of the same kind: a number with a number, text with text".into()
            }
        };
        let never = if op == "!=" {
            "always true"
        } else {
            "never true"
        };
        let d = Diagnostic::error(
            Code::L030,
            format!(
                "`{ta} {op} {tb}` compares {} with {}: `{ta}` is {}, `{tb}` is {}, so it is {never}",
                ka.words(),
                kb.words(),
                ka.words(),
                kb.words()
            ),
        )
        .help(help);
        self.report(d, p);
    }

    /// L031 for every method called on an optional field in the chain `e`.
    fn methods_in_chain(&mut self, e: &Expr) {
        let Expr::Dot(b, _, _) = e else {
            return;
        };
        // `receiver.method(…)` as the last link, or a method inside the chain's rest.
        let mut receiver = b.lhs.clone();
        let mut rest = &b.rhs;
        loop {
            let (link, next) = match rest {
                Expr::Dot(x, _, _) => (&x.lhs, Some(&x.rhs)),
                other => (other, None),
            };
            if let Expr::MethodCall(call, p) = link
                && !ANY_VALUE_METHODS.contains(&call.name.as_str())
            {
                if let Some(path) = self.optional_scalar(&receiver) {
                    self.unguarded(&receiver, &path, &format!("`{}`", call.name), *p);
                }
                return;
            }
            let Some(next) = next else {
                return;
            };
            receiver = Expr::Dot(
                Box::new(rhai::BinaryExpr {
                    lhs: receiver,
                    rhs: link.clone(),
                }),
                rhai::ASTFlags::NONE,
                Position::NONE,
            );
            rest = next;
        }
    }

    fn unguarded(&mut self, value: &Expr, path: &str, what: &str, p: Position) {
        let text = crate::engine::expr_at::text(value);
        let d = Diagnostic::warning(
            Code::L031,
            format!(
                "`{text}` may be left out of a request (`{path}` is optional), and {what} cannot use a value that is not stated; the rule then fails and the request gets no decision"
            ),
        )
        .help(format!(
            "test it first (`if {text} != () {{ … }}`) or give a default (`{text} ?? …`); only id, country, title and received are always stated"
        ));
        let d = self.place(d, p);
        self.uses.push((path.to_string(), d));
    }

    fn place(&self, d: Diagnostic, p: Position) -> Diagnostic {
        let p = pos(p);
        let at = if p.is_known() {
            p
        } else {
            crate::json::Pos::new(1, 1)
        };
        d.at(&self.rule.display, at)
    }

    fn report(&mut self, d: Diagnostic, p: Position) {
        let d = self.place(d, p);
        if !self.found.contains(&d) {
            self.found.push(d);
        }
    }
}

#[derive(Debug)]
enum Step {
    Field(String),
    Item,
}

/// The fields and items of a chain after its variable; false if it has anything else (a
/// method call, a computed key).
fn steps_of(expr: &Expr, out: &mut Vec<Step>) -> bool {
    match expr {
        Expr::Variable(..) => true,
        Expr::Property(x, _) => {
            out.push(Step::Field(x.2.to_string()));
            true
        }
        Expr::Dot(b, _, _) => steps_of(&b.lhs, out) && steps_of(&b.rhs, out),
        Expr::Index(b, _, _) => {
            if !steps_of(&b.lhs, out) {
                return false;
            }
            match &b.rhs {
                Expr::Dot(c, _, _) | Expr::Index(c, _, _) => {
                    index(&c.lhs, out) && steps_of(&c.rhs, out)
                }
                other => index(other, out),
            }
        }
        _ => false,
    }
}

fn index(expr: &Expr, out: &mut Vec<Step>) -> bool {
    match expr {
        Expr::StringConstant(s, _) => out.push(Step::Field(s.to_string())),
        _ => out.push(Step::Item),
    }
    true
}

/// `base` followed by `steps`, in the schema's form (`personnel[].months`).
fn extend(mut base: String, steps: &[Step]) -> String {
    for step in steps {
        match step {
            Step::Field(name) => {
                if !base.is_empty() {
                    base.push('.');
                }
                base.push_str(name);
            }
            Step::Item => base.push_str("[]"),
        }
    }
    base
}

fn left_most(expr: &Expr) -> &Expr {
    match expr {
        Expr::Dot(b, _, _) | Expr::Index(b, _, _) => left_most(&b.lhs),
        e => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sandbox_limits::EngineLimits;
    use crate::pack::resolved::{PackFile, PackLayer};

    /// The L030 and L031 problems of a pack with one rule whose body is `body` and the params
    /// `params`, as `LINE:COLUMN CODE message`.
    fn found(body: &str, params: &[(&str, Value)]) -> Vec<String> {
        let resolved = ResolvedPack::for_test(vec![PackLayer {
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            ..PackLayer::for_test(vec![PackFile {
                path: "rules/A.rhai".into(),
                display: "A.rhai".into(),
                text: format!(
                    "//! title: A\n//! criterion: exit\n//! policy: p\n{body}\nnote(\"n\");\n"
                ),
            }])
        }]);
        let pack = CompiledPack::compile(&resolved, &EngineLimits::default())
            .unwrap_or_else(|e| panic!("{e:?}"));
        let mut out = Vec::new();
        lint(&pack, &resolved, &mut out);
        out.into_iter()
            .map(|d| format!("{}:{} {} {}", d.pos.line, d.pos.column, d.code, d.message))
            .collect()
    }

    #[test]
    fn a_number_compared_with_text_is_an_error_where_both_sides_are_known() {
        let text = |s: &str| Value::Str(s.into());
        // The cases: a quoted literal, and a param written in quotes.
        let f = found(
            "if request.personnel[0].months > \"24\" { note(\"x\"); }",
            &[],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].starts_with(
                "4:32 L030 `request.personnel[0].months > \"24\"` compares a number with text"
            ),
            "{f:?}"
        );
        let f = found(
            "for p in request.personnel { if p.months >= params.max_months { note(\"x\"); } }",
            &[("max_months", text("24"))],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].contains("L030 `p.months >= params.max_months`"),
            "{f:?}"
        );
        // Through an alias, either way round, and with `==`.
        let f = found("let t = request.title;\nif 3 == t { note(\"x\"); }", &[]);
        assert!(
            f[0].contains("`3 == t` compares a number with text"),
            "{f:?}"
        );
        // Same kinds, unknown kinds: nothing.
        assert!(
            found(
                "let m = request.finance.total;\nif m > 3 || request.title == \"x\" || as_of > \"2020-01-01\" || params.n > 2 || params.s == request.country || m > params.unknown_kind { note(\"x\"); }",
                &[("n", Value::Int(1)), ("s", text("KH")), ("unknown_kind", Value::Bool(true))],
            )
            .is_empty()
        );
    }

    #[test]
    fn an_optional_field_used_without_a_test_is_a_warning() {
        let f = found("let n = request.requester.name.len();", &[]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].starts_with("4:32 L031 `request.requester.name` may be left out of a request"),
            "{f:?}"
        );
        let f = found(
            "for p in request.personnel { let x = p.cost / 12; }\nlet d = days_between(request.schedule.start, as_of);",
            &[],
        );
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].contains("`p.cost` may be left out"), "{f:?}");
        assert!(
            f[1].contains("`request.schedule.start` may be left out"),
            "{f:?}"
        );
        // Tested somewhere, given a default, a list, a required field: nothing.
        for body in [
            "if request.requester.name != () { let n = request.requester.name.len(); }",
            "let n = request.requester.name;\nif !is_blank(n) && n.len() > 3 { note(\"x\"); }",
            "let n = (request.requester.name ?? \"\").len();",
            "let k = request.personnel.len() + request.title.len();",
            "for p in request.personnel { if p.cost == () { continue; } let x = p.cost / 12; }",
        ] {
            assert!(
                found(body, &[]).is_empty(),
                "{body}: {:?}",
                found(body, &[])
            );
        }
    }
}
