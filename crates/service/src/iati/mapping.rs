//! From an activity's IATI facts to draft requests (`tcscreen/request/v1`), one per recipient
//! country. Only what IATI states is written; every field IATI never carries (who asked for
//! the TC, the request letter, the needs assessment, terms of reference, recruitment, plans,
//! counterparts, exit, reviews) stays absent, so that screening asks for it. docs/iati.md has
//! the mapping field by field. IATI facts without a request field are kept under
//! `extensions.iati` (the form rule DQ-01 reads) and `extensions.iati_source`.

use rust_decimal::Decimal;
use tcscreen_core::{Date, Json};

use super::activity::{Activity, Texts};
use super::amounts::{self, Total};
use super::codelist;
use super::gate::Verdict;

/// What the import is asked to do.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// `received` of every request (the import date unless given).
    pub received: Date,
    /// The language of titles and summaries (`--lang`), else each text's first.
    pub lang: Option<String>,
    /// Only this recipient country (`--country`).
    pub country: Option<String>,
    /// Import activities the TC gate leaves out too (`--all`).
    pub all: bool,
    /// The file as shown to people, kept in `extensions.iati_source.file`.
    pub file: String,
}

/// One recipient country of an activity and its share.
#[derive(Clone, Debug, PartialEq)]
pub struct CountryPart {
    /// ISO code.
    pub country: String,
    /// Its percentage; `None` when the activity names several countries without percentages.
    pub percentage: Option<Decimal>,
    /// Whether the country is named on transactions only.
    pub on_transactions: bool,
}

/// The activity's recipient countries; empty when it names none.
pub fn countries(activity: &Activity) -> Vec<CountryPart> {
    if !activity.countries.is_empty() {
        let single = activity.countries.len() == 1;
        return activity
            .countries
            .iter()
            .map(|c| CountryPart {
                country: c.code.clone(),
                percentage: c.percentage.or(single.then_some(Decimal::ONE_HUNDRED)),
                on_transactions: false,
            })
            .collect();
    }
    let mut parts: Vec<CountryPart> = Vec::new();
    for t in &activity.transactions {
        for c in &t.countries {
            if !parts.iter().any(|p| &p.country == c) {
                parts.push(CountryPart {
                    country: c.clone(),
                    percentage: None,
                    on_transactions: true,
                });
            }
        }
    }
    if parts.len() == 1 {
        parts[0].percentage = Some(Decimal::ONE_HUNDRED);
    }
    parts
}

/// The draft request for one country of an activity.
pub fn request(
    whole: &Activity,
    part: &CountryPart,
    verdict: &Verdict,
    options: &ImportOptions,
) -> Json {
    // Countries named on transactions: the facts of this country's transactions only.
    let scoped = scoped(whole, part);
    let activity = scoped.as_ref();
    let lang = options.lang.as_deref();
    let title = activity
        .title
        .choose(lang)
        .map(one_line)
        .unwrap_or_default();
    let mut members: Vec<(&str, Json)> = vec![
        (
            "schema",
            Json::string(tcscreen_core::request::schema::REQUEST_SCHEMA),
        ),
        ("id", Json::string(&activity.identifier)),
        ("country", Json::string(&part.country)),
        ("title", Json::string(title)),
        ("received", Json::string(options.received.to_string())),
    ];
    if let Some(summary) = summary(activity, lang) {
        members.push(("summary", Json::string(summary)));
    }
    push_object(
        &mut members,
        "provider",
        provider(activity, &part.country, lang),
    );
    let aid_type = aid_type(activity);
    if let Some(code) = &aid_type {
        members.push((
            "modality",
            Json::object([("iati_aid_type", Json::string(code))]),
        ));
    }
    if policy_condition(activity) {
        members.push((
            "origin",
            Json::object([("linked_conditions", bool_json(true))]),
        ));
    }
    push_object(&mut members, "alignment", sectors(activity));
    if aid_type.as_deref() == Some("B04") {
        members.push(("management", Json::object([("pooled", bool_json(true))])));
    }
    let total = part_total(activity, part);
    push_object(
        &mut members,
        "finance",
        finance(activity, total.as_ref().ok()),
    );
    push_object(&mut members, "schedule", schedule(activity));
    if activity.humanitarian {
        members.push(("context", Json::array(vec![Json::string("humanitarian")])));
    }
    let documents = documents(activity);
    if !documents.is_empty() {
        members.push(("documents", Json::array(documents)));
    }
    let extensions = Json::object([
        ("iati", iati_record(activity, aid_type.as_deref())),
        (
            "iati_source",
            source(activity, whole, part, verdict, &total, options),
        ),
    ]);
    members.push(("extensions", extensions));
    Json::object(members)
}

