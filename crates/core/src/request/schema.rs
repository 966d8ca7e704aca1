//! The request schema (`tcscreen/request/v1`, spec §2) as data.
//!
//! One description serves validation, normalisation (what rules see), "did you mean"
//! suggestions and, later, the JSON Schema and lint of field reads. Everything but the four
//! required top-level fields is optional: screening, not validation, judges what is missing.
use crate::json::Json;

/// The value of the `schema` field, when present.
pub const REQUEST_SCHEMA: &str = "tcscreen/request/v1";

/// The largest amount or duration a request may state (10^15): more than any TC budget in any
/// currency (USD 40 billion in Vietnamese dong), and small enough that rules can add up every
/// amount of the largest request without leaving the range of exact decimals (about 7.9 × 10^28).
pub const MAX_AMOUNT: u64 = 1_000_000_000_000_000;

/// A complete example request, every field of the schema filled in with plausible values, for
/// a country whose pack is shipped (Cambodia), so that it screens as it is: what
/// `tcscreen schema --example`, `GET /v1/schema/example` and the request form's "start from the
/// example" all give.
pub const EXAMPLE_REQUEST: &str = include_str!("example-request.json");

/// What a value must look like.
#[derive(Debug)]
pub enum Shape {
    /// Any string.
    Text,
    /// A string with at least one non-space character (titles).
    NonBlankText,
    /// An id, or a reference to one: a string without control characters (see
    /// [`crate::text::is_unsafe`]); `non_blank` when it must hold a non-space character too.
    Id {
        /// Whether it must hold at least one non-space character.
        non_blank: bool,
    },
    /// `true` or `false`.
    Bool,
    /// A `YYYY-MM-DD` calendar date.
    Date,
    /// A number from zero to [`MAX_AMOUNT`] (money, months).
    NonNegative,
    /// A percentage, 0 to 100.
    Percent,
    /// One of a fixed set of snake_case strings.
    Enum(&'static [&'static str]),
    /// A string in a fixed format.
    Code(CodeKind),
    /// The constant schema name.
    SchemaName,
    /// An array of values of one shape.
    List(&'static Shape),
    /// An object with these fields, no others.
    Object(&'static [Field]),
    /// A free-form object (`extensions`).
    FreeObject,
}

/// Formats of code strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// ISO 3166-1 alpha-2, upper case: `KH`.
    Country,
    /// ISO 4217, upper case: `USD`.
    Currency,
    /// OECD DAC purpose code, five digits: `15110`.
    DacSector,
}

/// One field of an object.
#[derive(Debug)]
pub struct Field {
    /// The key.
    pub name: &'static str,
    /// What its value must look like.
    pub shape: &'static Shape,
    /// Whether it must be present and not `null`.
    pub required: bool,
    /// What it means, for people: with its unit and currency where it has one. Shown by
    /// `tcscreen schema` (JSON Schema `description`) and `tcscreen schema --explain FIELD`.
    pub description: &'static str,
}

const fn opt(name: &'static str, description: &'static str, shape: &'static Shape) -> Field {
    Field {
        name,
        shape,
        required: false,
        description,
    }
}

const fn req(name: &'static str, description: &'static str, shape: &'static Shape) -> Field {
    Field {
        name,
        shape,
        required: true,
        description,
    }
}

static TEXT: Shape = Shape::Text;
static NON_BLANK: Shape = Shape::NonBlankText;
static ID: Shape = Shape::Id { non_blank: false };
static REQUEST_ID: Shape = Shape::Id { non_blank: true };
static ID_LIST: Shape = Shape::List(&ID);
static BOOL: Shape = Shape::Bool;
static DATE: Shape = Shape::Date;
static AMOUNT: Shape = Shape::NonNegative;
static PERCENT: Shape = Shape::Percent;
static COUNTRY: Shape = Shape::Code(CodeKind::Country);
static CURRENCY: Shape = Shape::Code(CodeKind::Currency);
static DAC: Shape = Shape::Code(CodeKind::DacSector);
static TEXT_LIST: Shape = Shape::List(&TEXT);

static REQUESTER_KIND: Shape = Shape::Enum(&[
    "central_government",
    "line_ministry",
    "state_agency",
    "local_government",
    "parliament",
    "judiciary",
    "civil_society",
    "private_sector",
    "academia",
    "other",
]);
static ENDORSEMENT_BODY: Shape = Shape::Enum(&[
    "aid_coordination_unit",
    "line_ministry",
    "sector_working_group",
    "local_council",
    "cso_platform",
    "board",
]);
static ENDORSEMENT: Shape = Shape::Object(&[
    opt(
        "body",
        "Which body of the partner country endorsed the request.",
        &ENDORSEMENT_BODY,
    ),
    opt("date", "When it endorsed the request.", &DATE),
    opt(
        "ref",
        "The endorsement's reference: minutes, letter or decision number.",
        &TEXT,
    ),
    opt(
        "declined",
        "Extension (evidence of demand): true when the body declined to endorse the request (its refusal is recorded, and never counts as an endorsement).",
        &BOOL,
    ),
]);
static REQUESTER: Shape = Shape::Object(&[
    opt("name", "The requesting institution's name.", &TEXT),
    opt(
        "kind",
        "What kind of institution asks for the TC.",
        &REQUESTER_KIND,
    ),
    opt(
        "endorsements",
        "Bodies of the partner country that endorsed the request, each with its date and reference.",
        &Shape::List(&ENDORSEMENT),
    ),
]);

