//! Reading one activity, cut out by the splitter, with roxmltree: the IATI facts the importer
//! uses, in 2.03 codes whatever the version (1.0x text codes and plain text in place of
//! `narrative` are read as well). Elements in other namespaces (publishers' extensions,
//! d-portal's) are ignored. Nothing is converted here: see `mapping`.

use std::str::FromStr;

use roxmltree::{Document, Node, ParsingOptions};
use rust_decimal::Decimal;
use tcscreen_core::{Code, Date};

use super::codelist;
use super::problem::ImportProblem;
use super::splitter::RawActivity;
use super::tally::Place;

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Texts in several languages: (language in lower case, when stated; text).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Texts(pub Vec<(Option<String>, String)>);

impl Texts {
    /// The text in `lang` (its primary subtag matched, any case), else the first.
    pub fn choose(&self, lang: Option<&str>) -> Option<&str> {
        let wanted = lang.map(primary_subtag);
        wanted
            .and_then(|w| {
                self.0
                    .iter()
                    .find(|(l, _)| l.as_deref().map(primary_subtag) == Some(w.clone()))
            })
            .or_else(|| self.0.first())
            .map(|(_, t)| t.as_str())
    }

    /// Whether there is no text.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn primary_subtag(lang: &str) -> String {
    lang.split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// An organisation named in the activity.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Org {
    /// Its organisation identifier (`ref`).
    pub reference: Option<String>,
    /// Its OrganisationType code.
    pub kind: Option<String>,
    /// Its OrganisationRole code (2.03), for participating organisations.
    pub role: Option<String>,
    /// Its name.
    pub name: Texts,
}

/// A code with its vocabulary (2.03 codes).
#[derive(Clone, Debug, PartialEq)]
pub struct Coded {
    /// The code.
    pub code: String,
    /// The vocabulary, `1` for the DAC's.
    pub vocabulary: String,
}

/// An amount in a currency (the activity's default currency when the value names none).
#[derive(Clone, Debug, PartialEq)]
pub struct Money {
    /// The amount, exact.
    pub amount: Decimal,
    /// ISO 4217 code, when known.
    pub currency: Option<String>,
}

/// A budget or a planned disbursement.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    /// Whether it is a revised one (replacing the original for the same period).
    pub revised: bool,
    /// Period start, as published.
    pub start: Option<String>,
    /// Period end, as published.
    pub end: Option<String>,
    /// The value.
    pub value: Money,
}

/// A transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    /// TransactionType (2.03 code).
    pub kind: Option<String>,
    /// The value.
    pub value: Option<Money>,
    /// Aid types stated on the transaction.
    pub aid_types: Vec<Coded>,
    /// TiedStatus code.
    pub tied_status: Option<String>,
    /// DisbursementChannel code.
    pub channel: Option<String>,
    /// Recipient countries stated on the transaction.
    pub countries: Vec<String>,
}

/// A recipient country with its share.
#[derive(Clone, Debug, PartialEq)]
pub struct CountryShare {
    /// ISO 3166-1 alpha-2, upper case.
    pub code: String,
    /// Percentage, when stated.
    pub percentage: Option<Decimal>,
}

/// A sector.
#[derive(Clone, Debug, PartialEq)]
pub struct Sector {
    /// Vocabulary (2.03 code; `1` is the DAC's five-digit purpose codes).
    pub vocabulary: String,
    /// The code.
    pub code: String,
    /// Percentage, when stated.
    pub percentage: Option<Decimal>,
}

/// A policy marker.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyMarker {
    /// Vocabulary (2.03 code).
    pub vocabulary: String,
    /// PolicyMarker code.
    pub code: String,
    /// PolicySignificance code.
    pub significance: Option<String>,
}

/// A condition attached to the activity.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// ConditionType code: 1 policy, 2 performance, 3 fiduciary.
    pub kind: Option<String>,
    /// What it says.
    pub text: Texts,
}

/// The activity's conditions element.
#[derive(Clone, Debug, PartialEq)]
pub struct Conditions {
    /// `attached`: whether conditions are attached.
    pub attached: Option<bool>,
    /// The conditions listed.
    pub items: Vec<Condition>,
}

