//! `tcscreen new DIR --country XX [--extends base]`: scaffold a pack that passes
//! `check --deny-warnings` and `test` as written, for authors to adapt.

use crate::console::{errln, outln};
use std::path::{Path, PathBuf};

use tcscreen_core::{Json, JsonValue, canonical, json};

use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;

/// Arguments of `new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The folder to create (normally under the rules folder); its name becomes the pack id.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// The country the pack is for (ISO 3166-1 alpha-2, upper case).
    #[arg(long, value_name = "XX")]
    pub country: String,

    /// A pack to build on (for example `base`).
    #[arg(long, value_name = "PACK_ID")]
    pub extends: Option<String>,
}

const REQUEST: &str = include_str!("../scaffold/request.json");

fn manifest(id: &str, country: &str, extends: Option<&str>) -> String {
    let extends = extends.map_or_else(String::new, |p| format!("extends = [\"{p}\"]\n"));
    format!(
        r#"# A new pack for {country}, made by `tcscreen new`. It is a draft: replace the example rules
# and their sources with your country's own, then run
#   tcscreen check <this folder> --deny-warnings
#   tcscreen test <this folder> --coverage

[pack]
id = "{id}"
name = "{country} (draft)"
country = "{country}"
version = "0.1"
# illustrative = true         # say so while the pack is not the government's adopted policy
valid_from = "2020-12-31"     # the first screening date the pack applies to: the date of the policy it rests on
{extends}
[params]
# Advisers engaged for fewer months than this only get a note when they name no counterparts
# ({country}-03). No source gives the figure, so it may only make a finding milder; a figure a
# text gives is named in [param_sources] (`min_months_with_counterparts = "<source id>"`).
min_months_with_counterparts = 6

# Adjust an inherited rule: every revise or reject finding becomes this outcome, citing your text.
# [rules."base/EX-12"]
# outcome = "reject"
# policy = "your-regulation-art-3"

# The sources the rules cite by id in their `policy` line. `verified = true` once what the rule
# relies on was checked against the text; a rule citing an unverified source should only record
# notes. `country` marks your country's own policy; international texts have none.
[sources.example-national-plan]
title = "(example) National development plan, priority sectors"
issuer = "(example) Government of {country}"
date = "2020"
verified = false
country = "{country}"
note = "Replace with your national plan: its title, who adopted it, when, and the chapter listing priority sectors."

[sources.aaa-2008-14b]
title = "Accra Agenda for Action"
issuer = "Third High Level Forum on Aid Effectiveness, Accra"
date = "2008-09-04"
clause = "para 14(b): support for capacity development will be demand-driven and designed to support country ownership"
verified = true

[sources.eu-backbone-gp1]
title = "Reforming Technical Cooperation and Project Implementation Units: a Backbone Strategy"
issuer = "European Commission"
date = "2008-07"
clause = "guiding principle 1: the primary aim of technical co-operation is capacity development"
verified = true
"#
    )
}

fn rules(country: &str) -> Vec<(String, String)> {
    vec![
        (
            format!("rules/{country}-01.rhai"),
            format!(
                r#"//! id: {country}-01
//! title: The TC serves a priority sector of the national plan
//! criterion: policy_fit
//! policy: example-national-plan
//! actor: requester
//! description: Reads the data table data/priority_sectors.json through the lib/checks.rhai helper.
//!   A note only, while its source is an example that is not verified.

import "checks" as checks;

for (sector, i) in request.alignment.sectors {{
    if sector.code != () && !checks::listed(data.priority_sectors, sector.code) {{
        note(`Sector ${{sector.code}} is not among the priority sectors of the national plan: say which national objective the TC serves.`, `alignment.sectors[${{i}}].code`);
    }}
}}
"#
            ),
        ),
        (
            format!("rules/{country}-02.rhai"),
            format!(
                r#"//! id: {country}-02
//! title: The partner asked for the TC
//! criterion: demand_led
//! policy: aaa-2008-14b
//! actor: requester

let origin = request.origin;
if origin.initiated_by == "provider" && origin.request_letter.date == () {{
    reject("The TC was offered by the provider and the requesting institution has not asked for it: attach its request letter, or withdraw the offer.", "origin.request_letter");
}}
"#
            ),
        ),
        (
            format!("rules/{country}-03.rhai"),
            format!(
                r#"//! id: {country}-03
//! title: Long-term advisers work with named counterparts
//! criterion: exit
//! policy: eu-backbone-gp1
//! actor: requester

for (person, i) in request.personnel {{
    if person.months != () && person.counterparts.len() == 0 {{
        let message = `Name the counterparts of ${{person.id ?? "the adviser"}} (${{person.months}} months): advisers work with named counterparts.`;
        if person.months < params.min_months_with_counterparts {{
            note(message, `personnel[${{i}}].counterparts`);
        }} else {{
            revise(message, `personnel[${{i}}].counterparts`);
        }}
    }}
}}
"#
            ),
        ),
        (
            format!("rules/{country}-04.rhai"),
            format!(
                r#"//! id: {country}-04
//! title: The schedule ends after it starts
//! criterion: data
//! policy: none
//! actor: requester
//! description: A check of the request's own consistency, resting on no policy text.

let schedule = request.schedule;
if schedule.start != () && schedule.end != () && schedule.end <= schedule.start {{
    revise("The TC ends on or before it starts: correct the start or end date.", "schedule.end");
}}
"#
            ),
        ),
    ]
}

