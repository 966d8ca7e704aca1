//! Which expression of a rule a runtime error points at, written back as text.
//!
//! Rhai's runtime errors carry a position but speak in engine terms (`no function to_upper
//! (())`). To say "`request.requester.name` is not stated" instead, [`find`] looks the position
//! up in the rule's AST: the link of a chain (`.field`, `[index]`, `.method()`) with the chain
//! before it, an operator or function call with its arguments, or a whole expression (the
//! condition of an `if`, what a `for` loops over). [`text`] writes an expression back in Rhai
//! syntax, shortened when long.

use rhai::{AST, ASTFlags, ASTNode, Expr, Position, Stmt};

/// What kind of expression an error points at; each kind of error looks for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Want {
    /// A method call (`x.to_upper()`) or a call of a function or operator (`a * b`, `f(x)`).
    Call,
    /// An index (`list[3]`): Rhai points at the `[` or at the index.
    Index,
    /// A property (`x.first`).
    Property,
    /// A whole expression, such as a condition.
    Expression,
    /// What a `for` loop iterates over.
    Iterable,
}

/// An expression found at an error's position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// A method call: the receiver's text, the method's name, the arguments' texts.
    Method {
        receiver: String,
        name: String,
        args: Vec<String>,
    },
    /// A function or operator call: its name, the arguments' texts.
    Call { name: String, args: Vec<String> },
    /// An index: the indexed value's text and the index's text.
    Index { receiver: String, index: String },
    /// A property: the value's text and the property's name.
    Property { receiver: String, name: String },
    /// A whole expression.
    Expression(String),
}

/// Longest text shown for one expression.
const MAX_TEXT: usize = 60;

