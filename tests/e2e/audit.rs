//! Audit: replay, the register, signed packs, impact and compare.

use std::fs;
use std::path::{Path, PathBuf};

use crate::harness::{Run, copy_dir, root, tcscreen, tcscreen_with_stdin};

/// A scratch copy of the shipped rules, with records of every fixture screened against them.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&root().join("rules"), &dir.path().join("rules"));
        Scratch { dir }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn s(&self, p: &str) -> String {
        self.path(p).to_string_lossy().into_owned()
    }

    fn run(&self, args: &[&str]) -> Run {
        let rules = self.s("rules");
        tcscreen(&[&["--rules", rules.as_str()], args].concat())
    }

    /// Screen the shipped fixtures with the scratch rules, writing records (and a register).
    fn record(&self, extra: &[&str]) -> String {
        let out = self.s("records.jsonl");
        self.run(
            &[
                &[
                    "screen",
                    "fixtures/requests",
                    "--format",
                    "jsonl",
                    "--out",
                    &out,
                ],
                extra,
            ]
            .concat(),
        )
        .expect_code(0);
        out
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn the_recorded_fixture_decisions_replay_as_match() {
    let run = tcscreen(&["replay", "fixtures/decisions"]);
    run.expect_code(0);
    assert!(!run.stdout.contains("diverged"), "{}", run.stdout);
    assert!(
        run.stdout.lines().count() >= 25,
        "every shipped fixture has a recorded decision"
    );
}

#[test]
fn records_replay_as_match_against_the_same_rules() {
    let scratch = Scratch::new();
    let records = scratch.record(&[]);
    let run = scratch.run(&["replay", &records]);
    run.expect_code(0)
        .stderr_has(" match, 0 diverged, 0 could not be replayed");
}

#[test]
fn editing_a_param_is_a_pack_change() {
    let scratch = Scratch::new();
    let records = scratch.record(&[]);
    edit(
        &scratch.path("rules/kh/pack.toml"),
        "max_months_same_function = 48",
        "max_months_same_function = 120",
    );
    let run = scratch.run(&["replay", &records]);
    run.expect_code(1)
        .stdout_has("diverged  KH-MEF-2025-052")
        .stdout_has("pack changed: digest recorded ");
    // The ninth-year adviser's months in the same function are no longer above the guide (a
    // note: no text gives the figure, so the decision stays revise).
    run.stdout_has("- note base/EX-12 schedule.months_same_function");
}

#[test]
fn editing_a_rule_is_a_pack_change_and_names_the_findings() {
    let scratch = Scratch::new();
    let records = scratch.record(&[]);
    edit(
        &scratch.path("rules/base/rules/MG-01.rhai"),
        "reject(",
        "revise(",
    );
    let run = scratch.run(&["replay", &records, "--format", "json"]);
    run.expect_code(1);
    run.stdout_has(r#""verdict":"diverged""#)
        .stdout_has("pack changed: digest recorded");
    run.stdout_has(r#""changed":[{"after":{"field":"management.arrangement","message":"#);
    run.stdout_has(r#""outcome":"revise","rule":"base/MG-01"}"#);
}

#[test]
fn editing_a_records_input_or_decision_is_named() {
    let scratch = Scratch::new();
    let records = scratch.record(&[]);
    let lines: Vec<String> = fs::read_to_string(&records)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let revise = lines
        .iter()
        .find(|l| l.contains(r#""decision":"revise""#))
        .unwrap();
    fs::write(
        scratch.path("input.json"),
        revise.replacen(r#""title":""#, r#""title":"Edited: "#, 1),
    )
    .unwrap();
    fs::write(
        scratch.path("decision.json"),
        revise.replacen(r#""decision":"revise""#, r#""decision":"accept""#, 1),
    )
    .unwrap();
    let run = scratch.run(&["replay", &scratch.s("input.json")]);
    run.expect_code(1)
        .stdout_has("input altered: the embedded input hashes to");
    let run = scratch.run(&["replay", &scratch.s("decision.json")]);
    run.expect_code(1)
        .stdout_has("record altered: its decision (accept) does not follow from its own findings and errors (revise)")
        .stdout_has("decision differs: recorded accept, screening now gives revise");
}

#[test]
fn a_different_engine_version_alone_is_a_note() {
    let scratch = Scratch::new();
    let records = scratch.record(&[]);
    let first = fs::read_to_string(&records)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let version = format!(r#""version":"{}""#, env!("CARGO_PKG_VERSION"));
    fs::write(
        scratch.path("old.json"),
        first.replacen(&version, r#""version":"0.0.1""#, 1),
    )
    .unwrap();
    scratch
        .run(&["replay", &scratch.s("old.json")])
        .expect_code(0)
        .stdout_has("match ")
        .stdout_has(&format!(
            "note: engine version differs (recorded 0.0.1, now {})",
            env!("CARGO_PKG_VERSION")
        ));
}

#[test]
fn a_missing_pack_version_cannot_be_replayed() {
    let scratch = Scratch::new();
    let records = scratch.record(&[]);
    fs::remove_dir_all(scratch.path("rules/kh-2009")).unwrap();
    scratch
        .run(&["replay", &records])
        .expect_code(3)
        .stdout_has("error     KH-MEF-2009-031")
        .stdout_has("pack not found");
}

fn register_lines(scratch: &Scratch) -> (String, Vec<String>) {
    let register = scratch.s("register.jsonl");
    scratch.record(&["--register", &register]);
    let lines = fs::read_to_string(&register)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    (register, lines)
}

#[test]
fn the_register_catches_each_kind_of_tampering() {
    let scratch = Scratch::new();
    let (register, lines) = register_lines(&scratch);
    scratch
        .run(&["register", "verify", &register])
        .expect_code(0)
        .stdout_has("chain intact");
    let write = |name: &str, lines: &[String], tail: &str| {
        let path = scratch.path(name);
        fs::write(&path, lines.join("\n") + tail).unwrap();
        path.to_string_lossy().into_owned()
    };
    let mut modified = lines.clone();
    modified[2] = modified[2].replacen(r#""message":""#, r#""message":"Softened: "#, 1);
    let mut deleted = lines.clone();
    deleted.remove(3);
    let mut inserted = lines.clone();
    inserted.insert(4, lines[3].clone());
    let mut reordered = lines.clone();
    reordered.swap(4, 5);
    let whole = lines.join("\n") + "\n";
    let truncated = scratch.path("truncated.jsonl");
    fs::write(&truncated, &whole[..whole.len() - 100]).unwrap();
    let cases = [
        (
            write("modified.jsonl", &modified, "\n"),
            "first bad entry 3 (modified)",
        ),
        (
            write("deleted.jsonl", &deleted, "\n"),
            "first bad entry 4 (deleted)",
        ),
        (
            write("inserted.jsonl", &inserted, "\n"),
            "first bad entry 5 (inserted)",
        ),
        (
            write("reordered.jsonl", &reordered, "\n"),
            "first bad entry 5 (reordered)",
        ),
        (
            truncated.to_string_lossy().into_owned(),
            &format!("first bad entry {} (truncated)", lines.len()),
        ),
    ];
    for (file, expected) in cases {
        scratch
            .run(&["register", "verify", &file])
            .expect_code(1)
            .stdout_has(expected);
    }
    // Entries removed from the end are caught against an anchored head.
    let head = scratch.run(&["register", "head", &register]);
    let head = head.stdout.trim();
    let shortened = write("shortened.jsonl", &lines[..lines.len() - 2], "\n");
    scratch
        .run(&["register", "verify", &shortened])
        .expect_code(0);
    scratch
        .run(&["register", "verify", &shortened, "--head", head])
        .expect_code(1)
        .stdout_has("(truncated)");
    // Appending reads only the last entry: it refuses a register whose last entry is damaged
    // or cut off. Damage further back stays where it is, for `verify` to name.
    let mut last_modified = lines.clone();
    let last = last_modified.len() - 1;
    last_modified[last] =
        last_modified[last].replacen(r#""message":""#, r#""message":"Softened: "#, 1);
    let append = |file: &str| {
        scratch.run(&[
            "screen",
            "fixtures/requests/kh/kh-mef-2025-014-pfm-pooled.json",
            "--format",
            "jsonl",
            "--register",
            file,
        ])
    };
    append(&write("last-modified.jsonl", &last_modified, "\n"))
        .expect_code(3)
        .stderr_has("is damaged at its end (modified)");
    append(&truncated.to_string_lossy())
        .expect_code(3)
        .stderr_has("is damaged at its end (truncated)");
    let modified = scratch.s("modified.jsonl");
    append(&modified).expect_code(0);
    scratch
        .run(&["register", "verify", &modified])
        .expect_code(1)
        .stdout_has("first bad entry 3 (modified)");
}

#[test]
fn the_register_replays_and_keeps_human_decisions() {
    let scratch = Scratch::new();
    let (register, lines) = register_lines(&scratch);
    scratch
        .run(&["register", "replay", &register])
        .expect_code(0)
        .stderr_has(&format!("{} records: {} match", lines.len(), lines.len()));
    let revise = lines
        .iter()
        .find(|l| l.contains(r#""decision":"revise""#))
        .unwrap();
    let request_id = revise
        .split(r#""request_id":""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let rule = revise
        .split(r#""rule":""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let decide = |extra: &[&str]| {
        scratch.run(
            &[
                &[
                    "register",
                    "decide",
                    &request_id,
                    "--register",
                    &register,
                    "--by",
                    "A. Officer",
                    "--at",
                    "2026-11-28",
                ],
                extra,
            ]
            .concat(),
        )
    };
    decide(&["--decision", "accept"])
        .expect_code(2)
        .stderr_has("needs --reason");
    scratch
        .run(&[
            "register",
            "decide",
            &request_id,
            "--register",
            &register,
            "--by",
            "  ",
            "--decision",
            "revise",
        ])
        .expect_code(2)
        .stderr_has("--by is blank");
    decide(&["--decision", "accept", "--reason", "r", "--waive", "nope/X"])
        .expect_code(2)
        .stderr_has("recorded no finding");
    decide(&["--decision", "revise"])
        .expect_code(0)
        .stdout_has(&format!("A. Officer decided revise on {request_id}"));
    decide(&[
        "--decision",
        "accept",
        "--reason",
        "The ministry approved the ToR in writing",
        "--waive",
        &rule,
    ])
    .expect_code(0)
    .stdout_has("overriding the screening's revise");
    let show = scratch.run(&["register", "show", &request_id, "--register", &register]);
    show.expect_code(0)
        .stdout_has("screening  ")
        .stdout_has("by A. Officer, confirms #")
        .stdout_has("by A. Officer, overrides #")
        .stdout_has("reason: The ministry approved the ToR in writing")
        .stdout_has(&format!("waived: {rule}"));
    scratch
        .run(&["register", "verify", &register])
        .expect_code(0)
        .stdout_has(&format!("{} entries", lines.len() + 2));
    scratch
        .run(&["register", "replay", &register])
        .expect_code(0);
}

#[test]
fn a_decision_names_the_screening_read_and_is_refused_once_a_newer_one_exists() {
    let scratch = Scratch::new();
    let register = scratch.s("register.jsonl");
    let screen = || {
        scratch
            .run(&[
                "screen",
                "fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json",
                "--format",
                "jsonl",
                "--register",
                &register,
            ])
            .expect_code(0);
    };
    screen();
    screen();
    let decide = |screening: &str| {
        scratch.run(&[
            "register",
            "decide",
            "kh-mrd-2025-031",
            "--register",
            &register,
            "--by",
            "A. Officer",
            "--decision",
            "reject",
            "--screening",
            screening,
        ])
    };
    decide("1")
        .expect_code(2)
        .stderr_has("no longer the latest")
        .stderr_has("--screening 2");
    decide("7")
        .expect_code(2)
        .stderr_has("entry 7 is not a screening of request");
    scratch
        .run(&["register", "verify", &register])
        .stdout_has("2 entries");
    // The case is matched without regard to case; the decision is recorded under the id the
    // screening gave.
    decide("2")
        .expect_code(0)
        .stdout_has("A. Officer decided reject on kh-mrd-2025-031");
    scratch
        .run(&["register", "verify", &register])
        .expect_code(0)
        .stdout_has("3 entries");
    let lines = fs::read_to_string(&register).unwrap();
    assert!(
        lines
            .lines()
            .nth(2)
            .unwrap()
            .contains(r#""request_id":"KH-MRD-2025-031""#),
        "{lines}"
    );
}

#[test]
fn signed_packs_under_trust() {
    let scratch = Scratch::new();
    let keys = scratch.path("keys");
    fs::create_dir(&keys).unwrap();
    scratch
        .run(&["keygen", "--out", &scratch.s("keys/unit")])
        .expect_code(0)
        .stdout_has("written");
    scratch
        .run(&["keygen", "--out", &scratch.s("stranger")])
        .expect_code(0);
    scratch
        .run(&["keygen", "--out", &scratch.s("keys/unit")])
        .expect_code(3)
        .stderr_has("cannot write");
    let trust = scratch.s("keys");
    let fixture = "fixtures/requests/kh/kh-mef-2025-014-pfm-pooled.json";
    let screen = |extra: &[&str]| {
        scratch.run(
            &[
                &["screen", "--format", "jsonl", fixture, "--trust", &trust],
                extra,
            ]
            .concat(),
        )
    };
    screen(&[])
        .expect_code(3)
        .stderr_has("pack `kh` 2010.2 refused: it is not signed");
    scratch
        .run(&["sign", "kh", "--key", &scratch.s("keys/unit")])
        .expect_code(0)
        .stdout_has("signed kh 2010.2");
    let signed = screen(&[]);
    signed.expect_code(0);
    // The record does not depend on --trust.
    let unsigned = scratch.run(&["screen", "--format", "jsonl", fixture]);
    assert_eq!(signed.stdout, unsigned.stdout);
    // The signer goes into the register and replay reports.
    let register = scratch.s("register.jsonl");
    screen(&["--register", &register]).expect_code(0);
    let entry = fs::read_to_string(&register).unwrap();
    assert!(!entry.contains(r#""signer":null"#), "{entry}");
    scratch
        .run(&["replay", &register, "--trust", &trust])
        .expect_code(0)
        .stdout_has("· signed by ");

    // A stripped signature, a tampered file, an extra file, a foreign key: all refused.
    let sig = scratch.path("rules/kh/pack.sig");
    let saved = fs::read(&sig).unwrap();
    fs::remove_file(&sig).unwrap();
    screen(&[]).expect_code(3).stderr_has("it is not signed");
    fs::write(&sig, &saved).unwrap();
    edit(
        &scratch.path("rules/kh/data/sector_working_groups.json"),
        "{",
        "{ ",
    );
    screen(&[])
        .expect_code(3)
        .stderr_has("it changed after signing");
    scratch
        .run(&["sign", "kh@2010.2", "--key", &scratch.s("keys/unit")])
        .expect_code(0);
    screen(&[]).expect_code(0);
    fs::write(
        scratch.path("rules/kh/rules/extra.rhai"),
        "//! title: extra\n//! criterion: data\n",
    )
    .unwrap();
    screen(&[])
        .expect_code(3)
        .stderr_has("it changed after signing");
    fs::remove_file(scratch.path("rules/kh/rules/extra.rhai")).unwrap();
    fs::write(
        scratch.path("rules/base/rules/extra.rhai"),
        "//! title: extra\n//! criterion: data\n",
    )
    .unwrap();
    screen(&[])
        .expect_code(3)
        .stderr_has("it changed after signing");
    fs::remove_file(scratch.path("rules/base/rules/extra.rhai")).unwrap();
    scratch
        .run(&["sign", "kh@2010.2", "--key", &scratch.s("stranger")])
        .expect_code(0);
    screen(&[])
        .expect_code(3)
        .stderr_has("which is not among the trusted keys");
}

#[test]
fn impact_lists_what_a_change_flips() {
    let scratch = Scratch::new();
    copy_dir(&root().join("rules"), &scratch.path("proposed"));
    edit(
        &scratch.path("proposed/base/rules/MG-01.rhai"),
        "reject(",
        "revise(",
    );
    let run = tcscreen(&[
        "impact",
        "--from",
        "rules",
        "--to",
        &scratch.s("proposed"),
        "fixtures/requests",
    ]);
    run.expect_code(0)
        .stdout_has("reject → revise")
        .stdout_has("~ base/MG-01: reject → revise")
        .stdout_has("summary (");
    let json = tcscreen(&[
        "impact",
        "--from",
        "rules",
        "--to",
        &scratch.s("proposed"),
        "fixtures/requests",
        "--format",
        "json",
    ]);
    json.expect_code(0)
        .stdout_has(r#""from":"reject","to":"revise""#);
    let md = tcscreen(&[
        "impact",
        "--from",
        "rules",
        "--to",
        &scratch.s("proposed"),
        "fixtures/requests",
        "--format",
        "markdown",
    ]);
    md.expect_code(0)
        .stdout_has("# Impact of the rule change")
        .stdout_has("| reject | revise |");
}

#[test]
fn compare_shows_progress_between_rounds() {
    let scratch = Scratch::new();
    let fixture = root().join("fixtures/requests/kh/kh-moh-2025-022-adviser-offer.json");
    let previous = scratch.s("previous.json");
    scratch
        .run(&[
            "screen",
            "--format",
            "json",
            "--out",
            &previous,
            fixture.to_str().unwrap(),
        ])
        .expect_code(0);
    let text = fs::read_to_string(&fixture).unwrap();
    let revised = scratch.path("revised.json");
    fs::write(
        &revised,
        text.replacen(
            r#""drafted_by": "provider""#,
            r#""drafted_by": "partner""#,
            1,
        ),
    )
    .unwrap();
    let run = scratch.run(&["compare", &previous, revised.to_str().unwrap()]);
    run.expect_code(0)
        .stdout_has("resolved: ")
        .stdout_has("still open: ")
        .stdout_has("new: ");
    let json = scratch.run(&[
        "compare",
        &previous,
        revised.to_str().unwrap(),
        "--format",
        "json",
    ]);
    // With the terms of reference drafted by the partner, the supply-led sequence (DL-02) and
    // the provider's draft (DL-03) are resolved; the late letter alone stays as a new note.
    json.expect_code(0)
        .stdout_has(r#""resolved":[{"field":"origin.provider_approval_date""#)
        .stdout_has(r#"{"field":"origin.tor.partner_approved","message":"The terms of reference were drafted by the provider"#)
        .stdout_has(r#""new":[{"field":"origin.request_letter.date""#);
}

/// Issue 20 §3 at the command line: with the server's users file, `register decide` records
/// the account `--by` names only once its password is given and only if it may decide, so
/// every entry of a register kept with accounts names the account that made it.
#[test]
fn register_decide_with_accounts_records_the_account_once_its_password_is_given() {
    let scratch = Scratch::new();
    let (register, lines) = register_lines(&scratch);
    let request_id = lines[0]
        .split(r#""request_id":""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let users = scratch.s("users.toml");
    for (name, role, password) in [
        ("d.officer", "decider", "a long decider passphrase 1"),
        ("s.officer", "screener", "a long screener passphrase 2"),
    ] {
        tcscreen_with_stdin(
            &[
                "users",
                "--users",
                &users,
                "add",
                name,
                "--role",
                role,
                "--password-stdin",
            ],
            format!("{password}\n").as_bytes(),
        )
        .expect_code(0);
    }
    let rules = scratch.s("rules");
    let decide = |by: &str, password: &str| {
        tcscreen_with_stdin(
            &[
                "--rules",
                &rules,
                "register",
                "decide",
                &request_id,
                "--register",
                &register,
                "--users",
                &users,
                "--password-stdin",
                "--by",
                by,
                "--decision",
                "revise",
                "--reason",
                "Checked with the ministry",
                "--at",
                "2026-11-28",
            ],
            format!("{password}\n").as_bytes(),
        )
    };
    decide("d.officer", "not the password")
        .expect_code(2)
        .stderr_has("no account d.officer with that password");
    decide("A. Anybody", "a long decider passphrase 1")
        .expect_code(2)
        .stderr_has("no account A. Anybody with that password");
    decide("s.officer", "a long screener passphrase 2")
        .expect_code(2)
        .stderr_has("may not record decisions");
    assert_eq!(
        fs::read_to_string(&register).unwrap().lines().count(),
        lines.len(),
        "a refused decision records nothing"
    );
    decide("d.officer", "a long decider passphrase 1").expect_code(0);
    scratch
        .run(&["register", "show", &request_id, "--register", &register])
        .expect_code(0)
        .stdout_has("by d.officer");
}
