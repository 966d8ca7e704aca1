//! The shape of the code, kept as issue 13 left it: no function longer than 120 lines outside
//! tests, and no cycle between the modules of a crate (a module that uses another is never
//! used by it, directly or through others). Both are read from the source text of every
//! crate under `crates/`: comments, strings and test modules are left out.
//!
//! Also what docs/architecture.md promises that the tree can show: the crates depend on each
//! other only in the direction the guide states, and core's sources (outside tests) read no
//! clock and do no I/O.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FUNCTION_LINES: usize = 120;

fn crates() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut crates: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    crates.sort();
    crates
}

/// Every `.rs` file under `dir`, but not under a `tests` folder.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tests") {
                out.extend(sources(&path));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The text with comments, string and character literals blanked (line breaks kept), and
/// `#[cfg(test)]` items blanked too.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let blank = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.extend(bytes.iter().map(|&c| if c == b'\n' { b'\n' } else { b' ' }));
    };
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let after_ident = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        let end = if rest.starts_with(b"//") {
            i + rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len())
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            let mut j = i;
            while j < b.len() {
                if b[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if b[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            j
        } else if !after_ident && raw_string_start(rest).is_some() {
            let (open, hashes) = raw_string_start(rest).unwrap_or((0, 0));
            let mut close = vec![b'"'];
            close.extend(std::iter::repeat_n(b'#', hashes));
            let body = i + open;
            body + b[body..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(b.len() - body, |p| p + close.len())
        } else if rest[0] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            j + 1
        } else if rest[0] == b'\'' && char_literal_len(rest).is_some() {
            i + char_literal_len(rest).unwrap_or(1)
        } else {
            out.push(b[i]);
            i += 1;
            continue;
        };
        let end = end.min(b.len());
        blank(&mut out, &b[i..end]);
        i = end;
    }
    let mut code = String::from_utf8_lossy(&out).into_owned();
    while let Some(at) = code.find("#[cfg(test)]") {
        let end = item_end(&code, at);
        let blanked: String = code[at..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        code.replace_range(at..end, &blanked);
    }
    code
}

/// `r"`, `r#"`, `br"`…: the length of the opening and the number of `#`.
fn raw_string_start(rest: &[u8]) -> Option<(usize, usize)> {
    let after_b = rest.strip_prefix(b"b").unwrap_or(rest);
    let after_r = after_b.strip_prefix(b"r")?;
    let hashes = after_r.iter().take_while(|&&c| c == b'#').count();
    (after_r.get(hashes) == Some(&b'"'))
        .then_some((rest.len() - after_r.len() + hashes + 1, hashes))
}

/// The length of a character literal at the start of `rest` (`'a'`, `'\n'`, `'\u{1F600}'`),
/// or `None` for a lifetime.
fn char_literal_len(rest: &[u8]) -> Option<usize> {
    if rest.get(1) == Some(&b'\\') {
        return rest[2..].iter().position(|&c| c == b'\'').map(|p| p + 3);
    }
    let text = std::str::from_utf8(&rest[1..rest.len().min(6)])
        .unwrap_or_else(|e| std::str::from_utf8(&rest[1..1 + e.valid_up_to()]).unwrap_or_default());
    let c = text.chars().next()?;
    (text[c.len_utf8()..].starts_with('\'')).then_some(c.len_utf8() + 2)
}

/// The end of the item starting at `at`: after its `{ … }` block, or its `;`.
fn item_end(code: &str, at: usize) -> usize {
    let bytes = code.as_bytes();
    let mut depth = 0;
    for (i, &c) in bytes.iter().enumerate().skip(at) {
        match c {
            b';' if depth == 0 => return i + 1,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    bytes.len()
}

/// Every function with a body: (name, first line, number of lines).
fn functions(code: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(found) = code[from..].find("fn ") {
        let at = from + found;
        from = at + 3;
        if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
            continue;
        }
        let name: String = code[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        let Some(open) = code[at..].find(['{', ';']).map(|p| at + p) else {
            continue;
        };
        if bytes[open] == b';' {
            continue;
        }
        let end = item_end(code, open);
        let first = code[..at].matches('\n').count() + 1;
        let last = code[..end].matches('\n').count() + 1;
        out.push((name, first, last - first + 1));
    }
    out
}

#[test]
fn no_function_is_longer_than_120_lines_outside_tests() {
    let mut long = Vec::new();
    let mut seen = 0;
    for krate in crates() {
        for file in sources(&krate) {
            let code = code_only(&std::fs::read_to_string(&file).unwrap());
            for (name, line, lines) in functions(&code) {
                seen += 1;
                if lines > MAX_FUNCTION_LINES {
                    long.push(format!(
                        "{}:{line} `{name}` ({lines} lines)",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(
        seen > 500,
        "only {seen} functions found: the scanner is broken"
    );
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines; split them into pieces with names of their own:\n{}",
        long.join("\n")
    );
}

/// The crate's modules (top-level files and folders of `src/`) and the ones each uses.
fn module_uses(krate: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let src = krate.join("src");
    let mut files: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for file in sources(&src) {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if top != "lib" && top != "main" && top != "bin" {
            files.entry(top).or_default().push(file);
        }
    }
    let names: BTreeSet<String> = files.keys().cloned().collect();
    let mut uses = BTreeMap::new();
    for (module, paths) in &files {
        let mut used = BTreeSet::new();
        for path in paths {
            let code = code_only(&std::fs::read_to_string(path).unwrap());
            for (at, _) in code.match_indices("crate::") {
                let rest = &code[at + "crate::".len()..];
                let mut candidates = vec![rest];
                if let Some(group) = rest.strip_prefix('{') {
                    candidates = group[..group.find('}').unwrap_or(0)].split(',').collect();
                }
                for candidate in candidates {
                    let name: String = candidate
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if names.contains(&name) && &name != module {
                        used.insert(name);
                    }
                }
            }
        }
        uses.insert(module.clone(), used);
    }
    uses
}

/// A cycle through `start`, if there is one.
fn cycle_from(uses: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_string(), vec![start.to_string()])];
    let mut visited = BTreeSet::new();
    while let Some((module, path)) = stack.pop() {
        for next in uses.get(&module).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(start.to_string());
                return Some(cycle);
            }
            if visited.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn no_crate_has_a_module_cycle() {
    let mut cycles = Vec::new();
    let mut modules = 0;
    for krate in crates() {
        let uses = module_uses(&krate);
        modules += uses.len();
        for module in uses.keys() {
            if let Some(cycle) = cycle_from(&uses, module) {
                cycles.push(format!("{}: {}", krate.display(), cycle.join(" -> ")));
            }
        }
    }
    assert!(
        modules > 40,
        "only {modules} modules found: the scanner is broken"
    );
    assert!(
        cycles.is_empty(),
        "modules that use each other; move what both need into a module of its own:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_scanner_sees_through_comments_strings_and_test_modules() {
    let code = code_only(
        "fn a() { let s = \"fn b() { }\"; let r = r#\"crate::x \"}\"#; let c = '{'; }\n\
         // fn c() {}\n\
         fn d<'a>(x: &'a str) -> &'a str { x }\n\
         #[cfg(test)]\n\
         mod tests { fn e() {} }\n",
    );
    let names: Vec<String> = functions(&code).into_iter().map(|f| f.0).collect();
    assert_eq!(names, ["a", "d"]);
    assert!(!code.contains("crate::x"));
    let long = format!("fn f() {{\n{}}}\n", "    x();\n".repeat(130));
    assert_eq!(functions(&code_only(&long))[0].2, 132);
}

/// The layered crates in the order docs/architecture.md gives them (`core` ← `packs` ← …): each
/// may depend only on those before it.
fn layers_in_the_guide() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let guide = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
    let line = guide
        .lines()
        .find(|l| l.starts_with("Dependencies point one way:"))
        .expect("docs/architecture.md states the direction of the crates' dependencies");
    let chain = line.split(':').nth(1).unwrap().split('(').next().unwrap();
    chain
        .split('←')
        .map(|name| name.trim().trim_matches('`').to_string())
        .collect()
}

/// The `tcscreen-*` crates a manifest depends on, in any dependency table, by table.
fn tcscreen_dependencies(manifest: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let value: toml::Table = toml::from_str(&text).unwrap();
    let mut out = Vec::new();
    for table in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(deps) = value.get(table).and_then(toml::Value::as_table) else {
            continue;
        };
        for name in deps.keys() {
            if let Some(layer) = name.strip_prefix("tcscreen-") {
                out.push((table.to_string(), layer.to_string()));
            }
        }
    }
    out
}

/// The crate's name without `tcscreen-` (the CLI's package is `tcscreen`).
fn layer_name(manifest: &Path) -> String {
    let value: toml::Table = toml::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    let name = value["package"]["name"].as_str().unwrap();
    name.strip_prefix("tcscreen-").unwrap_or("cli").to_string()
}

#[test]
fn crates_depend_on_each_other_only_as_the_architecture_guide_says() {
    let layers = layers_in_the_guide();
    assert_eq!(layers, ["core", "packs", "service", "server", "cli"]);
    let mut checked = 0;
    let mut wrong = Vec::new();
    for krate in crates() {
        let manifest = krate.join("Cargo.toml");
        let name = layer_name(&manifest);
        let Some(rank) = layers.iter().position(|l| *l == name) else {
            continue; // bench: tooling, outside the layers
        };
        checked += 1;
        for (table, dependency) in tcscreen_dependencies(&manifest) {
            let allowed = layers[..rank].contains(&dependency);
            if !allowed {
                wrong.push(format!("{name} [{table}] depends on {dependency}"));
            }
        }
    }
    assert_eq!(checked, layers.len(), "a crate of the guide is missing");
    assert!(
        wrong.is_empty(),
        "dependencies against the direction of docs/architecture.md ({}):\n{}",
        layers.join(" <- "),
        wrong.join("\n")
    );
}

/// What core's code (outside tests) must not name: it reads no clock and does no I/O (the
/// service passes a clock and a memory gauge in through `EngineLimits`).
const NOT_IN_CORE: &[&str] = &[
    "Instant::now",
    "SystemTime",
    "std::fs",
    "std::net",
    "std::env",
    "std::io",
    "std::process",
];

#[test]
fn core_reads_no_clock_and_does_no_io() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src");
    let files = sources(&core);
    assert!(files.len() > 20, "only {} core files found", files.len());
    let mut found = Vec::new();
    for file in files {
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        for (number, line) in code.lines().enumerate() {
            for name in NOT_IN_CORE.iter().filter(|name| line.contains(*name)) {
                found.push(format!("{}:{}: `{name}`", file.display(), number + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "core must read no clock and do no I/O (pass it in, as `EngineLimits::clock` is):\n{}",
        found.join("\n")
    );
}
