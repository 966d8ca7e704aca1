//! Long `extends` chains (issue 18 item 5): inheritance is bounded when the packs are
//! discovered, from the manifests alone, and a pack beyond the bounds is refused (P023)
//! without being resolved; within them, resolution is iterative and each ancestor is ordered
//! once.

use std::fs;
use std::path::Path;

use tcscreen_core::Code;
use tcscreen_packs::Catalog;
use tcscreen_packs::bounds::{MAX_ANCESTORS, MAX_DEPTH, MAX_PACKS};

/// Packs `p0` … `p{n-1}`, each extending the one before it; `p0` extends nothing.
fn chain(root: &Path, n: usize) {
    for i in 0..n {
        let extends = if i == 0 {
            String::new()
        } else {
            format!("extends = [\"p{}\"]\n", i - 1)
        };
        let dir = root.join(format!("p{i}"));
        fs::create_dir_all(dir.join("rules")).unwrap();
        fs::write(
            dir.join("pack.toml"),
            format!("[pack]\nid = \"p{i}\"\nname = \"p{i}\"\nversion = \"1\"\n{extends}"),
        )
        .unwrap();
    }
}

fn index(catalog: &Catalog, id: &str) -> usize {
    catalog
        .entries()
        .iter()
        .position(|e| e.manifest.id == id)
        .unwrap()
}

#[test]
fn a_chain_deeper_than_the_bound_is_refused_from_the_manifests() {
    let dir = tempfile::tempdir().unwrap();
    chain(dir.path(), MAX_DEPTH + 3);
    let catalog = Catalog::discover(dir.path(), "rules").unwrap();
    let refused: Vec<&str> = catalog
        .problems()
        .iter()
        .filter(|d| d.code == Code::P023)
        .map(|d| d.file.as_deref().unwrap())
        .collect();
    // p17 is 17 generations below p0: p17, p18 (and only they) are refused.
    assert_eq!(refused.len(), 2, "{:?}", catalog.problems());
    assert!(refused.iter().all(|f| f.ends_with("pack.toml")));
    let deepest = catalog.resolve(index(&catalog, &format!("p{}", MAX_DEPTH + 2)), None);
    let Err(problems) = deepest else {
        panic!("a pack beyond the bound was resolved")
    };
    assert_eq!(problems[0].code, Code::P023);
    assert!(
        problems[0].message.contains("generations"),
        "{}",
        problems[0]
    );
    // The deepest pack within the bound resolves, with every ancestor in order.
    let within = catalog
        .resolve(index(&catalog, &format!("p{MAX_DEPTH}")), None)
        .unwrap();
    assert_eq!(within.layers.len(), MAX_DEPTH + 1);
    assert_eq!(within.layers[0].id, "p0");
}

#[test]
fn a_pack_with_too_many_ancestors_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A shallow but wide family: `wide` extends MAX_ANCESTORS + 1 packs directly.
    let mut parents = Vec::new();
    for i in 0..=MAX_ANCESTORS {
        let d = root.join(format!("a{i}"));
        fs::create_dir_all(&d).unwrap();
        fs::write(
            d.join("pack.toml"),
            format!("[pack]\nid = \"a{i}\"\nname = \"a\"\nversion = \"1\"\n"),
        )
        .unwrap();
        parents.push(format!("\"a{i}\""));
    }
    let d = root.join("wide");
    fs::create_dir_all(&d).unwrap();
    fs::write(
        d.join("pack.toml"),
        format!(
            "[pack]\nid = \"wide\"\nname = \"w\"\nversion = \"1\"\nextends = [{}]\n",
            parents.join(", ")
        ),
    )
    .unwrap();
    let catalog = Catalog::discover(root, "rules").unwrap();
    let p023: Vec<_> = catalog
        .problems()
        .iter()
        .filter(|d| d.code == Code::P023)
        .collect();
    assert_eq!(p023.len(), 1);
    assert!(p023[0].message.contains("ancestors"), "{}", p023[0]);
    assert_eq!(p023[0].pos.line, 5, "points at the extends line");
}

#[test]
fn a_chain_of_thousands_of_packs_is_refused_whole_without_being_resolved() {
    let dir = tempfile::tempdir().unwrap();
    // Enough to overflow the stack of a recursive resolution, and more than the folder limit.
    chain(dir.path(), MAX_PACKS + 500);
    let catalog = Catalog::discover(dir.path(), "rules").unwrap();
    assert!(
        catalog
            .problems()
            .iter()
            .any(|d| d.code == Code::P023 && d.message.contains("packs, more than the limit")),
        "{:?}",
        &catalog.problems()[..1]
    );
    for i in [0, MAX_PACKS, MAX_PACKS + 499] {
        let problems = catalog
            .resolve(index(&catalog, &format!("p{i}")), None)
            .err()
            .unwrap();
        assert_eq!(problems[0].code, Code::P023);
    }
}

#[test]
fn a_long_chain_under_the_folder_limit_resolves_only_the_packs_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    chain(dir.path(), MAX_PACKS);
    let catalog = Catalog::discover(dir.path(), "rules").unwrap();
    let refused = catalog
        .problems()
        .iter()
        .filter(|d| d.code == Code::P023)
        .count();
    assert_eq!(refused, MAX_PACKS - MAX_DEPTH - 1);
    let mut resolved = 0;
    for i in 0..MAX_PACKS {
        if catalog
            .resolve(index(&catalog, &format!("p{i}")), None)
            .is_ok()
        {
            resolved += 1;
        }
    }
    assert_eq!(resolved, MAX_DEPTH + 1);
}
