//! A seeded, deterministic generator of realistic requests of every shape the schema allows
//! (spec §2): every optional field present, absent or `null`; empty, short and long lists;
//! every enum value; dates around the shipped packs' validity boundaries; money in several
//! currencies; and edge cases (blank strings, zero amounts and amounts at the schema's bound, 100% shares, many personnel,
//! references that do not resolve, dates out of order). Every request it writes passes
//! validation (`tcscreen_core::ValidRequest::from_text`).
//!
//! Request `i` of seed `s` depends only on `(s, i)`, so any one request can be regenerated on
//! its own: `corpus --seed s --count 1 --skip i`.

use serde_json::{Map, Number, Value, json};

use crate::typed;

/// SplitMix64 (Steele, Lea and Flood, 2014): small, fast, and good enough for test data.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        // Lemire's multiply-shift; the bias is far below anything a test can see.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One item of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Which countries to generate, and when each has a pack.
#[derive(Clone, Copy, Debug)]
struct CountryProfile {
    code: &'static str,
    /// Dates on which a pack's validity starts or ends (the last day of the old version and
    /// the first of the new one are both listed).
    boundaries: &'static [&'static str],
    /// The earliest date on which some pack of the country applies.
    first: &'static str,
    orgs: &'static [&'static str],
    currency: &'static str,
}

const COUNTRIES: &[CountryProfile] = &[
    CountryProfile {
        code: "KH",
        boundaries: &["2009-12-31", "2010-01-01", "2010-06-30", "2010-07-01"],
        first: "2005-01-01",
        orgs: &["MEF", "MRD", "MOH", "CDC", "MLM", "MOC", "CSO", "NGO"],
        currency: "KHR",
    },
    CountryProfile {
        code: "NP",
        boundaries: &["2014-07-01", "2019-04-30", "2019-05-01"],
        first: "2014-07-01",
        orgs: &["MOF", "NPC", "MOHP", "MOALD", "LMC", "NFN"],
        currency: "NPR",
    },
    CountryProfile {
        code: "AF",
        boundaries: &["2015-07-29", "2015-07-30"],
        first: "2015-07-29",
        orgs: &["MOF", "MOPH", "MAIL", "BLK", "AWN"],
        currency: "AFN",
    },
];

/// Options of a corpus.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Generate only this country (`KH`, `NP`, `AF` use their own dates and organisations;
    /// any other code gets KH's).
    pub country: Option<String>,
}

/// Request `index` of the corpus with `seed`.
pub fn request(seed: u64, index: u64, options: &Options) -> Value {
    let mut rng = SplitMix64::new(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
    // Burn a few values so that neighbouring indices diverge at once.
    rng.next_u64();
    let mut request = Generator::new(&mut rng, index, options).request();
    keep_own_dates_by_received(&mut request);
    request
}

/// A request cannot be received before its own dates (I025): the letter, approvals, needs
/// assessment, sector forum review, endorsements, documents and the starts of previous
/// phases are moved back to `received` where the generator drew them later.
fn keep_own_dates_by_received(request: &mut Value) {
    let Some(received) = request
        .get("received")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    let clamp = |v: Option<&mut Value>| {
        if let Some(v) = v
            && v.as_str()
                .is_some_and(|d| d.len() == 10 && d > received.as_str())
        {
            *v = Value::String(received.clone());
        }
    };
    for path in [
        "/origin/request_letter/date",
        "/origin/provider_approval_date",
        "/origin/tor/approval_date",
        "/origin/needs_assessment/date",
        "/alignment/sector_forum/date",
    ] {
        clamp(request.pointer_mut(path));
    }
    for (list, key) in [
        ("/requester/endorsements", "date"),
        ("/documents", "date"),
        ("/schedule/previous_phases", "start"),
    ] {
        if let Some(Value::Array(items)) = request.pointer_mut(list) {
            for item in items {
                clamp(item.get_mut(key));
            }
        }
    }
}

/// Request `index` as one line of JSON (no newline).
pub fn request_line(seed: u64, index: u64, options: &Options) -> String {
    serde_json::to_string(&request(seed, index, options)).expect("a JSON value serialises")
}

/// How full a request is: the chance, in percent, that an optional field is stated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Density {
    /// Only the required fields.
    Minimal,
    Sparse,
    Typical,
    Full,
}

struct Generator<'r> {
    rng: &'r mut SplitMix64,
    index: u64,
    profile: CountryProfile,
    country: String,
    density: Density,
    /// Blank strings, zero amounts, nulls and odd lists far more often.
    edgy: bool,
    /// A complete, consistent request that follows the shipped packs' policies.
    compliant: bool,
    received: tcscreen_core::Date,
}

const WORDS: &[&str] = &[
    "public",
    "financial",
    "management",
    "reform",
    "capacity",
    "ministry",
    "provincial",
    "district",
    "health",
    "financing",
    "rural",
    "roads",
    "water",
    "land",
    "registry",
    "statistics",
    "budget",
    "planning",
    "procurement",
    "audit",
    "revenue",
    "customs",
    "education",
    "teacher",
    "training",
    "curriculum",
    "agriculture",
    "extension",
    "seed",
    "irrigation",
    "forestry",
    "community",
    "monitoring",
    "evaluation",
    "system",
    "information",
    "digital",
    "records",
    "local",
    "government",
    "council",
    "network",
    "women",
    "youth",
    "social",
    "protection",
    "insurance",
    "tourism",
    "export",
    "standards",
    "quality",
    "laboratory",
    "energy",
    "grid",
    "maintenance",
    "support",
    "strengthening",
    "advisory",
    "institutional",
    "development",
];

const UNICODE_BITS: &[&str] = &[
    "é",
    "ü",
    "ñ",
    "ក្រសួង",
    "नेपाल",
    "وزارت",
    "—",
    "“quoted”",
    "tab\there",
    "line\nbreak",
    "back\\slash",
    "\"q\"",
    "😀",
    "\u{2028}",
];