static PROVIDER_KIND: Shape = Shape::Enum(&[
    "bilateral",
    "multilateral",
    "south_south",
    "triangular",
    "ngo",
    "foundation",
    "private_firm",
    "academic",
    "other",
]);
static PROVIDER: Shape = Shape::Object(&[
    opt(
        "name",
        "The provider's name: the agency, organisation or firm that funds or supplies the TC.",
        &TEXT,
    ),
    opt(
        "kind",
        "What kind of provider it is (`south_south`: another developing country; `triangular`: a developing country with a third partner).",
        &PROVIDER_KIND,
    ),
    opt(
        "country",
        "The provider's country, when it is a country or a national agency: ISO 3166-1 alpha-2 code, upper case.",
        &COUNTRY,
    ),
    opt(
        "adapts_procedures",
        "Extension (the provider's own capacity to change): whether the provider will use, or adapt to, the requesting institution's procedures for selection, reporting and reviews where its own differ.",
        &BOOL,
    ),
    opt(
        "decides_in_country",
        "Extension (the provider's own capacity to change): whether the provider's staff in the country may agree changes to the TC (terms of reference, staffing, budget) with the institution without referring them to headquarters.",
        &BOOL,
    ),
]);

static MODALITY_TYPE: Shape = Shape::Enum(&[
    "long_term_advisory",
    "short_term_advisory",
    "embedded_expert",
    "training_in_country",
    "training_abroad",
    "scholarship",
    "twinning",
    "peer_exchange",
    "study_visit",
    "research_collaboration",
    "volunteer",
    "knowledge_product",
]);
static MODALITY: Shape = Shape::Object(&[
    opt(
        "types",
        "The forms the TC takes, one or more.",
        &Shape::List(&MODALITY_TYPE),
    ),
    opt(
        "iati_aid_type",
        "The IATI (OECD DAC) aid type code, e.g. `D01` (donor country personnel), `D02` (other technical assistance), `E01` (scholarships).",
        &TEXT,
    ),
    opt(
        "free_standing",
        "Whether the TC stands on its own (true) rather than being part of an investment project (false).",
        &BOOL,
    ),
]);

static PARTY3: Shape = Shape::Enum(&["partner", "joint", "provider"]);
static INITIATED_BY: Shape = Shape::Enum(&[
    "partner_government",
    "partner_non_state",
    "provider",
    "joint",
]);
static NEEDS_LED_BY: Shape = Shape::Enum(&["partner", "joint", "provider", "independent"]);
static DATED_REF: Shape = Shape::Object(&[
    opt("date", "The date of the partner's request letter.", &DATE),
    opt("ref", "The letter's reference number.", &TEXT),
]);
static ORIGIN: Shape = Shape::Object(&[
    opt("initiated_by", "Who first proposed the TC.", &INITIATED_BY),
    opt(
        "request_letter",
        "The partner's letter asking for the TC.",
        &DATED_REF,
    ),
    opt(
        "provider_approval_date",
        "The date the provider approved the TC on its side (appraisal, board or committee decision).",
        &DATE,
    ),
    opt(
        "provider_approval_ref",
        "Extension (evidence of demand): the reference of the provider's own approval of the TC, e.g. its board minute or approval memo.",
        &TEXT,
    ),
    opt(
        "needs_assessment",
        "The assessment that identified the need for the TC.",
        &Shape::Object(&[
            opt("led_by", "Who led the needs assessment.", &NEEDS_LED_BY),
            opt("date", "When the needs assessment was done.", &DATE),
            opt("ref", "The needs assessment's reference.", &TEXT),
        ]),
    ),
    opt(
        "tor",
        "The terms of reference of the TC.",
        &Shape::Object(&[
            opt("drafted_by", "Who drafted the terms of reference.", &PARTY3),
            opt(
                "partner_approved",
                "Whether the partner approved terms of reference drafted by someone else.",
                &BOOL,
            ),
            opt(
                "ref",
                "Extension (evidence of demand): the reference of the terms of reference as submitted.",
                &TEXT,
            ),
            opt(
                "approval_date",
                "Extension (evidence of demand): the date the partner approved the terms of reference.",
                &DATE,
            ),
            opt(
                "approval_ref",
                "Extension (evidence of demand): the document recording the partner's approval of the terms of reference (letter, minute).",
                &TEXT,
            ),
        ]),
    ),
    opt(
        "recruitment",
        "How the experts are selected.",
        &Shape::Object(&[
            opt("led_by", "Who leads the selection of the experts.", &PARTY3),
            opt(
                "partner_on_panel",
                "Whether the partner sits on the selection panel.",
                &BOOL,
            ),
            opt(
                "national_market_tested",
                "Whether national (or regional) experts were looked for before international ones.",
                &BOOL,
            ),
            opt(
                "international_justification",
                "Why international experts are needed where national or regional ones are not used.",
                &TEXT,
            ),
        ]),
    ),
    opt(
        "linked_conditions",
        "Whether the TC is tied to a policy condition of a loan or grant.",
        &BOOL,
    ),
]);

