//! The note a ministry sends as it is (issue 19 §3), over every shipped fixture, every variant
//! of the judged case library (requests the fixtures do not hold) and focused requests: every change is listed, repeated findings of one rule are one point, information
//! is phrased as information, each point goes to whoever must act (the coordination unit's own
//! follow-up stays out of the note), and the words fit the requester.

use serde_json::Value;

use crate::harness::{tcscreen, tcscreen_with_stdin};

/// Verbs that open an instruction: a point for information never starts a sentence or a
/// clause with one, and an accepted request is never told to do any of these.
const INSTRUCTIONS: &[&str] = &[
    "Add",
    "Agree",
    "Align",
    "Assign",
    "Attach",
    "Change",
    "Complete",
    "Consider",
    "Correct",
    "Create",
    "Date",
    "Describe",
    "Evaluate",
    "Explain",
    "Give",
    "Have",
    "Limit",
    "List",
    "Make",
    "Merge",
    "Name",
    "Open",
    "Place",
    "Plan",
    "Put",
    "Record",
    "Reduce",
    "Reference",
    "Remove",
    "Report",
    "Resubmit",
    "Say",
    "Show",
    "State",
    "Stop",
    "Submit",
    "Test",
    "Turn",
    "Use",
    "Write",
];

/// The instruction `text` gives, if any: an imperative verb opening a sentence or a clause.
fn instruction_in(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    if lower.contains("resubmit") || lower.contains(" must ") {
        return Some(text.to_string());
    }
    let mut starts = vec![0];
    for sep in [". ", ": ", "; ", ", then "] {
        starts.extend(text.match_indices(sep).map(|(i, s)| i + s.len()));
    }
    starts.into_iter().find_map(|at| {
        let word: String = text[at..]
            .chars()
            .take_while(|c| c.is_alphabetic())
            .collect();
        let capitalised = {
            let mut c = word.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        };
        INSTRUCTIONS
            .contains(&capitalised.as_str())
            .then(|| text[at..].to_string())
    })
}

/// The records and notes of every request in `dir`, in the same order.
fn records_and_notes(dir: &str) -> Vec<(Value, String)> {
    let records = tcscreen(&["screen", "--format", "jsonl", dir]);
    assert_eq!(records.code, 0, "{}", records.stderr);
    let notes = tcscreen(&["screen", "--format", "markdown", dir]);
    assert_eq!(notes.code, 0, "{}", notes.stderr);
    let records: Vec<Value> = records
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let notes: Vec<String> = notes.stdout.split("\n---\n").map(str::to_string).collect();
    assert_eq!(records.len(), notes.len());
    for (record, note) in records.iter().zip(&notes) {
        let id = record["request"]["id"].as_str().unwrap();
        assert!(
            note.contains(&format!("request {id}:")),
            "{id}: notes in order"
        );
    }
    records.into_iter().zip(notes).collect()
}

/// The records and notes of every fixture, in the same order.
fn every_fixture() -> Vec<(Value, String)> {
    let all = records_and_notes("fixtures/requests");
    assert!(all.len() >= 39, "one record per fixture");
    all
}

