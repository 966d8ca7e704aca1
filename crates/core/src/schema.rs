//! The request schema (`tcscreen/request/v1`, spec §2) as data.
//!
//! One description serves validation, normalisation (what rules see), "did you mean"
//! suggestions and, later, the JSON Schema and lint of field reads. Everything but the four
//! required top-level fields is optional: screening, not validation, judges what is missing.

/// The value of the `schema` field, when present.
pub const REQUEST_SCHEMA: &str = "tcscreen/request/v1";

/// What a value must look like.
#[derive(Debug)]
pub enum Shape {
    /// Any string.
    Text,
    /// A string with at least one non-space character (ids, titles).
    NonBlankText,
    /// `true` or `false`.
    Bool,
    /// A `YYYY-MM-DD` calendar date.
    Date,
    /// A number that is zero or more (money, months).
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
}

const fn opt(name: &'static str, shape: &'static Shape) -> Field {
    Field {
        name,
        shape,
        required: false,
    }
}

const fn req(name: &'static str, shape: &'static Shape) -> Field {
    Field {
        name,
        shape,
        required: true,
    }
}

static TEXT: Shape = Shape::Text;
static NON_BLANK: Shape = Shape::NonBlankText;
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
    opt("body", &ENDORSEMENT_BODY),
    opt("date", &DATE),
    opt("ref", &TEXT),
]);
static REQUESTER: Shape = Shape::Object(&[
    opt("name", &TEXT),
    opt("kind", &REQUESTER_KIND),
    opt("endorsements", &Shape::List(&ENDORSEMENT)),
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
    opt("name", &TEXT),
    opt("kind", &PROVIDER_KIND),
    opt("country", &COUNTRY),
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
    opt("types", &Shape::List(&MODALITY_TYPE)),
    opt("iati_aid_type", &TEXT),
    opt("free_standing", &BOOL),
]);

static PARTY3: Shape = Shape::Enum(&["partner", "joint", "provider"]);
static INITIATED_BY: Shape = Shape::Enum(&[
    "partner_government",
    "partner_non_state",
    "provider",
    "joint",
]);
static NEEDS_LED_BY: Shape = Shape::Enum(&["partner", "joint", "provider", "independent"]);
static DATED_REF: Shape = Shape::Object(&[opt("date", &DATE), opt("ref", &TEXT)]);
static ORIGIN: Shape = Shape::Object(&[
    opt("initiated_by", &INITIATED_BY),
    opt("request_letter", &DATED_REF),
    opt("provider_approval_date", &DATE),
    // Extension (evidence of demand): the reference of the provider's own approval of the TC,
    // e.g. its board minute or approval memo; text.
    opt("provider_approval_ref", &TEXT),
    opt(
        "needs_assessment",
        &Shape::Object(&[
            opt("led_by", &NEEDS_LED_BY),
            opt("date", &DATE),
            opt("ref", &TEXT),
        ]),
    ),
    opt(
        "tor",
        &Shape::Object(&[
            opt("drafted_by", &PARTY3),
            opt("partner_approved", &BOOL),
            // Extension (evidence of demand), all optional:
            // the reference of the terms of reference as submitted; text.
            opt("ref", &TEXT),
            // the date the partner approved them; a YYYY-MM-DD date.
            opt("approval_date", &DATE),
            // the document recording the partner's approval (letter, minute); text.
            opt("approval_ref", &TEXT),
        ]),
    ),
    opt(
        "recruitment",
        &Shape::Object(&[
            opt("led_by", &PARTY3),
            opt("partner_on_panel", &BOOL),
            opt("national_market_tested", &BOOL),
            opt("international_justification", &TEXT),
        ]),
    ),
    opt("linked_conditions", &BOOL),
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
        &Shape::List(&Shape::Object(&[
            opt("level", &PLAN_LEVEL),
            opt("plan", &TEXT),
            opt("objective", &TEXT),
        ])),
    ),
    opt(
        "capacity_plans",
        &Shape::List(&Shape::Object(&[
            opt("plan", &TEXT),
            opt("priority", &TEXT),
        ])),
    ),
    opt(
        "sector_forum",
        &Shape::Object(&[
            opt("name", &TEXT),
            opt("endorsed", &BOOL),
            opt("date", &DATE),
        ]),
    ),
    opt("on_budget", &BOOL),
    opt("programme_based", &BOOL),
    opt(
        "sectors",
        &Shape::List(&Shape::Object(&[opt("code", &DAC), opt("share", &PERCENT)])),
    ),
]);

