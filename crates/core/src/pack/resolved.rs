//! A pack as text: what the pack loader hands the engine (no paths are opened here).
//!
//! A [`ResolvedPack`] is the selected pack with its ancestors already resolved and linearised
//! into [`PackLayer`]s, farthest ancestor first, the pack itself last: later layers win for
//! params (per key), data (per table), sources (per id) and rule settings (per key of each
//! rule's table).

use std::collections::BTreeMap;

use crate::engine::value::Value;
use crate::json::Pos;
use crate::pack::citation::PolicySource;
use crate::pack::rule_settings::RuleSettingsEntry;

/// Which pack, which version, which bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackIdentity {
    /// `[pack] id` of the manifest (the prefix of its rules' full ids).
    pub id: String,
    /// `[pack] version`, as written: versions are names, never compared as numbers.
    pub version: String,
    /// The pack digest (spec §3): lowercase hex SHA-256.
    pub sha256: String,
}

/// A text file of a pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackFile {
    /// Path inside the pack, with forward slashes: `rules/DL-03.rhai`, `lib/dates.rhai`.
    pub path: String,
    /// Path to show people (where they would open it), e.g. `rules/kh/rules/DL-03.rhai`.
    pub display: String,
    /// The file's text.
    pub text: String,
}

impl PackFile {
    /// The module name a rule imports this file by: `lib/dates.rhai` is `"dates"`. `None` for
    /// a file that is not a module under `lib/`.
    pub fn module_name(&self) -> Option<&str> {
        self.path
            .strip_prefix("lib/")
            .and_then(|p| p.strip_suffix(".rhai"))
    }
}

/// One pack of the chain.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PackLayer {
    /// The pack id.
    pub id: String,
    /// The manifest's display path, for errors.
    pub manifest: String,
    /// The manifest's text, for the source line shown with problems located in it.
    pub manifest_text: String,
    /// Files under `rules/`, sorted by path.
    pub rules: Vec<PackFile>,
    /// Files under `lib/`, sorted by path.
    pub libs: Vec<PackFile>,
    /// `[params]`.
    pub params: BTreeMap<String, Value>,
    /// Where each param is set in the manifest (for messages).
    pub param_positions: BTreeMap<String, Pos>,
    /// `data/<stem>.json` tables by stem.
    pub data: BTreeMap<String, Value>,
    /// The display path of each data table (for messages).
    pub data_files: BTreeMap<String, String>,
    /// `[rules."…"]` settings, in manifest order.
    pub settings: Vec<RuleSettingsEntry>,
    /// The pack's own `country`, if any.
    pub country: Option<String>,
    /// The pack's own `valid_from`, if any.
    pub valid_from: Option<crate::date::Date>,
    /// The pack's own `valid_to`, if any.
    pub valid_to: Option<crate::date::Date>,
    /// `[sources.<id>]`: the sources the pack adds or replaces, by id.
    pub sources: BTreeMap<String, PolicySource>,
    /// `[param_sources]`: the source id of each param that a text gives (extension).
    pub param_sources: BTreeMap<String, String>,
}

impl PackLayer {
    /// The text of the file of this layer shown to people as `display` (a rule, a lib module
    /// or the manifest), for the source lines of problems.
    pub fn text_of(&self, display: &str) -> Option<&str> {
        if display == self.manifest {
            return Some(&self.manifest_text);
        }
        self.rules
            .iter()
            .chain(&self.libs)
            .find(|f| f.display == display)
            .map(|f| f.text.as_str())
    }
}

/// The text of the file shown as `display` in any of `layers`.
pub(crate) fn text_in<'a>(layers: &'a [PackLayer], display: &str) -> Option<&'a str> {
    layers.iter().find_map(|l| l.text_of(display))
}

/// A pack ready to compile: identity, ancestors and layers.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedPack {
    /// The pack that was asked for (its digest covers its ancestors' files too).
    pub identity: PackIdentity,
    /// Its ancestors, nearest first.
    pub chain: Vec<PackIdentity>,
    /// The layers, farthest ancestor first, the pack itself last.
    pub layers: Vec<PackLayer>,
}

#[cfg(test)]
impl ResolvedPack {
    /// A pack `t` version 1 made of `layers`, for tests.
    pub(crate) fn for_test(layers: Vec<PackLayer>) -> ResolvedPack {
        ResolvedPack {
            identity: PackIdentity {
                id: "t".into(),
                version: "1".into(),
                sha256: "0".into(),
            },
            chain: vec![],
            layers,
        }
    }
}

#[cfg(test)]
impl PackLayer {
    /// The layer of pack `t` (manifest `t/pack.toml`) holding `rules`, for tests.
    pub(crate) fn for_test(rules: Vec<PackFile>) -> PackLayer {
        PackLayer {
            id: "t".into(),
            manifest: "t/pack.toml".into(),
            rules,
            ..PackLayer::default()
        }
    }
}
