//! Verifying a register as a stream: each line is read, parsed, checked against its own hash,
//! its number and its link to the entry before, handed to the caller, and dropped. Memory holds
//! one line at a time (at most [`MAX_ENTRY_BYTES`]) and an 8-byte fingerprint of the request of
//! each screening, so that a human decision can be checked to decide on a screening of its own
//! request: a million entries take about 8 MB, whatever their size, where reading the whole
//! register took hundreds of megabytes.
//!
//! [`scan`] is what `register verify` runs, what the server runs once at start to build its
//! index ([`crate::register_index`]), and what `register::read` collects from.

use std::collections::hash_map::RandomState;
use std::fs::File;
use std::hash::BuildHasher;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use tcscreen_core::json;
use tcscreen_core::{DecisionRecord, json::JsonValue};

use crate::register::{Body, Broken, Damage, Entry, GENESIS, LIMITS, parse_entry_and_record, seal};

/// The longest line a register entry may have: a record holds one request (4 MiB at most by
/// default) and its findings. A longer line is damage, never read whole.
pub const MAX_ENTRY_BYTES: usize = 64 * 1024 * 1024;

/// One verified entry, where it lies in the file, and (for a screening) its record, read once.
pub struct Scanned {
    /// The entry.
    pub entry: Entry,
    /// A screening's decision record, parsed.
    pub record: Option<DecisionRecord>,
    /// The byte offset of its line in the file.
    pub offset: u64,
    /// The length of its line, without the line end.
    pub len: usize,
}

/// What a scan has verified so far: how many entries, the last one's hash, and the bytes they
/// take (the offset at which the next entry would be written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Entries verified.
    pub entries: u64,
    /// The hash of the last one ([`GENESIS`] when there is none).
    pub last_hash: String,
    /// Bytes of the verified entries, line ends included.
    pub bytes: u64,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            entries: 0,
            last_hash: GENESIS.to_string(),
            bytes: 0,
        }
    }
}

/// The chain as verified so far: what the next entry must be.
struct Chain {
    tally: Tally,
    /// A fingerprint of the request of each entry (by `seq - 1`); 0 for a decision.
    screened: Vec<u64>,
    hasher: RandomState,
}

impl Chain {
    /// A screening's fingerprint of `request_id`, never 0.
    fn fingerprint(&self, request_id: &str) -> u64 {
        self.hasher.hash_one(request_id) | 1
    }