static MANAGEMENT: Shape = Shape::Object(&[
    opt(
        "arrangement",
        &Shape::Enum(&[
            "country_systems",
            "integrated_piu",
            "parallel_piu",
            "provider_managed",
        ]),
    ),
    opt("accountable_to", &PARTY3),
    opt(
        "steering",
        &Shape::Object(&[
            opt(
                "chaired_by",
                &Shape::Enum(&["partner", "co_chaired", "provider"]),
            ),
            opt("meets_every_months", &AMOUNT),
        ]),
    ),
    opt("pooled", &BOOL),
    opt(
        "procurement",
        &Shape::Enum(&["national", "provider", "multilateral", "mixed"]),
    ),
]);

static PERSON: Shape = Shape::Object(&[
    opt("id", &TEXT),
    opt("title", &TEXT),
    opt(
        "origin",
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
        &Shape::Enum(&["partner", "steering_committee", "provider"]),
    ),
    opt("months", &AMOUNT),
    opt("cost", &AMOUNT),
    opt("counterparts", &TEXT_LIST),
]);

static COUNTERPART: Shape = Shape::Object(&[
    opt("id", &TEXT),
    opt("position", &TEXT),
    opt("on_establishment", &BOOL),
    opt("assigned", &BOOL),
    opt("assigned_from", &DATE),
    opt("salary_supplement", &BOOL),
]);

static FINANCE: Shape = Shape::Object(&[
    opt("currency", &CURRENCY),
    opt("total", &AMOUNT),
    opt("personnel", &AMOUNT),
    opt("training", &AMOUNT),
    opt("travel", &AMOUNT),
    opt("equipment", &AMOUNT),
    opt("management_fee", &AMOUNT),
    opt("allowances", &AMOUNT),
    opt("other", &AMOUNT),
    opt("tied", &Shape::Enum(&["untied", "partially_tied", "tied"])),
    opt("in_kind", &BOOL),
    opt(
        "recurrent_after_exit",
        &Shape::Object(&[
            opt("annual", &AMOUNT),
            opt(
                "financed_by",
                &Shape::Enum(&["partner_budget", "other_donor", "unfunded"]),
            ),
        ]),
    ),
]);

static SCHEDULE: Shape = Shape::Object(&[
    opt("start", &DATE),
    opt("end", &DATE),
    opt("extension", &BOOL),
    opt(
        "previous_phases",
        &Shape::List(&Shape::Object(&[
            opt("start", &DATE),
            opt("end", &DATE),
            opt("evaluation", &TEXT),
        ])),
    ),
    opt("months_same_function", &AMOUNT),
]);

static CAPACITY: Shape = Shape::Object(&[
    opt("assessment", &TEXT),
    opt(
        "indicators",
        &Shape::List(&Shape::Object(&[
            opt("id", &TEXT),
            opt(
                "level",
                &Shape::Enum(&["individual", "organisational", "enabling_environment"]),
            ),
            opt("description", &TEXT),
            opt("baseline", &TEXT),
            opt(
                "targets",
                &Shape::List(&Shape::Object(&[opt("value", &TEXT), opt("date", &DATE)])),
            ),
        ])),
    ),
]);

