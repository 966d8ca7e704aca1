//! The IATI importer on generated files of every version and shape (fixtures/iati/versions),
//! on the real files committed with their licences (fixtures/iati/real), on the real files of
//! the shared folder that may not be committed (read where that folder is), and on bad input
//! (fixtures/iati/bad). The drafts are snapshot-tested: each snapshot is what an officer
//! would receive from the file, draft by draft, with what was left out and every problem.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use tcscreen_core::{Code, Date, Json, JsonValue};
use tcscreen_service::iati::attach::attach;
use tcscreen_service::iati::pretty::to_pretty;
use tcscreen_service::iati::splitter::Splitter;
use tcscreen_service::iati::{ImportCounts, ImportOptions, Imported, Importer, SkipReason};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/iati")
}

fn options(file: &str) -> ImportOptions {
    ImportOptions {
        received: Date::parse("2025-06-01").unwrap(),
        lang: None,
        country: None,
        all: false,
        file: file.to_string(),
    }
}

fn import_text(text: &[u8], options: ImportOptions) -> (Vec<Imported>, ImportCounts) {
    let mut importer = Importer::new(Cursor::new(text.to_vec()), options);
    let items: Vec<Imported> = importer.by_ref().collect();
    (items, importer.counts())
}

fn import_fixture(
    relative: &str,
    options: impl FnOnce(ImportOptions) -> ImportOptions,
) -> (Vec<Imported>, ImportCounts) {
    let bytes = std::fs::read(fixtures().join(relative)).unwrap();
    import_text(&bytes, options(self::options(relative)))
}

/// What an import gave, for a snapshot.
fn report(items: &[Imported], counts: &ImportCounts) -> String {
    let mut out = String::new();
    for item in items {
        match item {
            Imported::Draft(draft) => {
                out.push_str(&format!(
                    "== draft {} ({}) at line {}{}\n",
                    draft.identifier,
                    draft.country,
                    draft.place.line,
                    if draft.flags.is_empty() {
                        String::new()
                    } else {
                        format!(", flagged {}", draft.flags.join(", "))
                    }
                ));
                out.push_str(&to_pretty(&draft.request));
            }
            Imported::Skipped(skipped) => out.push_str(&format!(
                "== left out {} at line {}: {}\n",
                skipped.identifier,
                skipped.place.line,
                skipped.reason_text()
            )),
            Imported::Problem(problem) => out.push_str(&format!(
                "== problem {} at {}:{}: {}{}\n",
                problem.code,
                problem.place.line,
                problem.place.column,
                problem
                    .activity
                    .as_deref()
                    .map(|a| format!("{a}: "))
                    .unwrap_or_default(),
                problem.message
            )),
        }
    }
    out.push_str(&format!("== {}\n", counts.summary()));
    out
}

fn drafts(items: &[Imported]) -> Vec<&Json> {
    items
        .iter()
        .filter_map(|i| match i {
            Imported::Draft(d) => Some(&d.request),
            _ => None,
        })
        .collect()
}

fn problems(items: &[Imported]) -> Vec<(Code, u64, u64)> {
    items
        .iter()
        .filter_map(|i| match i {
            Imported::Problem(p) => Some((p.code, p.place.line, p.place.column)),
            _ => None,
        })
        .collect()
}

fn at<'a>(json: &'a Json, path: &str) -> Option<&'a Json> {
    path.split('.').try_fold(json, |j, key| j.get(key))
}

fn text(json: &Json, path: &str) -> Option<String> {
    at(json, path).and_then(Json::as_str).map(str::to_string)
}

