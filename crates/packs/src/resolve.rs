//! Inheritance: linearising `extends`, reading the chain's files once, and the layers the
//! engine compiles, with the chain's identities (`digest.rs`).
//!
//! The order is C3 linearisation with the precedence the spec gives: the pack over its
//! parents, a later parent over an earlier one, each parent over its own ancestors. Layers are
//! applied lowest precedence first, so later layers win per key.

use std::collections::BTreeMap;
use std::sync::Arc;

use tcscreen_core::{
    Code, Date, Diagnostic, PackIdentity, PackLayer, ResolvedPack, RuleSettingsEntry, Value,
    json::{self, JsonLimits},
    suggest::did_you_mean,
};

use crate::catalog::Catalog;
use crate::files::{self, PackFiles};

impl Catalog {
    /// The snapshot of the files of the pack at `index` (not its ancestors): read the first
    /// time it is asked for, and never again. Its signature (`pack.sig`) is checked from here.
    pub fn files(&self, index: usize) -> Result<Arc<PackFiles>, Vec<Diagnostic>> {
        read_files(self, index)
    }

    /// Resolve the pack at `index`: linearise its ancestors, read its files, compute digests.
    /// Parents with several versions resolve at `as_of`.
    pub fn resolve(
        &self,
        index: usize,
        as_of: Option<Date>,
    ) -> Result<Arc<ResolvedPack>, Vec<Diagnostic>> {
        resolve(self, index, as_of)
    }

    /// The pack at `index`, if [`Catalog::resolve`] resolved it already.
    pub fn resolved(&self, index: usize, as_of: Option<Date>) -> Option<Arc<ResolvedPack>> {
        resolved(self, index, as_of)
    }

    /// [`Catalog::resolve`], doing `work` on the pack's layers (compiling them, say) while the
    /// digests are computed on another thread. The layers are those of the returned pack.
    pub fn resolve_while<R>(
        &self,
        index: usize,
        as_of: Option<Date>,
        work: impl FnOnce(&[PackLayer]) -> R,
    ) -> Result<(Arc<ResolvedPack>, R), Vec<Diagnostic>> {
        resolve_while(self, index, as_of, work)
    }
}

/// Limits on a data table: deeper and larger than a request may be.
const DATA_LIMITS: JsonLimits = JsonLimits {
    max_depth: 32,
    max_values: 1_000_000,
};

fn resolve(
    catalog: &Catalog,
    index: usize,
    as_of: Option<Date>,
) -> Result<Arc<ResolvedPack>, Vec<Diagnostic>> {
    let order = order(catalog, index, as_of)?;
    if let Some(cached) = catalog.cache().resolved(&order) {
        return Ok(cached);
    }
    let files = read_chain(catalog, &order)?;
    let layers = layers(catalog, &order, &files)?;
    let (identity, chain) = identities(catalog, &order, &files, as_of)?;
    Ok(remember(catalog, order, identity, chain, layers))
}

/// The pack at `index` if it was resolved already.
fn resolved(catalog: &Catalog, index: usize, as_of: Option<Date>) -> Option<Arc<ResolvedPack>> {
    let order = linearize(catalog, index, as_of).ok()?;
    catalog.cache().resolved(&order)
}

/// [`resolve`], with `work` done on the layers while the digests are computed on another thread.
fn resolve_while<R>(
    catalog: &Catalog,
    index: usize,
    as_of: Option<Date>,
    work: impl FnOnce(&[PackLayer]) -> R,
) -> Result<(Arc<ResolvedPack>, R), Vec<Diagnostic>> {
    let order = order(catalog, index, as_of)?;
    let cached = catalog.cache().resolved(&order);
    if let Some(cached) = cached {
        let result = work(&cached.layers);
        return Ok((cached, result));
    }
    let files = read_chain(catalog, &order)?;
    let layers = layers(catalog, &order, &files)?;
    let (identities, result) = std::thread::scope(|scope| {
        let digests = scope.spawn(|| identities(catalog, &order, &files, as_of));
        let result = work(&layers);
        let identities = digests
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (identities, result)
    });
    let (identity, chain) = identities?;
    Ok((remember(catalog, order, identity, chain, layers), result))
}

fn remember(
    catalog: &Catalog,
    order: Vec<usize>,
    identity: PackIdentity,
    chain: Vec<PackIdentity>,
    layers: Vec<PackLayer>,
) -> Arc<ResolvedPack> {
    let pack = ResolvedPack {
        identity,
        chain,
        layers,
    };
    catalog.cache().remember(order, pack)
}

type ChainFiles = BTreeMap<usize, Arc<PackFiles>>;