static EXIT: Shape = Shape::Object(&[
    opt("end_point", &TEXT),
    opt("criteria", &TEXT_LIST),
    opt(
        "handover",
        &Shape::List(&Shape::Object(&[
            opt("date", &DATE),
            opt("function", &TEXT),
            opt("to", &TEXT),
        ])),
    ),
    opt(
        "post_exit_support",
        &Shape::Enum(&["none", "backstopping", "peer_network", "follow_on"]),
    ),
]);

static REVIEW: Shape = Shape::Object(&[
    opt(
        "kind",
        &Shape::Enum(&["inception", "annual_joint", "mid_term", "final", "ex_post"]),
    ),
    opt("due", &DATE),
    opt("joint", &BOOL),
    opt("covers_sustainability", &BOOL),
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
        &Shape::Enum(&[
            "request_letter",
            "tor",
            "capacity_assessment",
            "cd_plan_extract",
            "sector_forum_minutes",
            "handover_plan",
            "integration_plan",
            "return_placement_plan",
            "budget",
            "mou",
            "evaluation",
            "other",
        ]),
    ),
    opt("ref", &TEXT),
    opt("date", &DATE),
]);

/// The whole request.
pub static REQUEST: Shape = Shape::Object(&[
    opt("schema", &Shape::SchemaName),
    req("id", &NON_BLANK),
    req("country", &COUNTRY),
    req("title", &NON_BLANK),
    req("received", &DATE),
    opt("summary", &TEXT),
    opt("requester", &REQUESTER),
    opt("provider", &PROVIDER),
    opt("modality", &MODALITY),
    opt("origin", &ORIGIN),
    opt("alignment", &ALIGNMENT),
    opt("management", &MANAGEMENT),
    opt("personnel", &Shape::List(&PERSON)),
    opt("counterparts", &Shape::List(&COUNTERPART)),
    opt("finance", &FINANCE),
    opt("schedule", &SCHEDULE),
    opt("capacity", &CAPACITY),
    opt("exit", &EXIT),
    opt("reviews", &Shape::List(&REVIEW)),
    opt("context", &Shape::List(&CONTEXT)),
    opt("documents", &Shape::List(&DOCUMENT)),
    opt("extensions", &Shape::FreeObject),
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
pub fn json_schema() -> crate::json::Json {
    use crate::json::Json;
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
    fn shape(s: &Shape, optional: bool) -> Json {
        match s {
            Shape::Text => Json::object([("type", nullable(&["string"], optional))]),
            Shape::NonBlankText => Json::object([
                ("type", nullable(&["string"], optional)),
                ("pattern", Json::string("\\S")),
            ]),
            Shape::Bool => Json::object([("type", nullable(&["boolean"], optional))]),
            Shape::Date => Json::object([
                ("type", nullable(&["string"], optional)),
                ("format", Json::string("date")),
                ("pattern", Json::string("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")),
            ]),
            Shape::NonNegative => Json::object([
                ("type", nullable(&["number"], optional)),
                ("minimum", Json::number(0)),
            ]),
            Shape::Percent => Json::object([
                ("type", nullable(&["number"], optional)),
                ("minimum", Json::number(0)),
                ("maximum", Json::number(100)),
            ]),
            Shape::Enum(values) => {
                let mut all: Vec<Json> = values.iter().map(|v| Json::string(*v)).collect();
                if optional {
                    all.push(Json::null());
                }
                Json::object([("enum", Json::array(all))])
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
            Shape::FreeObject => Json::object([("type", nullable(&["object"], optional))]),
            Shape::Object(fields) => Json::object([
                ("type", nullable(&["object"], optional)),
                (
                    "properties",
                    Json::object(fields.iter().map(|f| (f.name, shape(f.shape, !f.required)))),
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
            ]),
        }
    }
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
                    "null means absent. Beyond this schema, tcscreen requires: calendar dates; numbers that a 96-bit decimal holds exactly (at most 28 digits after the point); at most 4 MiB of text, 100,000 JSON values and 32 levels of nesting; no duplicate keys.",
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
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

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
