//! `tcscreen rule ID`: a rule's front matter, how packs adjust it, its source, and the tests
//! that cover it.

use crate::console::{errln, outln};
use std::collections::BTreeSet;

use tcscreen_core::{CompiledPack, suggest::did_you_mean};
use tcscreen_packs::testing::run_pack_tests;

use crate::Cli;
use crate::commands::{catalog, resolution_date};
use crate::exit::ExitStatus;
use tcscreen_service::escape::controls as esc;

/// Arguments of `rule`.
#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// The rule: its full id (`base/DL-03`), or its id alone if only one pack has it.
    #[arg(value_name = "ID")]
    pub id: String,
}

/// Run `rule`.
pub fn rule(cli: &Cli, args: &RuleArgs) -> ExitStatus {
    let Some(catalog) = catalog(cli) else {
        return ExitStatus::Error;
    };
    let limits = crate::engine_limits();
    let request_limits = crate::request_limits();
    let wanted =
        |full: &str| full == args.id || full.split_once('/').is_some_and(|(_, id)| id == args.id);
    let mut all_ids = BTreeSet::new();
    let mut shown_source = false;
    let mut users = Vec::new();
    for index in 0..catalog.entries().len() {
        let Ok(source) = catalog.source(index, resolution_date(&catalog, index)) else {
            continue;
        };
        let Ok(pack) = CompiledPack::compile(&source, &limits) else {
            continue;
        };
        let entry = catalog.entry(index);
        all_ids.extend(pack.rules().iter().map(|r| r.id.clone()));
        all_ids.extend(pack.disabled().iter().cloned());
        if let Some(full) = pack.disabled().iter().find(|r| wanted(r)) {
            users.push(format!(
                "{} {}: disabled ({full})",
                entry.manifest.id, entry.manifest.version
            ));
        }
        let Some(rule) = pack.rules().iter().find(|r| wanted(&r.id)) else {
            continue;
        };
        if !shown_source && rule.pack == entry.manifest.id {
            shown_source = true;
            let fm = &rule.front_matter;
            outln!("{}  {}", esc(&rule.id), esc(&fm.title));
            outln!("  criterion: {}", fm.criterion);
            outln!(
                "  policy:    {}",
                esc(fm.policy.as_deref().unwrap_or("(none)"))
            );
            for c in &rule.citations {
                let checked = if c.verified { "" } else { " [not verified]" };
                outln!("    from {}: {}{checked}", c.from, esc(&c.text));
            }
            outln!("  actor:     {}", rule.actor);
            if let Some(description) = &fm.description {
                outln!("  about:     {}", esc(description));
            }
            outln!("  file:      {}", esc(&rule.display));
            let text = source
                .layers
                .iter()
                .flat_map(|l| l.rules.iter())
                .find(|f| f.display == rule.display)
                .map(|f| f.text.clone())
                .unwrap_or_default();
            outln!();
            for line in text.trim_end().lines() {
                outln!("{}", esc(line));
            }
        }
        let adjusted = match (
            rule.outcome_override,
            rule.policy_override.is_some(),
            rule.title != rule.front_matter.title,
        ) {
            (None, false, false) => "as written".to_string(),
            (outcome, policy, title) => {
                let mut parts = Vec::new();
                if let Some(o) = outcome {
                    parts.push(format!("outcome {o}"));
                }
                if policy {
                    parts.push(format!(
                        "policy \"{}\"",
                        rule.policy_override.as_deref().unwrap_or_default()
                    ));
                }
                if title {
                    parts.push(format!("title \"{}\"", rule.title));
                }
                parts.join(", ")
            }
        };
        let report = run_pack_tests(&catalog, index, &limits, &request_limits);
        let covering: Vec<String> = report
            .cases
            .iter()
            .filter(|c| c.passed() && c.fired().contains(rule.id.as_str()))
            .map(|c| c.case.name.clone())
            .collect();
        let silent: Vec<String> = report
            .cases
            .iter()
            .filter(|c| c.passed() && c.case.silent.contains(&rule.id))
            .map(|c| c.case.name.clone())
            .collect();
        users.push(format!(
            "{} {}: {}",
            esc(&entry.manifest.id),
            esc(&entry.manifest.version),
            esc(&adjusted)
        ));
        for name in covering {
            users.push(format!("    fires in test: {}", esc(&name)));
        }
        for name in silent {
            users.push(format!("    silent in test: {}", esc(&name)));
        }
    }
    if users.is_empty() {
        errln!(
            "error: no rule `{}` under `{}`",
            esc(&args.id),
            catalog.root_display()
        );
        if let Some(close) = did_you_mean(&args.id, all_ids.iter().map(String::as_str)) {
            errln!("  help: did you mean `{close}`?");
        }
        return ExitStatus::Usage;
    }
    outln!("\nin packs:");
    for line in users {
        outln!("  {line}");
    }
    ExitStatus::Success
}
