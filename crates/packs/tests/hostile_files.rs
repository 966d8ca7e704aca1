//! Hostile files in and around packs: a manifest swapped between loading phases, links, named
//! pipes, devices and oversized files. The loader reads each file once, opens only regular
//! files of bounded size, and never hangs or follows a link.

use std::fs;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use tcscreen_core::{CompiledPack, Date, EngineLimits, RequestLimits, ValidRequest, Value};
use tcscreen_packs::read::{MAX_FILE_BYTES, MAX_PACK_BYTES};
use tcscreen_packs::signature::{self, TrustedKeys};
use tcscreen_packs::{Catalog, digest};

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// Run `f`, failing (instead of hanging the suite) if it has not returned after a minute: a
/// loader that opens a named pipe blocks for ever.
fn without_hanging<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the loader hung (it opened a named pipe, or read without end)")
}

const SIGNED: &str =
    "[pack]\nid = \"p\"\nname = \"p\"\ncountry = \"ZZ\"\nversion = \"1\"\n\n[params]\nlimit = 6\n";
const EDITED: &str = "[pack]\nid = \"p\"\nname = \"p\"\ncountry = \"ZZ\"\nversion = \"1\"\n\n[params]\nlimit = 99\n\n[rules.\"p/GUARD\"]\ndisabled = true\n";
const GUARD: &str = "//! title: guard\n//! criterion: data\nreject(`limit ${params.limit}`);\n";

/// The digest of pack `p` with this manifest and the guard rule, computed independently.
fn digest_with(manifest: &str) -> String {
    let mut entries: Vec<(String, &[u8])> = vec![
        ("p/pack.toml".into(), manifest.as_bytes()),
        ("p/rules/GUARD.rhai".into(), GUARD.as_bytes()),
    ];
    digest(&mut entries)
}

fn limit_param(resolved: &tcscreen_core::ResolvedPack) -> Value {
    resolved.layers.last().unwrap().params["limit"].clone()
}

#[test]
fn a_manifest_swapped_between_discovery_and_resolution_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "p/rules/GUARD.rhai", GUARD.as_bytes());

    // Discovery reads the edited manifest; the signed one is renamed over it before the rest
    // of the pack is read. What runs (the edited params, the guard disabled) must be what the
    // digest covers, so the signature of the other manifest cannot vouch for it.
    write(root, "p/pack.toml", EDITED.as_bytes());
    let catalog = Catalog::discover(root, "rules").unwrap();
    write(root, "p/pack.toml", SIGNED.as_bytes());
    let index = catalog.find("p", None, date("2025-01-01")).unwrap();
    let resolved = catalog.resolve(index, None).unwrap();
    assert_eq!(limit_param(&resolved), Value::Int(99));
    assert_eq!(resolved.identity.sha256, digest_with(EDITED));
    assert_ne!(resolved.identity.sha256, digest_with(SIGNED));

    // The other way round: the signed manifest is discovered, the edited one swapped in.
    let catalog = Catalog::discover(root, "rules").unwrap();
    write(root, "p/pack.toml", EDITED.as_bytes());
    let index = catalog.find("p", None, date("2025-01-01")).unwrap();
    let resolved = catalog.resolve(index, None).unwrap();
    assert_eq!(limit_param(&resolved), Value::Int(6));
    assert_eq!(resolved.identity.sha256, digest_with(SIGNED));
}

#[test]
fn a_signature_vouches_only_for_the_snapshot_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let key = SigningKey::from_bytes(&[11; 32]);
    let keys = root.join("keys");
    fs::create_dir(&keys).unwrap();
    fs::write(
        keys.join("unit.pub"),
        signature::public_key_text(&key.verifying_key()),
    )
    .unwrap();
    let trust = TrustedKeys::load(&keys).unwrap();
    let rules = root.join("rules");
    write(&rules, "p/rules/GUARD.rhai", GUARD.as_bytes());
    write(&rules, "p/pack.toml", SIGNED.as_bytes());
    let signed = {
        let catalog = Catalog::discover(&rules, "rules").unwrap();
        catalog.resolve(0, None).unwrap().identity.clone()
    };
    write(
        &rules,
        "p/pack.sig",
        signature::sign(&signed, &key).as_bytes(),
    );

    // Edited manifest discovered, signed one swapped back before the files are read: refused.
    write(&rules, "p/pack.toml", EDITED.as_bytes());
    let catalog = Catalog::discover(&rules, "rules").unwrap();
    write(&rules, "p/pack.toml", SIGNED.as_bytes());
    let resolved = catalog.resolve(0, None).unwrap();
    let files = catalog.files(0).unwrap();
    let refused = trust
        .verify(catalog.entry(0), &files, &resolved.identity)
        .unwrap_err();
    assert!(
        refused.message.contains("it changed after signing"),
        "{refused}"
    );

    // Signed manifest discovered, edited one swapped in: accepted, and what runs is the signed
    // pack (the guard rejects with the signed limit).
    let catalog = Catalog::discover(&rules, "rules").unwrap();
    write(&rules, "p/pack.toml", EDITED.as_bytes());
    let resolved = catalog.resolve(0, None).unwrap();
    let files = catalog.files(0).unwrap();
    trust
        .verify(catalog.entry(0), &files, &resolved.identity)
        .unwrap();
    // A pack.sig replaced after the snapshot changes nothing either.
    fs::remove_file(rules.join("p/pack.sig")).unwrap();
    assert!(
        trust
            .verify(
                catalog.entry(0),
                &catalog.files(0).unwrap(),
                &resolved.identity
            )
            .is_ok()
    );
    let messages = tcscreen_core::on_eval_stack(move || {
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
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
    });
    assert_eq!(messages, ["limit 6"]);
}

