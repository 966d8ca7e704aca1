//! Screening one request on the calling thread: choosing the pack, resolving and compiling it
//! (once per digest on this thread: Rhai values are not `Send`, so compiled packs never leave
//! the thread that compiled them), checking its signature under `--trust`, and saying why a
//! request could not be screened. Must run on a thread with a large stack
//! (`EVAL_STACK_BYTES`); the [`crate::Screener`] pool's threads have one.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::Arc;

use tcscreen_core::{
    Actor, Code, CompiledPack, Date, DecisionRecord, Diagnostic, EngineLimits, LayerCache,
    RequestLimits, Screening, ValidRequest,
};

use crate::escape::controls as esc;
use crate::inputs::{Item, Location};
use crate::packs::{PackChoice, Packs};
pub use crate::problems::{NotScreened, Problem};

/// What a screening is asked to do besides screening.
#[derive(Clone, Debug)]
pub struct ScreenOptions {
    /// How the pack is chosen (`--pack`, `?pack=`).
    pub pack: PackChoice,
    /// The screening date; `None`: each request's `received` date.
    pub as_of: Option<Date>,
    /// Explain the screening: every rule in order, what it read, recorded and printed.
    pub trace: bool,
    /// Refuse a pack chosen by hand (`pack`) whose country is not the request's (the
    /// server's pages and API: a request is never screened with another country's policy).
    pub pack_of_the_request_country: bool,
    /// The size and shape limits a request must respect.
    pub request_limits: RequestLimits,
    /// The pack for requests whose country has none (`--fallback-pack base`), when the pack
    /// is chosen automatically; `None`: such a request is not screened (P021).
    pub fallback: Option<PackChoice>,
}

impl Default for ScreenOptions {
    fn default() -> Self {
        ScreenOptions {
            pack: PackChoice::Automatic,
            as_of: None,
            trace: false,
            pack_of_the_request_country: false,
            request_limits: RequestLimits::default(),
            fallback: None,
        }
    }
}

/// What the decision note needs to know about the pack that decided, beyond the record.
#[derive(Clone, Debug)]
pub struct PackNote {
    /// The pack's name for people.
    pub name: String,
    /// Whether the pack says it is illustrative (`illustrative = true`).
    pub illustrative: bool,
    /// Who must act on each rule's findings, by full rule id (for records written before
    /// findings named their actor).
    pub actors: BTreeMap<String, Actor>,
    /// Each rule's title (after the pack's settings), by full rule id: the lead of a point
    /// that groups several findings of one rule.
    pub titles: BTreeMap<String, String>,
    /// Whether the pack screened the request as the fallback for a country without a pack
    /// (`--fallback-pack`): the note says the country's own policy was not applied.
    pub fallback: bool,
}

/// A screening, and what else a caller needs to show or store it.
pub struct Screened {
    /// Where the request came from.
    pub location: Location,
    /// The record (its canonical text is `canonical`).
    pub record: DecisionRecord,
    /// The record's canonical JSON text (one line, no newline): the bytes of `--format jsonl`.
    pub canonical: String,
    /// Its text or decision note, when the batch asked for it to be made on the screening
    /// thread ([`crate::pipeline::Prepare`]).
    pub rendered: Option<String>,
    /// The deciding pack, for the decision note.
    pub pack: Arc<PackNote>,
    /// The key id that signed the pack, under `--trust`.
    pub signer: Option<String>,
    /// What each rule did, when tracing.
    pub trace: Option<String>,
    /// A warning about the screening (P031: a pack named with `--pack` that is not valid on
    /// the date).
    pub warning: Option<Diagnostic>,
    /// The file, as people see it, of each rule that failed (by full rule id).
    pub failed_rule_files: BTreeMap<String, String>,
}

/// What happened to one request.
pub enum ScreenResult {
    /// Screened: a record (whose decision is `None` when a rule failed).
    Screened(Box<Screened>),
    /// Not screened: an invalid request, no pack, a broken or untrusted pack, a safety stop.
    NotScreened(NotScreened),
}

type Compiled = Result<Rc<CompiledPack>, Vec<Diagnostic>>;

