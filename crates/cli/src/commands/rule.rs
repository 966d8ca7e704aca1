//! `tcscreen rule ID`: a rule's front matter, how packs adjust it, its source, and the tests
//! that cover it (gathered by `tcscreen_service::listing::rule`).

use tcscreen_service::Packs;
use tcscreen_service::escape::controls as esc;
use tcscreen_service::listing::{self, RuleText, RuleUse};

use crate::console::{errln, outln};
use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;
use crate::rules_folder::catalog;

/// Arguments of `rule`.
#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// The rule: its full id (`base/DL-03`), or its id alone if only one pack has it.
    #[arg(value_name = "ID")]
    pub id: String,
}

/// Run `rule`.
pub fn rule(cli: &GlobalArgs, args: &RuleArgs) -> ExitStatus {
    let Some(catalog) = catalog(cli) else {
        return ExitStatus::Error;
    };
    let packs = Packs::from_catalog(catalog);
    let info = listing::rule(&packs, &args.id);
    if info.uses.is_empty() {
        errln!(
            "error: no rule `{}` under `{}`",
            esc(&args.id),
            packs.catalog().root_display()
        );
        match info.suggestion(&args.id) {
            Some(close) => errln!("  help: did you mean `{}`?", esc(&close)),
            None => errln!(
                "  help: a rule's id is `PACK/ID`, such as base/DL-03; `tcscreen packs` lists the packs"
            ),
        }
        return ExitStatus::Usage;
    }
    let ambiguous = info.ambiguous(&args.id);
    if !ambiguous.is_empty() {
        errln!(
            "error: several packs have a rule `{}`: {}",
            esc(&args.id),
            esc(&ambiguous.join(", "))
        );
        errln!("  help: give the full id, such as `{}`", esc(ambiguous[0]));
        return ExitStatus::Usage;
    }
    if let Some(text) = &info.text {
        print_text(text);
    }
    outln!("\nin packs:");
    for used in &info.uses {
        print_use(used);
    }
    ExitStatus::Success
}

fn print_text(rule: &RuleText) {
    outln!("{}  {}", esc(&rule.id), esc(&rule.title));
    outln!("  criterion: {}", rule.criterion);
    outln!(
        "  policy:    {}",
        esc(rule.policy.as_deref().unwrap_or("(none)"))
    );
    for c in &rule.citations {
        let checked = if c.verified { "" } else { " [not verified]" };
        outln!("    from {}: {}{checked}", c.from, esc(&c.text));
    }
    outln!("  actor:     {}", rule.actor);
    if let Some(description) = &rule.description {
        outln!("  about:     {}", esc(description));
    }
    outln!("  file:      {}", esc(&rule.file));
    outln!();
    for line in rule.text.trim_end().lines() {
        outln!("{}", esc(line));
    }
}

fn print_use(used: &RuleUse) {
    if used.disabled {
        outln!("  {} {}: {}", used.pack, used.version, used.adjusted);
        return;
    }
    outln!(
        "  {} {}: {}",
        esc(&used.pack),
        esc(&used.version),
        esc(&used.adjusted)
    );
    for name in &used.fires_in {
        outln!("      fires in test: {}", esc(name));
    }
    for name in &used.silent_in {
        outln!("      silent in test: {}", esc(name));
    }
}
