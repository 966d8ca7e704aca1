//! Screening one request against the packs of a catalog: choosing the pack, resolving and
//! compiling it (once per digest on this thread), checking its signature under `--trust`, and
//! reporting why a request could not be screened. Shared by `screen`, `replay`, `impact` and
//! `compare`. Must run on a thread with a large stack (`EVAL_STACK_BYTES`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use std::fmt::Write as _;

use tcscreen_core::{
    Actor, CompiledPack, Date, DecisionRecord, Diagnostic, EngineLimits, EngineStop, RuleError,
    Screening, ValidRequest,
};
use tcscreen_packs::signature::TrustedKeys;
use tcscreen_packs::{Catalog, PackSpec};

use crate::diagnostics;
use crate::escape::controls as esc;
use crate::inputs::Source;

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
                    diagnostics::emit_all(&errors);
                    None
                }
            },
        }
    }
}

/// Why a request was not screened.
#[derive(Debug)]
pub enum Problem {
    /// The request is invalid: the problems, located in its source, with their lines.
    Input(Vec<Diagnostic>),
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

/// What the decision note needs to know about the pack that decided, beyond the record.
#[derive(Debug)]
pub struct PackNote {
    /// The pack's name for people.
    pub name: String,
    /// Whether the pack says it is illustrative (`illustrative = true`).
    pub illustrative: bool,
    /// Who must act on each rule's findings, by full rule id.
    pub actors: BTreeMap<String, Actor>,
}

/// A screening and what else the caller needs to know about it.
pub struct Screened {
    /// The decision record.
    pub record: DecisionRecord,
    /// The deciding pack, for the decision note.
    pub pack: Arc<PackNote>,
    /// The key id that signed the pack, under `--trust`.
    pub signer: Option<String>,
    /// What each rule did, when tracing.
    pub trace: Option<String>,
    /// A warning about the screening (a pack named with --pack that is not valid on the date).
    pub warning: Option<Diagnostic>,
    /// The file, as people see it, of each rule that failed (by full rule id).
    pub failed_rule_files: BTreeMap<String, String>,
}

type Compiled = Result<Rc<CompiledPack>, Vec<Diagnostic>>;

/// Screens requests on this thread, compiling each pack once.
pub struct Screener<'a> {
    catalog: &'a Catalog,
    limits: EngineLimits,
    trust: Option<&'a TrustedKeys>,
    packs: HashMap<String, Compiled>,
    notes: HashMap<String, Arc<PackNote>>,
    /// Explain every screening (`screen --trace`).
    pub trace: bool,
    reads: HashMap<(String, String), Vec<String>>,
}

