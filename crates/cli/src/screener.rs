//! Screening one request against the packs of a catalog: choosing the pack, resolving and
//! compiling it (once per digest on this thread), checking its signature under `--trust`, and
//! reporting why a request could not be screened. Shared by `screen`, `replay`, `impact` and
//! `compare`. Must run on a thread with a large stack (`EVAL_STACK_BYTES`).

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use tcscreen_core::{
    CompiledPack, Date, DecisionRecord, Diagnostic, EngineLimits, EngineStop, InputError,
    ValidRequest,
};
use tcscreen_packs::signature::TrustedKeys;
use tcscreen_packs::{Catalog, PackSpec};

use crate::inputs::Source;
use crate::render;

/// How the pack is chosen.
#[derive(Clone, Debug)]
pub enum PackChoice {
    /// By the request's country and the as-of date.
    Automatic,
    /// A pack folder (its index in the catalog).
    Index(usize),
    /// `ID` or `ID@VERSION`.
    Id(String, Option<String>),
}

impl PackChoice {
    /// From `--pack`, adding a pack folder to the catalog; the errors are printed.
    pub fn from_arg(pack: Option<&str>, catalog: &mut Catalog) -> Option<PackChoice> {
        match pack.map(PackSpec::parse) {
            None => Some(PackChoice::Automatic),
            Some(PackSpec::Id { id, version }) => Some(PackChoice::Id(id, version)),
            Some(PackSpec::Path(path)) => match catalog.add_path(&path) {
                Ok(index) => Some(PackChoice::Index(index)),
                Err(errors) => {
                    for e in errors {
                        eprintln!("{e}");
                    }
                    None
                }
            },
        }
    }
}

/// Why a request was not screened.
#[derive(Debug)]
pub enum Problem {
    /// The request is invalid.
    Input(Vec<InputError>),
    /// No pack could be chosen.
    Select(Diagnostic),
    /// The chosen pack cannot be loaded, compiled or trusted.
    Pack {
        /// Identifies the problem, so it is printed once.
        key: String,
        /// The pack, for people.
        label: String,
        /// What is wrong with it.
        diagnostics: Vec<Diagnostic>,
    },
    /// A safety stop.
    Stop(EngineStop),
}

/// A screening and what else the caller needs to know about it.
pub struct Screened {
    /// The decision record.
    pub record: DecisionRecord,
    /// The pack's name for people.
    pub pack_name: String,
    /// The key id that signed the pack, under `--trust`.
    pub signer: Option<String>,
}

type Compiled = Result<Rc<CompiledPack>, Vec<Diagnostic>>;

/// Screens requests on this thread, compiling each pack once.
pub struct Screener<'a> {
    catalog: &'a Catalog,
    limits: EngineLimits,
    trust: Option<&'a TrustedKeys>,
    packs: HashMap<String, Compiled>,
}

impl<'a> Screener<'a> {
    /// A screener over `catalog`, checking signatures if `trust` is given.
    pub fn new(catalog: &'a Catalog, trust: Option<&'a TrustedKeys>) -> Self {
        Screener {
            catalog,
            limits: crate::engine_limits(),
            trust,
            packs: HashMap::new(),
        }
    }

    /// The catalog.
    pub fn catalog(&self) -> &'a Catalog {
        self.catalog
    }

    /// The pack for `request` screened as of `as_of`.
    pub fn choose(
        &self,
        choice: &PackChoice,
        request: &ValidRequest,
        as_of: Date,
    ) -> Result<usize, Problem> {
        match choice {
            PackChoice::Automatic => self.catalog.select(request.country(), as_of),
            PackChoice::Index(i) => Ok(*i),
            PackChoice::Id(id, version) => self.catalog.find(id, version.as_deref(), as_of),
        }
        .map_err(Problem::Select)
    }

    /// Screen `request` as of `as_of` with the pack at `index`.
    pub fn screen(
        &mut self,
        index: usize,
        request: &ValidRequest,
        as_of: Date,
    ) -> Result<Screened, Problem> {
        let entry = self.catalog.entry(index);
        let label = format!(
            "`{}` {} ({})",
            entry.manifest.id, entry.manifest.version, entry.display
        );
        let source = self
            .catalog
            .source(index, Some(as_of))
            .map_err(|diagnostics| {
                let key = diagnostics
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n");
                Problem::Pack {
                    key,
                    label: label.clone(),
                    diagnostics,
                }
            })?;
        let digest = source.identity.sha256.clone();
        let signer = match self.trust {
            None => None,
            Some(trust) => {
                Some(
                    trust
                        .verify(entry, &source.identity)
                        .map_err(|d| Problem::Pack {
                            key: format!("trust {digest}"),
                            label: label.clone(),
                            diagnostics: vec![d],
                        })?,
                )
            }
        };
        let limits = self.limits;
        let pack = self
            .packs
            .entry(digest.clone())
            .or_insert_with(|| CompiledPack::compile(&source, &limits).map(Rc::new))
            .clone()
            .map_err(|diagnostics| Problem::Pack {
                key: digest,
                label,
                diagnostics,
            })?;
        let screening = pack.screen(request, as_of).map_err(Problem::Stop)?;
        Ok(Screened {
            record: DecisionRecord::new(request, &pack, as_of, &screening),
            pack_name: entry.manifest.name.clone(),
            signer,
        })
    }
}

/// Print why a request was not screened; each pack problem is printed once per run.
pub fn report(
    source: &Source,
    request_id: Option<&str>,
    problem: Problem,
    catalog: &Catalog,
    reported: &mut BTreeSet<String>,
) {
    let which = request_id.map_or_else(String::new, |id| format!(" (request `{id}`)"));
    match problem {
        Problem::Input(errors) => {
            for e in &errors {
                eprintln!("{}", render::input_error(source, e));
            }
            eprintln!("  = {}{which} was not screened", source.display());
        }
        Problem::Select(d) => {
            if d.code == "P020" && reported.insert("catalog problems".into()) {
                for p in catalog.problems() {
                    eprintln!("{p}");
                }
            }
            eprintln!("{d}\n  = {}{which} was not screened", source.display());
        }
        Problem::Pack {
            key,
            label,
            diagnostics,
        } => {
            if reported.insert(key) {
                for d in &diagnostics {
                    eprintln!("{d}");
                }
            }
            eprintln!(
                "error: pack {label} cannot be used (see above)\n  = {}{which} was not screened",
                source.display()
            );
        }
        Problem::Stop(stop) => eprintln!(
            "error: {stop}\n  = {}{which} was not screened",
            source.display()
        ),
    }
}
