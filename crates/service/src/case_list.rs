//! Listing cases from the register's index ([`crate::register_index`]): filters (state,
//! country, decision, provider, received between two dates), a search in the id, title,
//! requester and provider, a sort by any column, and cursor paging. The index keeps every
//! case in each sort order, updated with each append, so a page costs what it shows (and,
//! with filters, what it skips), never a sort of the whole register.
//!
//! A cursor names the sort, its direction and the last case shown; it stays valid while the
//! register grows (a case that changed since moves in the order, as it would on a new query).

use std::ops::Bound;

use tcscreen_core::{Date, Decision, Json};

use crate::register_index::{Case, CaseState, OrderKey, RegisterIndex, SortBy, sort_key};

/// The most cases one page may hold.
pub const MAX_PAGE: usize = 500;
/// Cases on a page unless asked otherwise.
pub const DEFAULT_PAGE: usize = 50;

/// Which cases, in which order, from where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseQuery {
    /// Only cases in this state.
    pub state: Option<CaseState>,
    /// Only cases of this country (without regard to case).
    pub country: Option<String>,
    /// Only cases whose latest screening decided this (`Some(None)`: no decision).
    pub decision: Option<Option<Decision>>,
    /// Only cases of this provider (the whole name, without regard to case).
    pub provider: Option<String>,
    /// Only requests received on or after this date.
    pub received_from: Option<Date>,
    /// Only requests received on or before this date.
    pub received_to: Option<Date>,
    /// Only cases whose id, title, requester or provider contains this (without regard to
    /// case).
    pub search: Option<String>,
    /// The order.
    pub sort: SortBy,
    /// Largest first.
    pub descending: bool,
    /// Continue after this cursor (from [`CasePage::next`]).
    pub cursor: Option<String>,
    /// Cases on the page (1 to [`MAX_PAGE`]).
    pub limit: usize,
}

impl Default for CaseQuery {
    /// Every case, those awaiting a decision first, a page of [`DEFAULT_PAGE`].
    fn default() -> Self {
        CaseQuery {
            state: None,
            country: None,
            decision: None,
            provider: None,
            received_from: None,
            received_to: None,
            search: None,
            sort: SortBy::Attention,
            descending: false,
            cursor: None,
            limit: DEFAULT_PAGE,
        }
    }
}

impl CaseQuery {
    /// Whether any filter or search is set.
    pub fn filtered(&self) -> bool {
        self.state.is_some()
            || self.country.is_some()
            || self.decision.is_some()
            || self.provider.is_some()
            || self.received_from.is_some()
            || self.received_to.is_some()
            || self.search.is_some()
    }

    fn matches(&self, case: &Case, needle: Option<&str>) -> bool {
        let facts = &case.facts;
        self.state.is_none_or(|s| case.state() == s)
            && self
                .country
                .as_deref()
                .is_none_or(|c| facts.country.eq_ignore_ascii_case(c))
            && self.decision.is_none_or(|d| case.latest().decision == d)
            && self
                .provider
                .as_deref()
                .is_none_or(|p| facts.provider.to_lowercase() == p.to_lowercase())
            && self
                .received_from
                .is_none_or(|from| facts.received.is_some_and(|r| r >= from))
            && self
                .received_to
                .is_none_or(|to| facts.received.is_some_and(|r| r <= to))
            && needle.is_none_or(|n| case.haystack.contains(n))
    }
}

/// One case as a list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseSummary {
    /// The case, as the index holds it.
    pub case: Case,
}

impl CaseSummary {
    /// `{"id", "title", "country", "requester", "provider", "state", "decision",
    /// "human_decision", "rounds", "received", "decided", "latest_screening", "screened_as_of"}`.
    pub fn to_json(&self) -> Json {
        let case = &self.case;
        let facts = &case.facts;
        let latest = case.latest();
        let human = case.human();
        Json::object([
            ("id", Json::string(&facts.request_id)),
            ("title", Json::string(&facts.title)),
            ("country", Json::string(&facts.country)),
            ("requester", Json::string(&facts.requester)),
            ("provider", Json::string(&facts.provider)),
            ("state", Json::string(case.state().as_str())),
            (
                "decision",
                Json::opt_string(latest.decision.map(Decision::as_str)),
            ),
            (
                "human_decision",
                human.map_or_else(Json::null, |h| {
                    Json::object([
                        ("seq", Json::number(h.seq)),
                        ("decision", Json::string(h.decision.as_str())),
                        ("by", Json::string(&h.by)),
                        ("at", Json::string(&h.at)),
                    ])
                }),
            ),
            ("rounds", Json::number(case.rounds.len() as u64)),
            (
                "received",
                Json::opt_string(facts.received.map(|d| d.to_string()).as_deref()),
            ),
            ("decided", Json::opt_string(human.map(|h| h.at.as_str()))),
            ("latest_screening", Json::number(latest.seq)),
            ("screened_as_of", Json::string(latest.as_of.to_string())),
        ])
    }
}