/// Screens requests on this thread, compiling each pack once and keeping it: per [`Packs`]
/// (whose folders rules are shown from) and digest, for the few [`Packs`] used last.
pub struct ThreadScreener {
    limits: EngineLimits,
    /// Packs ids, least recently first.
    recent: VecDeque<u64>,
    caches: HashMap<u64, Cache>,
}

/// How many [`Packs`] a thread keeps compiled packs for (the packs in force and the ones
/// before a reload; both sides of an impact).
const RECENT_PACKS: usize = 4;

/// The compiled packs of one [`Packs`], by digest, and what was derived from them.
#[derive(Default)]
struct Cache {
    packs: HashMap<String, Compiled>,
    /// The layers compiled for those packs: each ancestor once for every pack extending it.
    layers: LayerCache,
    notes: HashMap<String, Arc<PackNote>>,
    reads: HashMap<(String, String), Vec<String>>,
}

impl Default for ThreadScreener {
    fn default() -> Self {
        ThreadScreener::new()
    }
}

impl ThreadScreener {
    /// A screener with the engine's limits, the memory stop measured by
    /// [`crate::memory::CountingAllocator`].
    pub fn new() -> Self {
        ThreadScreener {
            limits: crate::memory::engine_limits(),
            recent: VecDeque::new(),
            caches: HashMap::new(),
        }
    }

    /// The cache of `packs`, made the most recent; the least recent is dropped beyond
    /// [`RECENT_PACKS`].
    fn cache(&mut self, packs: &Packs) -> &mut Cache {
        let id = packs.id();
        if self.recent.back() != Some(&id) {
            self.recent.retain(|&r| r != id);
            self.recent.push_back(id);
            if self.recent.len() > RECENT_PACKS
                && let Some(old) = self.recent.pop_front()
            {
                // Freeing every AST node of a pack takes a while; it is the price of a reload.
                self.caches.remove(&old);
            }
        }
        self.caches.entry(id).or_default()
    }

    /// Validate, choose the pack and screen one request read from `item`.
    pub fn screen_item(
        &mut self,
        packs: &Packs,
        item: Item,
        options: &ScreenOptions,
    ) -> ScreenResult {
        let not_screened = |location: Location, request_id: Option<String>, problem| {
            ScreenResult::NotScreened(NotScreened {
                location,
                request_id,
                problem,
            })
        };
        let input_problem = |errors: &[tcscreen_core::InputError], text: Option<&str>| {
            Problem::Input(
                errors
                    .iter()
                    .map(|e| crate::problems::from_input(&item.location, e, text))
                    .collect(),
            )
        };
        let text = match &item.text {
            Ok(text) => text,
            Err(e) => {
                let problem = input_problem(std::slice::from_ref(e), None);
                return not_screened(item.location, None, problem);
            }
        };
        let request = match ValidRequest::from_text(text, &options.request_limits) {
            Ok(request) => request,
            Err(errors) => {
                let problem = input_problem(&errors, Some(text));
                return not_screened(item.location, None, problem);
            }
        };
        let as_of = options.as_of.unwrap_or(request.received());
        let screened = self
            .choose_or_fall_back(packs, options, &request, as_of)
            .and_then(|(index, during, fallback)| {
                hand_chosen_pack_fits(packs, options, &request, index)
                    .map(|index| (index, during, fallback))
            })
            .and_then(|(index, during, fallback)| {
                let (record, mut details) =
                    self.screen_during(packs, index, &during, &request, as_of, options.trace)?;
                if fallback {
                    details.warning.get_or_insert_with(|| {
                        fell_back(packs.catalog().entry(index), request.country())
                    });
                    details.pack = Arc::new(PackNote {
                        fallback: true,
                        ..(*details.pack).clone()
                    });
                }
                Ok((record, details))
            });
        match screened {
            Ok((record, details)) => ScreenResult::Screened(Box::new(Screened {
                location: item.location,
                canonical: record.to_canonical(),
                rendered: None,
                record,
                pack: details.pack,
                signer: details.signer,
                trace: details.trace,
                warning: details.warning,
                failed_rule_files: details.failed_rule_files,
            })),
            Err(problem) => not_screened(item.location, Some(request.id().to_string()), problem),
        }
    }