/// The expression of `want`'s kind at `pos` in `ast` (its own code and its functions').
pub(crate) fn find(ast: &AST, pos: Position, want: Want) -> Option<Found> {
    if pos.is_none() {
        return None;
    }
    let mut found = None;
    ast.walk(&mut |path: &[ASTNode]| {
        if found.is_some() {
            return false;
        }
        found = match path.last() {
            Some(ASTNode::Stmt(Stmt::For(x, _))) if want == Want::Iterable => {
                let iterable = &x.2.expr;
                (iterable.position() == pos || left_most(iterable).position() == pos)
                    .then(|| Found::Expression(text(iterable)))
            }
            Some(ASTNode::Expr(e)) => {
                let in_chain = matches!(
                    path.len().checked_sub(2).map(|i| &path[i]),
                    Some(ASTNode::Expr(Expr::Dot(..) | Expr::Index(..)))
                );
                match e {
                    Expr::Dot(..) | Expr::Index(..) if !in_chain && want != Want::Expression => {
                        in_chain_at(e, pos, want)
                    }
                    Expr::FnCall(call, at) if *at == pos && want == Want::Call => {
                        Some(Found::Call {
                            name: qualified(call),
                            args: call.args.iter().map(text).collect(),
                        })
                    }
                    e if want == Want::Expression && e.position() == pos => {
                        Some(Found::Expression(text(e)))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        true
    });
    found
}

/// One link of a chain, and where Rhai may point at it.
enum Link<'a> {
    Start(&'a Expr),
    Property(&'a str, Position),
    Method(&'a rhai::FnCallExpr, Position),
    Index(&'a Expr, Position),
}

fn links<'a>(expr: &'a Expr, out: &mut Vec<Link<'a>>) {
    match expr {
        Expr::Dot(b, _, _) => {
            links(&b.lhs, out);
            links_after(&b.rhs, out);
        }
        Expr::Index(b, flags, at) => {
            links(&b.lhs, out);
            index_links(&b.rhs, *flags, *at, out);
        }
        other => out.push(Link::Start(other)),
    }
}

/// Links to the right of a `.`: properties, method calls, and further links.
fn links_after<'a>(expr: &'a Expr, out: &mut Vec<Link<'a>>) {
    match expr {
        Expr::Property(x, at) => out.push(Link::Property(x.2.as_str(), *at)),
        Expr::MethodCall(call, at) => out.push(Link::Method(call, *at)),
        Expr::Dot(b, _, _) => {
            links_after(&b.lhs, out);
            links_after(&b.rhs, out);
        }
        Expr::Index(b, flags, at) => {
            links_after(&b.lhs, out);
            index_links(&b.rhs, *flags, *at, out);
        }
        other => out.push(Link::Start(other)),
    }
}

/// The right side of an index: the index, then (unless it is the last link) the rest.
fn index_links<'a>(rhs: &'a Expr, flags: ASTFlags, at: Position, out: &mut Vec<Link<'a>>) {
    if flags.contains(ASTFlags::BREAK) {
        out.push(Link::Index(rhs, at));
        return;
    }
    match rhs {
        Expr::Dot(c, _, _) => {
            out.push(Link::Index(&c.lhs, at));
            links_after(&c.rhs, out);
        }
        Expr::Index(c, flags, inner) => {
            out.push(Link::Index(&c.lhs, at));
            index_links(&c.rhs, *flags, *inner, out);
        }
        other => out.push(Link::Index(other, at)),
    }
}

fn link_text(link: &Link<'_>) -> String {
    match link {
        Link::Start(e) => text(e),
        Link::Property(name, _) => format!(".{name}"),
        Link::Method(call, _) => format!(".{}({})", call.name, args_text(&call.args)),
        Link::Index(index, _) => format!("[{}]", text(index)),
    }
}

fn in_chain_at(chain: &Expr, pos: Position, want: Want) -> Option<Found> {
    let mut all = Vec::new();
    links(chain, &mut all);
    let at = all.iter().position(|link| match (link, want) {
        (Link::Property(_, at), Want::Property) | (Link::Method(_, at), Want::Call) => *at == pos,
        (Link::Index(index, at), Want::Index) => *at == pos || index.position() == pos,
        _ => false,
    })?;
    let receiver = shorten(all[..at].iter().map(link_text).collect());
    Some(match &all[at] {
        Link::Property(name, _) => Found::Property {
            receiver,
            name: name.to_string(),
        },
        Link::Method(call, _) => Found::Method {
            receiver,
            name: call.name.to_string(),
            args: call.args.iter().map(text).collect(),
        },
        Link::Index(index, _) => Found::Index {
            receiver,
            index: text(index),
        },
        Link::Start(_) => return None,
    })
}

fn left_most(expr: &Expr) -> &Expr {
    match expr {
        Expr::Dot(b, _, _) | Expr::Index(b, _, _) => left_most(&b.lhs),
        e => e,
    }
}

fn qualified(call: &rhai::FnCallExpr) -> String {
    if call.namespace.is_empty() {
        call.name.to_string()
    } else {
        format!("{}::{}", call.namespace, call.name)
    }
}

fn args_text(args: &[Expr]) -> String {
    args.iter().map(text).collect::<Vec<_>>().join(", ")
}

fn shorten(text: String) -> String {
    if text.chars().count() <= MAX_TEXT {
        text
    } else {
        let mut short: String = text.chars().take(MAX_TEXT - 1).collect();
        short.push('…');
        short
    }
}

/// An expression written back in Rhai syntax (shortened when long).
pub(crate) fn text(expr: &Expr) -> String {
    shorten(full_text(expr))
}

fn full_text(expr: &Expr) -> String {
    match expr {
        Expr::Variable(v, _, _) => v.1.to_string(),
        Expr::ThisPtr(_) => "this".into(),
        Expr::Property(x, _) => x.2.to_string(),
        Expr::IntegerConstant(i, _) => i.to_string(),
        Expr::BoolConstant(b, _) => b.to_string(),
        Expr::CharConstant(c, _) => format!("'{c}'"),
        Expr::StringConstant(s, _) => format!("{:?}", s.as_str()),
        Expr::Unit(_) => "()".into(),
        Expr::DynamicConstant(value, _) => {
            if value.is_fnptr() {
                "a closure".into()
            } else {
                value.to_string()
            }
        }
        Expr::InterpolatedString(..) => "`…`".into(),
        Expr::Array(items, _) if items.is_empty() => "[]".into(),
        Expr::Array(..) => "[…]".into(),
        Expr::Map(..) => "#{…}".into(),
        Expr::Dot(..) | Expr::Index(..) => {
            let mut all = Vec::new();
            links(expr, &mut all);
            all.iter().map(link_text).collect()
        }
        Expr::MethodCall(call, _) => format!("{}({})", call.name, args_text(&call.args)),
        Expr::FnCall(call, _) if call.is_operator_call() || is_symbol(&call.name) => {
            match call.args.as_slice() {
                [one] => format!("{}{}", call.name, operand(one)),
                [a, b] => format!("{} {} {}", operand(a), call.name, operand(b)),
                _ => format!("{}({})", call.name, args_text(&call.args)),
            }
        }
        Expr::FnCall(call, _) => format!("{}({})", qualified(call), args_text(&call.args)),
        Expr::And(items, _) => joined(items, " && "),
        Expr::Or(items, _) => joined(items, " || "),
        Expr::Coalesce(items, _) => joined(items, " ?? "),
        _ => "…".into(),
    }
}

fn is_symbol(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| !c.is_alphanumeric() && c != '_' && c != '$')
}

/// An operand, in parentheses if it is itself an operation.
fn operand(expr: &Expr) -> String {
    let inner = full_text(expr);
    match expr {
        Expr::FnCall(call, _) if call.is_operator_call() || is_symbol(&call.name) => {
            format!("({inner})")
        }
        Expr::And(..) | Expr::Or(..) | Expr::Coalesce(..) => format!("({inner})"),
        _ => inner,
    }
}

fn joined(items: &[Expr], separator: &str) -> String {
    items
        .iter()
        .map(operand)
        .collect::<Vec<_>>()
        .join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(script: &str, line: u16, column: u16, want: Want) -> Option<Found> {
        let engine = rhai::Engine::new_raw();
        let ast = engine.compile(script).unwrap();
        find(&ast, Position::new(line, column), want)
    }

    #[test]
    fn finds_the_link_the_call_or_the_expression_at_a_position() {
        let script = "let r = #{a: #{b: [1]}};\nlet n = r.a.b[3].c.to_upper(1, \"x\");\nlet m = r.a * 2;\nif r.a { }\nfor x in r.a.b { }";
        assert_eq!(
            found(script, 2, 20, Want::Call),
            Some(Found::Method {
                receiver: "r.a.b[3].c".into(),
                name: "to_upper".into(),
                args: vec!["1".into(), "\"x\"".into()],
            })
        );
        for column in [14, 15] {
            assert_eq!(
                found(script, 2, column, Want::Index),
                Some(Found::Index {
                    receiver: "r.a.b".into(),
                    index: "3".into()
                }),
                "column {column}"
            );
        }
        assert_eq!(
            found(script, 2, 18, Want::Property),
            Some(Found::Property {
                receiver: "r.a.b[3]".into(),
                name: "c".into()
            })
        );
        assert_eq!(
            found(script, 3, 13, Want::Call),
            Some(Found::Call {
                name: "*".into(),
                args: vec!["r.a".into(), "2".into()]
            })
        );
        assert_eq!(
            found(script, 4, 5, Want::Expression),
            Some(Found::Expression("r.a".into()))
        );
        assert_eq!(
            found(script, 5, 10, Want::Iterable),
            Some(Found::Expression("r.a.b".into()))
        );
        assert_eq!(found(script, 3, 13, Want::Index), None);
    }

    #[test]
    fn long_texts_are_shortened() {
        let long = format!("let x = #{{}};\nlet y = x.{};", "a".repeat(100));
        let Some(Found::Expression(text)) = found(&long, 2, 10, Want::Expression) else {
            panic!("not found");
        };
        assert_eq!(text.chars().count(), MAX_TEXT);
        assert!(text.ends_with('…'));
    }
}