/// The activity as seen from one country: when countries are named on transactions, only the
/// transactions naming it.
fn scoped<'a>(activity: &'a Activity, part: &CountryPart) -> std::borrow::Cow<'a, Activity> {
    if !part.on_transactions {
        return std::borrow::Cow::Borrowed(activity);
    }
    let mut scoped = activity.clone();
    scoped
        .transactions
        .retain(|t| t.countries.contains(&part.country));
    std::borrow::Cow::Owned(scoped)
}

/// `extensions.iati`: the provider's published record in the form DQ-01 reads.
pub fn iati_record(activity: &Activity, aid_type: Option<&str>) -> Json {
    let mut record = vec![("identifier", Json::string(&activity.identifier))];
    if let Some(code) = aid_type {
        record.push(("aid_type", Json::string(code)));
    }
    if let Some(tied) = tied_status(activity) {
        record.push(("tied_status", Json::string(tied)));
    }
    if let Some(channel) = channel(activity) {
        record.push(("disbursement_channel", Json::string(channel)));
    }
    Json::object(record)
}

/// The aid type the activity states: its default, or the one all its transactions agree on.
pub fn aid_type(activity: &Activity) -> Option<String> {
    agreed(
        first_dac_aid_type(activity),
        activity.transactions.iter().map(|t| {
            t.aid_types
                .iter()
                .find(|a| a.vocabulary == "1")
                .map(|a| a.code.clone())
        }),
    )
}

fn first_dac_aid_type(activity: &Activity) -> Option<String> {
    activity
        .default_aid_types
        .iter()
        .find(|a| a.vocabulary == "1")
        .map(|a| a.code.clone())
}

fn tied_status(activity: &Activity) -> Option<String> {
    agreed(
        activity.default_tied_status.clone(),
        activity.transactions.iter().map(|t| t.tied_status.clone()),
    )
}

fn channel(activity: &Activity) -> Option<String> {
    agreed(
        None,
        activity.transactions.iter().map(|t| t.channel.clone()),
    )
}

/// The activity-level value, else the value every transaction that states one agrees on.
fn agreed(
    activity_level: Option<String>,
    transactions: impl Iterator<Item = Option<String>>,
) -> Option<String> {
    if activity_level.is_some() {
        return activity_level;
    }
    let mut found: Option<String> = None;
    for value in transactions.flatten() {
        match &found {
            None => found = Some(value),
            Some(f) if *f == value => {}
            Some(_) => return None,
        }
    }
    found
}

/// Every distinct value at transaction level, when they disagree.
fn disagreeing(values: impl Iterator<Item = Option<String>>) -> Vec<String> {
    let mut distinct: Vec<String> = Vec::new();
    for v in values.flatten() {
        if !distinct.contains(&v) {
            distinct.push(v);
        }
    }
    if distinct.len() > 1 {
        distinct
    } else {
        Vec::new()
    }
}

/// Whether a policy condition (ConditionType 1) is attached to the activity: the TC is then
/// linked to a policy condition. Performance and fiduciary conditions are not policy
/// conditions, and `attached="0"` does not show that no programme the TC serves has any: both
/// leave `origin.linked_conditions` absent.
fn policy_condition(activity: &Activity) -> bool {
    activity.conditions.as_ref().is_some_and(|c| {
        c.attached == Some(true) && c.items.iter().any(|i| i.kind.as_deref() == Some("1"))
    })
}

