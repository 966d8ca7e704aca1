//! The register's index: its cases and where each entry lies in the file, built from the
//! verified register when a long-running process opens it ([`crate::register_scan::scan`]) and
//! updated by the register's one writer with each append
//! ([`crate::register_writer::RegisterWriter`]). The register stays the one source of truth:
//! the index holds no record, only what lists and finds cases, and it can always be built again
//! from the file. Opening an entry reads its line at the offset kept here and checks it
//! against the hash verified at start ([`crate::register_scan::read_entry_at`]).
//!
//! A **case** is one request id, matched without regard to case ([`case_key`]), across its
//! screening rounds and the human decisions taken on them. Listing, filtering, sorting and
//! paging cases is [`crate::case_list`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tcscreen_core::{Date, Decision, DecisionRecord};

use crate::register::{Body, Entry, GENESIS, HumanDecision};

/// The key of a case: its request id in lower case, so `KH-MEF-1` and `kh-mef-1` are one case.
pub fn case_key(request_id: &str) -> String {
    request_id.to_lowercase()
}

/// Where an entry's line lies in the register, and which case it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntrySpan {
    /// The byte offset of its line.
    pub offset: u64,
    /// The length of its line, without the line end.
    pub len: u32,
    /// Its hash (the SHA-256 the chain verified), as bytes.
    pub hash: [u8; 32],
    /// The case's number in the index.
    pub case: u32,
}

impl EntrySpan {
    /// The hash as the register writes it (64 hex digits).
    pub fn hash_hex(&self) -> String {
        use std::fmt::Write as _;
        self.hash
            .iter()
            .fold(String::with_capacity(64), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            })
    }
}

fn hash_bytes(hex: &str) -> [u8; 32] {
    let mut out = [0; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = hex
            .get(i * 2..i * 2 + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
    }
    out
}

/// Where an entry's line lies: its offset and length (without the line end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// The byte offset of the line.
    pub offset: u64,
    /// Its length, without the line end.
    pub len: usize,
}

/// What one screening round says about its request, for the list of cases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundFacts {
    /// The request id as this round gave it.
    pub request_id: String,
    /// The request's title.
    pub title: String,
    /// Its country.
    pub country: String,
    /// The requesting institution's name.
    pub requester: String,
    /// The provider's name.
    pub provider: String,
    /// The date the request says it was received.
    pub received: Option<Date>,
    /// The screening date.
    pub as_of: Date,
    /// The screening's decision (`None`: a rule failed).
    pub decision: Option<Decision>,
    /// How many findings it recorded.
    pub findings: u32,
}

impl RoundFacts {
    /// The facts of a screening's record.
    pub fn of(record: &DecisionRecord) -> RoundFacts {
        let text = |path: &[&str]| {
            let mut json = Some(&*record.input);
            for name in path {
                json = json.and_then(|j| j.get(name));
            }
            json.and_then(|j| j.as_str())
                .unwrap_or_default()
                .to_string()
        };
        RoundFacts {
            request_id: record.request_id.clone(),
            title: text(&["title"]),
            country: record.country.clone(),
            requester: text(&["requester", "name"]),
            provider: text(&["provider", "name"]),
            received: Date::parse(&text(&["received"])),
            as_of: record.as_of,
            decision: record.decision,
            findings: u32::try_from(record.findings.len()).unwrap_or(u32::MAX),
        }
    }
}

/// A screening round of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Round {
    /// Its entry in the register.
    pub seq: u64,
    /// Screened as of.
    pub as_of: Date,
    /// What it decided (`None`: a rule failed).
    pub decision: Option<Decision>,
    /// How many findings.
    pub findings: u32,
}

/// A human decision taken in a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HumanRef {
    /// Its entry.
    pub seq: u64,
    /// The screening it decides on.
    pub screening_seq: u64,
    /// What the person decided.
    pub decision: Decision,
    /// Who.
    pub by: String,
    /// Decided on (YYYY-MM-DD).
    pub at: String,
}

/// Whether a case waits for a person's decision on its latest screening.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaseState {
    /// Its latest screening has no human decision yet.
    Awaiting,
    /// A person decided on its latest screening.
    Decided,
}