static PLAN_LEVEL: Shape = Shape::Enum(&[
    "national",
    "sector",
    "subnational",
    "institutional",
    "non_state",
]);
static ALIGNMENT: Shape = Shape::Object(&[
    opt(
        "plans",
        "National, sector, subnational, institutional or non-state plans the TC serves.",
        &Shape::List(&Shape::Object(&[
            opt("level", "The level of the plan.", &PLAN_LEVEL),
            opt("plan", "The plan's name or reference.", &TEXT),
            opt(
                "objective",
                "The plan's objective that the TC serves.",
                &TEXT,
            ),
        ])),
    ),
    opt(
        "capacity_plans",
        "Capacity-development plans the TC serves.",
        &Shape::List(&Shape::Object(&[
            opt(
                "plan",
                "The capacity-development plan's name or reference.",
                &TEXT,
            ),
            opt("priority", "The plan's priority that the TC serves.", &TEXT),
        ])),
    ),
    opt(
        "sector_forum",
        "The sector working group (or similar forum) that reviewed the TC.",
        &Shape::Object(&[
            opt("name", "The forum's name.", &TEXT),
            opt("endorsed", "Whether the forum endorsed the TC.", &BOOL),
            opt("date", "When the forum reviewed or endorsed the TC.", &DATE),
        ]),
    ),
    opt(
        "on_budget",
        "Whether the TC is recorded in the partner's national budget.",
        &BOOL,
    ),
    opt(
        "programme_based",
        "Whether the TC is part of a programme-based approach (a sector programme or a pooled fund).",
        &BOOL,
    ),
    opt(
        "sectors",
        "The sectors the TC works in, each with its share.",
        &Shape::List(&Shape::Object(&[
            opt(
                "code",
                "The OECD DAC purpose code of the sector: five digits, e.g. `15111`.",
                &DAC,
            ),
            opt(
                "share",
                "The share of the TC in this sector, in percent (0 to 100). The shares of a request should add up to 100: rules judge that, validation does not.",
                &PERCENT,
            ),
        ])),
    ),
]);

static MANAGEMENT: Shape = Shape::Object(&[
    opt(
        "arrangement",
        "Who runs the TC: `country_systems` (the partner's own structures), `integrated_piu` (a unit inside the partner institution, staffed and managed by it), `parallel_piu` (a separate project implementation unit), `provider_managed` (the provider runs it).",
        &Shape::Enum(&[
            "country_systems",
            "integrated_piu",
            "parallel_piu",
            "provider_managed",
        ]),
    ),
    opt(
        "accountable_to",
        "To whom the TC answers for its results.",
        &PARTY3,
    ),
    opt(
        "steering",
        "The committee that steers the TC.",
        &Shape::Object(&[
            opt(
                "chaired_by",
                "Who chairs the steering committee.",
                &Shape::Enum(&["partner", "co_chaired", "provider"]),
            ),
            opt(
                "meets_every_months",
                "How often the steering committee meets: the number of months between meetings (3 for quarterly).",
                &AMOUNT,
            ),
        ]),
    ),
    opt(
        "pooled",
        "Whether the TC is funded through a fund pooled with other providers.",
        &BOOL,
    ),
    opt(
        "procurement",
        "Whose procurement system buys for the TC.",
        &Shape::Enum(&["national", "provider", "multilateral", "mixed"]),
    ),
]);

static PERSON: Shape = Shape::Object(&[
    opt(
        "id",
        "The position's identifier within the request, e.g. `P1`.",
        &ID,
    ),
    opt("title", "The position's title.", &TEXT),
    opt(
        "origin",
        "Where the expert comes from (`south_south`: another developing country).",
        &Shape::Enum(&[
            "national",
            "diaspora",
            "regional",
            "south_south",
            "international",
        ]),
    ),
    opt(
        "function",
        "What the position does (`gap_filling`: doing the work of a civil servant's post).",
        &Shape::Enum(&[
            "capacity_development",
            "policy_advice",
            "implementation_support",
            "gap_filling",
            "project_management",
        ]),
    ),
    opt(
        "reports_to",
        "To whom the position reports.",
        &Shape::Enum(&["partner", "steering_committee", "provider"]),
    ),
    opt(
        "employer",
        "Extension (who supplies the expert): who employs the expert during the TC: `requesting_institution`, `peer_institution` (an institution of a partner country in South-South or triangular co-operation, or a twin), `provider` (the provider's own agency), `contracted_firm` (a firm or consultant the provider contracts), `self_employed`.",
        &Shape::Enum(&[
            "requesting_institution",
            "peer_institution",
            "provider",
            "contracted_firm",
            "self_employed",
        ]),
    ),
    opt(
        "months",
        "How long the position is engaged in this TC, in months (may be fractional).",
        &AMOUNT,
    ),
    opt(
        "cost",
        "The position's total cost over the whole TC (all its `months`), in `finance.currency`: not a monthly rate. tcscreen takes it as the total; the shipped rules compare the sum of these costs with `finance.personnel`.",
        &AMOUNT,
    ),
    opt(
        "counterparts",
        "The ids (`counterparts[].id`) of the counterparts the position works with and hands over to.",
        &ID_LIST,
    ),
]);