const CURRENCIES: &[&str] = &["USD", "USD", "USD", "EUR", "GBP", "JPY", "CHF", "SEK"];

fn enum_values<T: Copy>(all: &[T], as_str: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| as_str(*v)).collect()
}

impl<'r> Generator<'r> {
    fn new(rng: &'r mut SplitMix64, index: u64, options: &Options) -> Generator<'r> {
        let (profile, country) = match &options.country {
            Some(code) => {
                let profile = COUNTRIES
                    .iter()
                    .find(|p| p.code == code)
                    .copied()
                    .unwrap_or(COUNTRIES[0]);
                (profile, code.clone())
            }
            None => {
                // KH half the time: it has the most packs and fixtures.
                let profile = if rng.chance(50) {
                    COUNTRIES[0]
                } else {
                    *rng.pick(COUNTRIES)
                };
                (profile, profile.code.to_string())
            }
        };
        let density = match rng.below(100) {
            0..=4 => Density::Minimal,
            5..=24 => Density::Sparse,
            25..=74 => Density::Typical,
            _ => Density::Full,
        };
        let compliant = rng.chance(8);
        let edgy = !compliant && rng.chance(15);
        let received = tcscreen_core::Date::parse(profile.first).expect("a date");
        let mut g = Generator {
            rng,
            index,
            profile,
            country,
            density,
            edgy,
            compliant,
            received,
        };
        g.received = g.received_date();
        g
    }

    // ----- small pieces -------------------------------------------------------------------

    fn percent_stated(&self) -> u64 {
        match self.density {
            Density::Minimal => 0,
            Density::Sparse => 35,
            Density::Typical => 75,
            Density::Full => 97,
        }
    }

    /// Whether to state an optional field (present, possibly as `null`).
    fn stated(&mut self) -> bool {
        let p = self.percent_stated();
        self.rng.chance(p)
    }

    /// Put `key` in `map` if the field is stated; sometimes as `null`, which means absent.
    fn opt(
        &mut self,
        map: &mut Map<String, Value>,
        key: &str,
        make: impl FnOnce(&mut Self) -> Value,
    ) {
        if self.density == Density::Minimal {
            return;
        }
        if self.stated() {
            let value = if self.rng.chance(if self.edgy { 12 } else { 3 }) {
                Value::Null
            } else {
                make(self)
            };
            map.insert(key.to_string(), value);
        }
    }

    fn pick_str(&mut self, values: &[&'static str]) -> Value {
        Value::String((*self.rng.pick(values)).to_string())
    }

    fn words(&mut self, lo: u64, hi: u64) -> String {
        let n = lo + self.rng.below(hi - lo + 1);
        let mut out = String::new();
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(self.rng.pick::<&str>(WORDS));
            if self.rng.chance(2) {
                out.push_str(self.rng.pick::<&str>(UNICODE_BITS));
            }
        }
        out
    }

    /// A free-text field: usually words, sometimes blank or long.
    fn text(&mut self, lo: u64, hi: u64) -> Value {
        let blank = if self.edgy { 20 } else { 3 };
        let roll = self.rng.below(100);
        if roll < blank {
            return Value::String(self.rng.pick(&["", " ", "\t", "  \n "]).to_string());
        }
        let mut s = self.words(lo, hi);
        if s.is_empty() {
            s.push('x');
        }
        if s.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
            let first = s.remove(0).to_ascii_uppercase();
            s.insert(0, first);
        }
        Value::String(s)
    }

    /// A non-blank text (ids and titles must not be blank).
    fn non_blank(&mut self, lo: u64, hi: u64) -> String {
        let mut s = self.words(lo.max(1), hi.max(1));
        if s.trim().is_empty() {
            s = "x".into();
        }
        s
    }

    fn date_str(d: tcscreen_core::Date) -> Value {
        Value::String(d.to_string())
    }

    fn days(d: tcscreen_core::Date, n: i64) -> tcscreen_core::Date {
        let base = tcscreen_core::Date::from_ymd(1970, 1, 1).expect("epoch");
        tcscreen_core::Date::from_days_since_epoch(base.days_until(d) + n).unwrap_or(d)
    }

    fn months(d: tcscreen_core::Date, n: i64) -> tcscreen_core::Date {
        d.add_months(n).unwrap_or(d)
    }

    fn received_date(&mut self) -> tcscreen_core::Date {
        let first = tcscreen_core::Date::parse(self.profile.first).expect("a date");
        if self.rng.chance(35) {
            // Around a pack validity boundary, a few days either side.
            let b = tcscreen_core::Date::parse(self.rng.pick::<&str>(self.profile.boundaries))
                .expect("a date");
            let d = Self::days(b, self.rng.range(-3, 3));
            return if d < first { first } else { d };
        }
        let span = first.days_until(tcscreen_core::Date::from_ymd(2030, 12, 31).expect("date"));
        Self::days(first, self.rng.range(0, span))
    }

    /// An amount in whole units or with cents; zero in edge cases.
    fn amount(&mut self, lo: u64, hi: u64) -> Value {
        if self.edgy && self.rng.chance(15) {
            return json!(0);
        }
        if self.edgy && self.rng.chance(3) {
            // The schema's bound: the sums of base/DQ-02 must stay exact at it.
            return json!(tcscreen_core::request::schema::MAX_AMOUNT);
        }
        let units = lo + self.rng.below(hi - lo + 1);
        if self.rng.chance(70) {
            // Round figures, as budgets usually are.
            let step = *self.rng.pick(&[1u64, 10, 100, 1000]);
            return json!(units / step * step);
        }
        let cents = self.rng.below(100);
        money_value(units, cents)
    }