    /// The pack for `request` screened as of `as_of`.
    pub fn choose(
        &self,
        packs: &Packs,
        choice: &PackChoice,
        request: &ValidRequest,
        as_of: Date,
    ) -> Result<usize, Problem> {
        packs
            .catalog()
            .choose(choice, request.country(), as_of)
            .map_err(Problem::Select)
    }

    /// The pack for `request` and the packs in force during its TC, as
    /// [`ThreadScreener::choose_during`], and whether it is the fallback pack: when the pack is
    /// chosen by country and the country has none (P021), the fallback, if one was given.
    #[allow(clippy::type_complexity)]
    fn choose_or_fall_back(
        &self,
        packs: &Packs,
        options: &ScreenOptions,
        request: &ValidRequest,
        as_of: Date,
    ) -> Result<(usize, Vec<usize>, bool), Problem> {
        match (
            self.choose_during(packs, &options.pack, request, as_of),
            &options.fallback,
        ) {
            (Err(Problem::Select(d)), Some(fallback))
                if d.code == Code::P021 && matches!(options.pack, PackChoice::Automatic) =>
            {
                self.choose_during(packs, fallback, request, as_of)
                    .map(|(index, during)| (index, during, true))
            }
            (chosen, _) => chosen.map(|(index, during)| (index, during, false)),
        }
    }

    /// The pack for `request` screened as of `as_of`, and the packs that come into force
    /// during its TC (see [`tcscreen_core::screening::period`]).
    pub fn choose_during(
        &self,
        packs: &Packs,
        choice: &PackChoice,
        request: &ValidRequest,
        as_of: Date,
    ) -> Result<(usize, Vec<usize>), Problem> {
        let index = self.choose(packs, choice, request, as_of)?;
        let (start, end) = request.schedule();
        let during = packs
            .catalog()
            .in_force_during(choice, index, as_of, start, end);
        Ok((index, during))
    }

    /// Screen `request` as of `as_of` with the pack at `index` alone: the record, and what
    /// else callers show with it.
    pub fn screen(
        &mut self,
        packs: &Packs,
        index: usize,
        request: &ValidRequest,
        as_of: Date,
        trace: bool,
    ) -> Result<(DecisionRecord, Details), Problem> {
        self.screen_during(packs, index, &[], request, as_of, trace)
    }

    /// Screen `request` as of `as_of` with the pack at `index` and the packs at `during`,
    /// which come into force during the TC: their findings beyond the first pack's are added,
    /// each saying from when it applies, and the record names every pack that took part.
    pub fn screen_during(
        &mut self,
        packs: &Packs,
        index: usize,
        during: &[usize],
        request: &ValidRequest,
        as_of: Date,
        trace: bool,
    ) -> Result<(DecisionRecord, Details), Problem> {
        let (pack, signer) = self.compiled(packs, index, as_of)?;
        // What rules print is kept only for a trace (it is counted either way).
        let mut screening = if trace {
            pack.screen_traced(request, as_of)
        } else {
            pack.screen(request, as_of)
        }
        .map_err(Problem::Stop)?;
        let mut in_force = Vec::new();
        for &later in during {
            let Some(from) = packs.catalog().entry(later).manifest.valid_from else {
                continue;
            };
            // The later pack's parents resolve as of the day it comes into force; it screens
            // on the screening date, so it cites only sources dated by then.
            let (later_pack, _) = self.compiled(packs, later, from)?;
            let found = later_pack.screen(request, as_of).map_err(Problem::Stop)?;
            tcscreen_core::screening::period::merge_later(&mut screening, found, from);
            in_force.push(tcscreen_core::PackInForce {
                pack: later_pack.identity().clone(),
                chain: later_pack.chain().to_vec(),
                from,
            });
        }
        let entry = packs.catalog().entry(index);
        let details = Details {
            trace: trace.then(|| self.explain(packs, &pack, &screening, as_of)),
            pack: self.note(packs, &pack, entry),
            signer,
            warning: (!entry.manifest.covers(as_of)).then(|| not_valid_on(entry, as_of)),
            failed_rule_files: screening
                .errors
                .iter()
                .filter_map(|e| {
                    let rule = pack.rules().iter().find(|r| r.id == e.rule)?;
                    Some((e.rule.clone(), rule.display.clone()))
                })
                .collect(),
        };
        Ok((
            DecisionRecord::new(request, &pack, as_of, &screening)
                .with_packs_in_force_during_tc(in_force),
            details,
        ))
    }