static COUNTERPART: Shape = Shape::Object(&[
    opt(
        "id",
        "The counterpart's identifier within the request, e.g. `C1`: what `personnel[].counterparts` and `exit.handover[].to` refer to.",
        &ID,
    ),
    opt("position", "The counterpart's post.", &TEXT),
    opt(
        "on_establishment",
        "Whether the post is on the civil-service establishment (a permanent, budgeted post), rather than a project contract.",
        &BOOL,
    ),
    opt("assigned", "Whether someone holds the post already.", &BOOL),
    opt(
        "assigned_from",
        "Since when (or from when) someone holds the post.",
        &DATE,
    ),
    opt(
        "salary_supplement",
        "Whether the counterpart receives a salary supplement from the TC: a top-up, allowance or incentive on top of the civil-service salary.",
        &BOOL,
    ),
]);

static FINANCE: Shape = Shape::Object(&[
    opt(
        "currency",
        "The currency of every amount in the request: ISO 4217 code, upper case, e.g. `USD`.",
        &CURRENCY,
    ),
    opt(
        "total",
        "The total cost of the TC over its whole duration, in `finance.currency`.",
        &AMOUNT,
    ),
    opt(
        "personnel",
        "The budget line for personnel (experts and staff), for the whole TC, in `finance.currency`.",
        &AMOUNT,
    ),
    opt(
        "training",
        "The budget line for training, for the whole TC, in `finance.currency`.",
        &AMOUNT,
    ),
    opt(
        "travel",
        "The budget line for travel, for the whole TC, in `finance.currency`.",
        &AMOUNT,
    ),
    opt(
        "equipment",
        "The budget line for equipment, for the whole TC, in `finance.currency`.",
        &AMOUNT,
    ),
    opt(
        "management_fee",
        "The provider's or implementer's management fee (overhead), for the whole TC, in `finance.currency`.",
        &AMOUNT,
    ),
    opt(
        "allowances",
        "Allowances and per diems, for the whole TC, in `finance.currency`.",
        &AMOUNT,
    ),
    opt(
        "other",
        "Everything else, for the whole TC, in `finance.currency`. The budget lines should add up to `finance.total`: rules judge that, validation does not.",
        &AMOUNT,
    ),
    opt(
        "tied",
        "Whether the TC is tied: `untied` (experts and goods may come from any country), `partially_tied`, `tied` (from the provider's country only).",
        &Shape::Enum(&["untied", "partially_tied", "tied"]),
    ),
    opt(
        "in_kind",
        "Whether the TC is given in kind (experts, goods) rather than as money the partner manages.",
        &BOOL,
    ),
    opt(
        "partner_contribution",
        "Extension (ownership): what the requesting institution puts into the TC from its own resources over the whole TC (budget, and the value of staff time, premises and services), in `finance.currency`.",
        &AMOUNT,
    ),
    opt(
        "recurrent_after_exit",
        "The recurrent costs the TC leaves behind once it ends.",
        &Shape::Object(&[
            opt(
                "annual",
                "How much the recurrent costs are each year after the TC ends, in `finance.currency`.",
                &AMOUNT,
            ),
            opt(
                "financed_by",
                "Who pays the recurrent costs after the TC ends.",
                &Shape::Enum(&["partner_budget", "other_donor", "unfunded"]),
            ),
            opt(
                "budget_line",
                "Extension (exit): the line of the partner's budget or medium-term expenditure framework that pays the recurrent costs after the TC.",
                &TEXT,
            ),
        ]),
    ),
]);

static SCHEDULE: Shape = Shape::Object(&[
    opt("start", "The planned first day of the TC.", &DATE),
    opt("end", "The planned last day of the TC.", &DATE),
    opt(
        "extension",
        "Whether this request extends an earlier TC.",
        &BOOL,
    ),
    opt(
        "previous_phases",
        "Earlier phases of the same TC.",
        &Shape::List(&Shape::Object(&[
            opt("start", "The first day of the earlier phase.", &DATE),
            opt("end", "The last day of the earlier phase.", &DATE),
            opt(
                "evaluation",
                "The reference of the earlier phase's evaluation.",
                &TEXT,
            ),
            opt(
                "same_function",
                "Extension (gap-filling across phases): whether the earlier phase filled the same posts or function as this request.",
                &BOOL,
            ),
            opt(
                "evaluation_joint",
                "Extension (joint learning): whether the requesting institution took part in the earlier phase's evaluation and received its report.",
                &BOOL,
            ),
            opt(
                "lessons_applied",
                "Extension (joint learning): what this request changes in response to the earlier phase's evaluation.",
                &TEXT,
            ),
        ])),
    ),
    opt(
        "months_same_function",
        "For how many months in total external TC has filled the same function, all phases and this one included.",
        &AMOUNT,
    ),
]);