    fn months_value(&mut self) -> Value {
        match self.rng.below(10) {
            0 => json!(0),
            1 => {
                // Half months: 6.5.
                let m = self.rng.below(48);
                money_value(m, 50)
            }
            2 => json!(self.rng.range(49, 240)),
            _ => json!(self.rng.range(1, 48)),
        }
    }

    // ----- sections -----------------------------------------------------------------------

    fn request(&mut self) -> Value {
        if self.compliant {
            return self.compliant_request();
        }
        let mut r = Map::new();
        let stated_schema = self.rng.chance(40);
        if stated_schema {
            r.insert("schema".into(), json!("tcscreen/request/v1"));
        }
        let org = (*self.rng.pick(self.profile.orgs)).to_string();
        r.insert(
            "id".into(),
            json!(format!(
                "{}-{}-{}-{:05}",
                self.country,
                org,
                self.received.year(),
                self.index % 100_000
            )),
        );
        r.insert("country".into(), json!(self.country));
        let title = self.non_blank(3, 10);
        r.insert("title".into(), json!(title));
        r.insert("received".into(), Self::date_str(self.received));
        self.opt(&mut r, "summary", |g| g.text(10, 60));
        self.opt(&mut r, "requester", Self::requester);
        self.opt(&mut r, "provider", Self::provider);
        self.opt(&mut r, "modality", Self::modality);
        self.opt(&mut r, "origin", Self::origin);
        self.opt(&mut r, "alignment", Self::alignment);
        self.opt(&mut r, "management", Self::management);
        let counterpart_ids = self.counterpart_ids();
        self.opt(&mut r, "personnel", |g| g.personnel(&counterpart_ids));
        self.opt(&mut r, "counterparts", |g| g.counterparts(&counterpart_ids));
        let total = self.finance_total();
        self.opt(&mut r, "finance", |g| g.finance(total));
        let (start, end) = self.schedule_dates();
        self.opt(&mut r, "schedule", |g| g.schedule(start, end));
        self.opt(&mut r, "capacity", |g| g.capacity(end));
        self.opt(&mut r, "exit", |g| g.exit(&counterpart_ids, end));
        self.opt(&mut r, "reviews", |g| g.reviews(start, end));
        self.opt(&mut r, "context", Self::context);
        self.opt(&mut r, "documents", Self::documents);
        self.opt(&mut r, "extensions", Self::extensions);
        Value::Object(r)
    }

    /// One to three positions, each with its counterpart, and what they cost in all.
    fn positions(&mut self, start: tcscreen_core::Date) -> (Vec<Value>, Vec<Value>, u64) {
        let people = 1 + self.rng.below(3);
        let mut personnel = Vec::new();
        let mut counterparts = Vec::new();
        let mut personnel_line = 0u64;
        for i in 1..=people {
            let months = self.rng.range(6, 24);
            let cost = months as u64 * (4_000 + self.rng.below(6) * 1_000);
            personnel_line += cost;
            personnel.push(json!({
                "id": format!("P{i}"),
                "title": self.non_blank(2, 4),
                "origin": self.pick_str(&["national", "regional", "diaspora"]),
                "function": self.pick_str(&["capacity_development", "policy_advice"]),
                "reports_to": "partner",
                "months": months,
                "cost": cost,
                "counterparts": [format!("C{i}")],
            }));
            counterparts.push(json!({
                "id": format!("C{i}"),
                "position": self.non_blank(2, 4),
                "on_establishment": true,
                "assigned": true,
                "assigned_from": Self::date_str(start),
                "salary_supplement": false,
            }));
        }
        (personnel, counterparts, personnel_line)
    }

