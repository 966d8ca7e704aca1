//! The pack loader on hostile folders: the input is a little program that builds a pack folder
//! (regular files with fuzzed bytes, symbolic links, named pipes, oversized sparse files,
//! folders, hidden files) in a fresh temporary rules root, which is then discovered, resolved
//! and compiled.
//!
//! What must hold: no panic, no hang (a named pipe opened for reading would block for ever:
//! `-timeout` catches it), no read past the limits (a sparse file is never read whole); every
//! link, pipe or oversized file where the loader reads is refused with a problem naming it;
//! when the pack loads, its digest is the digest of exactly the regular files written; and no
//! problem shows a line of a file outside the pack (the target of a refused link).

#![no_main]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tcscreen_core::{CompiledPack, EngineLimits};
use tcscreen_packs::read::MAX_FILE_BYTES;
use tcscreen_packs::{Catalog, digest};

/// Places in a pack folder, the ones the loader reads and some it leaves alone.
const PATHS: &[&str] = &[
    "pack.toml",
    "pack.sig",
    "rules/A.rhai",
    "rules/B.rhai",
    "rules/sub/C.rhai",
    "lib/m.rhai",
    "data/t.json",
    "data/sub/u.json",
    "tests/t.json",
    "README.md",
    ".hidden",
    "rules/.h.rhai",
    "rules/notes.txt",
];

/// A manifest that loads, used when the input writes none.
const MANIFEST: &[u8] = b"[pack]\nid = \"p\"\nname = \"p\"\ncountry = \"ZZ\"\nversion = \"1\"\n";

#[derive(Debug, Clone, PartialEq)]
enum Made {
    Regular(Vec<u8>),
    Link,
    Pipe,
    Oversized,
    Folder,
}

/// Whether the loader reads the file at `path` (inside the pack folder).
fn is_read(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    if path.split('/').any(|c| c.starts_with('.')) {
        return false;
    }
    path == "pack.toml"
        || path == "pack.sig"
        || ((path.starts_with("rules/") || path.starts_with("lib/")) && name.ends_with(".rhai"))
        || (path.starts_with("data/") && path.matches('/').count() == 1 && name.ends_with(".json"))
}

fn build(pack: &Path, outside: &Path, data: &[u8]) -> BTreeMap<String, Made> {
    let mut made = BTreeMap::new();
    let mut bytes = data.iter().copied();
    while let (Some(op), Some(which)) = (bytes.next(), bytes.next()) {
        let path = PATHS[usize::from(which) % PATHS.len()];
        if made.contains_key(path) || path.split('/').scan(String::new(), |acc, c| {
            if !acc.is_empty() {
                acc.push('/');
            }
            acc.push_str(c);
            Some(acc.clone())
        }).any(|prefix| prefix != path && made.contains_key(&prefix)) {
            continue;
        }
        let full = pack.join(path);
        if let Some(parent) = full.parent()
            && fs::create_dir_all(parent).is_err()
        {
            continue;
        }
        let thing = match op % 5 {
            0 => {
                let len = usize::from(bytes.next().unwrap_or(0));
                let content: Vec<u8> = bytes.by_ref().take(len).collect();
                fs::write(&full, &content).map(|_| Made::Regular(content))
            }
            1 => {
                let targets = [
                    Path::new("/dev/zero").to_path_buf(),
                    outside.to_path_buf(),
                    pack.join("README.md"),
                    pack.to_path_buf(),
                ];
                let target = &targets[usize::from(bytes.next().unwrap_or(0)) % targets.len()];
                std::os::unix::fs::symlink(target, &full).map(|_| Made::Link)
            }
            2 => rustix::fs::mkfifoat(rustix::fs::CWD, &full, rustix::fs::Mode::from_raw_mode(0o600))
                .map(|_| Made::Pipe)
                .map_err(std::io::Error::from),
            3 => fs::File::create(&full)
                .and_then(|f| f.set_len(MAX_FILE_BYTES + 1 + u64::from(bytes.next().unwrap_or(0))))
                .map(|_| Made::Oversized),
            _ => fs::create_dir_all(&full).map(|_| Made::Folder),
        };
        if let Ok(thing) = thing {
            made.insert(path.to_string(), thing);
        }
    }
    if !made.contains_key("pack.toml") && fs::write(pack.join("pack.toml"), MANIFEST).is_ok() {
        made.insert("pack.toml".into(), Made::Regular(MANIFEST.to_vec()));
    }
    made
}

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let root = dir.path().join("rules");
    let pack = root.join("p");
    // The outside file holds a marker the input cannot guess: the temporary folder's name.
    let outside = dir.path().join("outside.txt");
    let marker = dir.path().to_string_lossy().into_owned();
    if fs::create_dir_all(&pack).is_err() || fs::write(&outside, format!("{marker}\n")).is_err() {
        return;
    }
    let made = build(&pack, &outside, data);
    let hostile: Vec<&String> = made
        .iter()
        .filter(|(path, thing)| {
            is_read(path) && matches!(thing, Made::Link | Made::Pipe | Made::Oversized)
        })
        .map(|(path, _)| path)
        .collect();

    let Ok(catalog) = Catalog::discover(&root, "rules") else {
        return;
    };
    let mut problems = catalog.problems().to_vec();
    let entry = (0..catalog.entries().len()).find(|&i| catalog.entry(i).dir == pack);
    // Without a manifest that loads, the rest of the pack is never read.
    let hostile: Vec<&String> = match entry {
        Some(_) => hostile,
        None => hostile.into_iter().filter(|p| *p == "pack.toml").collect(),
    };
    if let Some(index) = entry {
        match catalog.resolve(index, None) {
            Ok(resolved) => {
                assert!(hostile.is_empty(), "loaded despite {hostile:?}");
                // The digest is over exactly the regular files the loader reads.
                let id = &catalog.entry(index).manifest.id;
                let read: Vec<(String, &[u8])> = made
                    .iter()
                    .filter(|(path, _)| is_read(path) && path.as_str() != "pack.sig")
                    .filter_map(|(path, thing)| match thing {
                        Made::Regular(bytes) => Some((format!("{id}/{path}"), bytes.as_slice())),
                        _ => None,
                    })
                    .collect();
                let mut entries = read;
                assert_eq!(resolved.identity.sha256, digest(&mut entries));
                let _ = CompiledPack::compile(&resolved, &EngineLimits::default());
                return;
            }
            Err(mut errors) => problems.append(&mut errors),
        }
    }
    for path in hostile {
        let shown = format!("rules/p/{path}");
        assert!(
            problems.iter().any(|d| d.file.as_deref() == Some(shown.as_str())),
            "{path} is refused by no problem: {problems:#?}"
        );
    }
    for d in &problems {
        assert!(
            d.excerpt.as_ref().is_none_or(|x| !x.text.contains(&marker)),
            "a problem shows a line of a file outside the pack: {d:?}"
        );
    }
});