/// The problems of loading pack `p` under `root`, as "file code message".
fn load_problems(root: &Path) -> Vec<String> {
    let root = root.to_path_buf();
    without_hanging(move || {
        let catalog = Catalog::discover(&root, "rules").unwrap();
        let mut problems: Vec<_> = catalog.problems().to_vec();
        if let Ok(index) = catalog.find("p", None, date("2025-01-01")) {
            problems.extend(catalog.resolve(index, None).err().unwrap_or_default());
        }
        problems
            .iter()
            .map(|d| {
                format!(
                    "{} {} {}",
                    d.file.as_deref().unwrap_or("-"),
                    d.code,
                    d.message
                )
            })
            .collect()
    })
}

#[track_caller]
fn has(problems: &[String], expected: &str) {
    assert!(
        problems.iter().any(|p| p.starts_with(expected)),
        "no problem starting {expected:?} in {problems:#?}"
    );
}

#[test]
fn oversized_files_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "p/pack.toml", SIGNED.as_bytes());
    // Sparse: they take no disk space, and a loader that read them would read zeros.
    fs::create_dir_all(root.join("p/rules")).unwrap();
    let huge = fs::File::create(root.join("p/rules/BIG.rhai")).unwrap();
    huge.set_len(MAX_FILE_BYTES + 1).unwrap();
    let problems = load_problems(root);
    has(
        &problems,
        &format!(
            "rules/p/rules/BIG.rhai P017 file too large: it is {} bytes, more than the limit of {MAX_FILE_BYTES} bytes",
            MAX_FILE_BYTES + 1
        ),
    );

    // Files each within the limit, together beyond the pack's.
    fs::remove_file(root.join("p/rules/BIG.rhai")).unwrap();
    fs::create_dir_all(root.join("p/data")).unwrap();
    let count = MAX_PACK_BYTES / MAX_FILE_BYTES + 1;
    for i in 0..count {
        let table = fs::File::create(root.join(format!("p/data/t{i}.json"))).unwrap();
        table.set_len(MAX_FILE_BYTES).unwrap();
    }
    let problems = load_problems(root);
    has(
        &problems,
        &format!("rules/p/data/t{}.json P017 pack too large", count - 1),
    );
    assert!(
        problems.iter().all(|p| !p.contains("P009")),
        "nothing was parsed: {problems:#?}"
    );

    // An oversized manifest is refused at discovery.
    let manifest = fs::File::create(root.join("p/pack.toml")).unwrap();
    manifest.set_len(MAX_FILE_BYTES + 1).unwrap();
    has(
        &load_problems(root),
        "rules/p/pack.toml P017 file too large",
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn named_pipes_are_refused_without_being_opened_for_reading() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "p/pack.toml", SIGNED.as_bytes());
    write(root, "p/rules/GUARD.rhai", GUARD.as_bytes());
    mkfifo(&root.join("p/rules/F.rhai"));
    has(
        &load_problems(root),
        "rules/p/rules/F.rhai P016 not a regular file: it is a named pipe (FIFO)",
    );
    fs::remove_file(root.join("p/rules/F.rhai")).unwrap();

    mkfifo(&root.join("p/pack.sig"));
    has(
        &load_problems(root),
        "rules/p/pack.sig P016 not a regular file: it is a named pipe (FIFO)",
    );
    fs::remove_file(root.join("p/pack.sig")).unwrap();

    fs::remove_file(root.join("p/pack.toml")).unwrap();
    mkfifo(&root.join("p/pack.toml"));
    has(
        &load_problems(root),
        "rules/p/pack.toml P016 not a regular file: it is a named pipe (FIFO)",
    );

    // A trusted key that is a named pipe.
    let keys = root.join("keys");
    mkfifo(&keys.join("unit.pub"));
    let error = without_hanging(move || TrustedKeys::load(&keys).unwrap_err());
    assert_eq!(error.code, tcscreen_core::Code::S001);
    assert!(error.message.contains("named pipe"), "{error}");
}

#[cfg(unix)]
#[test]
fn links_are_refused_and_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "p/pack.toml", SIGNED.as_bytes());
    fs::create_dir_all(root.join("p/lib")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("p/lib/zero.rhai")).unwrap();
    let problems = load_problems(root);
    has(
        &problems,
        "rules/p/lib/zero.rhai P006 symbolic link in a pack",
    );
    fs::remove_file(root.join("p/lib/zero.rhai")).unwrap();

    // A manifest that is a link makes a pack that is reported, not a folder silently skipped.
    write(root, "elsewhere.toml", SIGNED.as_bytes());
    fs::remove_file(root.join("p/pack.toml")).unwrap();
    std::os::unix::fs::symlink(root.join("elsewhere.toml"), root.join("p/pack.toml")).unwrap();
    has(
        &load_problems(root),
        "rules/p/pack.toml P006 symbolic link in a pack",
    );
}
