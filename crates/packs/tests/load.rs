//! Loading packs from disk: discovery, versions, selection, inheritance order, digests and
//! the files a pack may not hold.

use std::fs;
use std::path::Path;

use tcscreen_core::{Code, CompiledPack, Date, EngineLimits, RequestLimits, ValidRequest, Value};
use tcscreen_packs::{Catalog, digest};

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn manifest(id: &str, extra: &str) -> String {
    format!("[pack]\nid = \"{id}\"\nname = \"{id}\"\nversion = \"1\"\n{extra}")
}

fn rule(title: &str, body: &str) -> String {
    format!("//! title: {title}\n//! criterion: data\n{body}\n")
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn catalog(root: &Path) -> Catalog {
    Catalog::discover(root, "rules").unwrap()
}

#[test]
fn selects_by_country_and_validity_and_names_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "kh-2009/pack.toml",
        "[pack]\nid = \"kh\"\nname = \"x\"\ncountry = \"KH\"\nversion = \"2009\"\nvalid_to = \"2009-12-31\"\n",
    );
    write(
        root,
        "kh/pack.toml",
        "[pack]\nid = \"kh\"\nname = \"x\"\ncountry = \"KH\"\nversion = \"2010\"\nvalid_from = \"2010-01-01\"\n",
    );
    write(root, "base/pack.toml", &manifest("base", ""));
    let catalog = catalog(root);
    assert!(catalog.problems().is_empty(), "{:?}", catalog.problems());
    let pick = |country: &str, d: &str| {
        catalog
            .select(country, date(d))
            .map(|i| catalog.entry(i).manifest.version.clone())
    };
    assert_eq!(pick("KH", "2009-12-31").unwrap(), "2009");
    assert_eq!(pick("KH", "2010-01-01").unwrap(), "2010");
    let none = pick("NP", "2010-01-01").unwrap_err();
    assert_eq!(none.message, "no pack for country NP under `rules`");
    // A base pack (no country) is never selected.
    assert!(catalog.find("base", None, date("2020-01-01")).is_ok());
    assert_eq!(
        catalog
            .find("kh", Some("2009"), date("2020-01-01"))
            .map(|i| catalog.entry(i).display.clone())
            .unwrap(),
        "rules/kh-2009"
    );
    assert!(
        catalog
            .find("kh", Some("7"), date("2020-01-01"))
            .unwrap_err()
            .message
            .contains("no version 7")
    );
    assert_eq!(
        catalog
            .find("kj", None, date("2020-01-01"))
            .unwrap_err()
            .help
            .as_deref(),
        Some("did you mean `kh`?")
    );
}

#[test]
fn overlapping_versions_are_a_problem_and_block_automatic_selection() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "a/pack.toml",
        "[pack]\nid = \"kh\"\nname = \"x\"\ncountry = \"KH\"\nversion = \"1\"\nvalid_to = \"2010-06-30\"\n",
    );
    write(
        root,
        "b/pack.toml",
        "[pack]\nid = \"kh\"\nname = \"x\"\ncountry = \"KH\"\nversion = \"2\"\nvalid_from = \"2010-01-01\"\n",
    );
    let catalog = catalog(root);
    assert_eq!(catalog.problems().len(), 1);
    assert!(
        catalog.problems()[0]
            .message
            .contains("both valid on some dates")
    );
    let e = catalog.select("KH", date("2009-01-01")).unwrap_err();
    assert_eq!(e.code, Code::P020);
}

#[test]
fn a_broken_manifest_blocks_automatic_selection_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "kh/pack.toml",
        "[pack]\nid = \"kh\"\nname = \"x\"\ncountry = \"KH\"\nversion = \"1\"\n",
    );
    write(
        root,
        "np/pack.toml",
        "[pack]\nid = \"np\"\nname = \"x\"\ncountri = \"NP\"\nversion = \"1\"\n",
    );
    let catalog = catalog(root);
    assert_eq!(catalog.problems().len(), 1);
    assert_eq!(
        catalog.problems()[0].help.as_deref(),
        Some("did you mean `country`?")
    );
    assert_eq!(
        catalog.select("KH", date("2020-01-01")).unwrap_err().code,
        Code::P020
    );
    assert!(catalog.find("kh", None, date("2020-01-01")).is_ok());
}

