//! The service as a server would use it: one request body to record bytes, a batch in order,
//! a full queue, and a reload that swaps packs only when they pass.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::channel;

use tcscreen_core::Code;
use tcscreen_service::{
    Busy, Inputs, Item, Location, Packs, PoolSize, RecordFormat, RecordWriter, ScreenOptions,
    ScreenResult, Screener, screen_batch,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn screener(threads: usize) -> Screener {
    let packs = Packs::discover(&root().join("rules")).expect("the shipped packs");
    Screener::start(packs, PoolSize::threads(threads)).expect("threads")
}

/// The recorded fixture decisions: `screen fixtures/requests --format jsonl`.
fn recorded() -> String {
    std::fs::read_to_string(root().join("fixtures/decisions/fixtures.jsonl")).unwrap()
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walk(&root().join("fixtures/requests"));
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out
}

#[test]
fn one_request_body_gives_the_bytes_of_screen_format_json() {
    let screener = screener(2);
    let recorded = recorded();
    let options = Arc::new(ScreenOptions::default());
    let files = fixture_files();
    assert!(files.len() > 30, "{} fixtures", files.len());
    for file in files {
        let body = std::fs::read_to_string(&file).unwrap();
        let result = screener
            .screen_text(body, Location::file("request body"), options.clone())
            .unwrap();
        let ScreenResult::Screened(screened) = result else {
            panic!("{} not screened", file.display());
        };
        let mut bytes = Vec::new();
        let mut writer = RecordWriter::new(RecordFormat::Json);
        writer
            .record(
                &mut bytes,
                &screened.record,
                &screened.canonical,
                &screened.pack,
            )
            .unwrap();
        writer.finish(&mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text, format!("{}\n", screened.canonical));
        assert!(
            recorded.lines().any(|line| line == screened.canonical),
            "{}: the record differs from the recorded one",
            file.display()
        );
    }
}

#[test]
fn a_batch_gives_the_recorded_json_lines_in_input_order_whatever_the_threads() {
    for threads in [1, 3] {
        let screener = screener(threads);
        let inputs = Inputs::new(&[root().join("fixtures/requests").display().to_string()]);
        let mut writer = RecordWriter::new(RecordFormat::Jsonl);
        let mut out = Vec::new();
        let end = screen_batch(
            &screener,
            inputs,
            &ScreenOptions::default(),
            &|| false,
            |result| {
                match result {
                    ScreenResult::Screened(s) => writer
                        .record(&mut out, &s.record, &s.canonical, &s.pack)
                        .unwrap(),
                    ScreenResult::NotScreened(n) => panic!("{n:?}"),
                }
                std::ops::ControlFlow::Continue(())
            },
        );
        assert!(!end.interrupted && !end.stopped);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            recorded(),
            "{threads} threads"
        );
    }
}

#[test]
fn an_invalid_body_comes_back_with_codes_and_positions() {
    let screener = screener(1);
    let result = screener
        .screen_text(
            "{\"id\": \"R1\", \"country\": \"KH\",\n \"titel\": \"x\"}".into(),
            Location::file("request body"),
            Arc::new(ScreenOptions::default()),
        )
        .unwrap();
    let ScreenResult::NotScreened(not) = result else {
        panic!("screened")
    };
    let problems = not.diagnostics(screener.packs().catalog(), &mut Default::default());
    let unknown = problems
        .iter()
        .find(|d| d.code == Code::I011)
        .expect("I011");
    assert_eq!(unknown.file.as_deref(), Some("request body"));
    assert_eq!((unknown.pos.line, unknown.pos.column), (2, 2));
    assert!(
        unknown
            .help
            .as_deref()
            .unwrap_or_default()
            .contains("title")
    );
    assert!(problems.iter().any(|d| d.code == Code::I010));
    assert_eq!(not.summary_line(), "  = request body was not screened");
}