/// The IATI facts of one activity.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Activity {
    /// `iati-identifier`, trimmed.
    pub identifier: String,
    /// The version declared for it.
    pub version: Option<String>,
    /// Its default language (`xml:lang`), lower case.
    pub lang: Option<String>,
    /// `default-currency`.
    pub default_currency: Option<String>,
    /// `humanitarian="1"`.
    pub humanitarian: bool,
    /// The reporting organisation.
    pub reporting_org: Option<Org>,
    /// The title.
    pub title: Texts,
    /// Descriptions, each with its DescriptionType code.
    pub descriptions: Vec<(Option<String>, Texts)>,
    /// Participating organisations.
    pub participants: Vec<Org>,
    /// ActivityStatus code.
    pub status: Option<String>,
    /// Dates: (ActivityDateType 2.03 code, ISO date).
    pub dates: Vec<(String, Date)>,
    /// Recipient countries at activity level.
    pub countries: Vec<CountryShare>,
    /// Recipient regions (codes).
    pub regions: Vec<String>,
    /// Sectors at activity level.
    pub sectors: Vec<Sector>,
    /// Sectors stated on transactions (DAC five-digit codes), when the activity states none.
    pub transaction_sectors: Vec<String>,
    /// Policy markers.
    pub policy_markers: Vec<PolicyMarker>,
    /// Default aid types.
    pub default_aid_types: Vec<Coded>,
    /// Default TiedStatus code.
    pub default_tied_status: Option<String>,
    /// Budgets.
    pub budgets: Vec<Budget>,
    /// Planned disbursements.
    pub planned_disbursements: Vec<Budget>,
    /// Transactions.
    pub transactions: Vec<Transaction>,
    /// Conditions.
    pub conditions: Option<Conditions>,
    /// Related activities: (RelatedActivityType code, identifier).
    pub related: Vec<(Option<String>, String)>,
    /// Document links: (DocumentCategory code, url, document date).
    pub documents: Vec<(String, String, Option<Date>)>,
}

/// Where roxmltree's positions inside an activity are in the file.
struct Locator<'a> {
    raw: &'a RawActivity,
}

impl Locator<'_> {
    fn place(&self, row: u32, col: u32) -> Place {
        let (row, col) = (u64::from(row), u64::from(col));
        if row <= 1 {
            // The copied namespace declarations sit at the end of the start tag.
            let col = if col > self.raw.head_chars {
                col.saturating_sub(self.raw.added_chars)
            } else {
                col
            };
            Place {
                line: self.raw.place.line,
                column: self.raw.place.column + col.saturating_sub(1),
            }
        } else {
            Place {
                line: self.raw.place.line + row - 1,
                column: col,
            }
        }
    }

    fn node(&self, doc: &Document<'_>, node: Node<'_, '_>) -> Place {
        let pos = doc.text_pos_at(node.range().start);
        self.place(pos.row, pos.col)
    }
}

/// Read an activity; a problem when it is not well-formed, has no identifier, or holds a value
/// that cannot be read exactly.
pub fn read(raw: &RawActivity) -> Result<Activity, ImportProblem> {
    let locator = Locator { raw };
    let options = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(&raw.text, options).map_err(|e| {
        let pos = e.pos();
        let (code, help) = match e {
            roxmltree::Error::DtdDetected => (Code::I031, "remove the <!DOCTYPE …> declaration"),
            _ => (
                Code::I030,
                "ask the publisher for a corrected file; the other activities are imported",
            ),
        };
        ImportProblem::at(
            code,
            locator.place(pos.row, pos.col),
            format!(
                "the XML is not well-formed: {}",
                without_position(&e.to_string())
            ),
        )
        .help(help)
    })?;
    let root = doc.root_element();
    let mut reader = Reader {
        doc: &doc,
        locator: &locator,
        namespace: root.tag_name().namespace(),
        identifier: None,
    };
    reader.activity(root, raw)
}

/// roxmltree's messages end with " at ROW:COL"; the place is given separately.
fn without_position(message: &str) -> &str {
    match message.rfind(" at ") {
        Some(i)
            if message[i + 4..]
                .chars()
                .all(|c| c.is_ascii_digit() || c == ':') =>
        {
            &message[..i]
        }
        _ => message,
    }
}

struct Reader<'d, 'i> {
    doc: &'d Document<'i>,
    locator: &'d Locator<'d>,
    namespace: Option<&'d str>,
    identifier: Option<String>,
}