    /// The entry on the line `raw`, checked against the chain so far. `torn`: the file ends
    /// inside this line; `comes_later(n)`: whether an entry numbered `n` follows in the file.
    fn next(
        &mut self,
        raw: &[u8],
        torn: bool,
        comes_later: impl FnOnce(u64) -> bool,
    ) -> Result<(Entry, Option<DecisionRecord>), Broken> {
        let expected = self.tally.entries + 1;
        let broken = |damage, message: String| Broken {
            seq: expected,
            damage,
            message,
        };
        let incomplete = || {
            broken(
                Damage::Truncated,
                format!("entry {expected} is incomplete: the file ends inside it"),
            )
        };
        // The exact bytes: a byte that is not UTF-8 is a change, not something to decode.
        let line = match std::str::from_utf8(raw) {
            Ok(line) => line,
            Err(_) if torn => return Err(incomplete()),
            Err(e) => {
                return Err(broken(
                    Damage::Modified,
                    format!(
                        "entry {expected} is not UTF-8 text (an invalid byte at byte {} of its line): it was changed after it was written",
                        e.valid_up_to() + 1
                    ),
                ));
            }
        };
        let parsed = match json::parse(line, LIMITS) {
            Ok(parsed) => parsed,
            Err(_) if torn => return Err(incomplete()),
            Err(e) => {
                return Err(broken(
                    Damage::Modified,
                    format!("entry {expected} is not valid JSON: {}", e[0].message),
                ));
            }
        };
        let seq = parsed.get("seq").and_then(|s| match &s.value {
            JsonValue::Number(n) => u64::try_from(*n).ok(),
            _ => None,
        });
        let Some(seq) = seq else {
            return Err(broken(
                Damage::Modified,
                format!("entry {expected} has no sequence number"),
            ));
        };
        if seq != expected {
            let (damage, message) = misplaced(seq, expected, comes_later);
            return Err(broken(damage, message));
        }
        let (entry, record) = parse_entry_and_record(parsed)
            .map_err(|why| broken(Damage::Modified, format!("entry {expected}: {why}")))?;
        let (resealed, hash) = seal(entry.seq, &entry.prev, &entry.request_id, &entry.body, None);
        if hash != entry.hash || resealed != *line {
            return Err(broken(
                Damage::Modified,
                format!(
                    "entry {expected} was changed after it was written: its content does not match its hash"
                ),
            ));
        }
        if entry.prev != self.tally.last_hash {
            return Err(broken(
                Damage::Inserted,
                format!(
                    "entry {expected} does not follow entry {}: the link between them is broken",
                    expected - 1
                ),
            ));
        }
        let fingerprint = self.fingerprint(&entry.request_id);
        match &entry.body {
            Body::Decision(d) => {
                let target = usize::try_from(d.screening_seq.wrapping_sub(1))
                    .ok()
                    .and_then(|i| self.screened.get(i));
                if target != Some(&fingerprint) {
                    return Err(broken(
                        Damage::Modified,
                        format!(
                            "entry {expected} decides on entry {}, which is not a screening of {}",
                            d.screening_seq, entry.request_id
                        ),
                    ));
                }
                self.screened.push(0);
            }
            Body::Screening { .. } => self.screened.push(fingerprint),
        }
        self.tally.entries = seq;
        self.tally.last_hash.clone_from(&entry.hash);
        self.tally.bytes += raw.len() as u64 + 1;
        Ok((entry, record))
    }
}

/// What an entry numbered `seq` where `expected` should be means: entries reordered (the
/// expected one comes later), deleted, or inserted.
fn misplaced(seq: u64, expected: u64, comes_later: impl FnOnce(u64) -> bool) -> (Damage, String) {
    if seq > expected && comes_later(expected) {
        (
            Damage::Reordered,
            format!("entry {seq} stands where entry {expected} should be"),
        )
    } else if seq > expected {
        (
            Damage::Deleted,
            format!("entry {expected} is missing: the next entry is {seq}"),
        )
    } else {
        (
            Damage::Inserted,
            format!("an extra entry numbered {seq} stands where entry {expected} should be"),
        )
    }
}

/// Whether a line of the rest of `reader` holds the entry numbered `seq` (read a line at a
/// time; only on the way to reporting damage).
fn later_line_has(reader: &mut impl BufRead, seq: u64) -> bool {
    let inner = format!("\"seq\":{seq},");
    let last = format!("\"seq\":{seq}}}");
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader
            .by_ref()
            .take(MAX_ENTRY_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)
        {
            Ok(0) | Err(_) => return false,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end_matches('\n');
                if text.contains(&inner) || text.ends_with(&last) {
                    return true;
                }
            }
        }
    }
}