impl CaseState {
    /// `awaiting` or `decided`, as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Awaiting => "awaiting",
            CaseState::Decided => "decided",
        }
    }

    /// Parse `awaiting` or `decided`.
    pub fn parse(text: &str) -> Option<CaseState> {
        match text {
            "awaiting" => Some(CaseState::Awaiting),
            "decided" => Some(CaseState::Decided),
            _ => None,
        }
    }
}

/// A case: its request (as the latest round describes it), its rounds and its decisions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The case's number in the index (the order in which cases first appear in the register).
    pub number: u32,
    /// What the latest round says about the request.
    pub facts: RoundFacts,
    /// The screening rounds, oldest first (never empty).
    pub rounds: Vec<Round>,
    /// The human decisions, oldest first.
    pub decisions: Vec<HumanRef>,
    /// Id, title, requester and provider in lower case, for searching.
    pub(crate) haystack: String,
}

impl Case {
    /// The latest screening round.
    pub fn latest(&self) -> &Round {
        // A case is made by its first screening, so it always has one.
        &self.rounds[self.rounds.len() - 1]
    }

    /// The latest human decision on the latest round, if any.
    pub fn human(&self) -> Option<&HumanRef> {
        let latest = self.latest().seq;
        self.decisions
            .iter()
            .rev()
            .find(|d| d.screening_seq == latest)
    }

    /// Whether it waits for a person's decision.
    pub fn state(&self) -> CaseState {
        if self.human().is_some() {
            CaseState::Decided
        } else {
            CaseState::Awaiting
        }
    }

    /// Every entry of the case (rounds and decisions), in register order.
    pub fn entries(&self) -> Vec<u64> {
        let mut seqs: Vec<u64> = self
            .rounds
            .iter()
            .map(|r| r.seq)
            .chain(self.decisions.iter().map(|d| d.seq))
            .collect();
        seqs.sort_unstable();
        seqs
    }
}

/// A case's place in one order: its sort key (compared as bytes), then its number.
pub type OrderKey = (Box<[u8]>, u32);

/// The index of one register. See the module documentation.
#[derive(Default)]
pub struct RegisterIndex {
    /// Every entry, by `seq - 1`.
    spans: Vec<EntrySpan>,
    pub(crate) cases: Vec<Case>,
    by_key: HashMap<String, u32>,
    /// For each way of sorting, the cases in order: (sort key, case number).
    pub(crate) orders: HashMap<SortBy, BTreeSet<OrderKey>>,
    /// Cases by state.
    awaiting: usize,
    /// Countries, and how many cases each.
    countries: BTreeMap<String, u32>,
    /// Providers (in lower case), their name as written, and how many cases each.
    providers: BTreeMap<String, (String, u32)>,
    head_hash: String,
}

impl RegisterIndex {
    /// An empty index (of an empty register).
    pub fn new() -> RegisterIndex {
        RegisterIndex {
            head_hash: GENESIS.to_string(),
            ..RegisterIndex::default()
        }
    }

    /// Entries in the register.
    pub fn entries(&self) -> u64 {
        self.spans.len() as u64
    }

    /// The last entry's sequence number and hash (`0` and 64 zeros when empty): the head to
    /// keep elsewhere.
    pub fn head(&self) -> (u64, &str) {
        (self.entries(), &self.head_hash)
    }

    /// Cases in the register.
    pub fn case_count(&self) -> usize {
        self.cases.len()
    }

    /// Cases that wait for a person's decision.
    pub fn awaiting(&self) -> usize {
        self.awaiting
    }

    /// The countries of the cases, with how many cases each.
    pub fn countries(&self) -> impl Iterator<Item = (&str, u32)> {
        self.countries.iter().map(|(c, n)| (c.as_str(), *n))
    }

    /// The providers of the cases (as written), with how many cases each, by name.
    pub fn providers(&self) -> impl Iterator<Item = (&str, u32)> {
        self.providers.values().map(|(p, n)| (p.as_str(), *n))
    }

    /// The case of `request_id` (matched without regard to case).
    pub fn case(&self, request_id: &str) -> Option<&Case> {
        let number = *self.by_key.get(&case_key(request_id))?;
        self.cases.get(number as usize)
    }