/// A page of cases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CasePage {
    /// The cases, in order.
    pub cases: Vec<CaseSummary>,
    /// The cursor of the next page, if there are more cases.
    pub next: Option<String>,
    /// How many cases match the query (all pages).
    pub total: usize,
}

/// A cursor that cannot be used with the query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadCursor(pub String);

fn cursor_of(query: &CaseQuery, key: &[u8], number: u32) -> String {
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let direction = if query.descending { "d" } else { "a" };
    format!("{}~{direction}~{hex}~{number}", query.sort.as_str())
}

fn parse_cursor(query: &CaseQuery, cursor: &str) -> Result<OrderKey, BadCursor> {
    let bad = |why: &str| BadCursor(why.to_string());
    let parts: Vec<&str> = cursor.split('~').collect();
    let [sort, direction, hex, number] = parts[..] else {
        return Err(bad("the cursor is not one this server gave"));
    };
    let direction_now = if query.descending { "d" } else { "a" };
    if sort != query.sort.as_str() || direction != direction_now {
        return Err(bad(
            "the cursor belongs to another order: keep the sort and order of the page it came from",
        ));
    }
    if hex.len() % 2 != 0 {
        return Err(bad("the cursor is not one this server gave"));
    }
    let key = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| bad("the cursor is not one this server gave"))?;
    let number = number
        .parse()
        .map_err(|_| bad("the cursor is not one this server gave"))?;
    Ok((key.into_boxed_slice(), number))
}