    /// A request a coordination unit would accept: complete, consistent, partner-led.
    fn compliant_request(&mut self) -> Value {
        let received = self.received;
        let org = (*self.rng.pick(self.profile.orgs)).to_string();
        let id = format!(
            "{}-{}-{}-{:05}",
            self.country,
            org,
            received.year(),
            self.index % 100_000
        );
        let letter = Self::days(received, -self.rng.range(20, 90));
        let approval = Self::days(letter, self.rng.range(5, 30));
        let start = Self::months(received, self.rng.range(1, 4));
        let end = Self::days(Self::months(start, 24), -1);
        let (personnel, counterparts, personnel_line) = self.positions(start);
        let training = 10_000 * (1 + self.rng.below(5));
        let travel = 5_000 * (1 + self.rng.below(4));
        let fee = (personnel_line + training + travel) / 20;
        let total = personnel_line + training + travel + fee;
        let sector = self.pick_str(&["15110", "12220", "11110", "31120"]);
        let kind = self.pick_str(&["line_ministry", "central_government", "state_agency"]);
        let mut r = json!({
            "schema": "tcscreen/request/v1",
            "id": id,
            "country": self.country,
            "title": self.non_blank(4, 9),
            "received": Self::date_str(received),
            "summary": self.words(15, 40),
            "requester": {
                "name": self.non_blank(3, 6),
                "kind": kind,
                "endorsements": [
                    {"body": "aid_coordination_unit", "date": Self::date_str(letter), "ref": format!("ACU/{}", self.rng.below(1000))},
                    {"body": "sector_working_group", "date": Self::date_str(letter), "ref": format!("SWG/{}", self.rng.below(1000))},
                ],
            },
            "provider": {
                "name": self.non_blank(2, 5),
                "kind": self.pick_str(&["bilateral", "multilateral"]),
                "country": self.pick_str(&["DE", "JP", "SE"]),
            },
            "modality": {"types": ["long_term_advisory", "training_in_country"], "iati_aid_type": "D01", "free_standing": false},
            "origin": {
                "initiated_by": "partner_government",
                "request_letter": {"date": Self::date_str(letter), "ref": format!("{}/{}/{}", self.country, org, self.rng.below(1000))},
                "provider_approval_date": Self::date_str(approval),
                "needs_assessment": {"led_by": "partner", "date": Self::date_str(Self::days(letter, -60)), "ref": "Capacity assessment"},
                "tor": {"drafted_by": "partner", "partner_approved": true},
                "recruitment": {"led_by": "partner", "partner_on_panel": true, "national_market_tested": true},
                "linked_conditions": false,
            },
            "alignment": {
                "plans": [{"level": "national", "plan": self.non_blank(3, 5), "objective": self.non_blank(3, 6)}],
                "capacity_plans": [{"plan": self.non_blank(3, 5), "priority": self.non_blank(2, 4)}],
                "sector_forum": {"name": self.non_blank(2, 4), "endorsed": true, "date": Self::date_str(letter)},
                "on_budget": true,
                "programme_based": true,
                "sectors": [{"code": sector, "share": 100}],
            },
            "management": {
                "arrangement": "country_systems",
                "accountable_to": "partner",
                "steering": {"chaired_by": "partner", "meets_every_months": 6},
                "pooled": true,
                "procurement": "national",
            },
            "personnel": personnel,
            "counterparts": counterparts,
            "finance": {
                "currency": "USD", "total": total, "personnel": personnel_line, "training": training,
                "travel": travel, "equipment": 0, "management_fee": fee, "allowances": 0, "other": 0,
                "tied": "untied", "in_kind": false,
                "recurrent_after_exit": {"annual": 5_000 * (1 + self.rng.below(4)), "financed_by": "partner_budget"},
            },
            "schedule": {
                "start": Self::date_str(start), "end": Self::date_str(end), "extension": false,
                "previous_phases": [], "months_same_function": 24,
            },
            "capacity": {
                "assessment": self.non_blank(3, 6),
                "indicators": [{
                    "id": "I1", "level": "organisational", "description": self.non_blank(5, 10),
                    "baseline": self.non_blank(2, 4),
                    "targets": [{"value": self.non_blank(1, 3), "date": Self::date_str(end)}],
                }],
            },
            "exit": {
                "end_point": self.non_blank(6, 12),
                "criteria": [self.non_blank(4, 8)],
                "handover": [{"date": Self::date_str(Self::months(end, -3)), "function": self.non_blank(2, 4), "to": "C1"}],
                "post_exit_support": "peer_network",
            },
            "reviews": [
                {"kind": "annual_joint", "due": Self::date_str(Self::months(start, 12)), "joint": true, "covers_sustainability": true},
                {"kind": "final", "due": Self::date_str(end), "joint": true, "covers_sustainability": true},
            ],
            "context": [],
            "documents": [
                {"kind": "request_letter", "ref": "Letter", "date": Self::date_str(letter)},
                {"kind": "capacity_assessment", "ref": "Assessment"},
                {"kind": "cd_plan_extract", "ref": "CD plan"},
            ],
        });
        if self.rng.chance(50) {
            r["extensions"] = json!({});
        }
        r
    }

    fn requester(&mut self) -> Value {
        let mut m = Map::new();
        self.opt(&mut m, "name", |g| g.text(2, 8));
        let kinds = enum_values(typed::RequesterKind::ALL, typed::RequesterKind::as_str);
        self.opt(&mut m, "kind", |g| g.pick_str(&kinds));
        self.opt(&mut m, "endorsements", |g| {
            let n = g.list_len(3);
            let bodies = enum_values(typed::EndorsementBody::ALL, typed::EndorsementBody::as_str);
            let received = g.received;
            Value::Array(
                (0..n)
                    .map(|_| {
                        let mut e = Map::new();
                        g.opt(&mut e, "body", |g| g.pick_str(&bodies));
                        g.opt(&mut e, "date", |g| {
                            let back = g.rng.range(1, 120);
                            Self::date_str(Self::days(received, -back))
                        });
                        g.opt(&mut e, "ref", |g| g.reference());
                        g.opt(&mut e, "declined", |g| json!(g.rng.chance(15)));
                        Value::Object(e)
                    })
                    .collect(),
            )
        });
        Value::Object(m)
    }

    fn reference(&mut self) -> Value {
        if self.edgy && self.rng.chance(20) {
            return json!("");
        }
        let n = self.rng.below(1000);
        json!(format!("{}/{}/{n:03}", self.country, self.received.year()))
    }

    /// A list length: usually small, sometimes empty, sometimes long.
    fn list_len(&mut self, typical: u64) -> u64 {
        match self.rng.below(100) {
            0..=14 => 0,
            15..=94 => 1 + self.rng.below(typical),
            _ => typical + self.rng.below(typical * 4 + 1),
        }
    }

    fn provider(&mut self) -> Value {
        let mut m = Map::new();
        self.opt(&mut m, "name", |g| g.text(2, 6));
        let kinds = enum_values(typed::ProviderKind::ALL, typed::ProviderKind::as_str);
        self.opt(&mut m, "kind", |g| g.pick_str(&kinds));
        self.opt(&mut m, "country", |g| {
            g.pick_str(&["DE", "JP", "GB", "US", "SE", "CN", "IN", "TH", "BR", "ZA"])
        });
        self.opt(&mut m, "adapts_procedures", |g| json!(g.rng.chance(70)));
        self.opt(&mut m, "decides_in_country", |g| json!(g.rng.chance(60)));
        Value::Object(m)
    }

    fn modality(&mut self) -> Value {
        let mut m = Map::new();
        let types = enum_values(typed::ModalityType::ALL, typed::ModalityType::as_str);
        self.opt(&mut m, "types", |g| {
            let n = g.list_len(3);
            Value::Array((0..n).map(|_| g.pick_str(&types)).collect())
        });
        self.opt(&mut m, "iati_aid_type", |g| {
            g.pick_str(&["D01", "D02", "E01", "E02", "C01", "B03", "", "d02"])
        });
        self.opt(&mut m, "free_standing", |g| json!(g.rng.chance(50)));
        Value::Object(m)
    }