static CAPACITY: Shape = Shape::Object(&[
    opt(
        "assessment",
        "The reference of the capacity assessment the TC rests on.",
        &TEXT,
    ),
    opt(
        "indicators",
        "The indicators that measure the capacity the TC should leave behind.",
        &Shape::List(&Shape::Object(&[
            opt(
                "id",
                "The indicator's identifier within the request, e.g. `I1`.",
                &ID,
            ),
            opt(
                "level",
                "What the indicator measures capacity of: individuals, an organisation, or the enabling environment (laws, policies, systems).",
                &Shape::Enum(&["individual", "organisational", "enabling_environment"]),
            ),
            opt("description", "What the indicator measures.", &TEXT),
            opt(
                "service",
                "Extension (results): whether the indicator measures a service the institution delivers to its users (citizens, firms or other institutions), not only its own capacity.",
                &BOOL,
            ),
            opt(
                "baseline",
                "The indicator's value before the TC, as text (e.g. `3 of 28`).",
                &TEXT,
            ),
            opt(
                "targets",
                "The values to reach, each by a date.",
                &Shape::List(&Shape::Object(&[
                    opt("value", "The value to reach, as text.", &TEXT),
                    opt("date", "By when the value is to be reached.", &DATE),
                ])),
            ),
        ])),
    ),
]);

static EXIT: Shape = Shape::Object(&[
    opt(
        "end_point",
        "The state at which the TC is no longer needed.",
        &TEXT,
    ),
    opt(
        "criteria",
        "The conditions that must hold for the TC to end.",
        &TEXT_LIST,
    ),
    opt(
        "handover",
        "The functions handed over to the partner's staff, each by a date.",
        &Shape::List(&Shape::Object(&[
            opt("date", "By when the function is handed over.", &DATE),
            opt("function", "The function handed over.", &TEXT),
            opt(
                "to",
                "The counterpart who takes the function over (`counterparts[].id`).",
                &ID,
            ),
        ])),
    ),
    opt(
        "post_exit_support",
        "What support continues after the TC ends.",
        &Shape::Enum(&["none", "backstopping", "peer_network", "follow_on"]),
    ),
]);

static REVIEW: Shape = Shape::Object(&[
    opt(
        "kind",
        "What kind of review it is.",
        &Shape::Enum(&["inception", "annual_joint", "mid_term", "final", "ex_post"]),
    ),
    opt("due", "When the review is due.", &DATE),
    opt(
        "joint",
        "Whether partner and provider review together.",
        &BOOL,
    ),
    opt(
        "covers_sustainability",
        "Whether the review covers sustainability after the TC.",
        &BOOL,
    ),
]);

static CONTEXT: Shape = Shape::Enum(&[
    "fragile_or_conflict",
    "post_disaster",
    "humanitarian",
    "election_period",
]);

static DOCUMENT: Shape = Shape::Object(&[
    opt(
        "kind",
        "What the document is.",
        &Shape::Enum(&[
            "request_letter",
            "tor",
            "capacity_assessment",
            "cd_plan_extract",
            "sector_forum_minutes",
            "handover_plan",
            "integration_plan",
            "return_placement_plan",
            "phase_out_plan",
            "budget",
            "mou",
            "evaluation",
            "other",
        ]),
    ),
    opt(
        "ref",
        "The document's reference: a file name, number or link.",
        &TEXT,
    ),
    opt("date", "The document's date.", &DATE),
]);

/// The whole request.
pub static REQUEST: Shape = Shape::Object(&[
    opt(
        "schema",
        "The request format's name, `tcscreen/request/v1`; may be left out.",
        &Shape::SchemaName,
    ),
    req(
        "id",
        "The request's identifier, unique in the country, e.g. the national reference `KH-MEF-2025-014`.",
        &REQUEST_ID,
    ),
    req(
        "country",
        "The partner country that receives the TC: ISO 3166-1 alpha-2 code, upper case, e.g. `KH`. It chooses the pack, with the screening date.",
        &COUNTRY,
    ),
    req("title", "A short title of the TC.", &NON_BLANK),
    req(
        "received",
        "The date the coordination unit received the request; it is the screening date unless `--as-of` gives another.",
        &DATE,
    ),
    opt("summary", "What the TC is for, in a few sentences.", &TEXT),
    opt(
        "requester",
        "Who asks for the TC: the partner institution.",
        &REQUESTER,
    ),
    opt("provider", "Who funds or supplies the TC.", &PROVIDER),
    opt("modality", "What kind of TC it is.", &MODALITY),
    opt(
        "origin",
        "Where the TC comes from: who proposed it, wrote its terms of reference and selects its experts.",
        &ORIGIN,
    ),
    opt(
        "alignment",
        "How the TC fits the partner's plans and budget.",
        &ALIGNMENT,
    ),
    opt(
        "management",
        "How the TC is managed and steered.",
        &MANAGEMENT,
    ),
    opt(
        "personnel",
        "The experts and staff the TC pays for, one item per position.",
        &Shape::List(&PERSON),
    ),
    opt(
        "counterparts",
        "The partner's staff who work with the experts and take over from them.",
        &Shape::List(&COUNTERPART),
    ),
    opt(
        "finance",
        "What the TC costs. Every amount is in `finance.currency` and for the whole TC, unless its field says otherwise.",
        &FINANCE,
    ),
    opt(
        "schedule",
        "When the TC runs, and how long it has run before.",
        &SCHEDULE,
    ),
    opt(
        "capacity",
        "The capacity the TC should leave behind, and how it is measured.",
        &CAPACITY,
    ),
    opt(
        "exit",
        "How the TC ends: capacity is the exit strategy.",
        &EXIT,
    ),
    opt(
        "reviews",
        "The reviews of the TC that are planned.",
        &Shape::List(&REVIEW),
    ),
    opt(
        "context",
        "Circumstances in the country that rules may take into account.",
        &Shape::List(&CONTEXT),
    ),
    opt(
        "documents",
        "Documents attached to or cited by the request.",
        &Shape::List(&DOCUMENT),
    ),
    opt(
        "extensions",
        "Anything else a country's pack needs, in any form. Validation does not check it; rules read it as `request.extensions` (test a key with `\"key\" in request.extensions`).",
        &Shape::FreeObject,
    ),
]);

