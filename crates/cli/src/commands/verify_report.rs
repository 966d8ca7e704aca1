//! What `register verify` says: the chain intact, or where it breaks and what to do next
//! (repair a torn tail, keep the intact entries, check a backup against them), as text or, with
//! `--error-format json`, as one JSON object on stdout.

use std::path::Path;

use crate::console::outln;
use crate::diagnostics;
use tcscreen_core::{Json, canonical};
use tcscreen_service::escape::controls as esc;
use tcscreen_service::register::{Broken, Damage};
use tcscreen_service::register_scan::Tally;

/// The head `SEQ:HASH` of the verified entries counted in `tally` (seq counts from 1).
fn head_of(tally: &Tally) -> Option<String> {
    (tally.entries > 0).then(|| format!("{}:{}", tally.entries, tally.last_hash))
}

/// The chain verified: its entries and head.
pub fn intact(file: &Path, tally: &Tally) {
    let head = head_of(tally);
    if diagnostics::is_json() {
        print_json(&Json::object([
            ("file", Json::string(file.display().to_string())),
            ("intact", Json::new(tcscreen_core::JsonValue::Bool(true))),
            ("entries", Json::number(tally.entries)),
            ("head", Json::opt_string(head.as_deref())),
        ]));
        return;
    }
    let last = head.map_or_else(|| "empty".to_string(), |h| format!("head {h}"));
    outln!(
        "ok  {}: {} entries, chain intact ({last})",
        esc(&file.display().to_string()),
        tally.entries
    );
}

/// The chain broken at `broken`, after the intact entries `good`.
pub fn broken(file: &Path, good: &Tally, broken: &Broken) {
    let shown = file.display().to_string();
    let head = head_of(good);
    let next = next_steps(&shown, good.entries, head.as_deref(), broken);
    if diagnostics::is_json() {
        print_json(&Json::object([
            ("file", Json::string(&shown)),
            ("intact", Json::new(tcscreen_core::JsonValue::Bool(false))),
            ("first_bad_entry", Json::number(broken.seq)),
            ("damage", Json::string(broken.damage.as_str())),
            ("message", Json::string(&broken.message)),
            ("intact_entries", Json::number(good.entries)),
            ("intact_head", Json::opt_string(head.as_deref())),
            ("next", Json::array(next.iter().map(Json::string).collect())),
        ]));
        return;
    }
    outln!(
        "BROKEN  {}: first bad entry {} ({}): {}",
        esc(&shown),
        broken.seq,
        broken.damage.as_str(),
        esc(&broken.message)
    );
    match &head {
        Some(head) => outln!(
            "        the {} entries before it are intact (head {head})",
            good.entries
        ),
        None => outln!("        no entry before it is intact"),
    }
    outln!("        next:");
    for step in &next {
        outln!("          - {}", esc(step));
    }
}

/// What to do about the damage, as commands to run.
fn next_steps(file: &str, intact: u64, head: Option<&str>, broken: &Broken) -> Vec<String> {
    let quoted = shell_quote(file);
    let mut steps = Vec::new();
    if broken.damage == Damage::Truncated && !broken.message.contains("anchored head") {
        steps.push(format!(
            "if a crash cut off the last append: `tcscreen register repair {quoted} --truncate-torn-tail` drops only that unfinished line and verifies the rest; then screen the lost request again"
        ));
    }
    steps.push(format!(
        "keep {quoted} as it is, as evidence; tcscreen does not repair tampering (docs/audit.md, \"Repairing a damaged register\")"
    ));
    if let Some(head) = head {
        steps.push(format!(
            "recover the {intact} intact entries (one a line): `head -n {intact} {quoted} > intact.jsonl`, then `tcscreen register verify intact.jsonl --head {head}` confirms them"
        ));
        steps.push(format!(
            "compare with a backup: `tcscreen register verify BACKUP --head {head}` passes when the backup holds the same {intact} entries; it then holds what came after them as it was, if it verifies whole"
        ));
    } else {
        steps.push(
            "compare with a backup: `tcscreen register verify BACKUP`, and restore it if it verifies against the head you anchored elsewhere (`--head SEQ:HASH`)".into(),
        );
    }
    steps.push(
        "screen again (or record again the human decisions on) whatever the restored register lacks".into(),
    );
    steps
}

fn print_json(json: &Json) {
    outln!("{}", canonical::to_canonical_string(json));
}

/// `file` as a shell word: unchanged when it holds only safe characters, else in single quotes.
fn shell_quote(file: &str) -> String {
    if !file.is_empty()
        && file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        file.to_string()
    } else {
        format!("'{}'", file.replace('\'', r"'\''"))
    }
}
