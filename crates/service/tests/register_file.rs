//! The register's file (issue 18 items 7 and 12): the writer stops when its path no longer
//! names the file it holds, and a register that is not a regular file is refused.

use std::path::Path;
use std::sync::mpsc;

use tcscreen_core::json::{self, JsonLimits};
use tcscreen_core::{DecisionRecord, canonical};
use tcscreen_service::register::{self, Appender, Body};
use tcscreen_service::register_index::RoundFacts;
use tcscreen_service::register_writer::{RegisterWriter, ScreeningEntry};

fn first_record() -> (tcscreen_core::Json, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("fixtures/decisions/fixtures.jsonl")).unwrap();
    let limits = JsonLimits {
        max_depth: 48,
        max_values: 2_000_000,
    };
    let record = json::parse(text.lines().next().unwrap(), limits).unwrap();
    let id = DecisionRecord::from_json(&record).unwrap().request_id;
    (record, id)
}

/// Put another file at `path`, as `screen --out` does when it renames its results into place.
fn replace(path: &Path) {
    let other = path.with_extension("new");
    std::fs::write(&other, "results\n").unwrap();
    std::fs::rename(&other, path).unwrap();
}

#[test]
fn an_appender_stops_when_its_register_is_replaced_under_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("register.jsonl");
    let (record, id) = first_record();
    let mut appender = Appender::open(&path).unwrap();
    let body = || Body::Screening {
        record: record.clone(),
        signer: None,
        by: None,
    };
    appender.append(&id, body(), None).unwrap();
    replace(&path);
    let refused = appender.append(&id, body(), None).unwrap_err();
    assert!(
        refused.to_string().contains("no longer the file"),
        "{refused}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "results\n");
}

#[test]
fn the_servers_writer_answers_an_error_once_its_register_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("register.jsonl");
    let (record, id) = first_record();
    let writer = RegisterWriter::start(&path).unwrap();
    let append = |writer: &RegisterWriter| {
        let (tx, rx) = mpsc::channel();
        writer.append_screening(
            ScreeningEntry {
                request_id: id.clone(),
                canonical: canonical::to_canonical_string(&record),
                record: record.clone(),
                signer: None,
                by: None,
                facts: RoundFacts::of(&DecisionRecord::from_json(&record).unwrap()),
            },
            move |r| {
                let _ = tx.send(r);
            },
        );
        rx.recv().unwrap()
    };
    assert_eq!(append(&writer), Ok(1));
    replace(&path);
    for _ in 0..2 {
        let refused = append(&writer).unwrap_err();
        assert!(refused.contains("no longer the file"), "{refused}");
    }
    writer.close();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "results\n");
}

#[test]
fn a_file_with_a_register_entry_or_a_holder_is_a_register() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("register.jsonl");
    let (record, id) = first_record();
    let mut appender = Appender::open(&path).unwrap();
    // Held, even before anything is appended.
    let held = register::is_a_register(&path).unwrap();
    assert!(
        held.contains(&format!("process {}", std::process::id())),
        "{held}"
    );
    appender
        .append(
            &id,
            Body::Screening {
                record,
                signer: None,
                by: None,
            },
            None,
        )
        .unwrap();
    drop(appender);
    assert!(
        register::is_a_register(&path)
            .unwrap()
            .contains("first line")
    );
    let results = dir.path().join("results.jsonl");
    std::fs::write(&results, "{\"schema\": \"tcscreen/record/v1\"}\n").unwrap();
    assert_eq!(register::is_a_register(&results), None);
    assert_eq!(register::is_a_register(&dir.path().join("missing")), None);
}
