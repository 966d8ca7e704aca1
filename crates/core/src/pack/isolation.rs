//! Which rules could change the globals they share (`request`, `params`, `data`, `as_of`), found
//! by walking each rule's AST once when the pack is compiled.
//!
//! Rules run one after another on one scope, with the globals pushed as constants. Rhai 1.27
//! marks a constant read-only all the way down, and refuses every native method that would
//! change a read-only value (`push`, `remove`, `trim`…), at any depth. What it lets through are
//! assignments whose target it creates or reaches inside a value: a new key of a map inside a
//! constant (`request.extensions["x"] = 1`), a character of a string (`request.title[0] = 'X'`),
//! a bit of an integer (`params.limit[0] = true`), and the same through `this` in a function
//! called as a method. So a rule can change a global only with an assignment whose left-hand
//! side is not a plain local variable, or through a function pointer (`call`, `Fn`, `curry`),
//! which can bind `this`. Functions of `lib/` modules are reached only by qualified calls
//! (`m::f(x)`), which pass their arguments by value and cannot be method calls.
//!
//! The screening loop checks the globals after every rule this finds (and once more after the
//! last rule, for anything it could have missed): a rule that changed them, even one that a
//! later rule changes back, never lets another rule decide on the changed value.

use rhai::{AST, ASTNode, Expr, Stmt};

use crate::engine::authors_api::GLOBALS;

/// Whether the rule compiled into `ast` might change a global (see the module docs).
pub(crate) fn may_change_globals(ast: &AST) -> bool {
    let mut found = false;
    ast.walk(&mut |path: &[ASTNode]| {
        found = match path.last() {
            Some(ASTNode::Stmt(Stmt::Assignment(x))) => !assigns_to_a_local(&x.1.lhs),
            Some(ASTNode::Expr(Expr::FnCall(f, _) | Expr::MethodCall(f, _)))
            | Some(ASTNode::Stmt(Stmt::FnCall(f, _))) => {
                matches!(f.name.as_str(), "call" | "curry" | "Fn")
            }
            // `Fn("name")` with a literal name is compiled into a function pointer constant.
            Some(ASTNode::Expr(Expr::DynamicConstant(value, _))) => value.is_fnptr(),
            _ => false,
        };
        !found
    });
    found
}

/// Whether an assignment's target is a plain local variable or a part of one: a variable that
/// is not a global and not qualified by a module. Locals hold copies: no value is shared.
fn assigns_to_a_local(lhs: &Expr) -> bool {
    match left_most(lhs) {
        Expr::Variable(v, _, _) => v.2.is_empty() && !GLOBALS.contains(&v.1.as_str()),
        _ => false,
    }
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

    fn flagged(script: &str) -> bool {
        let engine = rhai::Engine::new_raw();
        let mut scope = rhai::Scope::new();
        for name in GLOBALS {
            scope.push_dynamic(*name, rhai::Dynamic::UNIT);
        }
        let ast = engine
            .compile_with_scope(&scope, script)
            .unwrap_or_else(|e| panic!("{script}: {e}"));
        may_change_globals(&ast)
    }

    #[test]
    fn assignments_into_globals_or_this_are_found_and_local_ones_are_not() {
        for script in [
            "request.title[0] = 'X';",
            "request.extensions[\"x\"] = 1;",
            "request.origin.tor.drafted_by = \"provider\";",
            "params.limit[0] = true;",
            "data.t.k += 1;",
            "request = 1;",
            "fn f() { this.x = 1; } let m = #{}; m.f();",
            "fn g() { this[0] = 'X'; } 1",
            "let f = Fn(\"g\"); fn g() { 1 } 1",
            "let m = #{}; m.call(1);",
        ] {
            assert!(flagged(script), "{script}");
        }
        for script in [
            "let m = #{}; m.x = 1; m[\"y\"] = 2;",
            "let a = [1]; a[0] += 1; a.push(2);",
            "let s = request.title; s[0] = 'X';",
            "let n = 0; for i in 0..3 { n += i; }",
            "fn f(m) { m.x = 1; m } let c = f(request.extensions);",
            "if request.title.len() > 2 && \"x\" in params { note(\"y\"); }",
        ] {
            assert!(!flagged(script), "{script}");
        }
    }
}