const LIB: &str = r#"// Helpers for this pack's rules. A lib/ function sees only its arguments: pass it what it needs.

/// Whether `key` is a key of `table` (a table from data/).
fn listed(table, key) {
    key in table
}
"#;

const DATA: &str = r#"{
  "15111": "Public finance management",
  "12110": "Health policy and administrative management",
  "11110": "Education policy and administrative management"
}
"#;

fn with(request: &Json, edit: impl Fn(&mut [tcscreen_core::json::Member])) -> Json {
    let mut copy = request.clone();
    if let JsonValue::Object(members) = &mut copy.value {
        edit(members);
    }
    copy
}

/// Set the value at an object path (keys only) of a request.
fn set(members: &mut [tcscreen_core::json::Member], path: &[&str], value: Json) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Some(member) = members.iter_mut().find(|m| m.key == *first) else {
        return;
    };
    if rest.is_empty() {
        member.value = value;
    } else if let JsonValue::Object(inner) = &mut member.value.value {
        set(inner, rest, value);
    }
}

fn tests(country: &str) -> Result<String, String> {
    let text = REQUEST.replace("{COUNTRY}", country);
    let request = json::parse(&text, json::JsonLimits::default())
        .map_err(|e| format!("scaffold request: {}", e[0].message))?;
    let full = |n: u32| Json::string(format!("{{PACK}}/{country}-0{n}"));
    let case = |name: &str, request: Json, decision: &str, fires: Vec<u32>, silent: Vec<u32>| {
        Json::object([
            ("name", Json::string(name)),
            (
                "expect",
                Json::object([
                    ("decision", Json::string(decision)),
                    ("fires", Json::array(fires.into_iter().map(full).collect())),
                    (
                        "silent",
                        Json::array(silent.into_iter().map(full).collect()),
                    ),
                ]),
            ),
            ("request", request),
        ])
    };
    let no_counterparts = with(&request, |m| {
        if let Some(personnel) = m.iter_mut().find(|x| x.key == "personnel")
            && let JsonValue::Array(items) = &mut personnel.value.value
            && let Some(JsonValue::Object(first)) = items.first_mut().map(|i| &mut i.value)
        {
            set(first, &["counterparts"], Json::array(vec![]));
        }
    });
    let offered = with(&request, |m| {
        set(m, &["origin", "initiated_by"], Json::string("provider"));
        set(m, &["origin", "request_letter"], Json::null());
    });
    let other_sector = with(&request, |m| {
        if let Some(alignment) = m.iter_mut().find(|x| x.key == "alignment")
            && let JsonValue::Object(inner) = &mut alignment.value.value
        {
            set(
                inner,
                &["sectors"],
                json::parse(
                    r#"[{"code": "31120", "share": 100}]"#,
                    json::JsonLimits::default(),
                )
                .unwrap_or_else(|_| Json::array(vec![])),
            );
        }
    });
    let backwards = with(&request, |m| {
        set(m, &["schedule", "end"], Json::string("2025-01-31"))
    });
    let cases = Json::array(vec![
        case(
            "a complete, demand-led request is accepted",
            request.clone(),
            "accept",
            vec![],
            vec![1, 2, 3, 4],
        ),
        case(
            "an adviser without counterparts must be revised",
            no_counterparts,
            "revise",
            vec![3],
            vec![1, 2, 4],
        ),
        case(
            "a provider's offer nobody asked for is rejected",
            offered,
            "reject",
            vec![2],
            vec![1, 3, 4],
        ),
        case(
            "a sector outside the plan is noted, not refused",
            other_sector,
            "accept",
            vec![1],
            vec![2, 3, 4],
        ),
        case(
            "a schedule that ends before it starts must be revised",
            backwards,
            "revise",
            vec![4],
            vec![1, 2, 3],
        ),
    ]);
    let mut text = String::new();
    write_pretty(&cases, 0, &mut text);
    Ok(text)
}

