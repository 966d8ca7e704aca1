//! `tcscreen rule ID`: a rule's front matter, how packs adjust it, its source, and the tests
//! that cover it (gathered by `tcscreen_service::listing::rule`).

use crate::console::{errln, outln};

use tcscreen_service::Packs;
use tcscreen_service::listing::{self, RuleUse};

use crate::Cli;
use crate::commands::catalog;
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
    let root = catalog.root_display().to_string();
    let packs = Packs::from_catalog(catalog);
    let info = match listing::rule(&packs, &args.id) {
        Ok(info) => info,
        Err(missing) => {
            errln!("error: no rule `{}` under `{root}`", esc(&args.id));
            if let Some(close) = missing.did_you_mean {
                errln!("  help: did you mean `{close}`?");
            }
            return ExitStatus::Usage;
        }
    };
    if let Some(d) = &info.definition {
        outln!("{}  {}", esc(&d.id), esc(&d.title));
        outln!("  criterion: {}", d.criterion);
        outln!(
            "  policy:    {}",
            esc(d.policy.as_deref().unwrap_or("(none)"))
        );
        for c in &d.citations {
            let checked = if c.verified { "" } else { " [not verified]" };
            outln!("    from {}: {}{checked}", c.from, esc(&c.text));
        }
        outln!("  actor:     {}", d.actor);
        if let Some(description) = &d.description {
            outln!("  about:     {}", esc(description));
        }
        outln!("  file:      {}", esc(&d.file));
        outln!();
        for line in d.text.trim_end().lines() {
            outln!("{}", esc(line));
        }
    }
    outln!("\nin packs:");
    for usage in &info.uses {
        match usage {
            RuleUse::Disabled {
                pack,
                version,
                rule,
            } => outln!("  {pack} {version}: disabled ({rule})"),
            RuleUse::Runs {
                pack,
                version,
                adjusted,
                fires_in,
                silent_in,
            } => {
                outln!("  {} {}: {}", esc(pack), esc(version), esc(adjusted));
                for name in fires_in {
                    outln!("      fires in test: {}", esc(name));
                }
                for name in silent_in {
                    outln!("      silent in test: {}", esc(name));
                }
            }
        }
    }
    ExitStatus::Success
}
