//! The decision register: an append-only JSON Lines file of screenings and human decisions,
//! each entry carrying its sequence number, the hash of the previous entry and its own hash.
//!
//! An entry is one line of canonical JSON: `{"hash", "kind", "prev", "request_id", "schema",
//! "seq", …}` where `hash` is the SHA-256 of the entry's canonical text without `hash`, and
//! `prev` is the previous entry's `hash` (64 zeros for the first). Verifying works on the exact
//! bytes of each line: a line that is not UTF-8 is damage, never decoded into something else.
//! Appends take an exclusive lock, write each entry with a single `write` on a file opened for
//! appending, and `fsync` every [`SYNC_EVERY`] entries and at the end; a crash can leave an
//! incomplete last line, which `verify` reports and appending refuses to build on, but never
//! damages earlier entries. Appending reads only the last entry (and checks its hash), so its
//! cost does not grow with the register; `verify` checks the whole chain.
//! A chain is only as good as its anchor: keep `register head` somewhere else and pass it to
//! `verify --head` to also catch entries removed from the end.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use tcscreen_core::json::{self, JsonLimits, JsonValue};
use tcscreen_core::{Decision, DecisionRecord, Json, canonical, hash};

use crate::register_file::{self, Identity, Lock};

/// The schema name of register entries.
pub const REGISTER_SCHEMA: &str = "tcscreen/register/v1";
/// `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Appends are synced to disk at least this often, and at the end of every batch.
pub const SYNC_EVERY: usize = 100;

pub(crate) const LIMITS: JsonLimits = JsonLimits {
    max_depth: 48,
    max_values: 2_000_000,
};

/// What an entry records.
#[derive(Clone, Debug)]
pub enum Body {
    /// A screening: the decision record, and the key that signed the pack (under `--trust`).
    Screening {
        /// The record as JSON.
        record: Json,
        /// Signer key id.
        signer: Option<String>,
        /// The account that asked for the screening, on a server with accounts (absent from
        /// the entry otherwise: the command line and single-person mode name no account).
        by: Option<String>,
    },
    /// A person's decision on a screened request.
    Decision(HumanDecision),
}

/// A person's decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HumanDecision {
    /// The screening it decides on.
    pub screening_seq: u64,
    /// What the screening decided (`None`: no decision).
    pub screened_decision: Option<Decision>,
    /// What the person decided.
    pub decision: Decision,
    /// The person who decided, as they gave their name.
    pub by: String,
    /// Why (required to depart from the screening or to waive rules).
    pub reason: Option<String>,
    /// Rules whose findings the person set aside.
    pub waived: Vec<String>,
    /// When (YYYY-MM-DD).
    pub at: String,
}

/// One entry of the register.
#[derive(Clone, Debug)]
pub struct Entry {
    /// 1-based position.
    pub seq: u64,
    /// The previous entry's hash.
    pub prev: String,
    /// This entry's hash.
    pub hash: String,
    /// The request it is about.
    pub request_id: String,
    /// What it records.
    pub body: Body,
}

/// Kinds of tampering `verify` tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Damage {
    /// An entry's content no longer matches its hash, or it is not canonical.
    Modified,
    /// An entry is missing.
    Deleted,
    /// An entry appears that should not be there.
    Inserted,
    /// Entries are out of order.
    Reordered,
    /// The file ends inside an entry, or before the anchored head.
    Truncated,
}

impl Damage {
    /// A word for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Damage::Modified => "modified",
            Damage::Deleted => "deleted",
            Damage::Inserted => "inserted",
            Damage::Reordered => "reordered",
            Damage::Truncated => "truncated",
        }
    }
}

/// Where and how a register is damaged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The first sequence number that is not as it should be.
    pub seq: u64,
    /// The kind of damage, as `verify` tells them apart.
    pub damage: Damage,
    /// Details for people.
    pub message: String,
}