    fn origin(&mut self) -> Value {
        let mut m = Map::new();
        let received = self.received;
        let initiated = enum_values(typed::InitiatedBy::ALL, typed::InitiatedBy::as_str);
        self.opt(&mut m, "initiated_by", |g| g.pick_str(&initiated));
        self.opt(&mut m, "request_letter", |g| {
            let mut l = Map::new();
            g.opt(&mut l, "date", |g| {
                let back = g.rng.range(0, 200);
                Self::date_str(Self::days(received, -back))
            });
            g.opt(&mut l, "ref", |g| g.reference());
            Value::Object(l)
        });
        self.opt(&mut m, "provider_approval_date", |g| {
            let back = g.rng.range(-30, 200);
            Self::date_str(Self::days(received, -back))
        });
        self.opt(&mut m, "needs_assessment", |g| {
            let mut n = Map::new();
            let led = enum_values(typed::NeedsLedBy::ALL, typed::NeedsLedBy::as_str);
            g.opt(&mut n, "led_by", |g| g.pick_str(&led));
            g.opt(&mut n, "date", |g| {
                let back = g.rng.range(0, 400);
                Self::date_str(Self::days(received, -back))
            });
            g.opt(&mut n, "ref", |g| g.text(2, 6));
            Value::Object(n)
        });
        let party = enum_values(typed::Party::ALL, typed::Party::as_str);
        self.opt(&mut m, "tor", |g| {
            let mut t = Map::new();
            g.opt(&mut t, "drafted_by", |g| g.pick_str(&party));
            g.opt(&mut t, "partner_approved", |g| json!(g.rng.chance(60)));
            Value::Object(t)
        });
        self.opt(&mut m, "recruitment", |g| {
            let mut t = Map::new();
            g.opt(&mut t, "led_by", |g| g.pick_str(&party));
            g.opt(&mut t, "partner_on_panel", |g| json!(g.rng.chance(60)));
            g.opt(&mut t, "national_market_tested", |g| {
                json!(g.rng.chance(60))
            });
            g.opt(&mut t, "international_justification", |g| g.text(4, 20));
            Value::Object(t)
        });
        self.opt(&mut m, "linked_conditions", |g| json!(g.rng.chance(30)));
        Value::Object(m)
    }

    fn alignment(&mut self) -> Value {
        let mut m = Map::new();
        let levels = enum_values(typed::PlanLevel::ALL, typed::PlanLevel::as_str);
        self.opt(&mut m, "plans", |g| {
            let n = g.list_len(2);
            Value::Array(
                (0..n)
                    .map(|_| {
                        let mut p = Map::new();
                        g.opt(&mut p, "level", |g| g.pick_str(&levels));
                        g.opt(&mut p, "plan", |g| g.text(2, 6));
                        g.opt(&mut p, "objective", |g| g.text(2, 8));
                        Value::Object(p)
                    })
                    .collect(),
            )
        });
        self.opt(&mut m, "capacity_plans", |g| {
            let n = g.list_len(2);
            Value::Array(
                (0..n)
                    .map(|_| {
                        let mut p = Map::new();
                        g.opt(&mut p, "plan", |g| g.text(2, 6));
                        g.opt(&mut p, "priority", |g| g.text(2, 6));
                        Value::Object(p)
                    })
                    .collect(),
            )
        });
        let received = self.received;
        self.opt(&mut m, "sector_forum", |g| {
            let mut f = Map::new();
            g.opt(&mut f, "name", |g| g.text(2, 6));
            g.opt(&mut f, "endorsed", |g| json!(g.rng.chance(70)));
            g.opt(&mut f, "date", |g| {
                let back = g.rng.range(0, 90);
                Self::date_str(Self::days(received, -back))
            });
            Value::Object(f)
        });
        self.opt(&mut m, "on_budget", |g| json!(g.rng.chance(60)));
        self.opt(&mut m, "programme_based", |g| json!(g.rng.chance(50)));
        self.opt(&mut m, "sectors", Self::sectors);
        Value::Object(m)
    }

    fn sectors(&mut self) -> Value {
        let codes = [
            "15110", "15111", "12220", "11110", "21020", "31120", "14010", "16010", "33210",
            "43010", "13020", "25010",
        ];
        let n = match self.rng.below(10) {
            0 => 0,
            1..=5 => 1,
            6..=8 => 2 + self.rng.below(2),
            _ => 4 + self.rng.below(8),
        };
        let summing = self.rng.chance(75);
        let mut left: u64 = 1000; // tenths of a percent
        let items = (0..n)
            .map(|i| {
                let mut s = Map::new();
                s.insert("code".into(), json!(*self.rng.pick(&codes)));
                let share = if n == 1 && summing {
                    json!(100)
                } else if summing {
                    let tenths = if i + 1 == n {
                        left
                    } else {
                        let t = self.rng.below(left / 2 + 1);
                        left -= t;
                        t
                    };
                    money_value(tenths / 10, (tenths % 10) * 10)
                } else {
                    match self.rng.below(4) {
                        0 => json!(100),
                        1 => json!(0),
                        _ => money_value(self.rng.below(100), self.rng.below(10) * 10),
                    }
                };
                if self.rng.chance(95) {
                    s.insert("share".into(), share);
                } else if self.rng.chance(50) {
                    s.insert("share".into(), Value::Null);
                }
                Value::Object(s)
            })
            .collect();
        Value::Array(items)
    }

