//! Inheritance: linearising `extends`, reading the chain's files, and the pack digest.
//!
//! The order is C3 linearisation with the precedence the spec gives: the pack over its
//! parents, a later parent over an earlier one, each parent over its own ancestors. Layers are
//! applied lowest precedence first, so later layers win per key.
//!
//! The digest (spec §3) is SHA-256 over the files the loader reads (`pack.toml`, `rules/`,
//! `lib/`, `data/`) of the pack and every ancestor, in byte order of `<pack id>/<path>`, each
//! contributing that name, NUL, its length in decimal, NUL, and its bytes.

use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tcscreen_core::{
    Code, Date, Diagnostic, PackIdentity, PackLayer, PackSource, RuleSettingsEntry, Value, hash,
    json::{self, JsonLimits},
    suggest::did_you_mean,
};

use crate::catalog::Catalog;
use crate::files::{self, PackFiles};

/// Limits on a data table: deeper and larger than a request may be.
const DATA_LIMITS: JsonLimits = JsonLimits {
    max_depth: 32,
    max_values: 1_000_000,
};

pub(crate) fn source(
    catalog: &Catalog,
    index: usize,
    as_of: Option<Date>,
) -> Result<Arc<PackSource>, Vec<Diagnostic>> {
    let order = order(catalog, index, as_of)?;
    if let Some(cached) = lock(&catalog.sources).get(&order) {
        return Ok(cached.clone());
    }
    let files = read_chain(catalog, &order)?;
    let layers = layers(catalog, &order, &files)?;
    let (identity, chain) = identities(catalog, &order, &files, as_of)?;
    Ok(remember(catalog, order, identity, chain, layers))
}

/// The source of the pack at `index` if it was resolved already.
pub(crate) fn cached_source(
    catalog: &Catalog,
    index: usize,
    as_of: Option<Date>,
) -> Option<Arc<PackSource>> {
    let order = linearize(catalog, index, as_of, &mut Vec::new()).ok()?;
    lock(&catalog.sources).get(&order).cloned()
}

/// [`source`], with `work` done on the layers while the digests are computed on another thread.
pub(crate) fn source_while<R>(
    catalog: &Catalog,
    index: usize,
    as_of: Option<Date>,
    work: impl FnOnce(&[PackLayer]) -> R,
) -> Result<(Arc<PackSource>, R), Vec<Diagnostic>> {
    let order = order(catalog, index, as_of)?;
    let cached = lock(&catalog.sources).get(&order).cloned();
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
) -> Arc<PackSource> {
    let source = Arc::new(PackSource {
        identity,
        chain,
        layers,
    });
    lock(&catalog.sources).insert(order, source.clone());
    source
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
    let identity = |i: usize| -> Result<PackIdentity, Vec<Diagnostic>> {
        let own = linearize(catalog, i, as_of, &mut Vec::new())?;
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
        let mut entries: Vec<(String, &[u8])> = own_files
            .iter()
            .flat_map(|(id, f)| {
                f.digest_entries
                    .iter()
                    .map(move |(path, bytes)| (format!("{id}/{path}"), &bytes[..]))
            })
            .collect();
        let m = &catalog.entry(i).manifest;
        Ok(PackIdentity {
            id: m.id.clone(),
            version: m.version.clone(),
            sha256: digest(&mut entries),
        })
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
            sources: entry.manifest.sources.clone(),
        });
    }
    if errors.is_empty() {
        Ok(layers)
    } else {
        Err(errors)
    }
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The snapshot of the files of the pack at `index`: read on first use, by one thread, and
/// never again.
pub(crate) fn read_files(
    catalog: &Catalog,
    index: usize,
) -> Result<Arc<PackFiles>, Vec<Diagnostic>> {
    let once = lock(&catalog.files).entry(index).or_default().clone();
    once.get_or_init(|| files::read_pack(catalog.entry(index)).map(Arc::new))
        .clone()
}

/// The digest of a list of (name, bytes); sorts the list by name bytes.
pub fn digest(entries: &mut [(String, &[u8])]) -> String {
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut hasher = Sha256::new();
    for (name, bytes) in entries.iter() {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(bytes.len().to_string().as_bytes());
        hasher.update([0]);
        hasher.update(bytes);
    }
    hash::hex(&hasher.finalize())
}

/// [`linearize`], with the problems' manifest lines.
fn order(
    catalog: &Catalog,
    index: usize,
    as_of: Option<Date>,
) -> Result<Vec<usize>, Vec<Diagnostic>> {
    linearize(catalog, index, as_of, &mut Vec::new()).map_err(|mut errors| {
        catalog.excerpt_manifests(&mut errors);
        errors
    })
}

/// The precedence order of a pack and its ancestors: the pack first.
fn linearize(
    catalog: &Catalog,
    index: usize,
    as_of: Option<Date>,
    stack: &mut Vec<usize>,
) -> Result<Vec<usize>, Vec<Diagnostic>> {
    let entry = catalog.entry(index);
    if let Some(start) = stack.iter().position(|&i| i == index) {
        let mut names: Vec<String> = stack[start..]
            .iter()
            .map(|&i| format!("`{}`", catalog.entry(i).manifest.id))
            .collect();
        names.push(format!("`{}`", entry.manifest.id));
        let closing = catalog.entry(*stack.last().unwrap_or(&index));
        return Err(vec![
            Diagnostic::error(
                Code::P012,
                format!("extends cycle: {}", names.join(" extends ")),
            )
            .at(closing.manifest_display(), closing.manifest.extends_pos)
            .help("a pack cannot be its own ancestor; remove one of these `extends`"),
        ]);
    }
    stack.push(index);
    let mut parents = Vec::new();
    let mut errors = Vec::new();
    for id in &entry.manifest.extends {
        match parent(catalog, index, id, as_of) {
            Ok(p) => parents.push(p),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        stack.pop();
        return Err(errors);
    }
    // Later parents take precedence over earlier ones.
    parents.reverse();
    let mut sequences = Vec::new();
    for &p in &parents {
        match linearize(catalog, p, as_of, stack) {
            Ok(seq) => sequences.push(seq),
            Err(mut e) => errors.append(&mut e),
        }
    }
    stack.pop();
    if !errors.is_empty() {
        return Err(errors);
    }
    sequences.push(parents);
    let mut order = vec![index];
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
                    .help("screen with an --as-of date inside one version's validity"))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::digest;

    #[test]
    fn digest_format_is_name_nul_length_nul_bytes() {
        let mut entries: Vec<(String, &[u8])> =
            vec![("b/x".into(), b"12"), ("a/pack.toml".into(), b"")];
        let expected = tcscreen_core::hash::sha256_hex(b"a/pack.toml\x000\x00b/x\x002\x0012");
        assert_eq!(digest(&mut entries), expected);
    }
}
