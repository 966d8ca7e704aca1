//! The authors' guide documents exactly the functions the engine registers: the table between
//! `<!-- api:start -->` and `<!-- api:end -->` in docs/authoring.md cannot drift from the engine.

#[test]
fn the_guide_documents_every_api_function_and_no_other() {
    let guide = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/authoring.md"
    ))
    .unwrap();
    let table = guide
        .split("<!-- api:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- api:end -->").next())
        .expect("the API table is marked");
    let mut documented: Vec<(String, usize)> = table
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .filter_map(|call| {
            let (name, args) = call.split_once('(')?;
            let args = args.trim_end_matches(')').trim();
            let arity = if args.is_empty() {
                0
            } else {
                args.split(',').count()
            };
            Some((name.to_string(), arity))
        })
        .collect();
    documented.sort();
    // Overloads of one arity (a message or a finding map) are documented on rows of their own.
    documented.dedup();
    assert_eq!(documented, tcscreen_core::authors_api_signatures());
    // Every reserved name is part of it.
    for name in tcscreen_core::RESERVED_NAMES {
        assert!(
            documented.iter().any(|(n, _)| n == name),
            "{name} is not documented"
        );
    }
}