fn summary(activity: &Activity, lang: Option<&str>) -> Option<String> {
    let general = activity
        .descriptions
        .iter()
        .find(|(kind, _)| kind.as_deref().is_none_or(|k| k == "1"))
        .or_else(|| activity.descriptions.first());
    general
        .and_then(|(_, texts)| texts.choose(lang))
        .map(str::to_string)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn provider(activity: &Activity, country: &str, lang: Option<&str>) -> Vec<(&'static str, Json)> {
    let Some(org) = &activity.reporting_org else {
        return Vec::new();
    };
    let mut fields = Vec::new();
    if let Some(name) = org.name.choose(lang) {
        fields.push(("name", Json::string(one_line(name))));
    }
    let public = matches!(org.kind.as_deref(), Some("10" | "11"));
    let home = org
        .reference
        .as_deref()
        .and_then(|r| r.get(..2).filter(|_| r.as_bytes().get(2) == Some(&b'-')))
        .filter(|p| p.bytes().all(|b| b.is_ascii_uppercase()) && !p.starts_with('X'));
    // The partner's own government publishing its activity is not a provider of TC to itself.
    if home == Some(country) {
        return fields;
    }
    if let Some(kind) = org.kind.as_deref().and_then(codelist::provider_kind) {
        fields.push(("kind", Json::string(kind)));
    }
    if public && let Some(home) = home {
        fields.push(("country", Json::string(home)));
    }
    fields
}

fn sectors(activity: &Activity) -> Vec<(&'static str, Json)> {
    let dac: Vec<_> = activity
        .sectors
        .iter()
        .filter(|s| s.vocabulary == "1" && is_purpose_code(&s.code))
        .collect();
    let list: Vec<Json> = if dac.is_empty() {
        activity
            .transaction_sectors
            .iter()
            .filter(|c| is_purpose_code(c))
            .map(|c| Json::object([("code", Json::string(c))]))
            .collect()
    } else {
        let single = dac.len() == 1;
        dac.iter()
            .map(|s| {
                let mut sector = vec![("code", Json::string(&s.code))];
                if let Some(share) = s.percentage.or(single.then_some(Decimal::ONE_HUNDRED)) {
                    sector.push(("share", Json::number(share)));
                }
                Json::object(sector)
            })
            .collect()
    };
    if list.is_empty() {
        Vec::new()
    } else {
        vec![("sectors", Json::array(list))]
    }
}

fn is_purpose_code(code: &str) -> bool {
    code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit())
}

fn part_total(activity: &Activity, part: &CountryPart) -> Result<Total, String> {
    if part.on_transactions {
        return amounts::country_commitments(activity, &part.country);
    }
    let total = amounts::activity_total(activity)?;
    let Some(percentage) = part.percentage else {
        return Err(format!(
            "the activity names {} countries without percentages, so the part for this one is not known",
            activity.countries.len()
        ));
    };
    Ok(Total {
        amount: amounts::share_of(total.amount, percentage),
        ..total
    })
}

fn finance(activity: &Activity, total: Option<&Total>) -> Vec<(&'static str, Json)> {
    let mut fields = Vec::new();
    if let Some(total) = total {
        fields.push(("currency", Json::string(&total.currency)));
        fields.push(("total", Json::number(total.amount)));
    }
    if let Some(tied) = tied_status(activity).as_deref().and_then(codelist::tied) {
        fields.push(("tied", Json::string(tied)));
    }
    if let Some(in_kind) = channel(activity).as_deref().and_then(codelist::in_kind) {
        fields.push(("in_kind", bool_json(in_kind)));
    }
    fields
}

fn schedule(activity: &Activity) -> Vec<(&'static str, Json)> {
    let date = |kind: &str| {
        activity
            .dates
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, d)| *d)
    };
    let mut fields = Vec::new();
    if let Some(start) = date("2").or_else(|| date("1")) {
        fields.push(("start", Json::string(start.to_string())));
    }
    if let Some(end) = date("4").or_else(|| date("3")) {
        fields.push(("end", Json::string(end.to_string())));
    }
    fields
}

fn documents(activity: &Activity) -> Vec<Json> {
    activity
        .documents
        .iter()
        .filter_map(|(category, url, date)| {
            let kind = match category.as_str() {
                "A05" => "budget",
                "A07" => "evaluation",
                "A09" => "mou",
                _ => return None,
            };
            let mut document = vec![("kind", Json::string(kind)), ("ref", Json::string(url))];
            if let Some(date) = date {
                document.push(("date", Json::string(date.to_string())));
            }
            Some(Json::object(document))
        })
        .collect()
}