/// Every field name the schema uses, at any depth, sorted and without repeats.
pub fn field_names() -> Vec<&'static str> {
    fn walk(shape: &'static Shape, names: &mut Vec<&'static str>) {
        match shape {
            Shape::Object(fields) => {
                for field in fields.iter() {
                    names.push(field.name);
                    walk(field.shape, names);
                }
            }
            Shape::List(inner) => walk(inner, names),
            _ => {}
        }
    }
    let mut names = Vec::new();
    walk(&REQUEST, &mut names);
    names.sort_unstable();
    names.dedup();
    names
}

/// Every field of the request, at any depth, in schema order, with its path written with
/// `[]` for list items: `personnel`, `personnel[].id`, …, `personnel[].counterparts`, ….
pub fn fields() -> Vec<(String, &'static Field)> {
    fn walk(shape: &'static Shape, prefix: &str, out: &mut Vec<(String, &'static Field)>) {
        let Shape::Object(fields) = shape else {
            return;
        };
        for field in fields.iter() {
            let path = if prefix.is_empty() {
                field.name.to_string()
            } else {
                format!("{prefix}.{}", field.name)
            };
            out.push((path.clone(), field));
            match field.shape {
                Shape::List(inner) => walk(inner, &format!("{path}[]"), out),
                inner => walk(inner, &path, out),
            }
        }
    }
    let mut out = Vec::new();
    walk(&REQUEST, "", &mut out);
    out
}

/// The field at a path, written as `personnel[].cost`, `personnel[0].cost`, `personnel.cost`
/// or `request.personnel[].cost`; with its path written the `[]` way. `None` if the schema has
/// no such field (paths inside `extensions` included).
pub fn field(path: &str) -> Option<(String, &'static Field)> {
    let path = path.trim();
    let path = path.strip_prefix("request.").unwrap_or(path);
    let mut wanted = String::new();
    for segment in path.split('.') {
        let name = segment.split('[').next().unwrap_or(segment);
        let rest = &segment[name.len()..];
        if !rest.split_inclusive(']').all(|index| {
            index.starts_with('[')
                && index.ends_with(']')
                && index[1..index.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_digit())
        }) {
            return None;
        }
        if !wanted.is_empty() {
            wanted.push('.');
        }
        wanted.push_str(name);
    }
    fields()
        .into_iter()
        .find(|(p, _)| p.replace("[]", "") == wanted)
}

/// What a value of a shape looks like, in words: "a date (YYYY-MM-DD)", "one of: …".
pub fn describe_shape(shape: &Shape) -> String {
    match shape {
        Shape::Text => "text".into(),
        Shape::NonBlankText => "text, not blank".into(),
        Shape::Id { non_blank: false } => "text, without control characters".into(),
        Shape::Id { non_blank: true } => "text, not blank, without control characters".into(),
        Shape::Bool => "true or false".into(),
        Shape::Date => "a date, YYYY-MM-DD".into(),
        Shape::NonNegative => "a number from 0 to 10^15".into(),
        Shape::Percent => "a percentage, 0 to 100".into(),
        Shape::Enum(values) => format!("one of: {}", values.join(", ")),
        Shape::Code(CodeKind::Country) => "a country code: ISO 3166-1 alpha-2, upper case".into(),
        Shape::Code(CodeKind::Currency) => "a currency code: ISO 4217, upper case".into(),
        Shape::Code(CodeKind::DacSector) => "a DAC purpose code: five digits".into(),
        Shape::SchemaName => format!("\"{REQUEST_SCHEMA}\""),
        Shape::List(inner) => match inner {
            Shape::Object(_) => "a list of objects".into(),
            inner => format!("a list; each item is {}", describe_shape(inner)),
        },
        Shape::Object(fields) => format!(
            "an object with fields {}",
            fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
        ),
        Shape::FreeObject => "an object, in any form".into(),
    }
}