    /// Where entry `seq` lies.
    pub fn span(&self, seq: u64) -> Option<&EntrySpan> {
        usize::try_from(seq.checked_sub(1)?)
            .ok()
            .and_then(|i| self.spans.get(i))
    }

    /// Add the entry just verified: `record` is a screening's record, `offset` and `len`
    /// where its line lies.
    pub fn add(&mut self, entry: &Entry, record: Option<&DecisionRecord>, offset: u64, len: usize) {
        let at = Span { offset, len };
        match (&entry.body, record) {
            (Body::Screening { .. }, Some(record)) => {
                self.add_screening(entry.seq, &entry.hash, RoundFacts::of(record), at);
            }
            (Body::Decision(d), _) => {
                self.add_decision(entry.seq, &entry.hash, &entry.request_id, d, at);
            }
            (Body::Screening { .. }, None) => {}
        }
    }

    /// Add a screening appended as entry `seq` with this `hash`, whose line lies `at`.
    pub fn add_screening(&mut self, seq: u64, hash: &str, facts: RoundFacts, at: Span) {
        let number = match self.by_key.get(&case_key(&facts.request_id)) {
            Some(&n) => n,
            None => self.new_case(&facts),
        };
        self.push_span(hash, number, at);
        self.forget_listing(number);
        let case = &mut self.cases[number as usize];
        case.rounds.push(Round {
            seq,
            as_of: facts.as_of,
            decision: facts.decision,
            findings: facts.findings,
        });
        case.haystack = haystack(&facts);
        case.facts = facts;
        self.remember_listing(number);
    }

    /// Add a human decision appended as entry `seq` with this `hash`, whose line lies `at`.
    pub fn add_decision(
        &mut self,
        seq: u64,
        hash: &str,
        request_id: &str,
        decision: &HumanDecision,
        at: Span,
    ) {
        // A decision on no screening: the chain's check refuses it before it gets here.
        let Some(&number) = self.by_key.get(&case_key(request_id)) else {
            return;
        };
        self.push_span(hash, number, at);
        self.forget_listing(number);
        self.cases[number as usize].decisions.push(HumanRef {
            seq,
            screening_seq: decision.screening_seq,
            decision: decision.decision,
            by: decision.by.clone(),
            at: decision.at.clone(),
        });
        self.remember_listing(number);
    }

    fn push_span(&mut self, hash: &str, case: u32, at: Span) {
        self.spans.push(EntrySpan {
            offset: at.offset,
            len: u32::try_from(at.len).unwrap_or(u32::MAX),
            hash: hash_bytes(hash),
            case,
        });
        self.head_hash = hash.to_string();
    }

    fn new_case(&mut self, facts: &RoundFacts) -> u32 {
        let number = u32::try_from(self.cases.len()).unwrap_or(u32::MAX);
        self.by_key.insert(case_key(&facts.request_id), number);
        self.cases.push(Case {
            number,
            facts: facts.clone(),
            rounds: Vec::new(),
            decisions: Vec::new(),
            haystack: String::new(),
        });
        number
    }

    /// Take a case out of the orders and counts before it changes.
    fn forget_listing(&mut self, number: u32) {
        let case = &self.cases[number as usize];
        if case.rounds.is_empty() {
            return;
        }
        for sort in SortBy::ALL {
            if let Some(order) = self.orders.get_mut(&sort) {
                order.remove(&(sort_key(case, sort), number));
            }
        }
        if case.state() == CaseState::Awaiting {
            self.awaiting -= 1;
        }
        if let Some(n) = self.countries.get_mut(&case.facts.country) {
            *n -= 1;
            if *n == 0 {
                self.countries.remove(&case.facts.country);
            }
        }
        let provider = case.facts.provider.to_lowercase();
        if let Some((_, n)) = self.providers.get_mut(&provider) {
            *n -= 1;
            if *n == 0 {
                self.providers.remove(&provider);
            }
        }
    }

