//! `pack.toml`: the pack manifest (spec §3). Unknown keys are refused; every error names the
//! line and column.

use std::collections::BTreeMap;

use serde::Deserialize;
use tcscreen_core::pack::citation::{PolicySource, SourceDate, is_source_id};
use tcscreen_core::{
    Actor, Code, Date, Diagnostic, Outcome, Pos, RuleSettings, Value, suggest::did_you_mean,
};

/// A `pack.toml`, checked: every key known, every value of its type, dates real.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// Unique under the rules root (versions share it).
    pub id: String,
    /// A name for people.
    pub name: String,
    /// The country it applies to; `None` for a base pack, which is only ever extended.
    pub country: Option<String>,
    /// The version.
    pub version: String,
    /// `illustrative = true`: the pack shows how a policy could be screened and is not any
    /// government's official policy; the decision note says so (extension).
    pub illustrative: bool,
    /// First as-of date it applies to (open if `None`).
    pub valid_from: Option<Date>,
    /// Last as-of date it applies to (open if `None`).
    pub valid_to: Option<Date>,
    /// Parent pack ids, in order.
    pub extends: Vec<String>,
    /// Where `extends` is written, for errors.
    pub extends_pos: Pos,
    /// `[params]`.
    pub params: BTreeMap<String, Value>,
    /// Where each param is set.
    pub param_positions: BTreeMap<String, Pos>,
    /// `[rules."<full id>"]` settings, with the position of each table.
    pub rules: Vec<(String, Pos, RuleSettings)>,
    /// `[sources.<id>]`: the sources the pack's rules cite (extension).
    pub sources: BTreeMap<String, PolicySource>,
    /// `[param_sources]`: the source id of each threshold in `[params]` that a text gives
    /// (extension; a number not named here has no source, see `check`'s L020).
    pub param_sources: BTreeMap<String, String>,
}

impl Manifest {
    /// Whether the pack applies on `date`.
    pub fn covers(&self, date: Date) -> bool {
        self.valid_from.is_none_or(|from| from <= date) && self.valid_to.is_none_or(|to| date <= to)
    }