#[test]
fn later_parents_win_and_the_child_wins_over_all() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "base/pack.toml",
        &manifest(
            "base",
            "[params]\nx = \"base\"\ny = \"base\"\nz = \"base\"\n",
        ),
    );
    write(
        root,
        "left/pack.toml",
        &manifest(
            "left",
            "extends = [\"base\"]\n[params]\nx = \"left\"\ny = \"left\"\n",
        ),
    );
    write(
        root,
        "right/pack.toml",
        &manifest("right", "extends = [\"base\"]\n[params]\nx = \"right\"\n"),
    );
    write(
        root,
        "child/pack.toml",
        &manifest("child", "extends = [\"left\", \"right\"]\n"),
    );
    let catalog = catalog(root);
    let index = catalog.find("child", None, date("2020-01-01")).unwrap();
    let resolved = catalog.resolve(index, None).unwrap();
    let ids: Vec<&str> = resolved.layers.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["base", "left", "right", "child"]);
    let chain: Vec<&str> = resolved.chain.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(chain, ["right", "left", "base"]);
    let mut params = std::collections::BTreeMap::new();
    for layer in &resolved.layers {
        params.extend(layer.params.clone());
    }
    assert_eq!(params["x"], Value::Str("right".into()));
    assert_eq!(params["y"], Value::Str("left".into()));
    assert_eq!(params["z"], Value::Str("base".into()));
}

#[test]
fn cycles_and_unknown_parents_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a/pack.toml", &manifest("a", "extends = [\"b\"]\n"));
    write(root, "b/pack.toml", &manifest("b", "extends = [\"a\"]\n"));
    write(
        root,
        "c/pack.toml",
        &manifest("c", "extends = [\"bsae\"]\n"),
    );
    write(root, "base/pack.toml", &manifest("base", ""));
    let catalog = catalog(root);
    let a = catalog.find("a", None, date("2020-01-01")).unwrap();
    let e = &catalog.resolve(a, None).unwrap_err()[0];
    assert_eq!(e.message, "extends cycle: `a` extends `b` extends `a`");
    assert_eq!(e.file.as_deref(), Some("rules/b/pack.toml"));
    assert_eq!((e.pos.line, e.pos.column), (5, 11));
    let c = catalog.find("c", None, date("2020-01-01")).unwrap();
    let e = &catalog.resolve(c, None).unwrap_err()[0];
    assert_eq!(e.code, Code::P014);
    assert_eq!(e.help.as_deref(), Some("did you mean `base`?"));
}

#[test]
fn the_digest_covers_exactly_the_files_the_loader_reads() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "base/pack.toml", &manifest("base", ""));
    write(root, "base/rules/R1.rhai", &rule("r", "note(\"x\");"));
    write(root, "base/lib/util.rhai", "fn one() { 1 }\n");
    write(root, "base/data/table.json", "{\"a\": 1}\n");
    write(root, "base/tests/t.json", "[]");
    write(root, "base/README.md", "readme");
    let digest_now = |root: &Path| {
        let catalog = Catalog::discover(root, "rules").unwrap();
        let index = catalog.find("base", None, date("2020-01-01")).unwrap();
        catalog
            .resolve(index, None)
            .unwrap()
            .identity
            .sha256
            .clone()
    };
    let first = digest_now(root);
    // Computed independently from the spec's byte format.
    let files = [
        "base/data/table.json",
        "base/lib/util.rhai",
        "base/pack.toml",
        "base/rules/R1.rhai",
    ];
    let bytes: Vec<Vec<u8>> = files
        .iter()
        .map(|f| fs::read(root.join(f)).unwrap())
        .collect();
    let mut entries: Vec<(String, &[u8])> = files
        .iter()
        .zip(&bytes)
        .map(|(f, b)| (f.to_string(), b.as_slice()))
        .collect();
    assert_eq!(first, digest(&mut entries));
    // Tests and README do not count; the folder name does not count.
    write(root, "base/tests/t.json", "[{}]");
    write(root, "base/README.md", "changed");
    assert_eq!(digest_now(root), first);
    fs::rename(root.join("base"), root.join("renamed")).unwrap();
    assert_eq!(digest_now(root), first);
    write(root, "renamed/data/table.json", "{\"a\": 2}\n");
    assert_ne!(digest_now(root), first);
}

