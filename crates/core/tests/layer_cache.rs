//! Each ancestor is compiled once for every pack that extends it (issue 18 item 5): packs
//! compiled with one `LayerCache` compile each shared layer once, and give exactly what a
//! compile of their own gives, with the same isolation between descendants; packs linted with
//! one `LintCache` lint an ancestor's rules once per context, and find what their own lint finds.

use std::collections::BTreeMap;

use tcscreen_core::{
    CompiledPack, Date, Diagnostic, EngineLimits, LayerCache, LintCache, PackFile, PackIdentity,
    PackLayer, RequestLimits, ResolvedPack, ValidRequest, Value, lint,
};

fn file(pack: &str, path: &str, text: &str) -> PackFile {
    PackFile {
        path: path.into(),
        display: format!("rules/{pack}/{path}"),
        text: text.into(),
    }
}

fn rule(pack: &str, name: &str, body: &str) -> PackFile {
    file(
        pack,
        &format!("rules/{name}.rhai"),
        &format!("//! title: {name}\n//! criterion: exit\n{body}\n"),
    )
}

fn layer(id: &str, rules: Vec<PackFile>, libs: Vec<PackFile>, limit: i64) -> PackLayer {
    PackLayer {
        id: id.into(),
        manifest: format!("rules/{id}/pack.toml"),
        rules,
        libs,
        params: BTreeMap::from([("limit".to_string(), Value::Int(limit))]),
        ..PackLayer::default()
    }
}

/// The ancestor: a rule that imports its own `lib/m.rhai`, and one that reads a param that
/// every descendant sets differently.
fn base() -> PackLayer {
    layer(
        "base",
        vec![
            rule(
                "base",
                "B1",
                "import \"m\" as m;\nrevise(`from ${m::who()}`);",
            ),
            rule(
                "base",
                "B2",
                "if params.limit > 1 { revise(`limit ${params.limit}`); }",
            ),
        ],
        vec![file("base", "lib/m.rhai", "fn who() { \"base\" }")],
        2,
    )
}

fn resolved(layers: Vec<PackLayer>) -> ResolvedPack {
    let own = layers.last().map(|l| l.id.clone()).unwrap_or_default();
    ResolvedPack {
        identity: PackIdentity {
            id: own,
            version: "1".into(),
            sha256: "0".into(),
        },
        chain: vec![],
        layers,
    }
}

/// Descendants that each define a `lib/m.rhai` of their own or none, and their own `limit`.
fn leaves() -> Vec<ResolvedPack> {
    let own_lib = |id: &str| {
        layer(
            id,
            vec![rule(id, "L1", "import \"m\" as m;\nnote(m::who());")],
            vec![file(id, "lib/m.rhai", &format!("fn who() {{ \"{id}\" }}"))],
            0,
        )
    };
    vec![
        resolved(vec![base(), own_lib("leaf1")]),
        resolved(vec![
            base(),
            layer(
                "leaf2",
                vec![rule("leaf2", "L2", "note(\"x\");")],
                vec![],
                5,
            ),
        ]),
        resolved(vec![base(), own_lib("leaf3")]),
    ]
}

fn request() -> ValidRequest {
    ValidRequest::from_text(
        r#"{"id": "R", "country": "ZZ", "title": "T", "received": "2025-03-04"}"#,
        &RequestLimits::default(),
    )
    .unwrap()
}

/// What a pack gives: its rules and the findings and errors of a screening.
fn outcome(pack: &CompiledPack) -> (Vec<String>, Vec<String>) {
    let screening = pack
        .screen(&request(), Date::parse("2025-03-04").unwrap())
        .unwrap();
    let rules = pack.rules().iter().map(|r| r.id.clone()).collect();
    let found = screening
        .findings
        .iter()
        .map(|f| format!("{f:?}"))
        .chain(screening.errors.iter().map(|e| format!("{e:?}")))
        .collect();
    (rules, found)
}

fn messages(found: &[String]) -> String {
    found.join("\n")
}

#[test]
fn each_ancestor_is_compiled_once_for_all_the_packs_that_extend_it() {
    let limits = EngineLimits::default();
    let mut cache = LayerCache::new();
    for leaf in leaves() {
        CompiledPack::compile_cached(&leaf, &limits, &mut cache).unwrap();
    }
    // base once, then each leaf's own layer: not base three times.
    assert_eq!(cache.layers_compiled(), 1 + 3);
    // The same packs again: nothing new to compile.
    for leaf in leaves() {
        CompiledPack::compile_cached(&leaf, &limits, &mut cache).unwrap();
    }
    assert_eq!(cache.layers_compiled(), 4);
    // Other limits are another engine: the cache starts again.
    let other = EngineLimits {
        max_operations: limits.max_operations / 2,
        ..limits
    };
    CompiledPack::compile_cached(&leaves()[0], &other, &mut cache).unwrap();
    assert_eq!(cache.layers_compiled(), 6);
}

