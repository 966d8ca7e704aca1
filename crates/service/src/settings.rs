//! How screening is set up, as plain data ([`ScreenSettings`]: what the command line's flags
//! say, or the server's configuration and a client's query), and the one place that builds from
//! it the packs, the pool of screening threads and the options of each screening. The
//! command line's `screen` and its other verbs that screen, and the server at its start, on a
//! reload and for each request, all build through here.

use std::path::PathBuf;
use std::sync::Arc;

use tcscreen_core::{Date, Diagnostic, RequestLimits};

use crate::packs::{PackChoice, Packs};
use crate::screener::{PoolSize, Screener};
use crate::thread_screener::ScreenOptions;

/// What screening is set up with, before anything is read or started.
#[derive(Clone, Debug)]
pub struct ScreenSettings {
    /// The rules folder.
    pub rules: PathBuf,
    /// Accept only packs signed by a key in this folder (its `*.pub` files).
    pub trust: Option<PathBuf>,
    /// Screening threads, and the requests that may wait for one.
    pub pool: PoolSize,
    /// The pack chosen by hand on the command line: `ID`, `ID@VERSION` or a pack folder;
    /// `None`: each request's pack is chosen by its country and the screening date.
    pub pack: Option<String>,
    /// The pack for requests whose country has none (`ID` or `ID@VERSION`); `None`: such a
    /// request is not screened.
    pub fallback_pack: Option<String>,
    /// The screening date; `None`: each request's `received` date.
    pub as_of: Option<Date>,
    /// Explain each screening: every rule in order, what it read, recorded and printed.
    pub trace: bool,
    /// The largest request, in bytes (it may lower the default, not raise it); `None`: the
    /// default.
    pub max_request_bytes: Option<usize>,
    /// Refuse a pack chosen by hand whose country is not the request's (the server's clients
    /// never screen a request with another country's policy).
    pub pack_of_the_request_country: bool,
}

/// What kept screening from being set up, in the order it is looked for.
#[derive(Debug)]
pub enum SetupProblem {
    /// The rules folder cannot be read.
    Rules(Diagnostic),
    /// The pack chosen by hand is not one.
    Pack(Vec<Diagnostic>),
    /// The trusted keys cannot be read.
    Trust(Diagnostic),
    /// The system refused a screening thread.
    Threads(std::io::Error),
    /// The fallback pack is not named as `ID` or `ID@VERSION`.
    FallbackPack(Diagnostic),
}

impl SetupProblem {
    /// The problems to report; none for a thread the system refused (its error says why).
    pub fn problems(&self) -> &[Diagnostic] {
        match self {
            SetupProblem::Rules(d) | SetupProblem::Trust(d) | SetupProblem::FallbackPack(d) => {
                std::slice::from_ref(d)
            }
            SetupProblem::Pack(problems) => problems,
            SetupProblem::Threads(_) => &[],
        }
    }
}

impl ScreenSettings {
    /// The defaults for the packs under `rules`: one screening thread, every pack trusted,
    /// each request's pack chosen by its country and its `received` date, the default
    /// request limits.
    pub fn new(rules: PathBuf) -> ScreenSettings {
        ScreenSettings {
            rules,
            trust: None,
            pool: PoolSize::threads(1),
            pack: None,
            fallback_pack: None,
            as_of: None,
            trace: false,
            max_request_bytes: None,
            pack_of_the_request_country: false,
        }
    }

    /// The packs under the rules folder (only manifests are read now), the choice of
    /// [`ScreenSettings::pack`] (a folder is added to the packs), and the trusted keys: in
    /// this order, so the problem reported is the first met.
    pub fn packs(&self) -> Result<(Packs, PackChoice), SetupProblem> {
        let mut packs = Packs::discover(&self.rules).map_err(SetupProblem::Rules)?;
        let pack = packs
            .choose(self.pack.as_deref())
            .map_err(SetupProblem::Pack)?;
        if let Some(dir) = &self.trust {
            packs.trust_keys_in(dir).map_err(SetupProblem::Trust)?;
        }
        Ok((packs, pack))
    }