    /// What a page needs to show a recorded screening again without screening it: the note's
    /// facts about the pack `id` version `version` (as of `as_of`), and the title of each of
    /// its rules by full id. `None` when that version is no longer in the rules folder or no
    /// longer loads.
    pub fn pack_facts(
        &mut self,
        packs: &Packs,
        id: &str,
        version: &str,
        as_of: Date,
    ) -> Option<(Arc<PackNote>, BTreeMap<String, String>)> {
        let choice = PackChoice::Id(id.to_string(), Some(version.to_string()));
        let index = packs.catalog().choose(&choice, "", as_of).ok()?;
        let (pack, _) = self.compiled(packs, index, as_of).ok()?;
        let note = self.note(packs, &pack, packs.catalog().entry(index));
        let titles = pack
            .rules()
            .iter()
            .map(|r| (r.id.clone(), r.title.clone()))
            .collect();
        Some((note, titles))
    }

    /// The pack at `index` resolved as of `as_of` and compiled on this thread (once per
    /// digest), with the key that signed it under `--trust`.
    fn compiled(
        &mut self,
        packs: &Packs,
        index: usize,
        as_of: Date,
    ) -> Result<(Rc<CompiledPack>, Option<String>), Problem> {
        let catalog = packs.catalog();
        let entry = catalog.entry(index);
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
        let resolved = match catalog.resolved(index, Some(as_of)) {
            Some(resolved) => resolved,
            // The first time: compile while the digests are computed on another thread. Not
            // under --trust, where the signature is checked before any of the pack's code runs.
            None if packs.trust().is_none() => {
                let cached = &mut self.cache(packs).layers;
                let (resolved, compiled) = catalog
                    .resolve_while(index, Some(as_of), |layers| {
                        CompiledPack::compile_layers_cached(layers, &limits, cached)
                    })
                    .map_err(load_problem)?;
                let compiled = compiled.map(|pack| {
                    Rc::new(pack.identify(resolved.identity.clone(), resolved.chain.clone()))
                });
                self.cache(packs)
                    .packs
                    .entry(resolved.identity.sha256.clone())
                    .or_insert(compiled);
                resolved
            }
            None => catalog.resolve(index, Some(as_of)).map_err(load_problem)?,
        };
        let digest = resolved.identity.sha256.clone();
        let signer = match packs.trust() {
            None => None,
            Some(trust) => {
                // The signature and the digest come from the snapshot the layers were parsed
                // from: no file is read again here.
                let files = catalog.files(index).map_err(load_problem)?;
                Some(
                    trust
                        .verify(entry, &files, &resolved.identity)
                        .map_err(|d| Problem::Pack {
                            key: format!("trust {digest}"),
                            label: label.clone(),
                            diagnostics: vec![d],
                        })?,
                )
            }
        };
        let cache = self.cache(packs);
        let pack = cache
            .packs
            .entry(digest.clone())
            .or_insert_with(|| {
                CompiledPack::compile_cached(&resolved, &limits, &mut cache.layers).map(Rc::new)
            })
            .clone()
            .map_err(|diagnostics| Problem::Pack {
                key: digest,
                label,
                diagnostics,
            })?;
        Ok((pack, signer))
    }