fn body_members(request_id: &str, body: &Body) -> (Vec<(&'static str, Json)>, Option<String>) {
    let mut members = vec![("request_id", Json::string(request_id))];
    match body {
        Body::Screening { record, signer, by } => {
            members.push(("kind", Json::string("screening")));
            members.push(("signer", Json::opt_string(signer.as_deref())));
            if let Some(by) = by {
                members.push(("by", Json::string(by)));
            }
            (members, Some(canonical::to_canonical_string(record)))
        }
        Body::Decision(d) => {
            members.extend([
                ("kind", Json::string("decision")),
                ("screening_seq", Json::number(d.screening_seq)),
                (
                    "screened_decision",
                    Json::opt_string(d.screened_decision.map(Decision::as_str)),
                ),
                ("decision", Json::string(d.decision.as_str())),
                ("by", Json::string(&d.by)),
                ("reason", Json::opt_string(d.reason.as_deref())),
                (
                    "waived",
                    Json::array(d.waived.iter().map(Json::string).collect()),
                ),
                ("at", Json::string(&d.at)),
            ]);
            (members, None)
        }
    }
}

/// The canonical line of an entry (without newline) and its hash. `record_text` is the
/// record's canonical text, when the caller has it, to avoid writing it twice.
pub(crate) fn seal(
    seq: u64,
    prev: &str,
    request_id: &str,
    body: &Body,
    record_text: Option<&str>,
) -> (String, String) {
    let (mut members, record) = body_members(request_id, body);
    members.extend([
        ("schema", Json::string(REGISTER_SCHEMA)),
        ("seq", Json::number(seq)),
        ("prev", Json::string(prev)),
    ]);
    let record = record_text.map(str::to_string).or(record);
    let verbatim: Vec<(&str, &str)> = record
        .as_deref()
        .map(|r| vec![("record", r)])
        .unwrap_or_default();
    let unsealed = canonical::object_with_verbatim(members.clone(), &verbatim);
    let hash = hash::sha256_hex(unsealed.as_bytes());
    members.push(("hash", Json::string(&hash)));
    (canonical::object_with_verbatim(members, &verbatim), hash)
}

fn parse_entry(json: &Json) -> Result<Entry, String> {
    parse_entry_and_record(json.clone()).map(|(entry, _)| entry)
}

/// An entry from its JSON (not yet checked against its hash), and a screening's record parsed.
pub(crate) fn parse_entry_and_record(
    mut json: Json,
) -> Result<(Entry, Option<DecisionRecord>), String> {
    let record = match &mut json.value {
        JsonValue::Object(members) => members
            .iter()
            .position(|m| m.key == "record")
            .map(|i| members.remove(i).value),
        _ => None,
    };
    let json = &json;
    let string = |name: &str| {
        json.get(name)
            .and_then(Json::as_str)
            .map(str::to_string)
            .ok_or(format!("`{name}` is missing"))
    };
    let opt_string = |name: &str| -> Result<Option<String>, String> {
        match json.get(name) {
            Some(j) if j.is_null() => Ok(None),
            Some(j) => j
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or(format!("`{name}` must be a string or null")),
            None => Err(format!("`{name}` is missing")),
        }
    };
    if string("schema")? != REGISTER_SCHEMA {
        return Err("not a register entry".into());
    }
    let seq = match json.get("seq").map(|j| &j.value) {
        Some(JsonValue::Number(n)) => u64::try_from(*n).map_err(|_| "bad `seq`".to_string())?,
        _ => return Err("bad `seq`".into()),
    };
    let mut parsed = None;
    let body = match string("kind")?.as_str() {
        "screening" => {
            let record = record.ok_or("`record` is missing")?;
            parsed = Some(
                DecisionRecord::from_json(&record)
                    .map_err(|e| format!("its record is not a decision record: {e}"))?,
            );
            Body::Screening {
                record,
                signer: opt_string("signer")?,
                by: match json.get("by") {
                    None => None,
                    Some(j) => Some(
                        j.as_str()
                            .map(str::to_string)
                            .ok_or("`by` must be a string")?,
                    ),
                },
            }
        }
        "decision" => {
            let decision = |name: &str| -> Result<Option<Decision>, String> {
                opt_string(name)?
                    .map(|d| Decision::parse(&d).ok_or(format!("`{name}` is not a decision")))
                    .transpose()
            };
            let screening_seq = match json.get("screening_seq").map(|j| &j.value) {
                Some(JsonValue::Number(n)) => {
                    u64::try_from(*n).map_err(|_| "bad `screening_seq`".to_string())?
                }
                _ => return Err("bad `screening_seq`".into()),
            };
            let waived = match json.get("waived").map(|j| &j.value) {
                Some(JsonValue::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .ok_or("bad `waived`".to_string())
                    })
                    .collect::<Result<_, _>>()?,
                _ => return Err("bad `waived`".into()),
            };
            Body::Decision(HumanDecision {
                screening_seq,
                screened_decision: decision("screened_decision")?,
                decision: decision("decision")?.ok_or("`decision` is missing")?,
                by: string("by")?,
                reason: opt_string("reason")?,
                waived,
                at: string("at")?,
            })
        }
        other => return Err(format!("unknown kind `{other}`")),
    };
    let entry = Entry {
        seq,
        prev: string("prev")?,
        hash: string("hash")?,
        request_id: string("request_id")?,
        body,
    };
    Ok((entry, parsed))
}