    /// The validity range for people: `2025-01-01 – 2026-12-31`, `open – 2009-12-31`.
    pub fn validity(&self) -> String {
        let show = |d: Option<Date>| d.map_or_else(|| "open".to_string(), |d| d.to_string());
        format!("{} – {}", show(self.valid_from), show(self.valid_to))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    pack: RawPack,
    #[serde(default)]
    params: BTreeMap<String, toml::Value>,
    #[serde(default)]
    rules: BTreeMap<String, toml::Spanned<RawRuleSettings>>,
    #[serde(default)]
    sources: BTreeMap<String, toml::Spanned<RawSource>>,
    #[serde(default)]
    param_sources: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    title: String,
    issuer: String,
    date: toml::Spanned<toml::Value>,
    clause: Option<String>,
    verified: bool,
    country: Option<toml::Spanned<String>>,
    /// Where people can read it; for the README and auditors, never shown to requesters.
    url: Option<String>,
    /// What the entry was checked against, or why it could not be; never shown to requesters.
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    id: toml::Spanned<String>,
    name: String,
    country: Option<toml::Spanned<String>>,
    version: toml::Spanned<toml::Value>,
    #[serde(default)]
    illustrative: bool,
    valid_from: Option<toml::Spanned<toml::Value>>,
    valid_to: Option<toml::Spanned<toml::Value>>,
    extends: Option<toml::Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleSettings {
    disabled: Option<bool>,
    outcome: Option<toml::Spanned<String>>,
    policy: Option<String>,
    title: Option<String>,
    actor: Option<toml::Spanned<String>>,
}

/// Byte offset → 1-based line and character column.
pub fn pos_of(text: &str, offset: usize) -> Pos {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    Pos::new(line as u32, column as u32)
}

/// Parse a manifest; `file` is the path shown in errors.
pub fn parse(text: &str, file: &str) -> Result<Manifest, Vec<Diagnostic>> {
    parse_unexcerpted(text, file).map_err(|mut errors| {
        tcscreen_core::attach_excerpts(&mut errors, |f| (f == file).then_some(text));
        errors
    })
}

fn parse_unexcerpted(text: &str, file: &str) -> Result<Manifest, Vec<Diagnostic>> {
    let raw: RawManifest = toml::from_str(text).map_err(|e| vec![toml_error(&e, text, file)])?;
    let mut problems = Problems {
        text,
        file,
        errors: Vec::new(),
    };
    let pack = raw.pack;
    let id = problems.pack_id(&pack.id);
    let country = pack.country.map(|c| {
        problems.country(
            c,
            "",
            "write it in upper case, like `KH`; leave `country` out for a base pack",
        )
    });
    let version = problems.version(&pack.version);
    let valid_from = problems.date("valid_from", pack.valid_from);
    let valid_to = problems.date("valid_to", pack.valid_to);
    if let (Some(from), Some(to)) = (valid_from, valid_to)
        && to < from
    {
        problems.errors.push(
            Diagnostic::error(
                Code::P003,
                format!("`valid_to` ({to}) is before `valid_from` ({from})"),
            )
            .at(file, Pos::new(1, 1)),
        );
    }
    let (params, param_positions) = problems.params(raw.params);
    let rules = raw
        .rules
        .into_iter()
        .map(|(rule, spanned)| problems.rule_settings(rule, spanned))
        .collect();
    let mut sources = BTreeMap::new();
    for (id, spanned) in raw.sources {
        if let Some(source) = problems.source(&id, spanned) {
            sources.insert(id, source);
        }
    }
    let (extends, extends_pos) = match pack.extends {
        Some(e) => {
            let pos = problems.at(e.span());
            (e.into_inner(), pos)
        }
        None => (Vec::new(), Pos::new(1, 1)),
    };
    let manifest = Manifest {
        id,
        name: pack.name,
        country,
        version,
        illustrative: pack.illustrative,
        valid_from,
        valid_to,
        extends,
        extends_pos,
        params,
        param_positions,
        rules,
        sources,
        param_sources: raw.param_sources,
    };
    if problems.errors.is_empty() {
        Ok(manifest)
    } else {
        Err(problems.errors)
    }
}

/// The problems of one manifest, each placed in its text, collected as its parts are read.
struct Problems<'a> {
    text: &'a str,
    file: &'a str,
    errors: Vec<Diagnostic>,
}

impl Problems<'_> {
    fn at(&self, span: std::ops::Range<usize>) -> Pos {
        pos_of(self.text, span.start)
    }

    fn push(&mut self, d: Diagnostic, span: std::ops::Range<usize>) {
        let pos = self.at(span);
        self.errors.push(d.at(self.file, pos));
    }