    fn management(&mut self) -> Value {
        let mut m = Map::new();
        let arrangements = enum_values(typed::Arrangement::ALL, typed::Arrangement::as_str);
        let party = enum_values(typed::Party::ALL, typed::Party::as_str);
        let chairs = enum_values(typed::ChairedBy::ALL, typed::ChairedBy::as_str);
        let procurement = enum_values(typed::Procurement::ALL, typed::Procurement::as_str);
        self.opt(&mut m, "arrangement", |g| g.pick_str(&arrangements));
        self.opt(&mut m, "accountable_to", |g| g.pick_str(&party));
        self.opt(&mut m, "steering", |g| {
            let mut s = Map::new();
            g.opt(&mut s, "chaired_by", |g| g.pick_str(&chairs));
            g.opt(&mut s, "meets_every_months", |g| json!(g.rng.range(0, 12)));
            Value::Object(s)
        });
        self.opt(&mut m, "pooled", |g| json!(g.rng.chance(30)));
        self.opt(&mut m, "procurement", |g| g.pick_str(&procurement));
        Value::Object(m)
    }

    fn counterpart_ids(&mut self) -> Vec<String> {
        let n = match self.rng.below(100) {
            0..=19 => 0,
            20..=94 => 1 + self.rng.below(4),
            _ => 5 + self.rng.below(60),
        };
        (0..n).map(|i| format!("C{}", i + 1)).collect()
    }

    /// A counterpart reference: mostly one that exists, sometimes not, sometimes blank.
    fn counterpart_ref(&mut self, ids: &[String]) -> String {
        if ids.is_empty() || self.rng.chance(8) {
            return self.rng.pick(&["C99", "X1", "", " ", "c1"]).to_string();
        }
        self.rng.pick(ids).clone()
    }

    fn personnel(&mut self, ids: &[String]) -> Value {
        let n = if self.edgy && self.rng.chance(25) {
            // Many personnel.
            20 + self.rng.below(180)
        } else {
            self.list_len(4)
        };
        let origins = enum_values(typed::PersonOrigin::ALL, typed::PersonOrigin::as_str);
        let functions = enum_values(typed::Function::ALL, typed::Function::as_str);
        let reports = enum_values(typed::ReportsTo::ALL, typed::ReportsTo::as_str);
        let duplicate = self.rng.chance(5);
        Value::Array(
            (0..n)
                .map(|i| {
                    let mut p = Map::new();
                    self.opt(&mut p, "id", |g| {
                        if duplicate && i > 0 && g.rng.chance(30) {
                            json!("P1")
                        } else if g.edgy && g.rng.chance(10) {
                            json!("")
                        } else {
                            json!(format!("P{}", i + 1))
                        }
                    });
                    self.opt(&mut p, "title", |g| g.text(2, 6));
                    self.opt(&mut p, "origin", |g| g.pick_str(&origins));
                    self.opt(&mut p, "function", |g| g.pick_str(&functions));
                    self.opt(&mut p, "reports_to", |g| g.pick_str(&reports));
                    let employers = enum_values(typed::Employer::ALL, typed::Employer::as_str);
                    self.opt(&mut p, "employer", |g| g.pick_str(&employers));
                    self.opt(&mut p, "months", Self::months_value);
                    self.opt(&mut p, "cost", |g| g.amount(0, 400_000));
                    self.opt(&mut p, "counterparts", |g| {
                        let k = g.list_len(2);
                        Value::Array((0..k).map(|_| json!(g.counterpart_ref(ids))).collect())
                    });
                    Value::Object(p)
                })
                .collect(),
        )
    }

    fn counterparts(&mut self, ids: &[String]) -> Value {
        let received = self.received;
        let duplicate = self.rng.chance(5);
        Value::Array(
            ids.iter()
                .enumerate()
                .map(|(i, id)| {
                    let mut c = Map::new();
                    // The id is almost always there: the rest of the request refers to it.
                    if self.rng.chance(96) {
                        let id = if duplicate && i > 0 && self.rng.chance(30) {
                            "C1".to_string()
                        } else {
                            id.clone()
                        };
                        c.insert("id".into(), json!(id));
                    }
                    self.opt(&mut c, "position", |g| g.text(2, 6));
                    self.opt(&mut c, "on_establishment", |g| json!(g.rng.chance(75)));
                    self.opt(&mut c, "assigned", |g| json!(g.rng.chance(60)));
                    self.opt(&mut c, "assigned_from", |g| {
                        let ahead = g.rng.range(-3, 12);
                        Self::date_str(Self::months(received, ahead))
                    });
                    self.opt(&mut c, "salary_supplement", |g| json!(g.rng.chance(20)));
                    Value::Object(c)
                })
                .collect(),
        )
    }

    fn finance_total(&mut self) -> u64 {
        match self.rng.below(100) {
            0..=4 => 0,
            5..=29 => self.rng.below(200_000),
            30..=84 => 200_000 + self.rng.below(1_800_000),
            _ => 2_000_000 + self.rng.below(50_000_000),
        }
    }

