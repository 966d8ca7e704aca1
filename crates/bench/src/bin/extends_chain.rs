//! `extends_chain DIR [GENERATIONS] [RULES] [LEAVES]`: write a rules folder to DIR (which must
//! not exist) with a chain of packs `p0` … `p{GENERATIONS-1}`, each extending the one before,
//! with RULES rules each, and LEAVES packs `leaf0` … extending the last with one rule each
//! (defaults 16, 30, 200: the case of issue 18 item 5). Every rule cites an unverified source,
//! so `check` reports each rule of each pack's chain. Deterministic. See docs/performance.md.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: extends_chain DIR [GENERATIONS] [RULES] [LEAVES]";

fn rule(name: &str) -> String {
    format!(
        "//! title: Rule {name}\n//! criterion: policy_fit\n//! policy: s1\nlet n = 0; for p in request.personnel {{ if p.id == \"adviser\" {{ n += 1; }} }} if n > 3 {{ revise(\"Too many advisers: {name}.\", \"personnel\"); }}\n"
    )
}

fn pack(root: &Path, id: &str, parent: Option<&str>, rules: &[String]) -> std::io::Result<()> {
    let dir = root.join(id);
    fs::create_dir_all(dir.join("rules"))?;
    let extends = parent.map_or(String::new(), |p| format!("extends = [\"{p}\"]\n"));
    fs::write(
        dir.join("pack.toml"),
        format!(
            "[pack]\nid = \"{id}\"\nname = \"Pack {id}\"\nversion = \"1.0\"\n{extends}\n[sources.s1]\ntitle = \"Source one\"\nissuer = \"Issuer\"\ndate = \"2020-01-01\"\nverified = false\n"
        ),
    )?;
    for name in rules {
        fs::write(dir.join("rules").join(format!("{name}.rhai")), rule(name))?;
    }
    Ok(())
}

fn write(root: &Path, generations: usize, rules: usize, leaves: usize) -> std::io::Result<()> {
    let names: Vec<String> = (0..rules).map(|i| format!("R{i:02}")).collect();
    for g in 0..generations {
        let parent = g.checked_sub(1).map(|p| format!("p{p}"));
        pack(root, &format!("p{g}"), parent.as_deref(), &names)?;
    }
    let tip = generations.checked_sub(1).map(|t| format!("p{t}"));
    for l in 0..leaves {
        pack(
            root,
            &format!("leaf{l}"),
            tip.as_deref(),
            &["L01".to_string()],
        )?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: usize| {
        args.get(i).map_or(Ok(default), |v| {
            v.parse::<usize>().map_err(|e| format!("{v}: {e}"))
        })
    };
    let parsed = match (args.first(), number(1, 16), number(2, 30), number(3, 200)) {
        (Some(dir), Ok(g), Ok(r), Ok(l)) if args.len() <= 4 => Ok((dir.clone(), g, r, l)),
        (_, Err(e), _, _) | (_, _, Err(e), _) | (_, _, _, Err(e)) => Err(e),
        _ => Err(USAGE.to_string()),
    };
    let (dir, generations, rules, leaves) = match parsed {
        Ok(p) => p,
        Err(e) => {
            eprintln!("extends_chain: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = Path::new(&dir);
    if root.exists() {
        eprintln!("extends_chain: {dir} exists; give a new folder");
        return ExitCode::from(2);
    }
    match write(root, generations, rules, leaves) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("extends_chain: writing {dir}: {e}");
            ExitCode::FAILURE
        }
    }
}