    fn pack_id(&mut self, id: &toml::Spanned<String>) -> String {
        let value = id.get_ref().clone();
        if value.is_empty()
            || !value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            self.push(
                Diagnostic::error(
                    Code::P003,
                    format!("pack id `{value}` may hold only letters, digits, `_` and `-`"),
                ),
                id.span(),
            );
        }
        value
    }

    /// A country code; `whose` prefixes the message (`source `x`: `).
    fn country(&mut self, code: toml::Spanned<String>, whose: &str, help: &str) -> String {
        let value = code.get_ref().clone();
        if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_uppercase()) {
            self.push(
                Diagnostic::error(
                    Code::P003,
                    format!("{whose}`{value}` is not an ISO 3166-1 alpha-2 country code"),
                )
                .help(help),
                code.span(),
            );
        }
        value
    }

    fn version(&mut self, version: &toml::Spanned<toml::Value>) -> String {
        match version.get_ref() {
            toml::Value::String(s) if !s.trim().is_empty() => s.clone(),
            other => {
                self.push(
                    Diagnostic::error(
                        Code::P003,
                        format!(
                            "`version` must be a non-empty string, found {}",
                            other.type_str()
                        ),
                    )
                    .help(format!("write it in quotes: version = \"{other}\"")),
                    version.span(),
                );
                String::new()
            }
        }
    }

    fn date(&mut self, field: &str, value: Option<toml::Spanned<toml::Value>>) -> Option<Date> {
        let value = value?;
        let text = match value.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            other => other.to_string(),
        };
        let parsed = Date::parse(&text);
        if parsed.is_none() {
            self.push(
                Diagnostic::error(Code::P003, format!("`{field}` = `{text}` is not a date"))
                    .help("write dates as \"YYYY-MM-DD\""),
                value.span(),
            );
        }
        parsed
    }

    /// `[params]` as values, and where each is set.
    fn params(
        &mut self,
        raw: BTreeMap<String, toml::Value>,
    ) -> (BTreeMap<String, Value>, BTreeMap<String, Pos>) {
        let positions: BTreeMap<String, Pos> = raw
            .keys()
            .map(|k| (k.clone(), key_pos(self.text, k)))
            .collect();
        let mut params = BTreeMap::new();
        for (key, value) in raw {
            match param_value(&value) {
                Ok(v) => {
                    params.insert(key, v);
                }
                Err(why) => self.errors.push(
                    Diagnostic::error(Code::P004, format!("param `{key}`: {why}"))
                        .at(self.file, key_pos(self.text, &key)),
                ),
            }
        }
        (params, positions)
    }

    /// A `[rules."<pack>/<rule>"]` table.
    fn rule_settings(
        &mut self,
        rule: String,
        spanned: toml::Spanned<RawRuleSettings>,
    ) -> (String, Pos, RuleSettings) {
        let pos = self.at(spanned.span());
        let raw = spanned.into_inner();
        let outcome = raw.outcome.and_then(|o| {
            let parsed = Outcome::parse(o.get_ref());
            if parsed.is_none() {
                let message = format!(
                    "outcome `{}` is not one of note, revise, reject",
                    o.get_ref()
                );
                self.push(Diagnostic::error(Code::P005, message), o.span());
            }
            parsed
        });
        let actor = raw.actor.and_then(|a| {
            let parsed = Actor::parse(a.get_ref());
            if parsed.is_none() {
                let message = format!(
                    "actor `{}` is not one of requester, provider, both, none",
                    a.get_ref()
                );
                self.push(Diagnostic::error(Code::P005, message), a.span());
            }
            parsed
        });
        if !rule.contains('/') {
            self.errors.push(
                Diagnostic::error(
                    Code::P005,
                    format!("`[rules.\"{rule}\"]` must name a rule as `<pack id>/<rule id>`"),
                )
                .at(self.file, pos)
                .help(format!("for example [rules.\"base/{rule}\"]")),
            );
        }
        let settings = RuleSettings {
            disabled: raw.disabled,
            outcome,
            policy: raw.policy,
            title: raw.title,
            actor,
        };
        (rule, pos, settings)
    }

    /// A `[sources.<id>]` entry, unless its id or date is wrong.
    fn source(&mut self, id: &str, spanned: toml::Spanned<RawSource>) -> Option<PolicySource> {
        let pos = self.at(spanned.span());
        let raw = spanned.into_inner();
        if !is_source_id(id) {
            self.errors.push(
                Diagnostic::error(
                    Code::P003,
                    format!("source id `{id}` may hold only letters, digits, `-`, `_` and `.`"),
                )
                .at(self.file, pos),
            );
            return None;
        }
        let date_text = match raw.date.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            toml::Value::Integer(i) => i.to_string(),
            other => other.to_string(),
        };
        let Some(date) = SourceDate::parse(&date_text) else {
            self.push(
                Diagnostic::error(
                    Code::P003,
                    format!("source `{id}`: date `{date_text}` is not a date"),
                )
                .help("write \"YYYY-MM-DD\", or \"YYYY-MM\" or \"YYYY\" when only the month or the year is known"),
                raw.date.span(),
            );
            return None;
        };
        let country = raw.country.map(|c| {
            self.country(
                c,
                &format!("source `{id}`: "),
                "write it in upper case, like `KH`; leave `country` out for an international text",
            )
        });
        let _ = (raw.url, raw.note);
        Some(PolicySource {
            title: raw.title,
            issuer: raw.issuer,
            date,
            clause: raw.clause,
            verified: raw.verified,
            country,
            pos,
        })
    }
}

/// Where `key =` first appears, for params errors (TOML gives no span for map keys here).
fn key_pos(text: &str, key: &str) -> Pos {
    text.lines()
        .enumerate()
        .find(|(_, line)| line.trim_start().starts_with(key) && line.contains('='))
        .map_or(Pos::new(1, 1), |(i, line)| {
            Pos::new(
                i as u32 + 1,
                (line.len() - line.trim_start().len()) as u32 + 1,
            )
        })
}