/// Appends to a register, holding an exclusive lock until dropped.
pub struct Appender {
    file: File,
    seq: u64,
    last_hash: String,
    unsynced: usize,
    /// The file's length: where the next entry's line starts.
    end: u64,
    /// Where the last entry appended lies: its line's offset and length (without line end).
    last_span: (u64, usize),
    path: PathBuf,
    identity: Option<Identity>,
    _lock: Lock,
}

impl Appender {
    /// Open (or create) a register for appending. Only its last entry is read: a register
    /// whose last line is incomplete or whose last entry does not match its hash is refused.
    /// Waits, silently, while another process holds it ([`Appender::open_waiting`] says so).
    pub fn open(path: &Path) -> Result<Appender, String> {
        Appender::open_waiting(path, &mut |_| {})
    }

    /// [`Appender::open`], telling `waiting` at once, if another process holds the register,
    /// which one, before waiting for it. Only a regular file is opened.
    pub fn open_waiting(path: &Path, waiting: &mut dyn FnMut(&str)) -> Result<Appender, String> {
        let mut file = register_file::open_regular(
            path,
            OpenOptions::new().create(true).append(true).read(true),
        )?;
        let lock = Lock::take(&file, path, waiting)?;
        let damaged = |damage: Damage, message: String| {
            let repair = if damage == Damage::Truncated {
                format!(
                    "if the last line was cut off (a crash during an append), `tcscreen register repair {} --truncate-torn-tail` drops it after showing it",
                    path.display()
                )
            } else {
                "see \"Repairing a damaged register\" in docs/audit.md".to_string()
            };
            format!(
                "the register {} is damaged at its end ({}): {message}; nothing was appended: {repair}",
                path.display(),
                damage.as_str(),
            )
        };
        let (seq, last_hash) = match last_line(&mut file)
            .map_err(|e| format!("cannot read the register {}: {e}", path.display()))?
        {
            LastLine::Empty => (0, GENESIS.to_string()),
            LastLine::Torn => {
                return Err(damaged(
                    Damage::Truncated,
                    "the file ends inside an entry".into(),
                ));
            }
            LastLine::Line(bytes) => {
                let entry = last_entry(&bytes).map_err(|why| damaged(Damage::Modified, why))?;
                (entry.seq, entry.hash)
            }
        };
        let end = file
            .metadata()
            .map_err(|e| format!("cannot read the register {}: {e}", path.display()))?
            .len();
        Ok(Appender {
            identity: Identity::of(&file),
            file,
            seq,
            last_hash,
            unsynced: 0,
            end,
            last_span: (end, 0),
            path: path.to_path_buf(),
            _lock: lock,
        })
    }

    /// The last entry's sequence number and hash (0 and [`GENESIS`] when empty).
    pub fn head(&self) -> (u64, &str) {
        (self.seq, &self.last_hash)
    }

    /// Where the entry appended last lies in the file: its line's offset and length (without
    /// the line end).
    pub fn last_span(&self) -> (u64, usize) {
        self.last_span
    }

    /// Append an entry; returns its sequence number.
    pub fn append(
        &mut self,
        request_id: &str,
        body: Body,
        record_text: Option<&str>,
    ) -> std::io::Result<u64> {
        // Entries written to a file no longer at the register's path would be lost.
        register_file::still_at_path(&self.path, self.identity)?;
        let seq = self.seq + 1;
        let (line, hash) = seal(seq, &self.last_hash, request_id, &body, record_text);
        // One write of the whole line: with O_APPEND it lands after every earlier entry.
        self.file.write_all(format!("{line}\n").as_bytes())?;
        self.last_span = (self.end, line.len());
        self.end += line.len() as u64 + 1;
        self.seq = seq;
        self.last_hash = hash;
        self.unsynced += 1;
        if self.unsynced >= SYNC_EVERY {
            self.sync()?;
        }
        Ok(seq)
    }

    /// Flush to disk.
    pub fn sync(&mut self) -> std::io::Result<()> {
        self.file.sync_all()?;
        self.unsynced = 0;
        Ok(())
    }
}

