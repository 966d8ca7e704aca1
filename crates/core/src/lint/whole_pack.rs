//! The lints of a pack as a whole, over its rules, its manifest and its data: unread params
//! and tables (L003), deciding on unverified sources or placeholder data (L008, L009), the
//! sources table (L011–L013) and the start of a country pack's validity (L021).

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::codes::Code;
use crate::diagnostics::diagnostic::Diagnostic;
use crate::pack::compile::{CompiledPack, CompiledRule};
use crate::pack::resolved::{PackLayer, ResolvedPack};
use crate::pack::rule_settings;

/// Data tables marked as placeholders: a top-level key `_placeholder` says why the content is
/// not real data. Rules reading them may only record notes.
pub(super) fn placeholder_tables(resolved: &ResolvedPack) -> BTreeMap<String, String> {
    let mut tables = BTreeMap::new();
    for layer in &resolved.layers {
        for (stem, value) in &layer.data {
            match value {
                crate::engine::value::Value::Map(m) if m.contains_key("_placeholder") => {
                    tables.insert(
                        stem.clone(),
                        layer.data_files.get(stem).cloned().unwrap_or_default(),
                    );
                }
                _ => {
                    tables.remove(stem);
                }
            }
        }
    }
    tables
}

/// L008 and L009: a rule that decides must rest on verified sources and real data.
pub(super) fn deciding_on_weak_ground(
    rule: &CompiledRule,
    tables: &BTreeSet<String>,
    placeholders: &BTreeMap<String, String>,
    out: &mut Vec<Diagnostic>,
) {
    let at = crate::json::Pos::new(1, 1);
    let policy_at = rule.front_matter.policy_pos.unwrap_or(at);
    for c in rule.citations.iter().filter(|c| !c.verified) {
        out.push(
            Diagnostic::warning(
                Code::L008,
                format!(
                    "rule `{}` can revise or reject, but cites `{}`, which is not verified against its text",
                    rule.id, c.id
                ),
            )
            .at(&rule.display, policy_at)
            .help("verify the source and set `verified = true` in its [sources] entry, or let the rule only record notes (`outcome = \"note\"` in pack.toml)"),
        );
    }
    for table in tables.iter().filter(|t| placeholders.contains_key(*t)) {
        out.push(
            Diagnostic::warning(
                Code::L009,
                format!(
                    "rule `{}` can revise or reject, but reads `data.{table}`, a placeholder table",
                    rule.id
                ),
            )
            .at(&rule.display, at)
            .help("until the table holds real data, let the rule only record notes (`outcome = \"note\"` in pack.toml, or note(…) in the rule)"),
        );
    }
}

/// L011, L012 and L013 for the sources the pack itself defines and the rules it cites them in.
pub(super) fn sources_of_the_pack(
    pack: &CompiledPack,
    own: &crate::pack::resolved::PackLayer,
    out: &mut Vec<Diagnostic>,
) {
    let cited: BTreeSet<&str> = pack
        .rules
        .iter()
        .flat_map(|r| r.citations.iter().map(|c| c.id.as_str()))
        .collect();
    for (id, source) in &own.sources {
        if !cited.contains(id.as_str()) {
            out.push(
                Diagnostic::warning(
                    Code::L011,
                    format!("source `{id}` is in the sources table but no rule cites it"),
                )
                .at(&own.manifest, source.pos)
                .help("cite it in a rule's `policy` line, or remove the entry"),
            );
        }
        for (what, text) in [
            ("title", Some(&source.title)),
            ("issuer", Some(&source.issuer)),
            ("clause", source.clause.as_ref()),
        ] {
            if let Some(name) = text.and_then(|t| file_name_in(t)) {
                out.push(
                    Diagnostic::warning(Code::L013, format!("the {what} of source `{id}` names the file `{name}`"))
                        .at(&own.manifest, source.pos)
                        .help("cite the document people can obtain (its title, issuer, date and paragraph), not a file of the pack or of its research"),
                );
            }
        }
    }
    if let Some(to) = own.valid_to {
        for rule in &pack.rules {
            if let Some(first) = rule.in_force_from()
                && first > to
            {
                out.push(
                    Diagnostic::warning(
                        Code::L012,
                        format!(
                            "rule `{}` never runs while the pack is valid: its first source is dated {first}, after the pack's valid_to ({to})",
                            rule.id
                        ),
                    )
                    .at(&own.manifest, crate::json::Pos::new(1, 1))
                    .help(format!("disable it in this version (`[rules.\"{}\"] disabled = true`), saying why", rule.id)),
                );
            }
        }
    }
    let Some(from) = own.valid_from else {
        return;
    };
    let overridden = rule_settings::policy_overridden_by(&own.settings);
    for rule in &pack.rules {
        let its_own = rule.pack == own.id || overridden.contains(rule.id.as_str());
        if let Some(first) = rule.in_force_from()
            && its_own
            && first > from
        {
            out.push(
                Diagnostic::warning(
                    Code::L012,
                    format!(
                        "rule `{}` applies only from {first}, when its first source is dated, but the pack is valid from {from}",
                        rule.id
                    ),
                )
                .at(&own.manifest, crate::json::Pos::new(1, 1))
                .help("set `valid_from` to the date the policy was adopted, or check the source's date"),
            );
        }
    }
}