    fn finance(&mut self, total: u64) -> Value {
        let mut m = Map::new();
        let own = self.profile.currency;
        self.opt(&mut m, "currency", |g| {
            if g.rng.chance(15) {
                json!(own)
            } else {
                g.pick_str(CURRENCIES)
            }
        });
        let total_cents = if self.rng.chance(20) {
            self.rng.below(100)
        } else {
            0
        };
        self.opt(&mut m, "total", |_| money_value(total, total_cents));
        // Budget lines: sum to the total most of the time.
        let lines = [
            "personnel",
            "training",
            "travel",
            "equipment",
            "management_fee",
            "allowances",
            "other",
        ];
        let consistent = self.rng.chance(70);
        let mut left = total * 100 + total_cents;
        for (i, line) in lines.iter().enumerate() {
            let last = i + 1 == lines.len();
            // Whole units three times in four, as budgets usually are.
            let round = self.rng.chance(75);
            let cents = if consistent {
                if last {
                    left
                } else {
                    let mut c = self.rng.below(left / 2 + 1);
                    if round {
                        c = c / 100 * 100;
                    }
                    left -= c;
                    c
                }
            } else {
                let c = self.rng.below(total * 30 + 1);
                if round { c / 100 * 100 } else { c }
            };
            if consistent {
                // Every line is needed for the sum; keep them all (possibly zero).
                if self.density != Density::Minimal && self.rng.chance(98) {
                    m.insert((*line).to_string(), money_value(cents / 100, cents % 100));
                }
            } else {
                self.opt(&mut m, line, |_| money_value(cents / 100, cents % 100));
            }
        }
        let tied = enum_values(typed::Tied::ALL, typed::Tied::as_str);
        self.opt(&mut m, "tied", |g| g.pick_str(&tied));
        self.opt(&mut m, "in_kind", |g| json!(g.rng.chance(20)));
        self.opt(&mut m, "partner_contribution", |g| g.amount(0, 200_000));
        self.opt(&mut m, "recurrent_after_exit", |g| {
            let mut r = Map::new();
            let financed = enum_values(typed::FinancedBy::ALL, typed::FinancedBy::as_str);
            g.opt(&mut r, "annual", |g| g.amount(0, 500_000));
            g.opt(&mut r, "financed_by", |g| g.pick_str(&financed));
            g.opt(&mut r, "budget_line", |g| g.text(2, 6));
            Value::Object(r)
        });
        Value::Object(m)
    }

    fn schedule_dates(&mut self) -> (tcscreen_core::Date, tcscreen_core::Date) {
        let start = Self::months(self.received, self.rng.range(0, 12));
        let start = Self::days(start, self.rng.range(-15, 15));
        let end = if self.rng.chance(4) {
            // Out of order, or the same day.
            Self::days(start, -self.rng.range(0, 60))
        } else {
            Self::days(Self::months(start, self.rng.range(1, 84)), -1)
        };
        (start, end)
    }

    fn schedule(&mut self, start: tcscreen_core::Date, end: tcscreen_core::Date) -> Value {
        let mut m = Map::new();
        self.opt(&mut m, "start", |_| Self::date_str(start));
        self.opt(&mut m, "end", |_| Self::date_str(end));
        let extension = self.rng.chance(25);
        self.opt(&mut m, "extension", |_| json!(extension));
        self.opt(&mut m, "previous_phases", |g| {
            let n = if extension {
                1 + g.rng.below(3)
            } else {
                g.list_len(1)
            };
            let mut phase_end = Self::days(start, -g.rng.range(-40, 200));
            let mut phases = Vec::new();
            for _ in 0..n {
                let phase_start = Self::months(phase_end, -g.rng.range(6, 48));
                let mut p = Map::new();
                g.opt(&mut p, "start", |_| Self::date_str(phase_start));
                g.opt(&mut p, "end", |_| Self::date_str(phase_end));
                g.opt(&mut p, "evaluation", |g| g.text(2, 8));
                g.opt(&mut p, "same_function", |g| json!(g.rng.chance(60)));
                g.opt(&mut p, "evaluation_joint", |g| json!(g.rng.chance(60)));
                g.opt(&mut p, "lessons_applied", |g| g.text(3, 12));
                phases.push(Value::Object(p));
                phase_end = Self::days(phase_start, -1);
            }
            phases.reverse();
            Value::Array(phases)
        });
        self.opt(&mut m, "months_same_function", |g| {
            if g.rng.chance(50) {
                json!(g.rng.range(0, 60))
            } else {
                json!(g.rng.range(0, 120))
            }
        });
        Value::Object(m)
    }

    fn capacity(&mut self, end: tcscreen_core::Date) -> Value {
        let mut m = Map::new();
        self.opt(&mut m, "assessment", |g| g.text(2, 10));
        let levels = enum_values(typed::IndicatorLevel::ALL, typed::IndicatorLevel::as_str);
        self.opt(&mut m, "indicators", |g| {
            let n = g.list_len(3);
            Value::Array(
                (0..n)
                    .map(|i| {
                        let mut ind = Map::new();
                        g.opt(&mut ind, "id", |_| json!(format!("I{}", i + 1)));
                        g.opt(&mut ind, "level", |g| g.pick_str(&levels));
                        g.opt(&mut ind, "description", |g| g.text(4, 14));
                        g.opt(&mut ind, "service", |g| json!(g.rng.chance(40)));
                        g.opt(&mut ind, "baseline", |g| g.text(1, 5));
                        g.opt(&mut ind, "targets", |g| {
                            let k = g.list_len(2);
                            Value::Array(
                                (0..k)
                                    .map(|_| {
                                        let mut t = Map::new();
                                        g.opt(&mut t, "value", |g| g.text(1, 4));
                                        g.opt(&mut t, "date", |g| {
                                            let back = g.rng.range(-6, 36);
                                            Self::date_str(Self::months(end, -back))
                                        });
                                        Value::Object(t)
                                    })
                                    .collect(),
                            )
                        });
                        Value::Object(ind)
                    })
                    .collect(),
            )
        });
        Value::Object(m)
    }

    fn exit(&mut self, ids: &[String], end: tcscreen_core::Date) -> Value {
        let mut m = Map::new();
        self.opt(&mut m, "end_point", |g| g.text(4, 20));
        self.opt(&mut m, "criteria", |g| {
            let n = g.list_len(3);
            Value::Array((0..n).map(|_| g.text(3, 12)).collect())
        });
        self.opt(&mut m, "handover", |g| {
            let n = g.list_len(3);
            Value::Array(
                (0..n)
                    .map(|_| {
                        let mut h = Map::new();
                        g.opt(&mut h, "date", |g| {
                            let back = g.rng.range(-3, 24);
                            Self::date_str(Self::months(end, -back))
                        });
                        g.opt(&mut h, "function", |g| g.text(2, 5));
                        g.opt(&mut h, "to", |g| json!(g.counterpart_ref(ids)));
                        Value::Object(h)
                    })
                    .collect(),
            )
        });
        let support = enum_values(typed::PostExitSupport::ALL, typed::PostExitSupport::as_str);
        self.opt(&mut m, "post_exit_support", |g| g.pick_str(&support));
        Value::Object(m)
    }

