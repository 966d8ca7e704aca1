//! The rough edges of issue 10: the order of the text output, `screen --register` saying what
//! it appended, `register repair --truncate-torn-tail`, the P021 help, coverage of a pack's own
//! rules, field meanings (`schema --explain`), and the install step of the README.

use crate::harness::tcscreen;

#[test]
fn text_output_lists_findings_by_outcome_then_rule() {
    let run = tcscreen(&[
        "screen",
        "fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json",
    ]);
    run.expect_code(0);
    let order: Vec<(u8, &str)> = run
        .stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let rank = match words.next()? {
                "reject" => 0,
                "revise" => 1,
                "note" => 2,
                _ => return None,
            };
            Some((rank, words.next()?))
        })
        .collect();
    assert!(order.len() > 5, "{}", run.stdout);
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "by outcome, then rule id");
    assert_eq!(order[0].0, 0, "a reject comes first");
}