impl Entry {
    /// The entry as JSON for people and API clients: the members its line holds (`seq`,
    /// `request_id`, `hash`, `kind`, and the screening's record or the decision), without the
    /// chain's `prev`.
    pub fn to_json(&self) -> Json {
        let (mut members, _) = body_members(&self.request_id, &self.body);
        members.push(("seq", Json::number(self.seq)));
        members.push(("hash", Json::string(&self.hash)));
        if let Body::Screening { record, .. } = &self.body {
            members.push(("record", record.clone()));
        }
        Json::object(members)
    }

    /// The decision record of a screening entry.
    pub fn screening_record(&self) -> Option<DecisionRecord> {
        match &self.body {
            Body::Screening { record, .. } => DecisionRecord::from_json(record).ok(),
            Body::Decision(_) => None,
        }
    }
}

/// The last line of a register.
enum LastLine {
    Empty,
    /// The file does not end with a newline: a crash cut its last entry.
    Torn,
    Line(Vec<u8>),
}

/// Read the last line of `file` from its end, in chunks, without reading the rest.
fn last_line(file: &mut File) -> std::io::Result<LastLine> {
    use std::io::{Read, Seek, SeekFrom};
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(LastLine::Empty);
    }
    let mut chunk = 64 * 1024_u64;
    loop {
        let start = len.saturating_sub(chunk);
        let mut tail = Vec::with_capacity((len - start) as usize);
        file.seek(SeekFrom::Start(start))?;
        Read::by_ref(file)
            .take(len - start)
            .read_to_end(&mut tail)?;
        if tail.last() != Some(&b'\n') {
            return Ok(LastLine::Torn);
        }
        let body = &tail[..tail.len() - 1];
        match body.iter().rposition(|b| *b == b'\n') {
            Some(i) => return Ok(LastLine::Line(body[i + 1..].to_vec())),
            None if start == 0 => return Ok(LastLine::Line(body.to_vec())),
            None => chunk = chunk.saturating_mul(4),
        }
    }
}

/// The last entry of a register, checked against its own hash.
fn last_entry(line: &[u8]) -> Result<Entry, String> {
    let text =
        std::str::from_utf8(line).map_err(|_| "the last entry is not UTF-8 text".to_string())?;
    let parsed = json::parse(text, LIMITS)
        .map_err(|e| format!("the last entry is not valid JSON: {}", e[0].message))?;
    let entry = parse_entry(&parsed).map_err(|why| format!("the last entry: {why}"))?;
    let (resealed, hash) = seal(entry.seq, &entry.prev, &entry.request_id, &entry.body, None);
    if hash != entry.hash || resealed != text {
        return Err(format!(
            "entry {} (the last) was changed after it was written: its content does not match its hash",
            entry.seq
        ));
    }
    Ok(entry)
}

impl Drop for Appender {
    fn drop(&mut self) {
        let _ = self.file.sync_all();
    }
}

/// Why writing results to `path` would destroy a register, if it would: a process holds the
/// register lock on it, or it reads as a register.
pub fn is_a_register(path: &Path) -> Option<String> {
    let file = register_file::open_regular(path, OpenOptions::new().read(true)).ok()?;
    if let Err(std::fs::TryLockError::WouldBlock) = file.try_lock_shared() {
        let who = register_file::holder(path).unwrap_or_else(|| "another process".to_string());
        return Some(format!("it is a register held by {who}"));
    }
    let _ = file.unlock();
    let mut first = Vec::new();
    std::io::BufRead::read_until(
        &mut std::io::BufReader::new(std::io::Read::take(file, 1024 * 1024)),
        b'\n',
        &mut first,
    )
    .ok()?;
    let text = std::str::from_utf8(&first).ok()?;
    let json =
        tcscreen_core::json::parse(text.trim_end(), tcscreen_core::json::JsonLimits::default())
            .ok()?;
    (json.get("schema").and_then(tcscreen_core::Json::as_str) == Some(REGISTER_SCHEMA))
        .then(|| "it is a register (its first line is a register entry)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(seq: u64) -> Body {
        Body::Decision(HumanDecision {
            screening_seq: seq,
            screened_decision: Some(Decision::Revise),
            decision: Decision::Accept,
            by: "A. Officer".into(),
            reason: Some("agreed with the ministry".into()),
            waived: vec![],
            at: "2026-11-28".into(),
        })
    }

    #[test]
    fn a_decision_needs_a_screening_of_the_same_request() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let mut appender = Appender::open(&path).unwrap();
        appender.append("R1", decision(1), None).unwrap();
        drop(appender);
        let (_, broken) = crate::register_scan::read(&path, None).unwrap_err();
        assert_eq!(broken.seq, 1);
        assert!(
            broken.message.contains("not a screening of R1"),
            "{}",
            broken.message
        );
    }
}