#[test]
fn hidden_files_links_and_stray_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "p/pack.toml", &manifest("p", ""));
    write(root, "p/rules/.hidden.rhai", &rule("r", ""));
    write(root, "p/rules/notes.txt", "x");
    write(root, "p/data/bad-name.json", "{}");
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/hostname", root.join("p/lib.rhai")).unwrap();
    #[cfg(unix)]
    {
        fs::create_dir_all(root.join("p/lib")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.join("p/lib/link.rhai")).unwrap();
    }
    let catalog = catalog(root);
    let index = catalog.find("p", None, date("2020-01-01")).unwrap();
    let errors = catalog.resolve(index, None).unwrap_err();
    let messages: Vec<String> = errors
        .iter()
        .map(|e| format!("{} {}", e.file.clone().unwrap_or_default(), e.message))
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m == "rules/p/rules/.hidden.rhai hidden file in a pack"),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m == "rules/p/rules/notes.txt unexpected file in rules/"),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("data table name `bad-name`")),
        "{messages:?}"
    );
    #[cfg(unix)]
    assert!(
        messages
            .iter()
            .any(|m| m == "rules/p/lib/link.rhai symbolic link in a pack"),
        "{messages:?}"
    );
}

#[test]
fn imports_resolve_to_the_defining_packs_lib_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "base/pack.toml", &manifest("base", ""));
    write(root, "base/lib/names.rhai", "fn who() { \"base\" }\n");
    write(
        root,
        "base/rules/B.rhai",
        &rule("b", "import \"names\" as n;\nnote(n::who());"),
    );
    write(
        root,
        "kid/pack.toml",
        &manifest("kid", "country = \"ZZ\"\nextends = [\"base\"]\n"),
    );
    write(root, "kid/lib/names.rhai", "fn who() { \"kid\" }\n");
    write(
        root,
        "kid/rules/K.rhai",
        &rule("k", "import \"names\" as n;\nnote(n::who());"),
    );
    let catalog = catalog(root);
    let index = catalog.find("kid", None, date("2020-01-01")).unwrap();
    let resolved = catalog.resolve(index, None).unwrap();
    let findings = tcscreen_core::on_eval_stack(move || {
        let pack = CompiledPack::compile(&resolved, &EngineLimits::default()).unwrap();
        let request = ValidRequest::from_text(
            r#"{"id": "1", "country": "ZZ", "title": "t", "received": "2025-01-01"}"#,
            &RequestLimits::default(),
        )
        .unwrap();
        let screening = pack.screen(&request, request.received()).unwrap();
        screening
            .findings
            .iter()
            .map(|f| format!("{}={}", f.rule, f.message))
            .collect::<Vec<_>>()
    });
    assert_eq!(findings, ["base/B=base", "kid/K=kid"]);
}

#[test]
fn compiling_while_hashing_gives_the_same_pack_as_one_after_the_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let as_of = date("2025-03-04");
    let limits = EngineLimits::default();
    let sequential = Catalog::discover(&root, "rules").unwrap();
    let concurrent = Catalog::discover(&root, "rules").unwrap();
    for id in ["kh", "np", "af", "base"] {
        let index = sequential.find(id, None, as_of).unwrap();
        let expected = sequential.resolve(index, Some(as_of)).unwrap();
        assert!(concurrent.resolved(index, Some(as_of)).is_none());
        let (resolved, compiled) = concurrent
            .resolve_while(index, Some(as_of), |layers| {
                CompiledPack::compile_layers(layers, &limits)
            })
            .unwrap();
        assert_eq!(*resolved, *expected, "{id}");
        let compiled = compiled
            .unwrap_or_else(|e| panic!("{id}: {e:?}"))
            .identify(resolved.identity.clone(), resolved.chain.clone());
        let reference = CompiledPack::compile(&expected, &limits).unwrap();
        assert_eq!(compiled.identity(), reference.identity());
        assert_eq!(compiled.chain(), reference.chain());
        assert!(compiled.chain().iter().all(|p| p.sha256.len() == 64));
        let ids = |p: &CompiledPack| p.rules().iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&compiled), ids(&reference));
        // Resolved once: the second time comes from the cache, with the same layers.
        let cached = concurrent.resolved(index, Some(as_of)).unwrap();
        assert!(std::sync::Arc::ptr_eq(&cached, &resolved));
        let (again, rule_files) = concurrent
            .resolve_while(index, Some(as_of), |layers| {
                layers.iter().map(|l| l.rules.len()).sum::<usize>()
            })
            .unwrap();
        assert!(std::sync::Arc::ptr_eq(&again, &resolved));
        assert!(rule_files >= compiled.rules().len());
    }
}