#[test]
fn a_full_queue_is_refused_without_waiting() {
    let screener = Screener::start(
        Packs::discover(&root().join("rules")).unwrap(),
        PoolSize {
            threads: 1,
            queue: 1,
        },
    )
    .unwrap();
    let body = std::fs::read_to_string(&fixture_files()[0]).unwrap();
    let item = || Item {
        location: Location::file("body"),
        text: Ok(body.clone()),
    };
    let options = Arc::new(ScreenOptions::default());
    // The only thread is held inside the first reply until `release` is sent.
    let (started, is_started) = channel();
    let (release, released) = channel::<()>();
    screener
        .submit(item(), options.clone(), move |_| {
            started.send(()).unwrap();
            let _ = released.recv();
        })
        .unwrap();
    is_started.recv().unwrap();
    let (done, is_done) = channel();
    let second = done.clone();
    screener
        .submit(item(), options.clone(), move |o| second.send(o).unwrap())
        .expect("one request may wait");
    let third = screener.submit(item(), options.clone(), move |o| done.send(o).unwrap());
    assert_eq!(third.err(), Some(Busy));
    release.send(()).unwrap();
    assert!(matches!(is_done.recv().unwrap(), ScreenResult::Screened(_)));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_reload_swaps_packs_only_when_every_pack_passes() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    copy_dir(&root().join("rules"), &rules);
    let screener = Screener::start(Packs::discover(&rules).unwrap(), PoolSize::threads(1)).unwrap();
    let before = screener.packs();

    // A rule that does not compile: the reload is refused and the old packs stay.
    std::fs::write(
        rules.join("kh/rules/ZZ-01.rhai"),
        "//! title: x\n//! criterion: exit\nif {\n",
    )
    .unwrap();
    let errors = screener
        .reload(Packs::discover(&rules).unwrap())
        .expect_err("a broken pack");
    assert!(errors.iter().any(|d| d.code == Code::R020), "{errors:?}");
    assert!(Arc::ptr_eq(&before, &screener.packs()));

    // Fixed: the new packs are in force.
    std::fs::remove_file(rules.join("kh/rules/ZZ-01.rhai")).unwrap();
    screener
        .reload(Packs::discover(&rules).unwrap())
        .expect("the packs pass");
    assert!(!Arc::ptr_eq(&before, &screener.packs()));
    let body = std::fs::read_to_string(&fixture_files()[0]).unwrap();
    let result = screener
        .screen_text(
            body,
            Location::file("body"),
            Arc::new(ScreenOptions::default()),
        )
        .unwrap();
    assert!(matches!(result, ScreenResult::Screened(_)));
}

#[test]
fn a_reload_under_trust_refuses_packs_that_screening_would_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    std::fs::write(
        keys.join("unit.pub"),
        tcscreen_packs::signature::public_key_text(&key.verifying_key()),
    )
    .unwrap();
    let mut packs = Packs::discover(&root().join("rules")).unwrap();
    packs.trust_keys_in(&keys).unwrap();
    // The shipped packs are not signed: under --trust every one is refused (S002).
    let errors = packs.check_all().expect_err("unsigned packs");
    assert!(
        errors.iter().any(|d| d.code == tcscreen_core::Code::S002),
        "{errors:?}"
    );
    let screener = screener(1);
    let before = screener.packs();
    screener.reload(packs).expect_err("unsigned packs");
    assert!(Arc::ptr_eq(&before, &screener.packs()));
}

#[test]
fn the_handle_can_be_shared_between_threads_and_tasks() {
    fn shared<T: Send + Sync + Clone + 'static>() {}
    shared::<Screener>();
    fn sent<T: Send + 'static>() {}
    sent::<ScreenResult>();
    sent::<tcscreen_service::NotScreened>();
}

