//! The packs the differential test and the benchmarks screen with: shipped packs loaded from
//! `rules/` with `tcscreen_packs::Catalog`, the `base` pack cut down to a chosen set of rules,
//! and synthetic packs of any size.

use std::path::PathBuf;
use std::sync::Arc;

use tcscreen_core::{
    CompiledPack, Date, EngineLimits, PackFile, PackIdentity, PackLayer, Pos, ResolvedPack,
    RuleSettings, RuleSettingsEntry,
};
use tcscreen_packs::Catalog;

use crate::reference::Params;

/// The repository's `rules/` folder.
pub fn rules_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../rules")
}

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Load a shipped pack by id (and version), resolved as of `as_of`.
pub fn shipped(id: &str, version: Option<&str>, as_of: Date) -> Arc<ResolvedPack> {
    let catalog = Catalog::discover(&rules_root(), "rules").unwrap_or_else(|e| panic!("{e:?}"));
    let index = catalog
        .find(id, version, as_of)
        .unwrap_or_else(|e| panic!("{e:?}"));
    catalog
        .resolve(index, Some(as_of))
        .unwrap_or_else(|e| panic!("{e:?}"))
}

/// Compile a pack, panicking with its diagnostics if it does not compile. Compile on the
/// thread that screens (a compiled pack is not `Send`), inside `on_eval_stack`.
pub fn compile(resolved: &ResolvedPack) -> CompiledPack {
    CompiledPack::compile(resolved, &EngineLimits::default())
        .unwrap_or_else(|e| panic!("the pack does not compile: {e:#?}"))
}

/// The shipped `base` pack with every rule but `keep` (ids without `base/`) disabled, and
/// the params the reference reads from it.
pub fn base_subset(keep: &[&str]) -> (ResolvedPack, Params) {
    let as_of = Date::parse("2025-01-01").expect("a date");
    let mut resolved = (*shipped("base", None, as_of)).clone();
    let all: Vec<String> = tcscreen_core::on_eval_stack(|| {
        compile(&resolved)
            .rules()
            .iter()
            .map(|r| r.id.clone())
            .collect()
    });
    let wanted: Vec<String> = keep.iter().map(|id| format!("base/{id}")).collect();
    for id in &wanted {
        assert!(all.contains(id), "rules/base has no rule {id}");
    }
    let layer = resolved.layers.last_mut().expect("a layer");
    for id in all.iter().filter(|id| !wanted.contains(id)) {
        layer.settings.push(RuleSettingsEntry {
            rule: id.clone(),
            pos: Pos::NONE,
            settings: RuleSettings {
                disabled: Some(true),
                ..RuleSettings::default()
            },
        });
    }
    let params = Params::from_values(&layer.params)
        .and_then(|p| p.with_data(&layer.data))
        .unwrap_or_else(|e| panic!("{e}"));
    (resolved, params)
}

/// A synthetic pack of `rules` rules, each one of a few realistic shapes (field tests, loops
/// over lists, arithmetic on amounts, string building), with thresholds varied by rule so no
/// two rules are the same.
pub fn synthetic(rules: usize) -> ResolvedPack {
    const CRITERIA: [&str; 4] = ["policy_fit", "demand_led", "exit", "data"];
    let files = (0..rules)
        .map(|i| {
            let body = match i % 6 {
                0 => format!(
                    "let tor = request.origin.tor;\n\
                     if tor.drafted_by == \"provider\" && tor.partner_approved != true {{\n\
                         revise(\"Synthetic {i}: the partner approves the ToR.\", \"origin.tor.partner_approved\");\n\
                     }}"
                ),
                1 => format!(
                    "for (p, n) in request.personnel {{\n\
                         if p.months != () && p.months > {} {{\n\
                             note(`Synthetic {i}: ${{p.id ?? \"?\"}} works ${{p.months}} months.`, `personnel[${{n}}].months`);\n\
                         }}\n\
                     }}",
                    i % 48
                ),
                2 => format!(
                    "let f = request.finance;\n\
                     if f.total != () && f.total > {} && request.management.pooled != true {{\n\
                         revise(\"Synthetic {i}: pool a large programme.\", \"management.pooled\");\n\
                     }}",
                    (i % 50) * 20_000
                ),
                3 => format!(
                    "if is_blank(request.exit.end_point) && request.schedule.extension == true {{\n\
                         reject(\"Synthetic {i}: an extension needs an end point.\", \"exit.end_point\");\n\
                     }}"
                ),
                4 => format!(
                    "let found = false;\n\
                     for d in request.documents {{\n\
                         if d.kind == \"tor\" || d.kind == \"mou\" {{ found = true; }}\n\
                     }}\n\
                     if !found && request.origin.initiated_by == \"provider\" {{\n\
                         revise(\"Synthetic {i}: attach the ToR or the MoU.\", \"documents\");\n\
                     }}"
                ),
                _ => format!(
                    "let names = \"\";\n\
                     for c in request.counterparts {{\n\
                         if c.salary_supplement == true {{ names += c.id ?? \"?\"; names += \" \"; }}\n\
                     }}\n\
                     if names != \"\" && {} > 0 {{\n\
                         revise(`Synthetic {i}: stop the supplements of ${{names}}`, \"counterparts\");\n\
                     }}",
                    i % 7
                ),
            };
            PackFile {
                path: format!("rules/S-{i:04}.rhai"),
                display: format!("synthetic/rules/S-{i:04}.rhai"),
                text: format!(
                    "//! id: S-{i:04}\n//! title: Synthetic rule {i}\n//! criterion: {}\n\n{body}\n",
                    CRITERIA[i % 4]
                ),
            }
        })
        .collect();
    ResolvedPack {
        identity: PackIdentity {
            id: "synthetic".into(),
            version: rules.to_string(),
            sha256: "0".repeat(64),
        },
        chain: vec![],
        layers: vec![PackLayer {
            id: "synthetic".into(),
            manifest: "synthetic/pack.toml".into(),
            rules: files,
            ..PackLayer::default()
        }],
    }
}