/// The shape at a dotted field path such as `origin.tor.drafted_by` or `personnel[0].months`
/// (indices may also be left out: `personnel.months`). `None` if the path is not in the schema.
/// Paths that go inside `extensions` are accepted as they are.
pub fn shape_at(path: &str) -> Option<&'static Shape> {
    let mut shape: &'static Shape = &REQUEST;
    for segment in path.split('.') {
        let mut name = segment;
        let mut indices = 0;
        while let Some(open) = name.rfind('[') {
            let inner = name[open + 1..].strip_suffix(']')?;
            if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            name = &name[..open];
            indices += 1;
        }
        match shape {
            Shape::FreeObject => return Some(shape),
            Shape::Object(fields) => shape = fields.iter().find(|f| f.name == name)?.shape,
            _ => return None,
        }
        for _ in 0..indices {
            match shape {
                Shape::List(inner) => shape = inner,
                Shape::FreeObject => return Some(shape),
                _ => return None,
            }
        }
        if let Shape::List(inner) = shape
            && matches!(inner, Shape::Object(_))
            && indices == 0
        {
            shape = inner;
        }
    }
    Some(shape)
}

/// The request schema as JSON Schema (draft 2020-12). `null` is accepted wherever a field is
/// optional, because it means "absent". What JSON Schema cannot say is in the description:
/// exact numbers, and the limits on size and nesting (see `docs/record.md`).
pub fn json_schema() -> Json {
    let mut schema = shape(&REQUEST, false);
    if let crate::json::JsonValue::Object(members) = &mut schema.value {
        let head = [
            (
                "$schema",
                Json::string("https://json-schema.org/draft/2020-12/schema"),
            ),
            ("$id", Json::string(REQUEST_SCHEMA)),
            (
                "title",
                Json::string("A request for technical co-operation (tcscreen/request/v1)"),
            ),
            (
                "description",
                Json::string(
                    "null means absent. Beyond this schema, tcscreen requires: calendar dates; numbers that a 96-bit decimal holds exactly (at most 28 digits after the point); at most 4 MiB of text, 100,000 JSON values and 32 levels of nesting; no duplicate keys; `received` not before the request's own dates (the request letter, the provider's approval, the approval of the terms of reference, the needs assessment, the sector forum's review, an endorsement, an attached document, the start of a previous phase: I025).",
                ),
            ),
        ];
        for (i, (key, value)) in head.into_iter().enumerate() {
            members.insert(
                i,
                crate::json::Member {
                    key: key.into(),
                    key_pos: crate::json::Pos::NONE,
                    value,
                },
            );
        }
        members.push(crate::json::Member {
            key: "$defs".into(),
            key_pos: crate::json::Pos::NONE,
            value: Json::object([(EXTENSION_VALUE, extension_value())]),
        });
    }
    schema
}

/// The name, under `$defs`, of the schema of a value in `extensions`.
pub const EXTENSION_VALUE: &str = "extension_value";

/// The smallest step of a number a request may hold: 28 digits after the point.
fn number_step() -> Json {
    Json::number(rust_decimal::Decimal::new(1, 28))
}

/// Any JSON value whose numbers a 96-bit decimal holds exactly, at any depth: what
/// `extensions` may hold.
fn extension_value() -> Json {
    let largest = rust_decimal::Decimal::MAX;
    let itself = || Json::object([("$ref", Json::string(format!("#/$defs/{EXTENSION_VALUE}")))]);
    Json::object([(
        "anyOf",
        Json::array(vec![
            Json::object([(
                "type",
                Json::array(vec![
                    Json::string("null"),
                    Json::string("boolean"),
                    Json::string("string"),
                ]),
            )]),
            Json::object([
                ("type", Json::string("number")),
                ("minimum", Json::number(-largest)),
                ("maximum", Json::number(largest)),
                ("multipleOf", number_step()),
            ]),
            Json::object([("type", Json::string("array")), ("items", itself())]),
            Json::object([
                ("type", Json::string("object")),
                ("additionalProperties", itself()),
            ]),
        ]),
    )])
}

/// `"type"`: one type, or several.
fn nullable(types: &[&str], nullable: bool) -> Json {
    let mut all: Vec<Json> = types.iter().map(|t| Json::string(*t)).collect();
    if nullable {
        all.push(Json::string("null"));
    }
    if all.len() == 1 {
        all.remove(0)
    } else {
        Json::array(all)
    }
}