    fn note(
        &mut self,
        packs: &Packs,
        pack: &CompiledPack,
        entry: &tcscreen_packs::PackEntry,
    ) -> Arc<PackNote> {
        self.cache(packs)
            .notes
            .entry(pack.identity().sha256.clone())
            .or_insert_with(|| {
                Arc::new(PackNote {
                    name: entry.manifest.name.clone(),
                    illustrative: entry.manifest.illustrative,
                    fallback: false,
                    actors: pack
                        .rules()
                        .iter()
                        .map(|r| (r.id.clone(), r.actor))
                        .collect(),
                    titles: pack
                        .rules()
                        .iter()
                        .map(|r| (r.id.clone(), r.title.clone()))
                        .collect(),
                })
            })
            .clone()
    }

    /// Every rule run, in order: what it read, what it recorded, what it printed.
    fn explain(
        &mut self,
        packs: &Packs,
        pack: &CompiledPack,
        screening: &Screening,
        as_of: Date,
    ) -> String {
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
                .cache(packs)
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
            explain_rule(&mut out, rule, screening);
        }
        for id in pack.disabled() {
            let _ = writeln!(out, "  {}  disabled by the pack", esc(id));
        }
        out
    }
}

/// What a screening gives besides the record.
pub struct Details {
    /// The deciding pack, for the decision note.
    pub pack: Arc<PackNote>,
    /// The key id that signed the pack, under `--trust`.
    pub signer: Option<String>,
    /// What each rule did, when tracing.
    pub trace: Option<String>,
    /// P031, when the pack is not valid on the screening date.
    pub warning: Option<Diagnostic>,
    /// The file, as people see it, of each rule that failed (by full rule id).
    pub failed_rule_files: BTreeMap<String, String>,
}

/// What one rule recorded, failed with and printed, for a trace.
fn explain_rule(out: &mut String, rule: &tcscreen_core::CompiledRule, screening: &Screening) {
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
        let _ = writeln!(
            out,
            "              at {}",
            crate::problems::place(&rule.display, e)
        );
    }
    for line in screening.output.iter().filter(|o| o.rule == rule.id) {
        let _ = writeln!(out, "      debug   {}", esc(&line.text));
    }
    if !said {
        let _ = writeln!(out, "      silent");
    }
}

/// P032: a request of a country without a pack was screened with the fallback pack.
fn fell_back(entry: &tcscreen_packs::PackEntry, country: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::P032,
        format!(
            "no pack for country {country}: its requests are screened with the fallback pack `{}` {}",
            entry.manifest.id, entry.manifest.version
        ),
    )
    .help("that is what --fallback-pack asked for; the record names the pack, and the decision note says the country's own policy was not applied")
}

/// `index`, unless it is a pack chosen by hand (and `options` asks for the check) for another
/// country than the request's: then P021, saying whose pack it is.
fn hand_chosen_pack_fits(
    packs: &Packs,
    options: &ScreenOptions,
    request: &ValidRequest,
    index: usize,
) -> Result<usize, Problem> {
    if !options.pack_of_the_request_country || matches!(options.pack, PackChoice::Automatic) {
        return Ok(index);
    }
    let manifest = &packs.catalog().entry(index).manifest;
    match manifest.country.as_deref() {
        Some(country) if country != request.country() => Err(Problem::Select(
            Diagnostic::error(
                Code::P021,
                format!(
                    "the pack chosen, {} ({}), is for {country}, but request {} is from {}: a request is screened with its own country's policy",
                    esc(&manifest.name),
                    esc(&manifest.id),
                    esc(request.id()),
                    esc(request.country())
                ),
            )
            .help(format!(
                "choose a pack for {}, or leave the pack to be chosen by the request's country and date",
                esc(request.country())
            )),
        )),
        _ => Ok(index),
    }
}

/// P031: a pack named with `--pack` screens a request outside its validity.
fn not_valid_on(entry: &tcscreen_packs::PackEntry, as_of: Date) -> Diagnostic {
    Diagnostic::warning(
        Code::P031,
        format!(
            "pack `{}` {} is valid {}, but screens a request as of {as_of}",
            entry.manifest.id,
            entry.manifest.version,
            entry.manifest.validity()
        ),
    )
    .at(entry.manifest_display(), tcscreen_core::Pos::new(1, 1))
    .with_excerpt_from(&entry.manifest_text())
    .help("that is what --pack asked for; leave --pack out to use the version valid on the date")
}
