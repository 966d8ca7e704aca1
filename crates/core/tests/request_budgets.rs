//! What one request may cost and what its rules may do to each other (issue 11): budgets of
//! findings text, printed output and wall-clock time per request, the size limits applied to
//! params and data tables, and isolation of rules that change a shared global and restore it.

use std::collections::BTreeMap;
use std::time::Duration;

use tcscreen_core::{
    CompiledPack, Date, EngineLimits, EngineStop, PackFile, PackIdentity, PackLayer, RequestLimits,
    ResolvedPack, SafetyStop, Screening, ValidRequest, Value,
};

fn pack(rules: &[(&str, &str)], params: &[(&str, Value)], data: &[(&str, Value)]) -> ResolvedPack {
    ResolvedPack {
        identity: PackIdentity {
            id: "t".into(),
            version: "1".into(),
            sha256: "0".into(),
        },
        chain: vec![],
        layers: vec![PackLayer {
            id: "t".into(),
            manifest: "t/pack.toml".into(),
            rules: rules
                .iter()
                .map(|(name, body)| PackFile {
                    path: format!("rules/{name}.rhai"),
                    display: format!("t/rules/{name}.rhai"),
                    text: format!("//! title: {name}\n//! criterion: data\n{body}\n"),
                })
                .collect(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
            data: data
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
            data_files: data
                .iter()
                .map(|(k, _)| (k.to_string(), format!("t/data/{k}.json")))
                .collect(),
            ..PackLayer::default()
        }],
    }
}

fn request() -> ValidRequest {
    ValidRequest::from_text(
        r#"{"id": "R", "country": "ZZ", "title": "Isolation", "received": "2025-03-04"}"#,
        &RequestLimits::default(),
    )
    .unwrap()
}

fn screen_with(
    rules: &[(&str, &str)],
    limits: EngineLimits,
    traced: bool,
) -> Result<Screening, EngineStop> {
    let resolved = pack(rules, &[("limit", Value::Int(6))], &[]);
    tcscreen_core::on_eval_stack(move || {
        let pack = CompiledPack::compile(&resolved, &limits).unwrap();
        let as_of = Date::parse("2025-03-04").unwrap();
        if traced {
            pack.screen_traced(&request(), as_of)
        } else {
            pack.screen(&request(), as_of)
        }
    })
}

fn messages(screening: &Screening) -> Vec<String> {
    screening
        .findings
        .iter()
        .map(|f| format!("{}: {}", f.rule, f.message))
        .collect()
}

#[test]
fn the_findings_of_a_request_are_bounded_not_only_those_of_a_rule() {
    let limits = EngineLimits {
        max_findings_bytes: 10_000,
        ..EngineLimits::default()
    };
    // Each rule alone stays within every per-rule limit; together they would pass 10,000 bytes.
    let noisy = "let s = \"x\"; s.pad(1000, 'x'); for i in 0..4 { note(s); }";
    let screening =
        screen_with(&[("A", noisy), ("B", noisy), ("C", noisy)], limits, false).unwrap();
    assert_eq!(screening.findings.len(), 8, "{:?}", screening.errors);
    assert_eq!(screening.errors.len(), 1);
    assert_eq!(screening.errors[0].rule, "t/C");
    assert!(
        screening.errors[0]
            .message
            .contains("the findings of this request would hold more than 10000 bytes of text"),
        "{}",
        screening.errors[0].message
    );
    assert_eq!(screening.decision(), None);
}

#[test]
fn printed_output_is_kept_only_for_a_trace_and_is_bounded_per_request() {
    let rules = [("A", "print(\"hello\"); note(\"a\");")];
    let plain = screen_with(&rules, EngineLimits::default(), false).unwrap();
    assert!(plain.output.is_empty());
    let traced = screen_with(&rules, EngineLimits::default(), true).unwrap();
    assert_eq!(traced.output.len(), 1);
    assert_eq!(traced.output[0].text, "hello");
    assert_eq!(plain.findings, traced.findings);

    // Past the budget, the same rule error with or without a trace: decisions never depend
    // on whether output is kept.
    let limits = EngineLimits {
        max_output_bytes: 2_000,
        ..EngineLimits::default()
    };
    let chatty = "let s = \"y\"; s.pad(1000, 'y'); for i in 0..3 { print(s); } note(\"done\");";
    let rules = [("A", chatty), ("B", "note(\"b\");")];
    for traced in [false, true] {
        let screening = screen_with(&rules, limits, traced).unwrap();
        assert_eq!(messages(&screening), ["t/B: b"], "traced: {traced}");
        assert_eq!(screening.errors.len(), 1);
        assert!(
            screening.errors[0]
                .message
                .contains("printed more than 2000 bytes"),
            "{}",
            screening.errors[0].message
        );
        let kept: usize = screening.output.iter().map(|o| o.text.len()).sum();
        assert!(kept <= 2_000);
    }
}

#[test]
fn a_request_has_a_wall_clock_budget_beyond_each_rules() {
    let limits = EngineLimits {
        max_operations: u64::MAX,
        max_wall_time: Duration::from_secs(3600),
        max_request_wall_time: Duration::ZERO,
        clock: Some(std::time::Instant::now),
        ..EngineLimits::default()
    };
    let stop = screen_with(
        &[("A", "note(\"quick\");"), ("B", "loop { }")],
        limits,
        false,
    )
    .unwrap_err();
    assert_eq!(
        stop,
        EngineStop {
            rule: "t/B".into(),
            reason: SafetyStop::RequestWallClock,
        }
    );
    assert!(stop.to_string().contains("wall-clock"), "{stop}");
}

#[test]
fn a_change_undone_by_a_later_rule_is_still_caught() {
    // A changes shared state in the ways Rhai 1.27 lets through, C changes it back; B, between
    // them, must see the pristine values. D does it through a method changing `this`, E undoes
    // it. A and D fail; C and E, run on pristine values, change nothing.
    let tamper = |to: char, bit: bool| {
        format!(
            "try {{ request.title[0] = '{to}'; }} catch {{ }}\n\
             try {{ params.limit[0] = {bit}; }} catch {{ }}\n\
             try {{ data.t.list[0] = {}; }} catch {{ }}\n\
             note(\"tampered\");",
            if bit { 2 } else { 1 }
        )
    };
    let rules = [
        ("A", tamper('X', true)),
        (
            "B",
            "if request.title != \"Isolation\" || params.limit != 6 || data.t.list[0] != 1 {\n\
               reject(`another rule changed shared state: ${request.title} ${params.limit}`);\n\
             }\n\
             note(\"unchanged\");"
                .to_string(),
        ),
        ("C", tamper('I', false)),
        (
            "D",
            "fn first(c) { this[0] = c; }\nrequest.title.first('X');\nnote(\"method\");"
                .to_string(),
        ),
        (
            "E",
            "fn first(c) { this[0] = c; }\nrequest.title.first('I');".to_string(),
        ),
    ];
    let rules: Vec<(&str, &str)> = rules.iter().map(|(n, b)| (*n, b.as_str())).collect();
    let table = Value::Map([("list".to_string(), Value::Array(vec![Value::Int(1)]))].into());
    let resolved = pack(&rules, &[("limit", Value::Int(6))], &[("t", table)]);
    let screening = tcscreen_core::on_eval_stack(move || {
        let pack = CompiledPack::compile(&resolved, &EngineLimits::default()).unwrap();
        pack.screen(&request(), Date::parse("2025-03-04").unwrap())
            .unwrap()
    });
    assert!(
        messages(&screening).contains(&"t/B: unchanged".to_string()),
        "{:?}",
        messages(&screening)
    );
    assert!(
        !messages(&screening)
            .iter()
            .any(|m| m.contains("another rule changed")),
        "{:?}",
        messages(&screening)
    );
    let failed: Vec<&str> = screening.errors.iter().map(|e| e.rule.as_str()).collect();
    assert_eq!(failed, ["t/A", "t/D"], "{:?}", screening.errors);
}

#[test]
fn params_and_data_tables_obey_the_size_limits_of_values() {
    let limits = EngineLimits {
        max_string_bytes: 10,
        max_array_items: 3,
        ..EngineLimits::default()
    };
    let big_text = Value::Map([("k".to_string(), Value::Str("x".repeat(11)))].into());
    let long_list = Value::Array(vec![Value::Int(1); 4]);
    let resolved = pack(
        &[("A", "note(\"a\");")],
        &[("p", Value::Str("y".repeat(11)))],
        &[("text", big_text), ("list", long_list)],
    );
    let errors = match CompiledPack::compile(&resolved, &limits) {
        Ok(_) => panic!("compiled"),
        Err(errors) => errors,
    };
    let shown: Vec<String> = errors
        .iter()
        .map(|d| {
            format!(
                "{} {} {}",
                d.code,
                d.file.as_deref().unwrap_or("-"),
                d.message
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            "P004 t/pack.toml param `p` holds 11 bytes of text, more than the 10 one value may hold",
            "P009 t/data/list.json data table `list` holds 4 array items, more than the 3 one value may hold",
            "P009 t/data/text.json data table `text` holds 11 bytes of text, more than the 10 one value may hold",
        ]
    );
}

/// Issue 18 item 15: growing an array or a map one item at a time, in any of the ways Rhai
/// allows, or asking a large one its length in a loop, used to cost time quadratic in its size
/// within a linear number of operations (Rhai walks the whole value after each change), so the
/// wall-clock net (which depends on the machine) decided; now every walk of a size check is
/// charged to the operation budget, so the count decides: the same rule error on every
/// machine, never a safety stop.
#[test]
fn growing_a_value_item_by_item_ends_by_the_operation_budget_on_any_machine() {
    let grow = |how: &str| {
        screen_with(
            &[(
                "G",
                &format!(
                    "let a = []; let m = #{{}}; for i in 0..150000 {{ {how} }} \
                     note(`${{a.len()}} ${{m.len()}}`);"
                ),
            )],
            EngineLimits::default(),
            false,
        )
        .expect("never a safety stop")
    };
    for how in [
        "a.push(i);",
        "a.append([i, i]);",
        "a += [i];",
        "a = a + [i];",
        "a.insert(0, i);",
        "m[`${i}`] = i;",
        "m.set(`${i}`, i);",
    ] {
        let screening = grow(how);
        assert_eq!(screening.errors.len(), 1, "{how}: {:?}", screening.findings);
        assert!(
            screening.errors[0]
                .message
                .contains("used up its budget of 1000000 operations"),
            "{how}: {}",
            screening.errors[0].message
        );
    }
    // Asking a large array or map about itself (a pure method) no longer walks it: 100,000
    // questions to an array of 150,000 items or a map of 10,000 entries finish within the
    // budget (walked, they would cost more than 5,000,000 operations).
    for (ask, expected) in [
        ("n += a.len();", "15000000000"),
        ("if !a.is_empty() { n += 1; }", "100000"),
        ("if `${i}` in m { n += 1; }", "10000"),
        ("n += m.len();", "1000000000"),
    ] {
        let screening = screen_with(
            &[(
                "L",
                &format!(
                    "let a = []; a.pad(150000, 0); let m = #{{}}; for i in 0..10000 {{ m[`${{i}}`] = i; }} \
                     let n = 0; for i in 0..100000 {{ {ask} }} note(`${{n}}`);"
                ),
            )],
            EngineLimits {
                max_operations: 2_000_000,
                ..EngineLimits::default()
            },
            false,
        )
        .expect("never a safety stop");
        assert_eq!(
            messages(&screening),
            [format!("t/L: {expected}")],
            "{ask}: {:?}",
            screening.errors
        );
    }
    // An array of a usual size is built for nothing more than before: 1,000 pushes.
    let small = screen_with(
        &[(
            "S",
            "let a = []; for i in 0..1000 { a.push(i); } note(`${a.len()}`);",
        )],
        EngineLimits::default(),
        false,
    )
    .unwrap();
    assert_eq!(messages(&small), ["t/S: 1000"]);
}
