//! The request (`tcscreen/request/v1`, spec §2) as typed Rust structs read with serde: the
//! parse floor of the benchmarks and the input of the plain-Rust reference.
//!
//! The structs are already normalised the way rules see a request: every object is present
//! (absent or `null` becomes the default), every list is present (`[]`), and every absent
//! scalar is `None`. Unknown fields, unknown enum values, bad dates and negative amounts are
//! refused, so a typed parse also checks the schema's form (not its messages or positions:
//! that is what `tcscreen_core::ValidRequest` is for).
//!
//! Numbers: serde_json (built without `arbitrary_precision`, whose features the workspace pins)
//! hands fractional numbers over as `f64`; [`Money`] turns them back into the exact decimal of
//! the JSON text through the shortest round-trip text of the double. That is exact for numbers
//! of up to 15 significant digits, which covers every number the corpus writes. Integers up to
//! `u64::MAX` are exact.

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A non-negative exact decimal (money, months, shares), normalised like the engine's
/// numbers (no trailing zeros).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(pub Decimal);

impl Money {
    /// The value.
    pub fn get(self) -> Decimal {
        self.0
    }
}

struct MoneyVisitor;

impl Visitor<'_> for MoneyVisitor {
    type Value = Money;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative number")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
        Ok(Money(Decimal::from(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
        if v < 0 {
            return Err(E::custom(format!("must not be negative, found {v}")));
        }
        Ok(Money(Decimal::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
        if !v.is_finite() || v.is_sign_negative() && v != 0.0 {
            return Err(E::custom(format!("must not be negative, found {v}")));
        }
        // `{}` prints the shortest text that reads back as the same double, without exponent.
        let text = format!("{}", v.abs());
        Decimal::from_str(&text)
            .map(|d| Money(tcscreen_core::number::normalize(d)))
            .map_err(|_| E::custom(format!("{text} is out of the decimal range")))
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        d.deserialize_any(MoneyVisitor)
    }
}

/// A percentage, 0–100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Percent(pub Decimal);

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Percent, D::Error> {
        let Money(value) = Money::deserialize(d)?;
        if value > Decimal::ONE_HUNDRED {
            return Err(de::Error::custom(format!(
                "a percentage must be between 0 and 100, found {value}"
            )));
        }
        Ok(Percent(value))
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub tcscreen_core::Date);

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

struct DateVisitor;

impl Visitor<'_> for DateVisitor {
    type Value = Date;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date string (YYYY-MM-DD)")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
        tcscreen_core::Date::parse(v)
            .map(Date)
            .ok_or_else(|| E::custom(format!("`{v}` is not a calendar date")))
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        d.deserialize_str(DateVisitor)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// `null` and absent both mean the default (an empty object or list).
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

macro_rules! string_enums {
    ($( $(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),* $(,)? } )*) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
        pub enum $name {
            $(
                #[doc = $text]
                #[serde(rename = $text)]
                $variant,
            )*
        }

        impl $name {
            /// Every value, in schema order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The value as written in requests.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

string_enums! {
    /// `requester.kind`.
    RequesterKind {
        CentralGovernment = "central_government", LineMinistry = "line_ministry",
        StateAgency = "state_agency", LocalGovernment = "local_government",
        Parliament = "parliament", Judiciary = "judiciary", CivilSociety = "civil_society",
        PrivateSector = "private_sector", Academia = "academia", Other = "other",
    }
    /// `requester.endorsements[].body`.
    EndorsementBody {
        AidCoordinationUnit = "aid_coordination_unit", LineMinistry = "line_ministry",
        SectorWorkingGroup = "sector_working_group", LocalCouncil = "local_council",
        CsoPlatform = "cso_platform", Board = "board",
    }
    /// `provider.kind`.
    ProviderKind {
        Bilateral = "bilateral", Multilateral = "multilateral", SouthSouth = "south_south",
        Triangular = "triangular", Ngo = "ngo", Foundation = "foundation",
        PrivateFirm = "private_firm", Academic = "academic", Other = "other",
    }
    /// `modality.types[]`.
    ModalityType {
        LongTermAdvisory = "long_term_advisory", ShortTermAdvisory = "short_term_advisory",
        EmbeddedExpert = "embedded_expert", TrainingInCountry = "training_in_country",
        TrainingAbroad = "training_abroad", Scholarship = "scholarship", Twinning = "twinning",
        PeerExchange = "peer_exchange", StudyVisit = "study_visit",
        ResearchCollaboration = "research_collaboration", Volunteer = "volunteer",
        KnowledgeProduct = "knowledge_product",
    }
    /// `origin.initiated_by`.
    InitiatedBy {
        PartnerGovernment = "partner_government", PartnerNonState = "partner_non_state",
        Provider = "provider", Joint = "joint",
    }
    /// `partner|joint|provider` (ToR, recruitment, accountability).
    Party {
        Partner = "partner", Joint = "joint", Provider = "provider",
    }
    /// `origin.needs_assessment.led_by`.
    NeedsLedBy {
        Partner = "partner", Joint = "joint", Provider = "provider", Independent = "independent",
    }
    /// `alignment.plans[].level`.
    PlanLevel {
        National = "national", Sector = "sector", Subnational = "subnational",
        Institutional = "institutional", NonState = "non_state",
    }
    /// `management.arrangement`.
    Arrangement {
        CountrySystems = "country_systems", IntegratedPiu = "integrated_piu",
        ParallelPiu = "parallel_piu", ProviderManaged = "provider_managed",
    }
    /// `management.steering.chaired_by`.
    ChairedBy {
        Partner = "partner", CoChaired = "co_chaired", Provider = "provider",
    }
    /// `management.procurement`.
    Procurement {
        National = "national", Provider = "provider", Multilateral = "multilateral",
        Mixed = "mixed",
    }
    /// `personnel[].origin`.
    PersonOrigin {
        National = "national", Diaspora = "diaspora", Regional = "regional",
        SouthSouth = "south_south", International = "international",
    }
    /// `personnel[].function`.
    Function {
        CapacityDevelopment = "capacity_development", PolicyAdvice = "policy_advice",
        ImplementationSupport = "implementation_support", GapFilling = "gap_filling",
        ProjectManagement = "project_management",
    }
    /// `personnel[].reports_to`.
    ReportsTo {
        Partner = "partner", SteeringCommittee = "steering_committee", Provider = "provider",
    }
    /// `personnel[].employer`.
    Employer {
        RequestingInstitution = "requesting_institution", PeerInstitution = "peer_institution",
        Provider = "provider", ContractedFirm = "contracted_firm", SelfEmployed = "self_employed",
    }
    /// `finance.tied`.
    Tied {
        Untied = "untied", PartiallyTied = "partially_tied", Tied = "tied",
    }
    /// `finance.recurrent_after_exit.financed_by`.
    FinancedBy {
        PartnerBudget = "partner_budget", OtherDonor = "other_donor", Unfunded = "unfunded",
    }
    /// `capacity.indicators[].level`.
    IndicatorLevel {
        Individual = "individual", Organisational = "organisational",
        EnablingEnvironment = "enabling_environment",
    }
    /// `exit.post_exit_support`.
    PostExitSupport {
        None = "none", Backstopping = "backstopping", PeerNetwork = "peer_network",
        FollowOn = "follow_on",
    }
    /// `reviews[].kind`.
    ReviewKind {
        Inception = "inception", AnnualJoint = "annual_joint", MidTerm = "mid_term",
        Final = "final", ExPost = "ex_post",
    }
    /// `context[]`.
    Context {
        FragileOrConflict = "fragile_or_conflict", PostDisaster = "post_disaster",
        Humanitarian = "humanitarian", ElectionPeriod = "election_period",
    }
    /// `documents[].kind`.
    DocumentKind {
        RequestLetter = "request_letter", Tor = "tor", CapacityAssessment = "capacity_assessment",
        CdPlanExtract = "cd_plan_extract", SectorForumMinutes = "sector_forum_minutes",
        HandoverPlan = "handover_plan", IntegrationPlan = "integration_plan",
        ReturnPlacementPlan = "return_placement_plan", PhaseOutPlan = "phase_out_plan",
        Budget = "budget", Mou = "mou",
        Evaluation = "evaluation", Other = "other",
    }
}

/// The constant value of `schema`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum SchemaName {
    /// `tcscreen/request/v1`.
    #[serde(rename = "tcscreen/request/v1")]
    V1,
}

/// A request.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Request {
    pub schema: Option<SchemaName>,
    pub id: String,
    pub country: String,
    pub title: String,
    pub received: Date,
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub requester: Requester,
    #[serde(default, deserialize_with = "nullable")]
    pub provider: Provider,
    #[serde(default, deserialize_with = "nullable")]
    pub modality: Modality,
    #[serde(default, deserialize_with = "nullable")]
    pub origin: Origin,
    #[serde(default, deserialize_with = "nullable")]
    pub alignment: Alignment,
    #[serde(default, deserialize_with = "nullable")]
    pub management: Management,
    #[serde(default, deserialize_with = "nullable")]
    pub personnel: Vec<Person>,
    #[serde(default, deserialize_with = "nullable")]
    pub counterparts: Vec<Counterpart>,
    #[serde(default, deserialize_with = "nullable")]
    pub finance: Finance,
    #[serde(default, deserialize_with = "nullable")]
    pub schedule: Schedule,
    #[serde(default, deserialize_with = "nullable")]
    pub capacity: Capacity,
    #[serde(default, deserialize_with = "nullable")]
    pub exit: Exit,
    #[serde(default, deserialize_with = "nullable")]
    pub reviews: Vec<Review>,
    #[serde(default, deserialize_with = "nullable")]
    pub context: Vec<Context>,
    #[serde(default, deserialize_with = "nullable")]
    pub documents: Vec<Document>,
    #[serde(default, deserialize_with = "nullable")]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Request {
    /// Parse a request from JSON text.
    pub fn from_text(text: &str) -> Result<Request, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Requester {
    pub name: Option<String>,
    pub kind: Option<RequesterKind>,
    #[serde(default, deserialize_with = "nullable")]
    pub endorsements: Vec<Endorsement>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Endorsement {
    pub body: Option<EndorsementBody>,
    pub date: Option<Date>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub declined: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Provider {
    pub name: Option<String>,
    pub kind: Option<ProviderKind>,
    pub country: Option<String>,
    pub adapts_procedures: Option<bool>,
    pub decides_in_country: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Modality {
    #[serde(default, deserialize_with = "nullable")]
    pub types: Vec<ModalityType>,
    pub iati_aid_type: Option<String>,
    pub free_standing: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DatedRef {
    pub date: Option<Date>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct NeedsAssessment {
    pub led_by: Option<NeedsLedBy>,
    pub date: Option<Date>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Tor {
    pub drafted_by: Option<Party>,
    pub partner_approved: Option<bool>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub approval_date: Option<Date>,
    pub approval_ref: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Recruitment {
    pub led_by: Option<Party>,
    pub partner_on_panel: Option<bool>,
    pub national_market_tested: Option<bool>,
    pub international_justification: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Origin {
    pub initiated_by: Option<InitiatedBy>,
    #[serde(default, deserialize_with = "nullable")]
    pub request_letter: DatedRef,
    pub provider_approval_date: Option<Date>,
    pub provider_approval_ref: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub needs_assessment: NeedsAssessment,
    #[serde(default, deserialize_with = "nullable")]
    pub tor: Tor,
    #[serde(default, deserialize_with = "nullable")]
    pub recruitment: Recruitment,
    pub linked_conditions: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Plan {
    pub level: Option<PlanLevel>,
    pub plan: Option<String>,
    pub objective: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CapacityPlan {
    pub plan: Option<String>,
    pub priority: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct SectorForum {
    pub name: Option<String>,
    pub endorsed: Option<bool>,
    pub date: Option<Date>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Sector {
    pub code: Option<String>,
    pub share: Option<Percent>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Alignment {
    #[serde(default, deserialize_with = "nullable")]
    pub plans: Vec<Plan>,
    #[serde(default, deserialize_with = "nullable")]
    pub capacity_plans: Vec<CapacityPlan>,
    #[serde(default, deserialize_with = "nullable")]
    pub sector_forum: SectorForum,
    pub on_budget: Option<bool>,
    pub programme_based: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub sectors: Vec<Sector>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Steering {
    pub chaired_by: Option<ChairedBy>,
    pub meets_every_months: Option<Money>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Management {
    pub arrangement: Option<Arrangement>,
    pub accountable_to: Option<Party>,
    #[serde(default, deserialize_with = "nullable")]
    pub steering: Steering,
    pub pooled: Option<bool>,
    pub procurement: Option<Procurement>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Person {
    pub id: Option<String>,
    pub title: Option<String>,
    pub origin: Option<PersonOrigin>,
    pub function: Option<Function>,
    pub reports_to: Option<ReportsTo>,
    pub employer: Option<Employer>,
    pub months: Option<Money>,
    pub cost: Option<Money>,
    #[serde(default, deserialize_with = "nullable")]
    pub counterparts: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Counterpart {
    pub id: Option<String>,
    pub position: Option<String>,
    pub on_establishment: Option<bool>,
    pub assigned: Option<bool>,
    pub assigned_from: Option<Date>,
    pub salary_supplement: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Recurrent {
    pub annual: Option<Money>,
    pub financed_by: Option<FinancedBy>,
    pub budget_line: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Finance {
    pub currency: Option<String>,
    pub total: Option<Money>,
    pub personnel: Option<Money>,
    pub training: Option<Money>,
    pub travel: Option<Money>,
    pub equipment: Option<Money>,
    pub management_fee: Option<Money>,
    pub allowances: Option<Money>,
    pub other: Option<Money>,
    pub tied: Option<Tied>,
    pub in_kind: Option<bool>,
    pub partner_contribution: Option<Money>,
    #[serde(default, deserialize_with = "nullable")]
    pub recurrent_after_exit: Recurrent,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Phase {
    pub start: Option<Date>,
    pub end: Option<Date>,
    pub evaluation: Option<String>,
    pub same_function: Option<bool>,
    pub evaluation_joint: Option<bool>,
    pub lessons_applied: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Schedule {
    pub start: Option<Date>,
    pub end: Option<Date>,
    pub extension: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub previous_phases: Vec<Phase>,
    pub months_same_function: Option<Money>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Target {
    pub value: Option<String>,
    pub date: Option<Date>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Indicator {
    pub id: Option<String>,
    pub level: Option<IndicatorLevel>,
    pub description: Option<String>,
    pub service: Option<bool>,
    pub baseline: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub targets: Vec<Target>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Capacity {
    pub assessment: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub indicators: Vec<Indicator>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Handover {
    pub date: Option<Date>,
    pub function: Option<String>,
    pub to: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Exit {
    pub end_point: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub criteria: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub handover: Vec<Handover>,
    pub post_exit_support: Option<PostExitSupport>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Review {
    pub kind: Option<ReviewKind>,
    pub due: Option<Date>,
    pub joint: Option<bool>,
    pub covers_sustainability: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Document {
    pub kind: Option<DocumentKind>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub date: Option<Date>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_exact_and_normalised() {
        let r: Vec<Money> = serde_json::from_str("[0, 1.50, 6e5, 1234.56, 0.1, 1E-3]").unwrap();
        let text: Vec<String> = r.iter().map(|m| m.0.to_string()).collect();
        assert_eq!(text, ["0", "1.5", "600000", "1234.56", "0.1", "0.001"]);
        assert!(serde_json::from_str::<Money>("-1").is_err());
        assert!(serde_json::from_str::<Percent>("100.5").is_err());
    }

    #[test]
    fn null_and_absent_are_defaults() {
        let r = Request::from_text(
            r#"{"id": "R", "country": "KH", "title": "T", "received": "2025-03-04",
                "origin": null, "personnel": [{"counterparts": null}]}"#,
        )
        .unwrap();
        assert!(r.origin.tor.drafted_by.is_none());
        assert!(r.personnel[0].counterparts.is_empty());
        assert!(
            Request::from_text(
                r#"{"id": "R", "country": "KH", "title": "T", "received": "2025-02-30"}"#
            )
            .is_err()
        );
        assert!(
            Request::from_text(
                r#"{"id": "R", "country": "KH", "title": "T", "received": "2025-02-03", "x": 1}"#
            )
            .is_err()
        );
    }
}