fn number(json: &Json, path: &str) -> Option<String> {
    match &at(json, path)?.value {
        JsonValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

macro_rules! snapshot_file {
    ($name:ident, $file:literal) => {
        #[test]
        fn $name() {
            let (items, counts) = import_fixture($file, |o| o);
            insta::assert_snapshot!(report(&items, &counts));
        }
    };
}

snapshot_file!(version_1_01_plain_text_and_text_codes, "versions/v1.01.xml");
snapshot_file!(
    version_1_02_text_budget_types_transaction_facts,
    "versions/v1.02.xml"
);
snapshot_file!(version_1_03_budgets_shares_conditions, "versions/v1.03.xml");
snapshot_file!(
    version_1_04_commitments_channel_cancelled,
    "versions/v1.04.xml"
);
snapshot_file!(
    version_1_05_repeated_titles_planned_disbursements,
    "versions/v1.05.xml"
);
snapshot_file!(version_2_01_gate_and_revised_budget, "versions/v2.01.xml");
snapshot_file!(version_2_02_transaction_level_facts, "versions/v2.02.xml");
snapshot_file!(
    version_2_03_wrapped_with_foreign_namespaces,
    "versions/v2.03-wrapped.xml"
);
snapshot_file!(
    real_standard_example_2_03,
    "real/activity-standard-example-annotated.xml"
);
snapshot_file!(
    real_netherlands_mfa_2_03,
    "real/iati-cloud_example_203_file.xml"
);
snapshot_file!(bad_activities_among_good_ones, "bad/one-bad-activity.xml");

#[test]
fn version_1_0x_text_codes_and_transaction_facts_are_read_as_2_03_codes() {
    // 1.02: budget types `Original`/`Revised` (2013 revised to 1800000, 2014 2500000), so the
    // budgets win over the commitment of 5000000; aid type and tied status on transactions only.
    let (items, _) = import_fixture("versions/v1.02.xml", |o| o);
    let stats = drafts(&items)[0];
    assert_eq!(number(stats, "finance.total").as_deref(), Some("4300000"));
    assert_eq!(
        text(stats, "extensions.iati_source.amount_from").as_deref(),
        Some("budgets")
    );
    assert_eq!(
        text(stats, "modality.iati_aid_type").as_deref(),
        Some("D01")
    );
    assert_eq!(
        text(stats, "finance.tied").as_deref(),
        Some("partially_tied")
    );
    // `end-actual` beats `end-planned`; `start-actual` is the only start.
    assert_eq!(text(stats, "schedule.end").as_deref(), Some("2015-06-30"));
    assert_eq!(text(stats, "schedule.start").as_deref(), Some("2013-01-15"));
    // 1.04: incoming funds (`IF`) are not the activity's amount, the commitment (`C`) is; the
    // channel on the transaction says the money goes through the treasury.
    let (items, counts) = import_fixture("versions/v1.04.xml", |o| o);
    let oil = drafts(&items)[0];
    assert_eq!(number(oil, "finance.total").as_deref(), Some("7500000"));
    assert!(matches!(
        at(oil, "finance.in_kind").map(|j| &j.value),
        Some(JsonValue::Bool(false))
    ));
    assert_eq!(
        text(oil, "summary").as_deref(),
        Some("Advisers to the Ministry of Finance on the petroleum fund.")
    );
    let fish = drafts(&items)[1];
    assert_eq!(
        at(fish, "extensions.iati_source.flags"),
        Some(&Json::array(vec![
            Json::string("cancelled"),
            Json::string("tc_code_only")
        ]))
    );
    assert_eq!((counts.over, counts.code_only), (1, 1));
}

#[test]
fn a_revised_budget_replaces_the_original_and_amounts_follow_each_country_share() {
    let (items, _) = import_fixture("versions/v1.03.xml", |o| o);
    let drafts = drafts(&items);
    // Budgets: 2013 revised to 450000.50 (replacing 400000), 2014 300000: 750000.50 in all.
    assert_eq!(
        number(drafts[0], "extensions.iati_source.activity_total.amount").as_deref(),
        Some("750000.5")
    );
    assert_eq!(text(drafts[0], "country").as_deref(), Some("KH"));
    assert_eq!(
        number(drafts[0], "finance.total").as_deref(),
        Some("450000.3")
    );
    assert_eq!(text(drafts[1], "country").as_deref(), Some("NP"));
    assert_eq!(
        number(drafts[1], "finance.total").as_deref(),
        Some("300000.2")
    );
    assert_eq!(text(drafts[0], "finance.tied").as_deref(), Some("tied"));
    assert_eq!(
        text(drafts[0], "schedule.start").as_deref(),
        Some("2013-02-15"),
        "the actual start wins over the planned one"
    );
}

#[test]
fn nothing_iati_never_states_is_written() {
    for file in [
        "versions/v1.01.xml",
        "versions/v2.01.xml",
        "versions/v2.03-wrapped.xml",
    ] {
        let (items, _) = import_fixture(file, |o| o);
        for draft in drafts(&items) {
            for absent in [
                "origin",
                "requester",
                "personnel",
                "counterparts",
                "capacity",
                "exit",
                "reviews",
            ] {
                assert!(draft.get(absent).is_none(), "{file}: {absent} was written");
            }
            assert_eq!(text(draft, "received").as_deref(), Some("2025-06-01"));
        }
    }
}

#[test]
fn the_language_asked_for_is_chosen_else_the_first() {
    let (items, _) = import_fixture("versions/v1.05.xml", |o| ImportOptions {
        lang: Some("en".into()),
        ..o
    });
    assert_eq!(
        text(drafts(&items)[0], "title").as_deref(),
        Some("Scholarships for civil servants")
    );
    let (items, _) = import_fixture("versions/v1.05.xml", |o| o);
    assert_eq!(
        text(drafts(&items)[0], "title").as_deref(),
        Some("Bourses d'études pour les fonctionnaires")
    );
    let (items, _) = import_fixture("versions/v2.01.xml", |o| ImportOptions {
        lang: Some("fr-FR".into()),
        ..o
    });
    assert_eq!(
        text(drafts(&items)[0], "title").as_deref(),
        Some("Réforme de l'enseignement professionnel")
    );
}

#[test]
fn the_country_filter_and_all_say_what_they_leave_out() {
    let (items, counts) = import_fixture("versions/v1.03.xml", |o| ImportOptions {
        country: Some("NP".into()),
        ..o
    });
    assert_eq!(drafts(&items).len(), 1);
    assert_eq!(counts.requests, 1);
    let (items, counts) = import_fixture("versions/v1.01.xml", |o| ImportOptions {
        country: Some("KH".into()),
        ..o
    });
    assert!(drafts(&items).is_empty());
    assert_eq!(counts.other_country, 1);
    assert!(items.iter().any(|i| matches!(i, Imported::Skipped(s) if s.reason == SkipReason::OtherCountries(vec!["NP".into()]))));
    let (items, counts) =
        import_fixture("versions/v2.01.xml", |o| ImportOptions { all: true, ..o });
    assert_eq!((counts.tc, counts.not_tc, counts.requests), (2, 0, 3));
    let roads = drafts(&items)[2];
    assert_eq!(text(roads, "id").as_deref(), Some("DE-1-201-ROADS"));
    let flags = at(roads, "extensions.iati_source.flags").unwrap();
    assert_eq!(flags, &Json::array(vec![Json::string("not_tc")]));
}

#[test]
fn a_dtd_is_refused_whatever_it_holds_and_nothing_is_imported() {
    for file in ["bad/billion-laughs.xml", "bad/external-entity.xml"] {
        let (items, counts) = import_fixture(file, |o| o);
        assert_eq!(problems(&items), vec![(Code::I031, 2, 1)], "{file}");
        assert_eq!(counts.requests, 0);
    }
}

#[test]
fn other_xml_and_broken_files_get_a_located_error() {
    let (items, _) = import_fixture("bad/not-iati.xml", |o| o);
    assert_eq!(problems(&items)[0].0, Code::I032);
    let (items, _) = import_fixture("bad/organisation.xml", |o| o);
    assert!(
        matches!(&items[0], Imported::Problem(p) if p.code == Code::I032 && p.message.contains("organisation file"))
    );
    let (items, _) = import_fixture("bad/utf16.xml", |o| o);
    assert_eq!(problems(&items), vec![(Code::I030, 1, 1)]);
    // Cut short: the whole activity before the cut is still imported.
    let (items, _) = import_fixture("bad/truncated.xml", |o| o);
    assert_eq!(drafts(&items).len(), 1);
    assert_eq!(problems(&items), vec![(Code::I030, 8, 3)]);
}

#[test]
fn one_bad_activity_never_stops_the_file_and_each_error_is_located() {
    let (items, counts) = import_fixture("bad/one-bad-activity.xml", |o| o);
    assert_eq!(
        problems(&items),
        vec![
            (Code::I030, 5, 43),
            (Code::I034, 8, 3),
            (Code::I035, 12, 3),
            (Code::I036, 22, 7),
            (Code::I030, 31, 43),
        ]
    );
    assert_eq!(drafts(&items).len(), 1);
    assert_eq!((counts.activities, counts.problems), (6, 5));
}

#[test]
fn an_activity_over_the_size_limit_is_skipped_and_the_next_is_read() {
    let big = "x".repeat(2000);
    let xml = format!(
        "<iati-activities><iati-activity><iati-identifier>A</iati-identifier><title><narrative>Training</narrative></title><description><narrative>{big}</narrative></description><recipient-country code=\"KH\"/></iati-activity>\n<iati-activity><iati-identifier>B</iati-identifier><title><narrative>Training</narrative></title><recipient-country code=\"KH\"/></iati-activity></iati-activities>"
    );
    // The limit holds one item of 2000 bytes, not the whole activity.
    let splitter = Splitter::with_limit(Cursor::new(xml.into_bytes()), 2100);
    let mut importer = Importer::from_splitter(splitter, options("big.xml"));
    let items: Vec<Imported> = importer.by_ref().collect();
    assert_eq!(problems(&items), vec![(Code::I033, 1, 18)]);
    assert_eq!(text(drafts(&items)[0], "id").as_deref(), Some("B"));
}

#[test]
fn a_single_item_over_the_limit_stops_the_file_with_a_clear_error() {
    // The limit is checked as the reader refills its buffer (64 KiB): an item passes it by at
    // most that much before it is refused.
    let xml = format!(
        "<iati-activities><iati-activity><iati-identifier>{}</iati-identifier>",
        "y".repeat(200_000)
    );
    let splitter = Splitter::with_limit(Cursor::new(xml.into_bytes()), 1000);
    let items: Vec<Imported> = Importer::from_splitter(splitter, options("huge.xml")).collect();
    assert!(
        matches!(&items[..], [Imported::Problem(p)] if p.code == Code::I033 && p.message.contains("rest of the file"))
    );
}

#[test]
fn bytes_that_are_not_utf8_skip_their_activity_only() {
    let mut xml = b"<iati-activities><iati-activity><iati-identifier>A</iati-identifier><title><narrative>Training \xff</narrative></title><recipient-country code=\"KH\"/></iati-activity>\n".to_vec();
    xml.extend_from_slice(b"<iati-activity><iati-identifier>B</iati-identifier><title><narrative>Training</narrative></title><recipient-country code=\"KH\"/></iati-activity></iati-activities>");
    let (items, _) = import_text(&xml, options("latin1.xml"));
    assert_eq!(problems(&items).len(), 1);
    assert_eq!(problems(&items)[0].0, Code::I030);
    assert_eq!(drafts(&items).len(), 1);
}

#[test]
fn an_unclosed_activity_is_reported_and_the_next_one_read() {
    let xml = b"<iati-activities>\n<iati-activity><iati-identifier>A</iati-identifier><title>Training\n<iati-activity><iati-identifier>B</iati-identifier><title>Training</title><recipient-country code=\"KH\"/></iati-activity></iati-activities>";
    let (items, _) = import_text(xml, options("unclosed.xml"));
    assert_eq!(problems(&items)[0], (Code::I030, 2, 1));
    assert_eq!(text(drafts(&items)[0], "id").as_deref(), Some("B"));
}

#[test]
fn a_published_record_is_attached_without_touching_what_the_requester_says() {
    let request = r#"{"id": "KH-MOI-2021-7", "country": "KH", "title": "TVET", "received": "2021-03-01",
        "finance": {"currency": "EUR", "total": 850000, "tied": "untied"}, "extensions": {"notes": "kept"}}"#;
    let xml = std::fs::read(fixtures().join("versions/v2.01.xml")).unwrap();
    let attached = attach(
        request,
        Cursor::new(xml.clone()),
        "DE-1-201-TVET",
        &options("v2.01.xml"),
    )
    .unwrap();
    let r = &attached.request;
    assert_eq!(
        text(r, "finance.tied").as_deref(),
        Some("untied"),
        "the requester's side is kept"
    );
    assert_eq!(number(r, "finance.total").as_deref(), Some("850000"));
    assert_eq!(text(r, "extensions.notes").as_deref(), Some("kept"));
    assert_eq!(text(r, "extensions.iati.tied_status").as_deref(), Some("3"));
    assert_eq!(
        text(r, "extensions.iati.identifier").as_deref(),
        Some("DE-1-201-TVET")
    );
    assert!(attached.remarks.is_empty(), "{:?}", attached.remarks);
    let missing = attach(
        request,
        Cursor::new(xml),
        "DE-1-201-TVT",
        &options("v2.01.xml"),
    )
    .unwrap_err();
    assert!(missing.contains("did you mean DE-1-201-TVET?"), "{missing}");
}

/// The shared folder's real files that may not be committed (their repositories are under
/// the AGPL): read where the folder is, beside the repository or its worktree.
fn shared(file: &str) -> Option<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    ["../shared/iati", "../../shared/iati"]
        .iter()
        .map(|dir| root.join(dir).join(file))
        .find(|p| p.is_file())
        .map(|p| std::fs::read(p).unwrap())
}