fn source(
    activity: &Activity,
    whole: &Activity,
    part: &CountryPart,
    verdict: &Verdict,
    total: &Result<Total, String>,
    options: &ImportOptions,
) -> Json {
    let lang = options.lang.as_deref();
    let mut fields: Vec<(&str, Json)> = vec![("file", Json::string(&options.file))];
    fields.push(("version", Json::opt_string(activity.version.clone())));
    fields.push(("activity_status", Json::opt_string(activity.status.clone())));
    if let Some(org) = &activity.reporting_org {
        fields.push((
            "reporting_org",
            org_json(
                org.reference.as_deref(),
                org.kind.as_deref(),
                &org.name,
                lang,
            ),
        ));
    }
    fields.push((
        "share",
        part.percentage.map_or_else(Json::null, Json::number),
    ));
    fields.push((
        "countries",
        Json::array(
            countries(whole)
                .iter()
                .map(|c| {
                    Json::object([
                        ("code", Json::string(&c.country)),
                        (
                            "percentage",
                            c.percentage.map_or_else(Json::null, Json::number),
                        ),
                    ])
                })
                .collect(),
        ),
    ));
    match total {
        Ok(total) => fields.push(("amount_from", Json::string(total.source.as_str()))),
        Err(why) => fields.push(("amount_not_stated", Json::string(why))),
    }
    if let Ok(total) = amounts::activity_total(whole) {
        fields.push((
            "activity_total",
            Json::object([
                ("amount", Json::number(total.amount)),
                ("currency", Json::string(&total.currency)),
            ]),
        ));
    }
    push_disagreement(
        &mut fields,
        "aid_types",
        activity.transactions.iter().map(|t| {
            t.aid_types
                .iter()
                .find(|a| a.vocabulary == "1")
                .map(|a| a.code.clone())
        }),
        first_dac_aid_type(activity).is_some(),
    );
    push_disagreement(
        &mut fields,
        "tied_statuses",
        activity.transactions.iter().map(|t| t.tied_status.clone()),
        activity.default_tied_status.is_some(),
    );
    push_disagreement(
        &mut fields,
        "disbursement_channels",
        activity.transactions.iter().map(|t| t.channel.clone()),
        false,
    );
    fields.push(("implementing_organisations", implementers(activity, lang)));
    fields.push(("policy_markers", policy_markers(activity)));
    fields.push(("conditions", conditions(activity, lang)));
    fields.push((
        "related_activities",
        Json::array(
            activity
                .related
                .iter()
                .map(|(kind, reference)| {
                    Json::object([
                        ("ref", Json::string(reference)),
                        ("type", Json::opt_string(kind.clone())),
                    ])
                })
                .collect(),
        ),
    ));
    fields.push((
        "tc_signals",
        Json::array(
            verdict
                .signals
                .iter()
                .map(|s| Json::string(s.describe()))
                .collect(),
        ),
    ));
    fields.push((
        "flags",
        Json::array(verdict.flags().into_iter().map(Json::string).collect()),
    ));
    Json::object(fields)
}

fn push_disagreement(
    fields: &mut Vec<(&str, Json)>,
    name: &'static str,
    values: impl Iterator<Item = Option<String>>,
    settled_at_activity_level: bool,
) {
    if settled_at_activity_level {
        return;
    }
    let distinct = disagreeing(values);
    if !distinct.is_empty() {
        fields.push((
            name,
            Json::array(distinct.into_iter().map(Json::string).collect()),
        ));
    }
}

fn org_json(reference: Option<&str>, kind: Option<&str>, name: &Texts, lang: Option<&str>) -> Json {
    Json::object([
        ("ref", Json::opt_string(reference)),
        ("type", Json::opt_string(kind)),
        ("name", Json::opt_string(name.choose(lang).map(one_line))),
    ])
}

fn implementers(activity: &Activity, lang: Option<&str>) -> Json {
    Json::array(
        activity
            .participants
            .iter()
            .filter(|o| o.role.as_deref() == Some("4"))
            .map(|o| org_json(o.reference.as_deref(), o.kind.as_deref(), &o.name, lang))
            .collect(),
    )
}

fn policy_markers(activity: &Activity) -> Json {
    Json::array(
        activity
            .policy_markers
            .iter()
            .map(|m| {
                Json::object([
                    ("vocabulary", Json::string(&m.vocabulary)),
                    ("code", Json::string(&m.code)),
                    ("significance", Json::opt_string(m.significance.clone())),
                ])
            })
            .collect(),
    )
}

fn conditions(activity: &Activity, lang: Option<&str>) -> Json {
    let Some(conditions) = &activity.conditions else {
        return Json::null();
    };
    Json::object([
        (
            "attached",
            conditions.attached.map_or_else(Json::null, bool_json),
        ),
        (
            "items",
            Json::array(
                conditions
                    .items
                    .iter()
                    .map(|c| {
                        Json::object([
                            ("type", Json::opt_string(c.kind.clone())),
                            ("text", Json::opt_string(c.text.choose(lang))),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

fn bool_json(value: bool) -> Json {
    Json::new(tcscreen_core::JsonValue::Bool(value))
}

fn push_object(
    members: &mut Vec<(&'static str, Json)>,
    name: &'static str,
    fields: Vec<(&'static str, Json)>,
) {
    if !fields.is_empty() {
        members.push((name, Json::object(fields)));
    }
}