#[test]
fn a_shared_ancestor_gives_each_descendant_what_its_own_compile_gives() {
    let limits = EngineLimits::default();
    let mut cache = LayerCache::new();
    for leaf in leaves() {
        let shared = outcome(&CompiledPack::compile_cached(&leaf, &limits, &mut cache).unwrap());
        let own = outcome(&CompiledPack::compile(&leaf, &limits).unwrap());
        assert_eq!(shared, own, "{}", leaf.identity.id);
        let found = messages(&shared.1);
        // The ancestor's rule imports the ancestor's module, whatever module of the same name
        // a descendant has; the descendant's rule imports its own.
        assert!(found.contains("from base"), "{found}");
        if leaf.identity.id != "leaf2" {
            assert!(
                found.contains(&format!("\"{}\"", leaf.identity.id)),
                "{found}"
            );
        }
        // The ancestor's rule reads each descendant's params.
        assert_eq!(
            found.contains("limit 5"),
            leaf.identity.id == "leaf2",
            "{found}"
        );
    }
}

#[test]
fn an_ancestors_problems_are_reported_with_every_descendant_as_before() {
    let limits = EngineLimits::default();
    let broken = || {
        let mut base = base();
        base.rules
            .push(rule("base", "B3", "revise(\"unclosed);\nlet = ;"));
        base.libs
            .push(file("base", "lib/bad.rhai", "fn reject() { 1 }"));
        base
    };
    let leaves: Vec<ResolvedPack> = ["leaf1", "leaf2"]
        .iter()
        .map(|id| {
            resolved(vec![
                broken(),
                layer(id, vec![rule(id, "L", "let = ;")], vec![], 0),
            ])
        })
        .collect();
    let mut cache = LayerCache::new();
    for leaf in &leaves {
        let errors = |result: Result<CompiledPack, Vec<Diagnostic>>| match result {
            Ok(_) => panic!("{} compiled", leaf.identity.id),
            Err(errors) => errors,
        };
        let shared = errors(CompiledPack::compile_cached(leaf, &limits, &mut cache));
        let own = errors(CompiledPack::compile(leaf, &limits));
        assert_eq!(shared, own);
        let files: Vec<&str> = shared.iter().filter_map(|d| d.file.as_deref()).collect();
        assert!(files.contains(&"rules/base/rules/B3.rhai"), "{files:?}");
        assert!(files.contains(&"rules/base/lib/bad.rhai"), "{files:?}");
        let own_rule = format!("rules/{}/rules/L.rhai", leaf.identity.id);
        assert!(files.contains(&own_rule.as_str()), "{files:?}");
        // With the source lines shown, as a pack compiled alone shows them.
        assert!(shared.iter().all(|d| d.excerpt.is_some()), "{shared:?}");
    }
    assert_eq!(cache.layers_compiled(), 1 + 2);
}

#[test]
fn an_ancestors_rules_are_linted_once_per_context_and_found_as_before() {
    let limits = EngineLimits::default();
    // A base rule decides on a param only the second leaf defines (with no source for the
    // figure): its lint depends on the pack.
    let packs: Vec<ResolvedPack> = leaves()
        .into_iter()
        .map(|mut leaf| {
            leaf.layers[0].rules.push(rule(
                "base",
                "B4",
                "if params.extra == 1 { revise(\"extra\"); }",
            ));
            if leaf.identity.id == "leaf2" {
                leaf.layers[1].params.insert("extra".into(), Value::Int(1));
            }
            leaf
        })
        .collect();
    let (mut layers, mut lints) = (LayerCache::new(), LintCache::new());
    let mut found = Vec::new();
    for leaf in &packs {
        let pack = CompiledPack::compile_cached(leaf, &limits, &mut layers).unwrap();
        let shared = lint::lint_cached(&pack, leaf, &mut lints);
        let own = lint::lint(&CompiledPack::compile(leaf, &limits).unwrap(), leaf);
        assert_eq!(shared, own, "{}", leaf.identity.id);
        found.push(shared.iter().any(|d| {
            d.file.as_deref() == Some("rules/base/rules/B4.rhai")
                && d.code == tcscreen_core::Code::L020
        }));
    }
    // Only where the pack defines it is it a figure the rule decides on without a source.
    assert_eq!(found, [false, true, false]);
    // base's three rules for leaf1, again for leaf2 (which defines another param), not again
    // for leaf3; and each leaf's own rule.
    assert_eq!(lints.rules_linted(), 3 + 3 + 3);
}
