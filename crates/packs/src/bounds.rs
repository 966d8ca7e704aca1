//! How far inheritance may reach, checked when the packs are discovered, from the manifests
//! alone, before anything is resolved, read, signed or compiled: at most [`MAX_PACKS`] packs
//! under a rules folder, at most [`MAX_ANCESTORS`] packs (by id) among a pack's ancestors and
//! at most [`MAX_DEPTH`] generations of `extends`. A pack beyond them is refused (P023) and
//! never resolved, so no folder of packs can make listing, checking, `--trust` or a reload
//! take long or exhaust the stack. Counting runs on the manifests' `extends` by id, every
//! version of a parent included (which version applies depends on the screening date).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use tcscreen_core::{Code, Diagnostic, Pos};

use crate::entry::PackEntry;

/// The most packs one rules folder may hold.
pub const MAX_PACKS: usize = 1_000;
/// The most packs (by id) a pack may have among its ancestors.
pub const MAX_ANCESTORS: usize = 32;
/// The most generations of `extends` above a pack (a pack extending `base` has one).
pub const MAX_DEPTH: usize = 16;

/// The packs beyond the bounds (their indices), with a problem for each.
pub(crate) fn check(entries: &[PackEntry]) -> (BTreeSet<usize>, Vec<Diagnostic>) {
    if entries.len() > MAX_PACKS {
        let problem = Diagnostic::error(
            Code::P023,
            format!(
                "the rules folder holds {} packs, more than the limit of {MAX_PACKS}",
                entries.len()
            ),
        )
        .help("keep in the rules folder only the packs in use; move old versions and drafts elsewhere");
        return ((0..entries.len()).collect(), vec![problem]);
    }
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate().filter(|(_, e)| !e.external) {
        by_id.entry(e.manifest.id.as_str()).or_default().push(i);
    }
    let parents = |id: &str| -> BTreeSet<&str> {
        by_id
            .get(id)
            .into_iter()
            .flatten()
            .flat_map(|&i| entries[i].manifest.extends.iter().map(String::as_str))
            .filter(|p| by_id.contains_key(p))
            .collect()
    };
    let mut refused = BTreeSet::new();
    let mut problems = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let own: BTreeSet<&str> = entry
            .manifest
            .extends
            .iter()
            .map(String::as_str)
            .filter(|p| by_id.contains_key(p))
            .collect();
        let too_far = match ancestors(&own, parents) {
            None => Some(format!(
                "pack `{}` has more than {MAX_ANCESTORS} packs among its ancestors",
                entry.manifest.id
            )),
            Some(graph) => match depth(&own, &graph) {
                Some(depth) if depth > MAX_DEPTH => Some(format!(
                    "pack `{}` is {depth} generations of `extends` below its farthest ancestor, more than the limit of {MAX_DEPTH}",
                    entry.manifest.id
                )),
                // Within bounds, or a cycle, which resolution reports (P012).
                _ => None,
            },
        };
        if let Some(message) = too_far {
            refused.insert(i);
            let pos = if entry.manifest.extends_pos == Pos::NONE {
                Pos::new(1, 1)
            } else {
                entry.manifest.extends_pos
            };
            problems.push(
                Diagnostic::error(Code::P023, message)
                    .at(entry.manifest_display(), pos)
                    .help("extend the packs you need directly (`extends = [\"base\"]`) rather than through a long chain of packs"),
            );
        }
    }
    (refused, problems)
}

/// The ancestors (by id) reachable from `parents_of_pack`, each with its parents; None when
/// there are more than [`MAX_ANCESTORS`].
fn ancestors<'a>(
    parents_of_pack: &BTreeSet<&'a str>,
    parents: impl Fn(&str) -> BTreeSet<&'a str>,
) -> Option<BTreeMap<&'a str, BTreeSet<&'a str>>> {
    let mut graph = BTreeMap::new();
    let mut queue: VecDeque<&str> = parents_of_pack.iter().copied().collect();
    while let Some(id) = queue.pop_front() {
        if graph.contains_key(id) {
            continue;
        }
        if graph.len() == MAX_ANCESTORS {
            return None;
        }
        let next = parents(id);
        queue.extend(next.iter().copied());
        graph.insert(id, next);
    }
    Some(graph)
}

/// The longest chain of `extends` from the pack (whose parents are `own`) up through `graph`,
/// in generations; None when the graph has a cycle.
fn depth(own: &BTreeSet<&str>, graph: &BTreeMap<&str, BTreeSet<&str>>) -> Option<usize> {
    // Longest path by relaxation: at most as many rounds as nodes, or there is a cycle.
    let mut height: BTreeMap<&str, usize> = graph.keys().map(|id| (*id, 1)).collect();
    for _ in 0..=graph.len() {
        let mut changed = false;
        for (id, parents) in graph {
            let h = 1 + parents.iter().map(|p| height[p]).max().unwrap_or(0);
            if h > height[id] {
                height.insert(id, h);
                changed = true;
            }
        }
        if !changed {
            return Some(own.iter().map(|p| height[p]).max().unwrap_or(0));
        }
    }
    None
}