/// Verify the register at `path` entry by entry, handing each verified entry to `visit`.
/// `head` (`SEQ:HASH` or `HASH`, from `register head`) must be among the entries. Returns what
/// was verified, or where the register first breaks (with what was verified before it).
pub fn scan(
    path: &Path,
    head: Option<&str>,
    mut visit: impl FnMut(Scanned),
) -> Result<Tally, (Tally, Broken)> {
    let cannot_read = |e: std::io::Error, tally: Tally| {
        (
            tally,
            Broken {
                seq: 0,
                damage: Damage::Truncated,
                message: format!("cannot read {}: {e}", path.display()),
            },
        )
    };
    let file = crate::register_file::open_regular(path, std::fs::OpenOptions::new().read(true))
        .map_err(|message| {
            (
                Tally::default(),
                Broken {
                    seq: 0,
                    damage: Damage::Truncated,
                    message,
                },
            )
        })?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut chain = Chain {
        tally: Tally::default(),
        screened: Vec::new(),
        hasher: RandomState::new(),
    };
    let (want_seq, want_hash) = match head {
        Some(head) => head.split_once(':').unwrap_or(("", head)),
        None => ("", ""),
    };
    let mut anchored = head.is_none();
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = reader
            .by_ref()
            .take(MAX_ENTRY_BYTES as u64 + 1)
            .read_until(b'\n', &mut line);
        match read {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(cannot_read(e, chain.tally)),
        }
        let offset = chain.tally.bytes;
        let terminated = line.last() == Some(&b'\n');
        if terminated {
            line.pop();
        } else if line.len() > MAX_ENTRY_BYTES {
            let seq = chain.tally.entries + 1;
            return Err((
                chain.tally,
                Broken {
                    seq,
                    damage: Damage::Modified,
                    message: format!(
                        "entry {seq} is longer than any entry can be ({} MiB): it was changed after it was written",
                        MAX_ENTRY_BYTES >> 20
                    ),
                },
            ));
        }
        let next = chain.next(&line, !terminated, |seq| later_line_has(&mut reader, seq));
        match next {
            Ok((entry, record)) => {
                if !anchored
                    && entry.hash == want_hash
                    && (want_seq.is_empty() || entry.seq.to_string() == want_seq)
                {
                    anchored = true;
                }
                visit(Scanned {
                    entry,
                    record,
                    offset,
                    len: line.len(),
                });
            }
            Err(broken) => return Err((chain.tally, broken)),
        }
    }
    if !anchored {
        let next = chain.tally.entries + 1;
        let broken = Broken {
            seq: want_seq.parse().unwrap_or(next),
            damage: Damage::Truncated,
            message: format!(
                "the anchored head {} is not in the register: entries were removed from its end, or it was rewritten",
                head.unwrap_or_default()
            ),
        };
        return Err((chain.tally, broken));
    }
    Ok(chain.tally)
}

/// Read one entry's line at `offset` (`len` bytes, without the line end) from `file`, and
/// check it is the entry `hash` names, unchanged: what the server does to open an entry it
/// verified at start. `Err` says what is wrong.
pub fn read_entry_at(
    file: &File,
    offset: u64,
    len: usize,
    hash: &str,
) -> Result<(Entry, Option<DecisionRecord>), String> {
    use std::os::unix::fs::FileExt;
    let mut raw = vec![0; len];
    file.read_exact_at(&mut raw, offset)
        .map_err(|e| format!("cannot read the entry at byte {offset}: {e}"))?;
    let changed = || format!("the entry at byte {offset} was changed after the server verified it");
    let line = std::str::from_utf8(&raw).map_err(|_| changed())?;
    let parsed = json::parse(line, LIMITS).map_err(|_| changed())?;
    let (entry, record) = parse_entry_and_record(parsed).map_err(|_| changed())?;
    let (resealed, resealed_hash) =
        seal(entry.seq, &entry.prev, &entry.request_id, &entry.body, None);
    if resealed_hash != hash || entry.hash != hash || resealed != line {
        return Err(changed());
    }
    Ok((entry, record))
}

/// Read and verify a register whole (see [`scan`], which verifies it without holding it). Returns the entries, or where it first breaks (with the entries before that
/// point).
pub fn read(path: &Path, head: Option<&str>) -> Result<Vec<Entry>, (Vec<Entry>, Broken)> {
    let mut entries = Vec::new();
    match scan(path, head, |s| entries.push(s.entry)) {
        Ok(_) => Ok(entries),
        Err((_, broken)) => Err((entries, broken)),
    }
}