/// JSON merge patch (RFC 7396), as the case library applies it to a request.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let members = target.as_object_mut().unwrap();
    for (key, value) in patch {
        if value.is_null() {
            members.remove(key);
        } else {
            merge_patch(members.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// The records and notes of every variant in the judged case library (fixtures/cases): the
/// requests the project has not screened as fixtures, patched as the library patches them.
fn every_case_variant() -> Vec<(Value, String)> {
    let cases_dir = crate::harness::root().join("fixtures/cases");
    let out = tempfile::tempdir().unwrap();
    let mut written = 0;
    for entry in walkdir::WalkDir::new(&cases_dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
        for case in cases {
            let mut request = match &case["request"] {
                Value::String(path) => {
                    let path = entry.path().parent().unwrap().join(path);
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
                }
                inline => inline.clone(),
            };
            if let Some(patch) = case.get("patch") {
                merge_patch(&mut request, patch);
            }
            written += 1;
            let name = format!("{written:03}.json");
            std::fs::write(out.path().join(name), request.to_string()).unwrap();
        }
    }
    assert!(
        written >= 36,
        "the case library holds its variants ({written})"
    );
    records_and_notes(&out.path().to_string_lossy())
}

fn actor(f: &Value) -> &str {
    f["actor"]
        .as_str()
        .unwrap_or_else(|| panic!("a finding without an actor: {f}"))
}

/// A note's text with Markdown's escapes taken out, to find messages in it.
fn plain(note: &str) -> String {
    note.replace('\\', "")
}

/// Whether `message` is in the note: whole, or (a point gathering findings that all open with
/// the same sentence says it once) its opening sentence ending a point's lead and the rest as
/// one of its items.
fn listed(note: &str, message: &str) -> bool {
    if note.contains(message) {
        return true;
    }
    let Some((opening, rest)) = message.split_once(". ") else {
        return false;
    };
    let lead_ends = note
        .lines()
        .any(|l| l.ends_with(&format!(". {opening}:")) && l.split_once(". ").is_some());
    lead_ends && note.lines().any(|l| l.trim_start() == format!("- {rest}"))
}

/// The items listed under each numbered point of a note (its About, Policy and Reference
/// lines left out).
fn point_items(note: &str) -> Vec<Vec<String>> {
    let mut points: Vec<Vec<String>> = Vec::new();
    for line in note.lines() {
        let numbered = line
            .split_once(". ")
            .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if numbered {
            points.push(Vec::new());
        } else if let Some(item) = line.strip_prefix("   ").map(str::trim_start)
            && let Some(item) = item.strip_prefix("- ")
            && !["About:", "Policy:", "Reference:"]
                .iter()
                .any(|p| item.starts_with(p))
            && let Some(point) = points.last_mut()
        {
            point.push(item.to_string());
        } else if !line.starts_with(' ') {
            points.push(Vec::new());
        }
    }
    points
}

/// The points of a note for information: the text of each numbered point (its lead and
/// items) under a "For information" label.
fn information_points(note: &str) -> Vec<String> {
    let mut points = Vec::new();
    let mut in_information = false;
    for line in note.lines() {
        if line.starts_with("**") {
            in_information = line == "**For information**";
        } else if line.starts_with('#') {
            in_information = false;
        } else if in_information {
            let text = line.trim_start();
            let item = text
                .split_once(". ")
                .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                .map(|(_, rest)| rest)
                .or_else(|| text.strip_prefix("- "));
            if let Some(item) = item
                && !item.starts_with("About:")
                && !item.starts_with("Policy:")
                && !item.starts_with("Reference:")
            {
                points.push(plain(item));
            }
        }
    }
    points
}

#[test]
fn every_fixture_note_lists_every_change_and_reads_as_its_decision() {
    lists_every_change_and_reads_as_its_decision(every_fixture());
}

#[test]
fn every_case_variant_note_lists_every_change_and_reads_as_its_decision() {
    lists_every_change_and_reads_as_its_decision(every_case_variant());
}

fn lists_every_change_and_reads_as_its_decision(all: Vec<(Value, String)>) {
    for (record, note) in all {
        let id = record["request"]["id"].as_str().unwrap();
        let decision = record["decision"].as_str().unwrap_or("none");
        let text = plain(&note);
        assert!(
            !note.contains("not listed") && !note.contains("more point"),
            "{id}: a point left out of the note"
        );
        // The decision paragraph points only to labels the note has.
        for (named, label) in [
            ("points marked **should change**", "**Should change**"),
            ("points marked **must change**", "**Must change**"),
        ] {
            assert!(
                !note.contains(named) || note.contains(label),
                "{id}: the decision names {label} points the note does not have:\n{note}"
            );
        }
        let findings = record["findings"].as_array().unwrap();
        let mut groups = 0;
        let mut last: Option<(String, String, String)> = None;
        for f in findings {
            let message = f["message"].as_str().unwrap();
            let who = actor(f);
            if who == "coordination_unit" {
                assert!(
                    !text.contains(message),
                    "{id}: the unit's own follow-up is in the requester's note: {message}"
                );
                continue;
            }
            assert!(
                listed(&text, message),
                "{id}: `{message}` is not in the note"
            );
            if who != "none" {
                let key = (
                    f["rule"].as_str().unwrap().to_string(),
                    f["outcome"].as_str().unwrap().to_string(),
                    who.to_string(),
                );
                if last.as_ref() != Some(&key) {
                    groups += 1;
                }
                last = Some(key);
            }
        }
        // A sentence every item of a point opens with is said once, in the point's lead.
        for items in point_items(&note) {
            let openings: Vec<&str> = items
                .iter()
                .map(|i| i.split_once(". ").map_or(i.as_str(), |(o, _)| o))
                .collect();
            assert!(
                items.len() < 2 || openings.iter().any(|o| *o != openings[0]),
                "{id}: every item of a point repeats `{}`:\n{note}",
                openings[0]
            );
        }
        // One numbered point per rule, outcome and actor: repeated findings are one point.
        let numbered = note
            .lines()
            .filter(|l| {
                l.split_once(". ")
                    .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            })
            .count();
        assert!(
            numbered <= groups,
            "{id}: {numbered} points for {groups} groups of findings"
        );
        if decision == "accept" {
            for point in note
                .lines()
                .filter(|l| l.contains(". ") || l.contains("- "))
            {
                if point.contains("About:")
                    || point.contains("Policy:")
                    || point.contains("Reference:")
                {
                    continue;
                }
                assert_eq!(
                    instruction_in(&plain(point)),
                    None,
                    "{id} is accepted, but its note tells the requester to act: {point}"
                );
            }
        }
        for point in information_points(&note) {
            assert_eq!(
                instruction_in(&point),
                None,
                "{id}: a point for information is phrased as an instruction: {point}"
            );
        }
    }
}

#[test]
fn a_finding_the_pack_lowers_to_a_note_reads_as_information() {
    let lowered = lowered_findings_read_as_information(every_fixture());
    assert!(
        lowered >= 5,
        "the fixtures hold lowered findings ({lowered})"
    );
    lowered_findings_read_as_information(every_case_variant());
}

/// Checks every finding a pack lowers to a note; returns how many there were.
fn lowered_findings_read_as_information(all: Vec<(Value, String)>) -> usize {
    let mut lowered = 0;
    for (record, _) in all {
        let id = record["request"]["id"].as_str().unwrap();
        for f in record["findings"].as_array().unwrap() {
            if f["outcome"] == "note" && !f["overridden_from"].is_null() {
                lowered += 1;
                let message = f["message"].as_str().unwrap();
                assert_eq!(
                    instruction_in(message),
                    None,
                    "{id}: {} lowered to a note still asks for a change: {message}",
                    f["rule"]
                );
            }
        }
    }
    lowered
}

#[test]
fn points_go_to_whoever_must_act() {
    let (offers, unit) = each_point_goes_to_whoever_must_act(every_fixture());
    assert!(
        offers >= 3,
        "the fixtures hold unsolicited offers ({offers})"
    );
    assert!(
        unit >= 3,
        "the fixtures hold the unit's own follow-up ({unit})"
    );
}

#[test]
fn points_of_every_case_variant_go_to_whoever_must_act() {
    let (offers, _) = each_point_goes_to_whoever_must_act(every_case_variant());
    assert!(
        offers >= 2,
        "the case library holds unsolicited offers ({offers})"
    );
}

/// Checks who each point of every note goes to; returns how many unsolicited offers were
/// answered and how many findings were the unit's own follow-up.
fn each_point_goes_to_whoever_must_act(all: Vec<(Value, String)>) -> (usize, usize) {
    let mut offers = 0;
    let mut unit = 0;
    for (record, note) in all {
        let id = record["request"]["id"].as_str().unwrap();
        let input = &record["input"];
        for f in record["findings"].as_array().unwrap() {
            let message = f["message"].as_str().unwrap();
            // An unsolicited offer is answered to the provider, first.
            if f["rule"] == "base/DL-01" && f["outcome"] == "reject" {
                offers += 1;
                assert_eq!(actor(f), "provider", "{id}");
                let first_section = note.split("### ").nth(1).unwrap_or_default();
                assert!(
                    first_section.starts_with("For the provider")
                        && plain(first_section).contains(message),
                    "{id}: the offer is not answered to the provider first:\n{note}"
                );
            }
            if actor(f) == "coordination_unit" {
                unit += 1;
                assert_eq!(f["outcome"], "note", "{id}: the unit is asked for a change");
            }
            // A counterpart on a project contract is not called a civil servant.
            if let Some(field) = f["field"].as_str()
                && let Some(index) = field
                    .strip_prefix("counterparts[")
                    .and_then(|rest| rest.split_once(']'))
                    .and_then(|(i, _)| i.parse::<usize>().ok())
                && input["counterparts"][index]["on_establishment"] == false
            {
                assert!(
                    !message.contains("civil servant"),
                    "{id}: a project-contract counterpart is called a civil servant: {message}"
                );
            }
        }
        let lower = note.to_lowercase();
        assert!(
            !lower.contains("must ask for the tc") && !lower.contains("coordination unit will"),
            "{id}: the note tells the ministry to ask for an offer, or holds the unit's own follow-up"
        );
        // The platform named fits the requester.
        if input["requester"]["kind"] != "civil_society" {
            assert!(
                !note.contains("civil-society platform"),
                "{id} ({}): a civil-society platform is named",
                input["requester"]["kind"]
            );
        }
    }
    (offers, unit)
}

/// A university and a business association are pointed to the aid coordination unit only;
/// a civil-society organisation to its platform too.
#[test]
fn the_platform_named_matches_the_requester() {
    for (kind, platform, who) in [
        ("academia", false, "an academic institution's request"),
        ("private_sector", false, "a private-sector body's request"),
        (
            "civil_society",
            true,
            "a civil-society organisation's request",
        ),
    ] {
        let request = format!(
            r#"{{"id": "KH-P-1", "country": "KH", "title": "Methods", "received": "2025-03-04",
                "requester": {{"name": "Body", "kind": "{kind}"}}}}"#
        );
        let run = tcscreen_with_stdin(&["screen", "--format", "markdown", "-"], request.as_bytes());
        run.expect_code(0);
        assert_eq!(
            run.stdout.contains("civil-society platform"),
            platform,
            "{kind}:\n{}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains("You may inform the aid coordination unit"),
            "{kind}"
        );
        assert!(run.stdout.contains(who), "{kind}:\n{}", run.stdout);
    }
}

/// Four positions answering to the provider are one point listing each; an offer nobody asked
/// for is answered to the provider; a supplement to a project-contract counterpart is not a
/// civil servant's.
#[test]
fn one_point_per_rule_and_the_offer_answered_to_the_provider() {
    let request = r#"{"id": "NP-O-1", "country": "NP", "title": "Offer", "received": "2022-09-05",
        "requester": {"name": "Ministry", "kind": "line_ministry"},
        "origin": {"initiated_by": "provider"},
        "personnel": [
            {"id": "P1", "reports_to": "provider"}, {"id": "P2", "reports_to": "provider"},
            {"id": "P3", "reports_to": "provider"}, {"id": "P4", "reports_to": "provider"}],
        "counterparts": [{"id": "C1", "position": "Officer (project contract)",
            "on_establishment": false, "assigned": true, "salary_supplement": true}]}"#;
    let run = tcscreen_with_stdin(&["screen", "--format", "markdown", "-"], request.as_bytes());
    run.expect_code(0);
    let note = run.stdout;
    let points: Vec<&str> = note
        .lines()
        .filter(|l| l.contains("reports to the provider"))
        .collect();
    assert_eq!(points.len(), 4, "{note}");
    assert!(
        points.iter().all(|l| l.trim_start().starts_with("- P")),
        "each position is an item of one point: {points:?}"
    );
    assert!(
        note.contains("Personnel and management answer to the partner, not the provider:"),
        "{note}"
    );
    let provider = note
        .split("### For the provider")
        .nth(1)
        .expect("a section for the provider");
    assert!(
        provider.contains("This TC is offered by the provider"),
        "{note}"
    );
    assert!(
        note.find("### For the provider") < note.find("### For the requesting institution"),
        "the deciding point's actor comes first:\n{note}"
    );
    // Nepal's pack notes supplements (no source bans them): information, not an instruction.
    assert!(
        note.contains("The TC budget pays a salary supplement to counterpart C1 (Officer (project contract)). This screening does not ask for a change to it."),
        "{note}"
    );
    assert!(!note.contains("civil servant"), "{note}");
    // Cambodia's rejects them: the project-contract counterpart is named as such.
    let cambodian = request
        .replace("NP-O-1", "KH-O-1")
        .replace("\"NP\"", "\"KH\"")
        .replace("2022-09-05", "2025-09-05");
    let run = tcscreen_with_stdin(
        &["screen", "--format", "markdown", "-"],
        cambodian.as_bytes(),
    );
    run.expect_code(0);
    assert!(
        run.stdout.contains("a counterpart on a project contract is paid no more than civil-service staff in the same role"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("civil servants are paid"),
        "{}",
        run.stdout
    );
}

/// The coordination unit's own follow-up is in the record and the text output, not the note.
#[test]
fn the_units_follow_up_stays_out_of_the_note() {
    let fixture = "fixtures/requests/np/np-moctca-2017-021-tourism-marketing-offer.json";
    let record = tcscreen(&["screen", "--format", "json", fixture]);
    let record: Value = serde_json::from_str(&record.stdout).unwrap();
    let follow_up: Vec<&Value> = record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["actor"] == "coordination_unit")
        .collect();
    assert_eq!(follow_up.len(), 1, "{record}");
    let message = follow_up[0]["message"].as_str().unwrap();
    assert!(message.contains("check the sector against it"), "{message}");
    let note = tcscreen(&["screen", "--format", "markdown", fixture]).stdout;
    assert!(!note.contains("sector 33210"), "{note}");
    let text = tcscreen(&["screen", fixture]).stdout;
    assert!(
        text.contains("for the coordination unit, not in the requester's note"),
        "{text}"
    );
}