/// The files of every pack in `order`.
fn read_chain(catalog: &Catalog, order: &[usize]) -> Result<ChainFiles, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut files = BTreeMap::new();
    for &i in order {
        match read_files(catalog, i) {
            Ok(f) => {
                files.insert(i, f);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// The identity of the pack (`order[0]`) and of each of its ancestors, nearest first.
fn identities(
    catalog: &Catalog,
    order: &[usize],
    files: &ChainFiles,
    as_of: Option<Date>,
) -> Result<(PackIdentity, Vec<PackIdentity>), Vec<Diagnostic>> {
    let mut memo = BTreeMap::new();
    let mut identity = |i: usize| -> Result<PackIdentity, Vec<Diagnostic>> {
        let own = linearize_with(catalog, i, as_of, &mut memo)?;
        let own_files = own
            .iter()
            .map(|&j| {
                let pack_files = match files.get(&j) {
                    Some(f) => f.clone(),
                    None => read_files(catalog, j)?,
                };
                Ok((catalog.entry(j).manifest.id.clone(), pack_files))
            })
            .collect::<Result<Vec<_>, Vec<Diagnostic>>>()?;
        let m = &catalog.entry(i).manifest;
        Ok(crate::digest::identity(&m.id, &m.version, &own_files))
    };
    let pack = identity(order[0])?;
    let chain = order[1..]
        .iter()
        .map(|&i| identity(i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((pack, chain))
}

/// The layers of `order`, farthest ancestor first.
fn layers(
    catalog: &Catalog,
    order: &[usize],
    files: &ChainFiles,
) -> Result<Vec<PackLayer>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut layers = Vec::new();
    for &i in order.iter().rev() {
        let entry = catalog.entry(i);
        let pack_files = &files[&i];
        let mut data = BTreeMap::new();
        for (stem, file) in &pack_files.data {
            match json::parse(&file.text, DATA_LIMITS) {
                Ok(value) => {
                    data.insert(stem.clone(), Value::from_json(&value));
                }
                Err(problems) => errors.extend(problems.into_iter().map(|p| {
                    Diagnostic::error(Code::P009, format!("invalid data table: {}", p.message))
                        .at(&file.display, p.pos)
                        .maybe_help(p.help)
                        .with_excerpt_from(&file.text)
                })),
            }
        }
        layers.push(PackLayer {
            id: entry.manifest.id.clone(),
            manifest: entry.manifest_display(),
            manifest_text: String::from_utf8_lossy(&pack_files.manifest).into_owned(),
            rules: pack_files.rules.clone(),
            libs: pack_files.libs.clone(),
            params: entry.manifest.params.clone(),
            param_positions: entry.manifest.param_positions.clone(),
            data,
            data_files: pack_files
                .data
                .iter()
                .map(|(stem, f)| (stem.clone(), f.display.clone()))
                .collect(),
            settings: entry
                .manifest
                .rules
                .iter()
                .map(|(rule, pos, settings)| RuleSettingsEntry {
                    rule: rule.clone(),
                    pos: *pos,
                    settings: settings.clone(),
                })
                .collect(),
            country: entry.manifest.country.clone(),
            valid_from: entry.manifest.valid_from,
            valid_to: entry.manifest.valid_to,
            param_sources: entry.manifest.param_sources.clone(),
            sources: entry.manifest.sources.clone(),
        });
    }
    if errors.is_empty() {
        Ok(layers)
    } else {
        Err(errors)
    }
}

fn read_files(catalog: &Catalog, index: usize) -> Result<Arc<PackFiles>, Vec<Diagnostic>> {
    catalog.cache().files(index, || {
        files::read_pack(catalog.entry(index)).map(Arc::new)
    })
}

/// [`linearize`], with the problems' manifest lines.
fn order(
    catalog: &Catalog,
    index: usize,
    as_of: Option<Date>,
) -> Result<Vec<usize>, Vec<Diagnostic>> {
    linearize(catalog, index, as_of).map_err(|mut errors| {
        catalog.excerpt_manifests(&mut errors);
        errors
    })
}

/// The precedence order of a pack and its ancestors: the pack first.
fn linearize(
    catalog: &Catalog,
    index: usize,
    as_of: Option<Date>,
) -> Result<Vec<usize>, Vec<Diagnostic>> {
    linearize_with(catalog, index, as_of, &mut BTreeMap::new())
}

/// A pack being linearised, with its parents (later parents first: they take precedence).
struct Frame {
    index: usize,
    parents: Vec<usize>,
}

/// [`linearize`], iteratively (no recursion, whatever the depth), each pack's order computed
/// once into `memo` (shared by the calls for one pack's ancestors).
fn linearize_with(
    catalog: &Catalog,
    root: usize,
    as_of: Option<Date>,
    memo: &mut BTreeMap<usize, Vec<usize>>,
) -> Result<Vec<usize>, Vec<Diagnostic>> {
    if let Some(done) = memo.get(&root) {
        return Ok(done.clone());
    }
    let mut frames = vec![frame(catalog, root, as_of)?];
    loop {
        let top = frames.last().expect("a pack being linearised");
        if let Some(&next) = top.parents.iter().find(|p| !memo.contains_key(p)) {
            if let Some(start) = frames.iter().position(|f| f.index == next) {
                return Err(vec![cycle(catalog, &frames[start..], next)]);
            }
            let next = frame(catalog, next, as_of)?;
            frames.push(next);
            continue;
        }
        let top = frames.pop().expect("a pack being linearised");
        let order = merge(catalog, &top, memo)?;
        memo.insert(top.index, order);
        if frames.is_empty() {
            return Ok(memo[&root].clone());
        }
    }
}

/// The pack at `index` with its parents resolved at `as_of`; refused if it is beyond the
/// bounds on inheritance.
fn frame(catalog: &Catalog, index: usize, as_of: Option<Date>) -> Result<Frame, Vec<Diagnostic>> {
    if let Some(refused) = catalog.out_of_bounds(index) {
        return Err(vec![refused.clone()]);
    }
    let entry = catalog.entry(index);
    let mut parents = Vec::new();
    let mut errors = Vec::new();
    for id in &entry.manifest.extends {
        match parent(catalog, index, id, as_of) {
            Ok(p) => parents.push(p),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    parents.reverse();
    Ok(Frame { index, parents })
}

/// P012: the packs of `frames` and then `closing_parent` extend each other in a cycle.
fn cycle(catalog: &Catalog, frames: &[Frame], closing_parent: usize) -> Diagnostic {
    let mut names: Vec<String> = frames
        .iter()
        .map(|f| format!("`{}`", catalog.entry(f.index).manifest.id))
        .collect();
    names.push(format!("`{}`", catalog.entry(closing_parent).manifest.id));
    let closing = catalog.entry(frames.last().map_or(closing_parent, |f| f.index));
    Diagnostic::error(
        Code::P012,
        format!("extends cycle: {}", names.join(" extends ")),
    )
    .at(closing.manifest_display(), closing.manifest.extends_pos)
    .help("a pack cannot be its own ancestor; remove one of these `extends`")
}

/// C3: the order of `frame`'s pack from its parents' orders (all in `memo`).
fn merge(
    catalog: &Catalog,
    frame: &Frame,
    memo: &BTreeMap<usize, Vec<usize>>,
) -> Result<Vec<usize>, Vec<Diagnostic>> {
    let entry = catalog.entry(frame.index);
    let mut sequences: Vec<Vec<usize>> = frame.parents.iter().map(|p| memo[p].clone()).collect();
    sequences.push(frame.parents.clone());
    let mut order = vec![frame.index];
    loop {
        sequences.retain(|s| !s.is_empty());
        if sequences.is_empty() {
            return Ok(order);
        }
        let head = sequences
            .iter()
            .map(|s| s[0])
            .find(|&candidate| sequences.iter().all(|s| !s[1..].contains(&candidate)));
        let Some(head) = head else {
            return Err(vec![
                Diagnostic::error(
                    Code::P013,
                    format!(
                        "the ancestors of `{}` cannot be put in one consistent order",
                        entry.manifest.id
                    ),
                )
                .at(entry.manifest_display(), entry.manifest.extends_pos)
                .help(
                    "two parents inherit from the same packs in opposite orders; reorder `extends`",
                ),
            ]);
        };
        order.push(head);
        for s in &mut sequences {
            if s[0] == head {
                s.remove(0);
            }
        }
    }
}

fn parent(
    catalog: &Catalog,
    child: usize,
    id: &str,
    as_of: Option<Date>,
) -> Result<usize, Diagnostic> {
    let entry = catalog.entry(child);
    let at = || (entry.manifest_display(), entry.manifest.extends_pos);
    let versions = catalog.versions(id);
    match versions.as_slice() {
        [] => {
            let ids: Vec<&str> = catalog
                .entries()
                .iter()
                .filter(|e| !e.external)
                .map(|e| e.manifest.id.as_str())
                .collect();
            let help = match did_you_mean(id, ids.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "the packs under `{}` are: {}",
                    catalog.root_display(),
                    ids.join(", ")
                ),
            };
            let (file, pos) = at();
            Err(Diagnostic::error(
                Code::P014,
                format!(
                    "pack `{}` extends `{id}`, which is not under the rules root",
                    entry.manifest.id
                ),
            )
            .at(file, pos)
            .help(help))
        }
        [one] => Ok(*one),
        several => {
            let valid: Vec<usize> = several
                .iter()
                .copied()
                .filter(|&i| as_of.is_some_and(|d| catalog.entry(i).manifest.covers(d)))
                .collect();
            match valid.as_slice() {
                [one] => Ok(*one),
                _ => {
                    let (file, pos) = at();
                    let when = as_of.map_or_else(
                        || "no as-of date was given".to_string(),
                        |d| format!("none is valid on {d}"),
                    );
                    Err(Diagnostic::error(
                        Code::P015,
                        format!("pack `{id}` has several versions and {when}"),
                    )
                    .at(file, pos)
                    .advise(tcscreen_core::advice::Advice::ParentVersionForDate))
                }
            }
        }
    }
}