/// JSON for people to edit: one member or item a line, indented by two spaces, in the order
/// built (name and expectation before the request).
fn write_pretty(value: &Json, indent: usize, out: &mut String) {
    let newline = |out: &mut String, indent: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', indent));
    };
    match &value.value {
        JsonValue::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent + 2);
                write_pretty(item, indent + 2, out);
            }
            newline(out, indent);
            out.push(']');
        }
        JsonValue::Object(members) if !members.is_empty() => {
            out.push('{');
            for (i, member) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent + 2);
                canonical::write_string(&member.key, out);
                out.push_str(": ");
                write_pretty(&member.value, indent + 2, out);
            }
            newline(out, indent);
            out.push('}');
        }
        _ => canonical::write_value(value, out),
    }
}

fn readme(id: &str, country: &str, extends: Option<&str>) -> String {
    let parent = extends.map_or_else(String::new, |p| format!(" It builds on the `{p}` pack: its rules, params and data are inherited, and can be adjusted in `pack.toml`."));
    format!(
        r#"# {country} (draft)

Pack `{id}` for requests from {country}, made by `tcscreen new`.{parent} The four example rules
show one rule per criterion; replace them, and the sources their `policy` lines cite (the
`[sources]` entries of `pack.toml`), with your country's own.

| file | what it is |
|---|---|
| `pack.toml` | id, country, version, validity, parents, params, adjustments of inherited rules |
| `rules/*.rhai` | one rule per file, with `//!` front matter (title, criterion, policy) |
| `lib/checks.rhai` | helper functions for this pack's rules (`import "checks" as checks;`) |
| `data/priority_sectors.json` | a table the rules read as `data.priority_sectors` |
| `tests/cases.json` | test cases: a request and the expected decision, rules that fire and stay silent |

Check and test after every change:

```sh
tcscreen check {id} --deny-warnings
tcscreen test {id} --coverage
```
"#
    )
}

fn write(root: &Path, files: &[(String, String)]) -> std::io::Result<()> {
    for (path, text) in files {
        let target = root.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, text)?;
    }
    Ok(())
}

/// Run `new`.
pub fn new(_cli: &GlobalArgs, args: &NewArgs) -> ExitStatus {
    let country = args.country.trim().to_string();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        errln!(
            "error: --country `{country}` is not an ISO 3166-1 alpha-2 code in upper case, like `KH`"
        );
        return ExitStatus::Usage;
    }
    if args.dir.exists()
        && std::fs::read_dir(&args.dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        errln!(
            "error: {} already exists and is not empty",
            args.dir.display()
        );
        return ExitStatus::Usage;
    }
    let name = args
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if id.is_empty() {
        errln!("error: cannot make a pack id from {}", args.dir.display());
        return ExitStatus::Usage;
    }
    let tests = match tests(&country) {
        Ok(tests) => tests.replace("{PACK}", &id),
        Err(e) => {
            errln!("error: {e}");
            return ExitStatus::Error;
        }
    };
    let mut files = vec![
        (
            "pack.toml".to_string(),
            manifest(&id, &country, args.extends.as_deref()),
        ),
        ("lib/checks.rhai".to_string(), LIB.to_string()),
        ("data/priority_sectors.json".to_string(), DATA.to_string()),
        ("tests/cases.json".to_string(), tests + "\n"),
        (
            "README.md".to_string(),
            readme(&id, &country, args.extends.as_deref()),
        ),
    ];
    files.extend(rules(&country));
    if let Err(e) = write(&args.dir, &files) {
        errln!("error: cannot write {}: {e}", args.dir.display());
        return ExitStatus::Error;
    }
    outln!(
        "created pack `{id}` for {country} in {}",
        args.dir.display()
    );
    outln!(
        "next:\n  tcscreen check {} --deny-warnings\n  tcscreen test {} --coverage",
        args.dir.display(),
        args.dir.display()
    );
    ExitStatus::Success
}