/// Counterparts all on project contracts are not called civil servants when the allowances
/// they take part in are questioned.
#[test]
fn project_contract_counterparts_are_not_called_civil_servants() {
    let request = r#"{"id": "KH-A-1", "country": "KH", "title": "Allowances", "received": "2025-03-04",
        "requester": {"name": "Ministry", "kind": "line_ministry"},
        "finance": {"currency": "USD", "total": 100000, "allowances": 20000},
        "counterparts": [{"id": "C1", "position": "Officer (project contract)",
            "on_establishment": false, "assigned": true}]}"#;
    let run = tcscreen_with_stdin(&["screen", "--format", "json", "-"], request.as_bytes());
    run.expect_code(0);
    let record: Value = serde_json::from_str(&run.stdout).unwrap();
    let kh_04: Vec<&str> = record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "kh/KH-04")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(kh_04.len(), 1, "{record}");
    assert!(
        kh_04[0].contains("while counterparts on project contracts take part"),
        "{}",
        kh_04[0]
    );
    for f in record["findings"].as_array().unwrap() {
        assert!(
            !f["message"].as_str().unwrap().contains("civil servant"),
            "{f}"
        );
    }
}

/// Records written before findings named who must act still replay, bit for bit as they were
/// written, as a match that says why the bytes differ.
#[test]
fn records_from_before_actors_replay_as_a_match() {
    let recorded =
        std::fs::read_to_string(crate::harness::root().join("fixtures/decisions/fixtures.jsonl"))
            .unwrap();
    let mut older = String::new();
    for line in recorded.lines() {
        let mut record: Value = serde_json::from_str(line).unwrap();
        for f in record["findings"].as_array_mut().unwrap() {
            assert!(f.as_object_mut().unwrap().remove("actor").is_some());
        }
        older.push_str(&record.to_string());
        older.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("older.jsonl");
    std::fs::write(&path, older).unwrap();
    let run = tcscreen(&["replay", path.to_str().unwrap()]);
    run.expect_code(0);
    let matches = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("match"))
        .count();
    assert_eq!(matches, recorded.lines().count(), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("recorded before findings named who must act; everything else is the same"),
        "{}",
        run.stdout
    );
    // Anything else changed is still a divergence.
    let tampered =
        std::fs::read_to_string(&path)
            .unwrap()
            .replacen("The TC is tied", "The TC was tied", 1);
    std::fs::write(&path, tampered).unwrap();
    let run = tcscreen(&["replay", path.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stdout);
}