/// The JSON Schema of a value of shape `s` (`null` allowed when `optional`).
fn shape(s: &Shape, optional: bool) -> Json {
    match s {
        Shape::Text => Json::object([("type", nullable(&["string"], optional))]),
        Shape::NonBlankText => Json::object([
            ("type", nullable(&["string"], optional)),
            ("pattern", Json::string("\\S")),
        ]),
        Shape::Id { non_blank } => {
            let no_controls = Json::object([(
                "pattern",
                Json::string(format!(
                    "^[^{}{}]*$",
                    crate::text::UNSAFE_CLASS,
                    crate::lookalike::invisible_class()
                )),
            )]);
            let mut checks = vec![no_controls];
            if *non_blank {
                checks.push(Json::object([("pattern", Json::string("\\S"))]));
            }
            Json::object([
                ("type", nullable(&["string"], optional)),
                ("allOf", Json::array(checks)),
            ])
        }
        Shape::Bool => Json::object([("type", nullable(&["boolean"], optional))]),
        Shape::Date => Json::object([
            ("type", nullable(&["string"], optional)),
            ("format", Json::string("date")),
            ("pattern", Json::string("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")),
        ]),
        Shape::NonNegative => Json::object([
            ("type", nullable(&["number"], optional)),
            ("minimum", Json::number(0)),
            ("maximum", Json::number(MAX_AMOUNT)),
            ("multipleOf", number_step()),
        ]),
        Shape::Percent => Json::object([
            ("type", nullable(&["number"], optional)),
            ("minimum", Json::number(0)),
            ("maximum", Json::number(100)),
            ("multipleOf", number_step()),
        ]),
        // Each value with its label for people (the JSON Schema convention), shared by the
        // request form, the docs and API clients.
        Shape::Enum(values) => {
            let mut all: Vec<Json> = values
                .iter()
                .map(|v| {
                    Json::object([
                        ("const", Json::string(*v)),
                        (
                            "title",
                            Json::string(crate::request::schema_labels::enum_label(v)),
                        ),
                    ])
                })
                .collect();
            if optional {
                all.push(Json::object([
                    ("const", Json::null()),
                    ("title", Json::string("Not stated")),
                ]));
            }
            Json::object([("oneOf", Json::array(all))])
        }
        Shape::Code(kind) => {
            let pattern = match kind {
                CodeKind::Country => "^[A-Z]{2}$",
                CodeKind::Currency => "^[A-Z]{3}$",
                CodeKind::DacSector => "^[0-9]{5}$",
            };
            Json::object([
                ("type", nullable(&["string"], optional)),
                ("pattern", Json::string(pattern)),
            ])
        }
        Shape::SchemaName => {
            let mut all = vec![Json::string(REQUEST_SCHEMA)];
            if optional {
                all.push(Json::null());
            }
            Json::object([("enum", Json::array(all))])
        }
        Shape::List(item) => Json::object([
            ("type", nullable(&["array"], optional)),
            ("items", shape(item, false)),
        ]),
        Shape::FreeObject => Json::object([
            ("type", nullable(&["object"], optional)),
            (
                "additionalProperties",
                Json::object([("$ref", Json::string(format!("#/$defs/{EXTENSION_VALUE}")))]),
            ),
        ]),
        Shape::Object(fields) => object_schema(fields, optional),
    }
}

/// The JSON Schema of an object with `fields`.
fn object_schema(fields: &[Field], optional: bool) -> Json {
    Json::object([
        ("type", nullable(&["object"], optional)),
        (
            "properties",
            Json::object(fields.iter().map(|f| {
                let mut property = shape(f.shape, !f.required);
                if let crate::json::JsonValue::Object(members) = &mut property.value {
                    members.insert(
                        0,
                        crate::json::Member {
                            key: "description".into(),
                            key_pos: crate::json::Pos::NONE,
                            value: Json::string(f.description),
                        },
                    );
                }
                (f.name, property)
            })),
        ),
        (
            "required",
            Json::array(
                fields
                    .iter()
                    .filter(|f| f.required)
                    .map(|f| Json::string(f.name))
                    .collect(),
            ),
        ),
        (
            "additionalProperties",
            Json::new(crate::json::JsonValue::Bool(false)),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_says_what_it_means() {
        let all = fields();
        assert!(all.len() > 100, "{}", all.len());
        for (path, field) in all {
            let d = field.description;
            assert!(
                d.len() > 10
                    && d.ends_with('.')
                    && d.starts_with(|c: char| c.is_uppercase() || c == '`'),
                "{path}: {d:?}"
            );
            // Amounts say their currency, and durations their unit.
            if matches!(field.shape, Shape::NonNegative) {
                assert!(
                    d.contains("finance.currency") || d.contains("months") || d.contains("month"),
                    "{path} has no unit: {d}"
                );
            }
        }
        assert!(
            field("personnel[].cost")
                .unwrap()
                .1
                .description
                .contains("total cost over the whole TC")
        );
    }

    #[test]
    fn fields_are_found_however_their_path_is_written() {
        for path in [
            "personnel[].cost",
            "personnel[0].cost",
            "personnel.cost",
            "request.personnel[].cost",
        ] {
            assert_eq!(
                field(path).map(|(p, _)| p),
                Some("personnel[].cost".to_string()),
                "{path}"
            );
        }
        assert_eq!(
            field("capacity.indicators[2].targets[0].date").map(|(p, _)| p),
            Some("capacity.indicators[].targets[].date".to_string())
        );
        assert_eq!(
            field("finance").map(|(p, _)| p),
            Some("finance".to_string())
        );
        assert!(field("personnel[].costs").is_none());
        assert!(field("personnel[x].cost").is_none());
        assert!(field("extensions.anything").is_none());
    }

    #[test]
    fn paths_resolve() {
        assert!(matches!(
            shape_at("origin.tor.drafted_by"),
            Some(Shape::Enum(_))
        ));
        assert!(matches!(
            shape_at("personnel[0].months"),
            Some(Shape::NonNegative)
        ));
        assert!(matches!(
            shape_at("personnel.months"),
            Some(Shape::NonNegative)
        ));
        assert!(matches!(shape_at("personnel[0]"), Some(Shape::Object(_))));
        assert!(matches!(
            shape_at("extensions.anything.goes"),
            Some(Shape::FreeObject)
        ));
        assert!(shape_at("origin.torr").is_none());
        assert!(shape_at("personnel[x].months").is_none());
        assert!(shape_at("title.more").is_none());
    }
}