impl<'d, 'i> Reader<'d, 'i> {
    fn is_iati(&self, node: Node<'_, '_>, name: &str) -> bool {
        node.is_element()
            && node.tag_name().name() == name
            && node.tag_name().namespace() == self.namespace
    }

    fn children<'a>(
        &'a self,
        node: Node<'d, 'i>,
        name: &'a str,
    ) -> impl Iterator<Item = Node<'d, 'i>> + 'a {
        node.children().filter(move |n| self.is_iati(*n, name))
    }

    fn child(&self, node: Node<'d, 'i>, name: &str) -> Option<Node<'d, 'i>> {
        self.children(node, name).next()
    }

    fn problem(&self, node: Node<'_, '_>, message: String) -> ImportProblem {
        ImportProblem::at(Code::I036, self.locator.node(self.doc, node), message)
            .activity(self.identifier.as_deref())
            .help("ask the publisher to correct the record; the other activities are imported")
    }

    fn activity(
        &mut self,
        root: Node<'d, 'i>,
        raw: &RawActivity,
    ) -> Result<Activity, ImportProblem> {
        let identifier = self
            .child(root, "iati-identifier")
            .map(|n| plain_text(n).trim().to_string())
            .filter(|id| !id.is_empty());
        let Some(identifier) = identifier else {
            return Err(ImportProblem::at(
                Code::I034,
                raw.place,
                format!(
                    "activity {} of the file has no <iati-identifier>: it was skipped",
                    raw.ordinal
                ),
            )
            .help("ask the publisher to correct the record; the other activities are imported"));
        };
        self.identifier = Some(identifier.clone());
        let lang = lang_of(root).or_else(|| raw.inherited_lang.clone());
        let mut activity = Activity {
            identifier,
            version: raw.version.clone(),
            lang: lang.map(|l| l.to_ascii_lowercase()),
            default_currency: attr(root, "default-currency").map(str::to_ascii_uppercase),
            humanitarian: matches!(attr(root, "humanitarian"), Some("1" | "true")),
            ..Activity::default()
        };
        activity.reporting_org = self.child(root, "reporting-org").map(|n| self.org(n));
        activity.title = self.texts(root, "title");
        for node in self.children(root, "description") {
            let kind = attr(node, "type").map(str::to_string);
            activity.descriptions.push((kind, self.texts_of(&[node])));
        }
        for node in self.children(root, "participating-org") {
            activity.participants.push(self.org(node));
        }
        activity.status = self.child(root, "activity-status").and_then(|n| code(n));
        for node in self.children(root, "activity-date") {
            let (Some(kind), Some(date)) = (attr(node, "type"), attr(node, "iso-date")) else {
                continue;
            };
            let date = self.date(node, date)?;
            activity.dates.push((codelist::date_type(kind), date));
        }
        self.places(root, &mut activity)?;
        self.classifications(root, &mut activity);
        self.money(root, &mut activity)?;
        self.terms(root, &mut activity);
        Ok(activity)
    }

    fn places(&self, root: Node<'d, 'i>, activity: &mut Activity) -> Result<(), ImportProblem> {
        for node in self.children(root, "recipient-country") {
            let Some(country) = code(node) else { continue };
            let country = self.country(node, &country)?;
            let percentage = self.percentage(node)?;
            activity.countries.push(CountryShare {
                code: country,
                percentage,
            });
        }
        for node in self.children(root, "recipient-region") {
            if let Some(region) = code(node) {
                activity.regions.push(region);
            }
        }
        Ok(())
    }

    fn classifications(&self, root: Node<'d, 'i>, activity: &mut Activity) {
        for node in self.children(root, "sector") {
            let Some(code) = code(node) else { continue };
            activity.sectors.push(Sector {
                vocabulary: codelist::sector_vocabulary(attr(node, "vocabulary")),
                code,
                percentage: attr(node, "percentage").and_then(decimal),
            });
        }
        for node in self.children(root, "policy-marker") {
            let Some(code) = code(node) else { continue };
            activity.policy_markers.push(PolicyMarker {
                vocabulary: codelist::dac_vocabulary(attr(node, "vocabulary")),
                code,
                significance: attr(node, "significance").map(|s| s.trim().to_string()),
            });
        }
        for node in self.children(root, "default-aid-type") {
            if let Some(coded) = aid_type(node) {
                activity.default_aid_types.push(coded);
            }
        }
        activity.default_tied_status = self.child(root, "default-tied-status").and_then(code);
    }

    fn money(&self, root: Node<'d, 'i>, activity: &mut Activity) -> Result<(), ImportProblem> {
        let currency = activity.default_currency.clone();
        for node in self.children(root, "budget") {
            if let Some(budget) = self.budget(node, currency.as_deref())? {
                activity.budgets.push(budget);
            }
        }
        for node in self.children(root, "planned-disbursement") {
            if let Some(budget) = self.budget(node, currency.as_deref())? {
                activity.planned_disbursements.push(budget);
            }
        }
        for node in self.children(root, "transaction") {
            let transaction = self.transaction(node, currency.as_deref())?;
            if activity.sectors.is_empty() {
                for sector in self.children(node, "sector") {
                    let vocabulary = codelist::sector_vocabulary(attr(sector, "vocabulary"));
                    if let Some(code) = code(sector)
                        && vocabulary == "1"
                        && !activity.transaction_sectors.contains(&code)
                    {
                        activity.transaction_sectors.push(code);
                    }
                }
            }
            activity.transactions.push(transaction);
        }
        Ok(())
    }

    fn terms(&self, root: Node<'d, 'i>, activity: &mut Activity) {
        if let Some(node) = self.child(root, "conditions") {
            let attached = attr(node, "attached").map(|a| matches!(a, "1" | "true"));
            let items = self
                .children(node, "condition")
                .map(|c| Condition {
                    kind: attr(c, "type").map(|t| t.trim().to_string()),
                    text: self.texts_of(&[c]),
                })
                .collect();
            activity.conditions = Some(Conditions { attached, items });
        }
        for node in self.children(root, "document-link") {
            let url = attr(node, "url").map(str::trim).filter(|u| !u.is_empty());
            let category = self.child(node, "category").and_then(code);
            let date = self
                .child(node, "document-date")
                .and_then(|d| attr(d, "iso-date"))
                .and_then(|d| Date::parse(d.trim().get(..10).unwrap_or(d)));
            if let (Some(url), Some(category)) = (url, category) {
                activity.documents.push((category, url.to_string(), date));
            }
        }
        for node in self.children(root, "related-activity") {
            if let Some(reference) = attr(node, "ref").map(str::trim).filter(|r| !r.is_empty()) {
                let kind = attr(node, "type").map(|t| t.trim().to_string());
                activity.related.push((kind, reference.to_string()));
            }
        }
    }

    fn budget(
        &self,
        node: Node<'d, 'i>,
        currency: Option<&str>,
    ) -> Result<Option<Budget>, ImportProblem> {
        let Some(value) = self.value(node, currency)? else {
            return Ok(None);
        };
        let period = |name: &str| {
            self.child(node, name)
                .and_then(|n| attr(n, "iso-date"))
                .map(|d| d.trim().to_string())
        };
        Ok(Some(Budget {
            revised: codelist::budget_is_revised(attr(node, "type")),
            start: period("period-start"),
            end: period("period-end"),
            value,
        }))
    }

    fn transaction(
        &self,
        node: Node<'d, 'i>,
        currency: Option<&str>,
    ) -> Result<Transaction, ImportProblem> {
        let mut countries = Vec::new();
        for country in self.children(node, "recipient-country") {
            if let Some(c) = code(country) {
                countries.push(self.country(country, &c)?);
            }
        }
        Ok(Transaction {
            kind: self
                .child(node, "transaction-type")
                .and_then(code)
                .map(|c| codelist::transaction_type(&c)),
            value: self.value(node, currency)?,
            aid_types: self
                .children(node, "aid-type")
                .filter_map(aid_type)
                .collect(),
            tied_status: self.child(node, "tied-status").and_then(code),
            channel: self.child(node, "disbursement-channel").and_then(code),
            countries,
        })
    }

    fn value(
        &self,
        parent: Node<'d, 'i>,
        currency: Option<&str>,
    ) -> Result<Option<Money>, ImportProblem> {
        let Some(node) = self.child(parent, "value") else {
            return Ok(None);
        };
        let text = plain_text(node);
        let text = text.trim();
        let amount = decimal(text).ok_or_else(|| {
            self.problem(
                node,
                format!("the value \"{}\" is not a number", clip(text)),
            )
        })?;
        let currency = attr(node, "currency")
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .or_else(|| currency.map(str::to_string));
        Ok(Some(Money { amount, currency }))
    }

    fn percentage(&self, node: Node<'d, 'i>) -> Result<Option<Decimal>, ImportProblem> {
        let Some(text) = attr(node, "percentage")
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Ok(None);
        };
        match decimal(text) {
            Some(p) if p >= Decimal::ZERO && p <= Decimal::ONE_HUNDRED => Ok(Some(p)),
            _ => Err(self.problem(
                node,
                format!(
                    "the percentage \"{}\" is not a number from 0 to 100",
                    clip(text)
                ),
            )),
        }
    }

    fn country(&self, node: Node<'d, 'i>, code: &str) -> Result<String, ImportProblem> {
        let upper = code.to_ascii_uppercase();
        if upper.len() == 2 && upper.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(upper)
        } else {
            Err(self.problem(
                node,
                format!(
                    "the recipient country \"{}\" is not a two-letter ISO code",
                    clip(code)
                ),
            ))
        }
    }

    fn date(&self, node: Node<'d, 'i>, text: &str) -> Result<Date, ImportProblem> {
        let text = text.trim();
        // xsd:date, sometimes published with a time: the date part decides.
        let day = text.get(..10).unwrap_or(text);
        Date::parse(day).ok_or_else(|| {
            self.problem(
                node,
                format!(
                    "the date \"{}\" is not an ISO date (YYYY-MM-DD)",
                    clip(text)
                ),
            )
        })
    }

    fn org(&self, node: Node<'d, 'i>) -> Org {
        Org {
            reference: attr(node, "ref")
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string),
            kind: attr(node, "type").map(|t| t.trim().to_string()),
            role: attr(node, "role").map(|r| codelist::organisation_role(r.trim())),
            name: self.texts_of(&[node]),
        }
    }

    /// The texts of every `name` child (1.05 repeats an element once per language).
    fn texts(&self, parent: Node<'d, 'i>, name: &str) -> Texts {
        let nodes: Vec<Node<'d, 'i>> = self.children(parent, name).collect();
        self.texts_of(&nodes)
    }

    /// 2.0x: each `narrative` child, in its language; 1.0x: the element's own text.
    fn texts_of(&self, nodes: &[Node<'d, 'i>]) -> Texts {
        let mut texts = Vec::new();
        for node in nodes {
            let narratives: Vec<Node<'_, '_>> = self.children(*node, "narrative").collect();
            if narratives.is_empty() {
                push_text(&mut texts, *node);
            } else {
                for narrative in narratives {
                    push_text(&mut texts, narrative);
                }
            }
        }
        Texts(texts)
    }
}