    /// The pool of screening threads over `packs`. Fails only if the system refuses a thread.
    pub fn screener(&self, packs: impl Into<Arc<Packs>>) -> std::io::Result<Screener> {
        Screener::start(packs, self.pool)
    }

    /// The fallback pack's choice, named by id only.
    pub fn fallback(&self) -> Result<Option<PackChoice>, Diagnostic> {
        self.fallback_pack
            .as_deref()
            .map(PackChoice::by_name)
            .transpose()
    }

    /// The limits a request must respect.
    pub fn request_limits(&self) -> RequestLimits {
        RequestLimits::with_max_bytes(self.max_request_bytes)
    }

    /// The options of each screening, with `pack` the choice of the pack chosen by hand
    /// ([`ScreenSettings::packs`] makes the command line's; a server reads its clients' with
    /// [`PackChoice::by_name`]) and `fallback` the [`ScreenSettings::fallback`].
    pub fn options(&self, pack: PackChoice, fallback: Option<PackChoice>) -> ScreenOptions {
        ScreenOptions {
            pack,
            as_of: self.as_of,
            trace: self.trace,
            pack_of_the_request_country: self.pack_of_the_request_country,
            request_limits: self.request_limits(),
            fallback,
        }
    }

    /// Everything the command line's `screen` needs: the packs, the pool over them and the
    /// options, built in this order (the first problem met is reported).
    pub fn start(&self) -> Result<(Screener, ScreenOptions), SetupProblem> {
        let (packs, pack) = self.packs()?;
        let screener = self.screener(packs).map_err(SetupProblem::Threads)?;
        let fallback = self.fallback().map_err(SetupProblem::FallbackPack)?;
        Ok((screener, self.options(pack, fallback)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn shipped() -> ScreenSettings {
        ScreenSettings::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules"))
    }

    #[test]
    fn the_options_are_the_settings_with_the_packs_chosen() {
        let settings = ScreenSettings {
            as_of: Date::parse("2025-06-10"),
            trace: true,
            max_request_bytes: Some(1000),
            fallback_pack: Some("base".into()),
            ..shipped()
        };
        let (screener, options) = settings.start().unwrap();
        assert_eq!(screener.threads(), 1);
        assert!(matches!(options.pack, PackChoice::Automatic));
        assert!(matches!(&options.fallback, Some(PackChoice::Id(id, None)) if id == "base"));
        assert_eq!(options.as_of, Date::parse("2025-06-10"));
        assert!(options.trace && !options.pack_of_the_request_country);
        assert_eq!(options.request_limits.max_bytes, 1000);
        // A limit above the default does not raise it.
        let above = ScreenSettings {
            max_request_bytes: Some(usize::MAX),
            ..shipped()
        };
        assert_eq!(above.request_limits(), RequestLimits::default());
    }

    #[test]
    fn the_first_problem_met_is_reported() {
        let missing = Path::new("no/such/folder").to_path_buf();
        let everything_wrong = ScreenSettings {
            rules: missing.clone(),
            pack: Some("./no-such-pack".into()),
            trust: Some(missing.clone()),
            fallback_pack: Some("../elsewhere".into()),
            ..shipped()
        };
        assert!(matches!(
            everything_wrong.start(),
            Err(SetupProblem::Rules(_))
        ));
        let from_the_pack = ScreenSettings {
            rules: shipped().rules,
            ..everything_wrong.clone()
        };
        assert!(matches!(from_the_pack.start(), Err(SetupProblem::Pack(_))));
        let from_the_keys = ScreenSettings {
            pack: None,
            ..from_the_pack
        };
        assert!(matches!(from_the_keys.start(), Err(SetupProblem::Trust(_))));
        let from_the_fallback = ScreenSettings {
            trust: None,
            ..from_the_keys
        };
        match from_the_fallback.start() {
            Err(problem @ SetupProblem::FallbackPack(_)) => {
                assert_eq!(problem.problems().len(), 1);
            }
            other => panic!("{:?}", other.err()),
        }
    }
}