#[test]
fn real_files_of_the_shared_folder_import_as_published() {
    let Some(canada) = shared("iati-flattener_canada-activity.xml") else {
        eprintln!("the shared IATI folder is not beside the repository: skipped");
        return;
    };
    // d-portal's wrapper attributes, 7 countries: Cambodia's part is 14.28 % of the budgets.
    let (items, counts) = import_text(&canada, options("canada.xml"));
    assert_eq!((counts.activities, counts.requests), (1, 7));
    let kh = drafts(&items)
        .into_iter()
        .find(|d| text(d, "country").as_deref() == Some("KH"))
        .unwrap();
    assert_eq!(
        number(kh, "extensions.iati_source.activity_total.amount").as_deref(),
        Some("19582333")
    );
    assert_eq!(number(kh, "finance.total").as_deref(), Some("2796357.15"));
    assert_eq!(text(kh, "finance.currency").as_deref(), Some("CAD"));
    assert_eq!(
        text(kh, "extensions.iati_source.version").as_deref(),
        Some("2.03")
    );
    // The EC's long-term TA in Liberia: budget 0, so the planned disbursements give the amount.
    let ec = shared("iati-flattener_ec-intpa-activity.xml").unwrap();
    let (items, _) = import_text(&ec, options("ec.xml"));
    let lr = drafts(&items)[0];
    assert_eq!(
        text(lr, "extensions.iati_source.amount_from").as_deref(),
        Some("planned_disbursements")
    );
    assert_eq!(text(lr, "modality.iati_aid_type").as_deref(), Some("D02"));
    // Finland: English and Finnish narratives, one regional activity that names no country.
    let fi = shared("js-validator-api_iati-act-line-br.xml").unwrap();
    let (items, counts) = import_text(
        &fi,
        ImportOptions {
            lang: Some("fi".into()),
            ..options("fi.xml")
        },
    );
    assert_eq!((counts.activities, counts.tc, counts.not_tc), (6, 4, 2));
    assert_eq!(
        problems(&items).iter().map(|p| p.0).collect::<Vec<_>>(),
        vec![Code::I035]
    );
    assert!(drafts(&items).iter().any(|d| text(d, "title").as_deref()
        == Some("Laadukas laboratoriotestaus -koulutushanke Beninissa")));
}