/// A case's history: the entries (screenings and decisions) of `request_id`, matched without
/// regard to case, in order, and where the register first breaks, if it does (only the
/// entries before that point are given). The register is read as a stream: only this case's
/// entries are kept.
pub fn history(path: &Path, request_id: &str) -> (Vec<Entry>, Option<Broken>) {
    let key = crate::register_index::case_key(request_id);
    let mut mine = Vec::new();
    let broken = scan(path, None, |s| {
        if crate::register_index::case_key(&s.entry.request_id) == key {
            mine.push(s.entry);
        }
    })
    .err()
    .map(|(_, broken)| broken);
    (mine, broken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::{Appender, HumanDecision};
    use tcscreen_core::Decision;

    fn screened_register(dir: &Path, ids: &[&str]) -> std::path::PathBuf {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let text = std::fs::read_to_string(root.join("fixtures/decisions/fixtures.jsonl")).unwrap();
        let record = json::parse(text.lines().next().unwrap(), LIMITS).unwrap();
        let path = dir.join("register.jsonl");
        let mut appender = Appender::open(&path).unwrap();
        for id in ids {
            let body = Body::Screening {
                record: record.clone(),
                signer: None,
                by: None,
            };
            appender.append(id, body, None).unwrap();
        }
        path
    }

    #[test]
    fn a_scan_hands_over_each_entry_with_where_its_line_lies() {
        let dir = tempfile::tempdir().unwrap();
        let path = screened_register(dir.path(), &["A", "B", "A"]);
        let bytes = std::fs::read(&path).unwrap();
        let mut seen = Vec::new();
        let tally = scan(&path, None, |s| {
            let line = &bytes[s.offset as usize..s.offset as usize + s.len];
            assert_eq!(line.last(), Some(&b'}'));
            assert_eq!(bytes[s.offset as usize + s.len], b'\n');
            assert!(s.record.is_some());
            seen.push((s.entry.seq, s.entry.request_id));
        })
        .unwrap();
        assert_eq!(seen, [(1, "A".into()), (2, "B".into()), (3, "A".into())]);
        assert_eq!(tally.entries, 3);
        assert_eq!(tally.bytes, bytes.len() as u64);
        assert_eq!(read(&path, None).unwrap().len(), 3);
    }

    #[test]
    fn an_opened_entry_is_checked_against_the_hash_verified_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = screened_register(dir.path(), &["A", "B"]);
        let mut spans = Vec::new();
        scan(&path, None, |s| spans.push((s.offset, s.len, s.entry.hash))).unwrap();
        let file = File::open(&path).unwrap();
        let (offset, len, hash) = &spans[1];
        let (entry, _) = read_entry_at(&file, *offset, *len, hash).unwrap();
        assert_eq!(entry.request_id, "B");
        // The same bytes named by another entry's hash are refused.
        let wrong = &spans[0].2;
        assert!(read_entry_at(&file, *offset, *len, wrong).is_err());
        // A byte changed on disk after the scan is refused.
        let mut bytes = std::fs::read(&path).unwrap();
        let at = *offset as usize + 20;
        bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
        std::fs::write(&path, &bytes).unwrap();
        let file = File::open(&path).unwrap();
        let error = read_entry_at(&file, *offset, *len, hash).unwrap_err();
        assert!(
            error.contains("changed after the server verified it"),
            "{error}"
        );
    }

    #[test]
    fn a_decision_on_another_requests_screening_is_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = screened_register(dir.path(), &["A", "B"]);
        let mut appender = Appender::open(&path).unwrap();
        let decision = Body::Decision(HumanDecision {
            screening_seq: 1,
            screened_decision: Some(Decision::Revise),
            decision: Decision::Accept,
            by: "A. Officer".into(),
            reason: Some("why".into()),
            waived: vec![],
            at: "2026-11-28".into(),
        });
        appender.append("B", decision, None).unwrap();
        drop(appender);
        let (tally, broken) = scan(&path, None, |_| {}).unwrap_err();
        assert_eq!(tally.entries, 2);
        assert_eq!(broken.seq, 3);
        assert!(
            broken.message.contains("not a screening of B"),
            "{}",
            broken.message
        );
    }

    #[test]
    fn an_endless_line_is_refused_without_being_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let file = File::create(&path).unwrap();
        file.set_len(MAX_ENTRY_BYTES as u64 + 10).unwrap();
        let (_, broken) = scan(&path, None, |_| {}).unwrap_err();
        assert_eq!((broken.seq, broken.damage), (1, Damage::Modified));
        assert!(
            broken.message.contains("longer than any entry"),
            "{}",
            broken.message
        );
    }
}
