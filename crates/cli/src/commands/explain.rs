//! `tcscreen explain CODE`: the long description of a problem code (`tcscreen_core::Code`).

use tcscreen_core::Code;

use crate::console::{errln, outln};
use crate::exit_codes::ExitStatus;

/// Arguments of `explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A code such as P012 or L001; without one, list them all.
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
}

/// Run `explain`.
pub fn explain(args: &ExplainArgs) -> ExitStatus {
    let Some(code) = &args.code else {
        for code in Code::ALL {
            outln!("{code}  {}", code.title());
        }
        return ExitStatus::Success;
    };
    match Code::parse(code) {
        Some(code) => {
            outln!("{code}: {}\n", code.title());
            outln!("{}", wrap(code.explanation(), 90));
            ExitStatus::Success
        }
        None => {
            errln!("error: no code `{code}`");
            let known = Code::ALL.iter().map(|c| c.as_str());
            match tcscreen_core::suggest::did_you_mean(code, known) {
                Some(s) => errln!("  help: did you mean {s}?"),
                None => errln!("  help: `tcscreen explain` lists every code"),
            }
            ExitStatus::Usage
        }
    }
}

fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}