impl<'a> Screener<'a> {
    /// A screener over `catalog`, checking signatures if `trust` is given.
    pub fn new(catalog: &'a Catalog, trust: Option<&'a TrustedKeys>) -> Self {
        Screener {
            catalog,
            limits: crate::engine_limits(),
            trust,
            packs: HashMap::new(),
            notes: HashMap::new(),
            trace: false,
            reads: HashMap::new(),
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
        let load_problem = |diagnostics: Vec<Diagnostic>| {
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
        };
        let limits = self.limits;
        let source = match self.catalog.cached_source(index, Some(as_of)) {
            Some(source) => source,
            // The first time: compile while the digests are computed on another thread. Not
            // under --trust, where the signature is checked before any of the pack's code runs.
            None if self.trust.is_none() => {
                let (source, compiled) = self
                    .catalog
                    .source_while(index, Some(as_of), |layers| {
                        CompiledPack::compile_layers(layers, &limits)
                    })
                    .map_err(load_problem)?;
                let compiled = compiled.map(|pack| {
                    Rc::new(pack.identify(source.identity.clone(), source.chain.clone()))
                });
                self.packs
                    .entry(source.identity.sha256.clone())
                    .or_insert(compiled);
                source
            }
            None => self
                .catalog
                .source(index, Some(as_of))
                .map_err(load_problem)?,
        };
        let digest = source.identity.sha256.clone();
        let signer =
            match self.trust {
                None => None,
                Some(trust) => {
                    // The signature and the digest come from the snapshot the layers were parsed
                    // from: no file is read again here.
                    let files = self.catalog.files(index).map_err(load_problem)?;
                    Some(trust.verify(entry, &files, &source.identity).map_err(|d| {
                        Problem::Pack {
                            key: format!("trust {digest}"),
                            label: label.clone(),
                            diagnostics: vec![d],
                        }
                    })?)
                }
            };
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
        // What rules print is kept only for a trace (it is counted either way).
        let screening = if self.trace {
            pack.screen_traced(request, as_of)
        } else {
            pack.screen(request, as_of)
        }
        .map_err(Problem::Stop)?;
        let trace = self.trace.then(|| self.explain(&pack, &screening, as_of));
        let note = self
            .notes
            .entry(pack.identity().sha256.clone())
            .or_insert_with(|| {
                Arc::new(PackNote {
                    name: entry.manifest.name.clone(),
                    illustrative: entry.manifest.illustrative,
                    actors: pack
                        .rules()
                        .iter()
                        .map(|r| (r.id.clone(), r.actor))
                        .collect(),
                })
            })
            .clone();
        let warning = (!entry.manifest.covers(as_of)).then(|| {
            let mut d = Diagnostic::error(
                "P031",
                format!(
                    "pack `{}` {} is valid {}, but screens a request as of {as_of}",
                    entry.manifest.id,
                    entry.manifest.version,
                    entry.manifest.validity()
                ),
            )
            .at(entry.manifest_display(), tcscreen_core::Pos::new(1, 1))
            .with_excerpt_from(&entry.manifest_text())
            .help("that is what --pack asked for; leave --pack out to use the version valid on the date");
            d.severity = tcscreen_core::Severity::Warning;
            d
        });
        let failed_rule_files = screening
            .errors
            .iter()
            .filter_map(|e| {
                let rule = pack.rules().iter().find(|r| r.id == e.rule)?;
                Some((e.rule.clone(), rule.display.clone()))
            })
            .collect();
        Ok(Screened {
            record: DecisionRecord::new(request, &pack, as_of, &screening),
            pack: note,
            signer,
            trace,
            warning,
            failed_rule_files,
        })
    }

    /// Every rule run, in order: what it read, what it recorded, what it printed.
    fn explain(&mut self, pack: &CompiledPack, screening: &Screening, as_of: Date) -> String {
        let mut out = String::new();
        for rule in pack.rules() {
            if !rule.in_force(as_of) {
                let from = rule
                    .in_force_from()
                    .map_or_else(String::new, |d| d.to_string());
                let _ = writeln!(
                    out,
                    "  {}  {} [{}]\n      not run: its sources date from {from}, after {as_of}",
                    rule.id, rule.title, rule.criterion
                );
                continue;
            }
            let key = (pack.identity().sha256.clone(), rule.id.clone());
            let reads = self
                .reads
                .entry(key)
                .or_insert_with(|| tcscreen_core::lint::rule_facts(rule).0);
            let _ = writeln!(
                out,
                "  {}  {} [{}]",
                esc(&rule.id),
                esc(&rule.title),
                rule.criterion
            );
            if !reads.is_empty() {
                let _ = writeln!(out, "      reads   {}", esc(&reads.join(", ")));
            }
            let mut said = false;
            for f in screening.findings.iter().filter(|f| f.rule == rule.id) {
                said = true;
                let field = f
                    .field
                    .as_ref()
                    .map_or_else(String::new, |p| format!(" ({})", esc(p)));
                let from = f
                    .overridden_from
                    .map_or_else(String::new, |o| format!(" [{o} in the rule]"));
                let _ = writeln!(
                    out,
                    "      {:<7} {}{field}{from}",
                    f.outcome.as_str(),
                    esc(&f.message)
                );
            }
            for e in screening.errors.iter().filter(|e| e.rule == rule.id) {
                said = true;
                let _ = writeln!(out, "      error   {}", esc(&e.message));
                let _ = writeln!(out, "              at {}", place(&rule.display, e));
            }
            for line in screening.output.iter().filter(|o| o.rule == rule.id) {
                let _ = writeln!(out, "      debug   {}", esc(&line.text));
            }
            if !said {
                let _ = writeln!(out, "      silent");
            }
        }
        for id in pack.disabled() {
            let _ = writeln!(out, "  {}  disabled by the pack", esc(id));
        }
        out
    }
}

/// `file:line:column` of a rule error, with the rule's file as people see it.
pub fn place(file: &str, error: &RuleError) -> String {
    match (error.line, error.column) {
        (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        (Some(line), None) => format!("{file}:{line}"),
        _ => file.to_string(),
    }
}

/// The one-line problem that names a rule that failed on a request (code E002), for stderr.
pub fn rule_failure(
    source: &Source,
    request_id: &str,
    file: &str,
    error: &RuleError,
) -> Diagnostic {
    // One line whatever the texts hold: the request id is quoted and escaped, and the
    // message's line breaks become spaces.
    let message = error.message.replace(['\n', '\r'], " ");
    Diagnostic::error(
        "E002",
        format!(
            "rule `{}` failed on request {request_id:?} ({}): {message}",
            error.rule,
            source.display()
        ),
    )
    .at(
        file,
        tcscreen_core::Pos::new(error.line.unwrap_or(0), error.column.unwrap_or(0)),
    )
    .help("no decision was made for this request; fix the rule (`tcscreen test` and `screen --trace` show it at work), then screen the request again")
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
    let not_screened =
        || diagnostics::say(&format!("  = {}{which} was not screened", source.display()));
    match problem {
        Problem::Input(errors) => {
            diagnostics::emit_all(&errors);
            not_screened();
        }
        Problem::Select(d) => {
            if d.code == "P020" && reported.insert("catalog problems".into()) {
                diagnostics::emit_all(catalog.problems());
            }
            diagnostics::emit(&d.at(source.display(), tcscreen_core::Pos::NONE));
            not_screened();
        }
        Problem::Pack {
            key,
            label,
            diagnostics,
        } => {
            if reported.insert(key) {
                diagnostics::emit_all(&diagnostics);
            }
            diagnostics::emit(
                &Diagnostic::error(
                    "P030",
                    format!("pack {label} cannot be used (see the problems above)"),
                )
                .at(source.display(), tcscreen_core::Pos::NONE)
                .help("fix the pack (`tcscreen check`), or name another with --pack"),
            );
            not_screened();
        }
        Problem::Stop(stop) => {
            diagnostics::emit(
                &Diagnostic::error("E001", stop.to_string())
                    .at(source.display(), tcscreen_core::Pos::NONE)
                    .help("screen the request again on a less loaded machine; if it stops again, the rule needs fewer or cheaper operations"),
            );
            not_screened();
        }
    }
}