#[test]
fn replay_impact_and_listings_run_on_the_pool() {
    use tcscreen_service::{impact, listing, replay};
    let screener = screener(2);
    let decisions = root().join("fixtures/decisions").display().to_string();
    let reports = replay::replay_all(&screener, &screener.packs(), &[decisions]);
    assert_eq!(reports.len(), recorded().lines().count());
    assert!(
        reports.iter().all(|r| r.verdict == replay::Verdict::Match),
        "{}",
        replay::summary(&reports)
    );

    let rules = root().join("rules");
    let side = || impact::Side::open(&rules, &rules).unwrap();
    let inputs = Inputs::new(&[root().join("fixtures/requests").display().to_string()]);
    let report = impact::impact(&screener, side(), side(), inputs);
    assert!(!report.has_errors());
    assert_eq!(report.compared.len(), recorded().lines().count());
    assert!(
        report.to_text().contains("unchanged"),
        "{}",
        report.to_text()
    );

    let rows = screener.run(|_, packs| listing::packs(packs)).unwrap();
    assert!(rows.len() >= 6 && rows.iter().all(|r| r.usable), "{rows:?}");
    let info = screener
        .run(|_, packs| listing::rule(packs, "DL-03"))
        .unwrap();
    let text = info.text.expect("base defines DL-03");
    assert_eq!(text.id, "base/DL-03");
    assert!(info.uses.iter().any(|u| !u.fires_in.is_empty()));
}

#[test]
fn concurrent_decisions_through_the_register_writer_are_all_recorded_in_a_verifiable_chain() {
    use tcscreen_core::Decision;
    use tcscreen_service::decisions::DecisionInput;
    use tcscreen_service::register::Body;
    use tcscreen_service::register_scan;
    use tcscreen_service::register_writer::{RegisterWriter, ScreeningEntry};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("register.jsonl");
    let writer = Arc::new(RegisterWriter::start(&path).unwrap());
    let screener = screener(2);
    let mut ids = Vec::new();
    for file in fixture_files().iter().take(3) {
        let body = std::fs::read_to_string(file).unwrap();
        let options = Arc::new(ScreenOptions::default());
        let ScreenResult::Screened(s) = screener
            .screen_text(body, Location::file("b"), options)
            .unwrap()
        else {
            panic!("a fixture is screened")
        };
        let (tx, rx) = channel();
        writer.append_screening(ScreeningEntry::of(&s), move |r| tx.send(r).unwrap());
        rx.recv().unwrap().unwrap();
        ids.push((s.record.request_id.clone(), s.record.decision.unwrap()));
    }
    let threads: Vec<_> = (0..24)
        .map(|n| {
            let (writer, (id, decision)) = (writer.clone(), ids[n % ids.len()].clone());
            let shown = (n % ids.len()) as u64 + 1;
            std::thread::spawn(move || {
                let (tx, rx) = channel();
                let input = DecisionInput {
                    decision,
                    by: format!("officer {n}"),
                    reason: None,
                    waived: vec![],
                    at: None,
                    // Each decides on the screening shown: still the latest, so recorded.
                    screening: Some(shown),
                };
                writer.decide(&id, input, move |r| tx.send(r).unwrap());
                rx.recv().unwrap().map(|(seq, _)| seq)
            })
        })
        .collect();
    let mut seqs: Vec<u64> = threads
        .into_iter()
        .map(|t| t.join().unwrap().expect("recorded"))
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (4..=27).collect::<Vec<u64>>());
    // A departure without a reason is refused and appends nothing.
    let (tx, rx) = channel();
    let other = if ids[0].1 == Decision::Accept {
        Decision::Reject
    } else {
        Decision::Accept
    };
    writer.decide(
        &ids[0].0,
        DecisionInput {
            decision: other,
            by: "x".into(),
            reason: Some("  ".into()),
            waived: vec![],
            at: None,
            screening: None,
        },
        move |r| tx.send(r).unwrap(),
    );
    assert!(rx.recv().unwrap().is_err());
    // The index followed every append: three cases, each decided, 27 entries.
    {
        let index = writer.index();
        assert_eq!(
            (index.entries(), index.case_count(), index.awaiting()),
            (27, 3, 0)
        );
    }
    let history = writer.history(&ids[0].0.to_lowercase()).unwrap();
    assert_eq!(history.len(), 1 + 8);
    Arc::into_inner(writer).unwrap().close();
    let entries = register_scan::read(&path, None).expect("the chain verifies");
    assert_eq!(entries.len(), 27);
    let deciders: std::collections::BTreeSet<String> = entries
        .iter()
        .filter_map(|e| match &e.body {
            Body::Decision(d) => Some(d.by.clone()),
            Body::Screening { .. } => None,
        })
        .collect();
    assert_eq!(deciders.len(), 24);
}