/// L021: a country pack whose sources (its own or inherited) have dates needs `valid_from`.
pub(super) fn open_start(
    resolved: &ResolvedPack,
    own: &crate::pack::resolved::PackLayer,
    out: &mut Vec<Diagnostic>,
) {
    if own.country.is_none() || own.valid_from.is_some() {
        return;
    }
    let dated = resolved
        .layers
        .iter()
        .flat_map(|l| l.sources.values())
        .next();
    if let Some(first) = dated {
        out.push(
            Diagnostic::error(
                Code::L021,
                "the pack has no `valid_from`, so it would apply to any earlier date, though its sources have dates",
            )
            .at(&own.manifest, crate::json::Pos::new(1, 1))
            .help(format!(
                "set `valid_from` in [pack] to the date the policy it rests on was adopted (its sources include \"{}\", dated {})",
                first.title, first.date
            )),
        );
    }
}

/// L003: a param or data table the pack itself defines that no rule reads.
pub(super) fn unused_definitions(
    own: &PackLayer,
    params_read: &BTreeSet<String>,
    data_read: &BTreeSet<String>,
    out: &mut Vec<Diagnostic>,
) {
    for name in own.params.keys().filter(|p| !params_read.contains(*p)) {
        let at = own
            .param_positions
            .get(name)
            .copied()
            .unwrap_or(crate::json::Pos::new(1, 1));
        out.push(
            Diagnostic::warning(
                Code::L003,
                format!("param `{name}` is defined but no rule reads it"),
            )
            .at(&own.manifest, at)
            .help("remove it, or read it as `params.NAME` in a rule"),
        );
    }
    for name in own.data.keys().filter(|d| !data_read.contains(*d)) {
        let file = own.data_files.get(name).unwrap_or(&own.manifest);
        out.push(
            Diagnostic::warning(
                Code::L003,
                format!("data table `{name}` is defined but no rule reads it"),
            )
            .at(file, crate::json::Pos::new(1, 1))
            .help(format!(
                "remove data/{name}.json, or read it as `data.{name}` in a rule"
            )),
        );
    }
}

/// A file name in a text (`domain.md`, `rules/kh/pack.toml`): documents requesters do not have.
pub(super) fn file_name_in(text: &str) -> Option<String> {
    text.split(|c: char| {
        c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';' | ':' | '"' | '\'' | '`')
    })
    .map(|w| w.trim_end_matches(['.', ',']))
    .find(|w| {
        w.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty()
                && stem
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-/".contains(&b))
                && ["md", "rhai", "toml", "json", "jsonl", "rs"].contains(&ext)
        })
    })
    .map(str::to_string)
}