fn push_text(texts: &mut Vec<(Option<String>, String)>, node: Node<'_, '_>) {
    let text = plain_text(node);
    let text = text.trim();
    if !text.is_empty() {
        texts.push((
            lang_of(node).map(|l| l.to_ascii_lowercase()),
            text.to_string(),
        ));
    }
}

fn lang_of(node: Node<'_, '_>) -> Option<String> {
    node.attribute((XML_NS, "lang"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
}

fn attr<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attributes()
        .find(|a| a.name() == name && a.namespace().is_none())
        .map(|a| a.value())
}

fn code(node: Node<'_, '_>) -> Option<String> {
    attr(node, "code")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

fn aid_type(node: Node<'_, '_>) -> Option<Coded> {
    Some(Coded {
        code: code(node)?.to_ascii_uppercase(),
        vocabulary: codelist::dac_vocabulary(attr(node, "vocabulary")),
    })
}

/// The text directly inside an element (entities already replaced by roxmltree).
fn plain_text(node: Node<'_, '_>) -> String {
    node.children()
        .filter(Node::is_text)
        .filter_map(|n| n.text())
        .collect()
}

/// An exact decimal in plain notation (`1000`, `-250.50`); nothing else.
fn decimal(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let plain = !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && body.bytes().filter(|b| *b == b'.').count() <= 1
        && body.bytes().any(|b| b.is_ascii_digit());
    if !plain {
        return None;
    }
    Decimal::from_str(text).ok()
}

/// At most 40 characters of a value, for a message.
fn clip(text: &str) -> String {
    let mut clipped: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        clipped.push('…');
    }
    clipped
}