    fn reviews(&mut self, start: tcscreen_core::Date, end: tcscreen_core::Date) -> Value {
        let kinds = enum_values(typed::ReviewKind::ALL, typed::ReviewKind::as_str);
        let span = start.months_until(end).max(1);
        let n = self.list_len(4);
        let mut due = start;
        Value::Array(
            (0..n)
                .map(|_| {
                    due = Self::months(due, self.rng.range(1, (span / 2).clamp(1, 18)));
                    let mut r = Map::new();
                    self.opt(&mut r, "kind", |g| g.pick_str(&kinds));
                    let d = due;
                    self.opt(&mut r, "due", |_| Self::date_str(d));
                    self.opt(&mut r, "joint", |g| json!(g.rng.chance(75)));
                    self.opt(&mut r, "covers_sustainability", |g| json!(g.rng.chance(65)));
                    Value::Object(r)
                })
                .collect(),
        )
    }

    fn context(&mut self) -> Value {
        let all = enum_values(typed::Context::ALL, typed::Context::as_str);
        let n = match self.rng.below(10) {
            0..=5 => 0,
            6..=8 => 1,
            _ => 2 + self.rng.below(3),
        };
        Value::Array((0..n).map(|_| self.pick_str(&all)).collect())
    }

    fn documents(&mut self) -> Value {
        let kinds = enum_values(typed::DocumentKind::ALL, typed::DocumentKind::as_str);
        let n = self.list_len(4);
        let received = self.received;
        Value::Array(
            (0..n)
                .map(|_| {
                    let mut d = Map::new();
                    self.opt(&mut d, "kind", |g| g.pick_str(&kinds));
                    self.opt(&mut d, "ref", |g| g.reference());
                    self.opt(&mut d, "date", |g| {
                        let back = g.rng.range(0, 365);
                        Self::date_str(Self::days(received, -back))
                    });
                    Value::Object(d)
                })
                .collect(),
        )
    }

    fn extensions(&mut self) -> Value {
        let mut m = Map::new();
        if self.rng.chance(30) {
            let mut iati = Map::new();
            iati.insert(
                "identifier".into(),
                json!(format!("XM-DAC-{}", self.rng.below(100_000))),
            );
            if self.rng.chance(70) {
                iati.insert(
                    "aid_type".into(),
                    self.pick_str(&["D01", "D02", "E01", "C01"]),
                );
            }
            if self.rng.chance(70) {
                let tied = match self.rng.below(4) {
                    0 => json!(3),
                    1 => json!("4"),
                    2 => json!("5"),
                    _ => json!(7),
                };
                iati.insert("tied_status".into(), tied);
            }
            if self.rng.chance(60) {
                let channel = match self.rng.below(4) {
                    0 => json!(1),
                    1 => json!("2"),
                    2 => json!(3),
                    _ => json!("4"),
                };
                iati.insert("disbursement_channel".into(), channel);
            }
            let value = if self.rng.chance(3) {
                json!("not an object")
            } else {
                Value::Object(iati)
            };
            m.insert("iati".into(), value);
        }
        if self.rng.chance(15) {
            let n = self.rng.below(4);
            let list: Vec<Value> = (0..n)
                .map(|i| {
                    if self.rng.chance(5) {
                        return json!(42);
                    }
                    let mut o = Map::new();
                    if self.rng.chance(90) {
                        o.insert("id".into(), json!(format!("ACT-{i}")));
                    }
                    o.insert(
                        "overlap".into(),
                        self.pick_str(&["same_function", "same_institution", "same_beneficiaries"]),
                    );
                    Value::Object(o)
                })
                .collect();
            let value = if self.rng.chance(3) {
                json!({"not": "a list"})
            } else {
                Value::Array(list)
            };
            m.insert("overlapping_activities".into(), value);
        }
        if self.rng.chance(25) {
            m.insert(
                "financing".into(),
                self.pick_str(&["grant", "grant", "soft_loan", "commercial_loan"]),
            );
        }
        if self.rng.chance(10) {
            m.insert(
                "allowance_rates".into(),
                self.pick_str(&["national", "provider"]),
            );
        }
        if self.rng.chance(10) {
            m.insert(
                "programme".into(),
                json!({"name": self.words(2, 5), "pooled": self.rng.chance(50)}),
            );
        }
        if self.rng.chance(5) {
            // Free-form data with numbers, nulls, nesting and unicode keys.
            m.insert(
                "free_form".into(),
                json!({"n": [1, 2.5, 0, null, true], "é": {"deep": [[{"x": "y"}]]}, "": ""}),
            );
        }
        Value::Object(m)
    }
}

/// `units.cents` as a JSON number: an integer when `cents` is zero, else the decimal (written
/// by serde_json as the shortest text of the double, which is exactly `units.cc` here).
fn money_value(units: u64, cents: u64) -> Value {
    if cents == 0 {
        return json!(units);
    }
    let text = format!("{units}.{cents:02}");
    let value: f64 = text.parse().expect("a number");
    Value::Number(Number::from_f64(value).expect("finite"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_values() {
        // First outputs for seed 1234567 (from the reference implementation).
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn deterministic_per_index() {
        let o = Options::default();
        assert_eq!(request_line(7, 3, &o), request_line(7, 3, &o));
        assert_ne!(request_line(7, 3, &o), request_line(7, 4, &o));
        assert_ne!(request_line(7, 3, &o), request_line(8, 3, &o));
    }
}