fn param_value(value: &toml::Value) -> Result<Value, String> {
    Ok(match value {
        toml::Value::String(s) => Value::Str(s.clone()),
        toml::Value::Integer(i) => Value::Int(*i),
        toml::Value::Float(f) => {
            if !f.is_finite() {
                return Err("numbers must be finite".into());
            }
            // TOML gives an f64; its shortest round-trip text is the literal as written for
            // up to 15 significant digits, which is read back as an exact decimal.
            let text = format!("{f}");
            let d = tcscreen_core::number::parse_exact(&text)
                .map_err(|why| format!("number {text}: {why}"))?;
            Value::Decimal(d)
        }
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::Str(d.to_string()),
        toml::Value::Array(items) => {
            Value::Array(items.iter().map(param_value).collect::<Result<_, _>>()?)
        }
        toml::Value::Table(table) => Value::Map(
            table
                .iter()
                .map(|(k, v)| Ok((k.clone(), param_value(v)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

fn toml_error(e: &toml::de::Error, text: &str, file: &str) -> Diagnostic {
    let pos = e.span().map_or(Pos::new(1, 1), |s| pos_of(text, s.start));
    let message = e.message().trim().to_string();
    let mut diagnostic =
        Diagnostic::error(Code::P002, format!("invalid manifest: {message}")).at(file, pos);
    // serde reports unknown keys as "unknown field `x`, expected one of `a`, `b`, …".
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = rest
            .split_once("expected")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        diagnostic = match did_you_mean(key, expected.iter().copied()) {
            Some(s) => diagnostic.help(format!("did you mean `{s}`?")),
            None => diagnostic.help(format!(
                "the keys allowed here are: {}",
                expected.join(", ")
            )),
        };
    }
    diagnostic
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_spec_example() {
        let m = parse(
            r#"[pack]
id = "kh"
name = "Cambodia (illustrative)"
country = "KH"
version = "2025.1"
valid_from = "2025-01-01"
valid_to = 2026-12-31
extends = ["base"]

[params]
max_months_same_function = 60
fee_share = 0.15

[rules."base/EX-12"]
outcome = "reject"
policy = "Sub-decree 7, art. 3"
[rules."base/PF-12"]
disabled = true
"#,
            "kh/pack.toml",
        )
        .unwrap();
        assert_eq!(m.country.as_deref(), Some("KH"));
        assert_eq!(m.validity(), "2025-01-01 – 2026-12-31");
        assert_eq!(m.params["max_months_same_function"], Value::Int(60));
        assert_eq!(
            m.params["fee_share"],
            Value::Decimal("0.15".parse().unwrap())
        );
        assert_eq!(m.rules[0].0, "base/EX-12");
        assert_eq!(m.rules[0].2.outcome, Some(Outcome::Reject));
        assert_eq!(m.rules[1].2.disabled, Some(true));
    }

    #[test]
    fn unknown_keys_are_refused_with_a_suggestion() {
        let e = &parse(
            "[pack]\nid = \"x\"\nname = \"x\"\nversion = \"1\"\nextend = [\"base\"]\n",
            "x/pack.toml",
        )
        .unwrap_err()[0];
        assert_eq!(e.pos, Pos::new(5, 1));
        assert!(
            e.message.contains("unknown field `extend`"),
            "{}",
            e.message
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `extends`?"));
        let e = &parse("[pack]\nid = \"x\"\nname = \"x\"\nversion = \"1\"\n[rules.\"a/b\"]\noutcom = \"note\"\n", "x/pack.toml")
            .unwrap_err()[0];
        assert_eq!(e.help.as_deref(), Some("did you mean `outcome`?"));
    }

    #[test]
    fn bad_values_are_located() {
        let errors = parse(
            "[pack]\nid = \"x y\"\nname = \"x\"\ncountry = \"kh\"\nversion = 3\nvalid_from = \"2025-02-30\"\n",
            "x/pack.toml",
        )
        .unwrap_err();
        let places: Vec<_> = errors.iter().map(|e| e.pos.line).collect();
        assert_eq!(places, [2, 4, 5, 6]);
    }
}