/// The page of cases `query` asks for.
pub fn list(index: &RegisterIndex, query: &CaseQuery) -> Result<CasePage, BadCursor> {
    let limit = query.limit.clamp(1, MAX_PAGE);
    let after = query
        .cursor
        .as_deref()
        .map(|c| parse_cursor(query, c))
        .transpose()?;
    let needle = query.search.as_deref().map(str::to_lowercase);
    let needle = needle.as_deref().filter(|n| !n.is_empty());
    let total = if query.filtered() {
        index
            .cases
            .iter()
            .filter(|c| !c.rounds.is_empty() && query.matches(c, needle))
            .count()
    } else {
        index.case_count()
    };
    let Some(order) = index.orders.get(&query.sort) else {
        return Ok(CasePage {
            cases: Vec::new(),
            next: None,
            total,
        });
    };
    let walk: Box<dyn Iterator<Item = &OrderKey>> = match (after, query.descending) {
        (None, false) => Box::new(order.iter()),
        (None, true) => Box::new(order.iter().rev()),
        (Some(after), false) => Box::new(order.range((Bound::Excluded(after), Bound::Unbounded))),
        (Some(after), true) => Box::new(
            order
                .range((Bound::Unbounded, Bound::Excluded(after)))
                .rev(),
        ),
    };
    let mut cases = Vec::new();
    let mut next = None;
    for (_, number) in walk {
        let case = &index.cases[*number as usize];
        if !query.matches(case, needle) {
            continue;
        }
        if cases.len() == limit {
            // One more matches: the page ends at the last one taken.
            next = cases.last().map(|last: &CaseSummary| {
                let last = &last.case;
                cursor_of(query, &sort_key(last, query.sort), last.number)
            });
            break;
        }
        cases.push(CaseSummary { case: case.clone() });
    }
    Ok(CasePage { cases, next, total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::HumanDecision;
    use crate::register_index::{RoundFacts, Span};

    fn facts(id: &str, title: &str, country: &str, provider: &str, received: &str) -> RoundFacts {
        RoundFacts {
            request_id: id.into(),
            title: title.into(),
            country: country.into(),
            requester: format!("Ministry of {title}"),
            provider: provider.into(),
            received: Date::parse(received),
            as_of: Date::parse(received).unwrap(),
            decision: Some(Decision::Revise),
            findings: 2,
        }
    }

    struct Builder {
        index: RegisterIndex,
        seq: u64,
    }

    impl Builder {
        fn screen(&mut self, facts: RoundFacts) -> u64 {
            self.seq += 1;
            let at = Span {
                offset: self.seq * 100,
                len: 99,
            };
            let hash = format!("{:064x}", self.seq);
            self.index.add_screening(self.seq, &hash, facts, at);
            self.seq
        }

        fn decide(&mut self, id: &str, on: u64, at: &str) {
            self.seq += 1;
            let decision = HumanDecision {
                screening_seq: on,
                screened_decision: Some(Decision::Revise),
                decision: Decision::Accept,
                by: "A. Officer".into(),
                reason: Some("why".into()),
                waived: vec![],
                at: at.into(),
            };
            let span = Span {
                offset: self.seq * 100,
                len: 99,
            };
            let hash = format!("{:064x}", self.seq);
            self.index
                .add_decision(self.seq, &hash, id, &decision, span);
        }
    }

    fn ids(page: &CasePage) -> Vec<&str> {
        page.cases
            .iter()
            .map(|c| c.case.facts.request_id.as_str())
            .collect()
    }

    fn register() -> RegisterIndex {
        let mut b = Builder {
            index: RegisterIndex::new(),
            seq: 0,
        };
        let a1 = b.screen(facts("KH-A", "Roads", "KH", "Donor One", "2025-01-10"));
        b.screen(facts("NP-B", "Schools", "NP", "Donor Two", "2025-02-10"));
        b.decide("KH-A", a1, "2025-03-01");
        b.screen(facts("KH-C", "Water", "KH", "donor one", "2025-03-10"));
        // A resubmission of NP-B spelt in lower case: the same case, a second round.
        b.screen(facts(
            "np-b",
            "Schools and teachers",
            "NP",
            "Donor Two",
            "2025-04-10",
        ));
        b.index
    }

    #[test]
    fn cases_are_grouped_without_regard_to_case_and_awaiting_ones_come_first() {
        let index = register();
        assert_eq!(index.case_count(), 3);
        assert_eq!(index.awaiting(), 2);
        let case = index.case("NP-b").unwrap();
        assert_eq!(case.rounds.len(), 2);
        assert_eq!(case.facts.title, "Schools and teachers");
        let page = list(&index, &CaseQuery::default()).unwrap();
        // Awaiting first, most recently screened first; then the decided one.
        assert_eq!(ids(&page), ["np-b", "KH-C", "KH-A"]);
        assert_eq!(page.total, 3);
        assert_eq!(page.next, None);
    }

    #[test]
    fn filters_and_search_narrow_the_list() {
        let index = register();
        let query = |q: CaseQuery| ids(&list(&index, &q).unwrap()).join(",");
        let state = CaseQuery {
            state: Some(CaseState::Decided),
            ..CaseQuery::default()
        };
        assert_eq!(query(state), "KH-A");
        let country = CaseQuery {
            country: Some("kh".into()),
            sort: SortBy::Id,
            ..CaseQuery::default()
        };
        assert_eq!(query(country), "KH-A,KH-C");
        let provider = CaseQuery {
            provider: Some("DONOR ONE".into()),
            sort: SortBy::Id,
            ..CaseQuery::default()
        };
        assert_eq!(query(provider), "KH-A,KH-C");
        let dates = CaseQuery {
            received_from: Date::parse("2025-02-01"),
            received_to: Date::parse("2025-03-31"),
            sort: SortBy::Id,
            ..CaseQuery::default()
        };
        assert_eq!(query(dates), "KH-C");
        let search = CaseQuery {
            search: Some("TEACH".into()),
            ..CaseQuery::default()
        };
        assert_eq!(query(search), "np-b");
        let none = CaseQuery {
            decision: Some(None),
            ..CaseQuery::default()
        };
        assert_eq!(query(none), "");
    }

    #[test]
    fn pages_follow_each_other_in_both_directions_without_gaps() {
        let index = register();
        for sort in SortBy::ALL {
            for descending in [false, true] {
                let mut seen = Vec::new();
                let mut cursor = None;
                loop {
                    let page = list(
                        &index,
                        &CaseQuery {
                            sort,
                            descending,
                            cursor: cursor.clone(),
                            limit: 1,
                            ..CaseQuery::default()
                        },
                    )
                    .unwrap();
                    assert_eq!(page.total, 3);
                    seen.extend(ids(&page).into_iter().map(str::to_string));
                    match page.next {
                        Some(next) => cursor = Some(next),
                        None => break,
                    }
                }
                seen.sort();
                assert_eq!(seen, ["KH-A", "KH-C", "np-b"], "{sort:?} {descending}");
            }
        }
        let by_received = CaseQuery {
            sort: SortBy::Received,
            descending: true,
            limit: 2,
            ..CaseQuery::default()
        };
        let first = list(&index, &by_received).unwrap();
        assert_eq!(ids(&first), ["np-b", "KH-C"]);
        // A cursor of another order is refused, not misread.
        let wrong = CaseQuery {
            cursor: first.next.clone(),
            ..CaseQuery::default()
        };
        assert!(list(&index, &wrong).is_err());
        let second = CaseQuery {
            cursor: first.next,
            ..by_received
        };
        assert_eq!(ids(&list(&index, &second).unwrap()), ["KH-A"]);
    }
}