    /// Put a case back in the orders and counts after it changed.
    fn remember_listing(&mut self, number: u32) {
        let case = &self.cases[number as usize];
        if case.rounds.is_empty() {
            return;
        }
        for sort in SortBy::ALL {
            self.orders
                .entry(sort)
                .or_default()
                .insert((sort_key(case, sort), number));
        }
        if case.state() == CaseState::Awaiting {
            self.awaiting += 1;
        }
        *self
            .countries
            .entry(case.facts.country.clone())
            .or_default() += 1;
        let provider = &case.facts.provider;
        self.providers
            .entry(provider.to_lowercase())
            .or_insert_with(|| (provider.clone(), 0))
            .1 += 1;
    }
}

fn haystack(facts: &RoundFacts) -> String {
    [
        &facts.request_id,
        &facts.title,
        &facts.requester,
        &facts.provider,
    ]
    .iter()
    .map(|s| s.to_lowercase())
    .collect::<Vec<_>>()
    .join("\n")
}

/// How cases are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SortBy {
    /// Cases awaiting a decision first, then the most recently screened first.
    #[default]
    Attention,
    /// Request id.
    Id,
    /// Title.
    Title,
    /// Country.
    Country,
    /// Requesting institution.
    Requester,
    /// Provider.
    Provider,
    /// The latest screening's decision.
    Decision,
    /// The human decision on the latest screening (awaiting first).
    HumanDecision,
    /// Number of screening rounds.
    Rounds,
    /// The date the request says it was received.
    Received,
    /// The date of the human decision.
    Decided,
}

impl SortBy {
    /// Every order.
    pub const ALL: [SortBy; 11] = [
        SortBy::Attention,
        SortBy::Id,
        SortBy::Title,
        SortBy::Country,
        SortBy::Requester,
        SortBy::Provider,
        SortBy::Decision,
        SortBy::HumanDecision,
        SortBy::Rounds,
        SortBy::Received,
        SortBy::Decided,
    ];

    /// Its name in the API's `sort=`.
    pub fn as_str(self) -> &'static str {
        match self {
            SortBy::Attention => "attention",
            SortBy::Id => "id",
            SortBy::Title => "title",
            SortBy::Country => "country",
            SortBy::Requester => "requester",
            SortBy::Provider => "provider",
            SortBy::Decision => "decision",
            SortBy::HumanDecision => "human_decision",
            SortBy::Rounds => "rounds",
            SortBy::Received => "received",
            SortBy::Decided => "decided",
        }
    }

    /// Parse a `sort=` name.
    pub fn parse(text: &str) -> Option<SortBy> {
        SortBy::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether it runs from the largest down unless asked otherwise (dates and counts).
    pub fn descending_by_default(self) -> bool {
        matches!(self, SortBy::Received | SortBy::Decided | SortBy::Rounds)
    }
}

fn decision_rank(d: Option<Decision>) -> u8 {
    match d {
        Some(Decision::Accept) => 1,
        Some(Decision::Revise) => 2,
        Some(Decision::Reject) => 3,
        None => 4,
    }
}

/// The bytes that order `case` for `sort` (compared as bytes, then by case number).
pub(crate) fn sort_key(case: &Case, sort: SortBy) -> Box<[u8]> {
    let text = |s: &str| s.to_lowercase().into_bytes();
    let key: Vec<u8> = match sort {
        SortBy::Attention => {
            let mut key = vec![u8::from(case.state() == CaseState::Decided)];
            key.extend((u64::MAX - case.latest().seq).to_be_bytes());
            key
        }
        SortBy::Id => text(&case.facts.request_id),
        SortBy::Title => text(&case.facts.title),
        SortBy::Country => text(&case.facts.country),
        SortBy::Requester => text(&case.facts.requester),
        SortBy::Provider => text(&case.facts.provider),
        SortBy::Decision => vec![decision_rank(case.latest().decision)],
        SortBy::HumanDecision => vec![case.human().map_or(0, |h| decision_rank(Some(h.decision)))],
        SortBy::Rounds => u32::try_from(case.rounds.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes()
            .to_vec(),
        SortBy::Received => case
            .facts
            .received
            .map(|d| d.to_string().into_bytes())
            .unwrap_or_default(),
        SortBy::Decided => case
            .human()
            .map(|h| h.at.clone().into_bytes())
            .unwrap_or_default(),
    };
    key.into_boxed_slice()
}
