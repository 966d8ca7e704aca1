//! Compiling a pack: front matter, rules, `lib/` modules, settings, params and data.
//!
//! Each rule is compiled on the hardened engine with the module resolver of the pack that
//! defines it, so `import "dates"` reaches that pack's `lib/dates.rhai` and nothing else;
//! imports are resolved and embedded at compile time, and the run-time engine resolves none.
//! Every problem in the pack is reported, not only the first. A layer compiled before for a
//! pack with the same ancestors is taken from a [`LayerCache`] (`layer_cache`), so each
//! ancestor is compiled once for all the packs that extend it.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use rhai::{AST, Dynamic, Engine, EvalAltResult, Module, ModuleResolver, Position, Scope, Shared};

use crate::date::Date;
use crate::decision::finding::{Actor, Criterion, Outcome};
use crate::diagnostics::codes::Code;
use crate::diagnostics::diagnostic::{Diagnostic, attach_excerpts};
use crate::engine::authors_api::{GLOBALS, RESERVED_NAMES};
use crate::engine::rhai_error::{explain_import, explain_parse, is_terminated};
use crate::engine::sandbox;
use crate::engine::sandbox_limits::EngineLimits;
use crate::engine::value::Value;
use crate::json::Pos;
use crate::pack::citation::{self, Citation, PolicyRefs, PolicySource};
use crate::pack::frontmatter::{self, FrontMatter};
use crate::pack::layer_cache::{CompiledLayer, LayerCache, Pending};
use crate::pack::resolved::{PackFile, PackIdentity, PackLayer, ResolvedPack};
use crate::pack::rule_settings::{MergedSettings, RuleSettings};
use crate::suggest::did_you_mean;

/// A rule ready to run, with its pack's settings applied (title, policy, actor, outcome).
pub struct CompiledRule {
    /// Full id, `<pack id>/<rule id>`.
    pub id: String,
    /// The pack that defines it.
    pub pack: String,
    /// Title (after any override).
    pub title: String,
    /// The criterion its findings count towards.
    pub criterion: Criterion,
    /// The clause cited (after any override): in a pack with sources, every cited source
    /// rendered; otherwise the `policy` text as written.
    pub policy: Option<String>,
    /// The sources cited, in a pack with sources (empty otherwise, and for `policy: none`).
    pub citations: Vec<Citation>,
    /// `policy: none` in a pack with sources: the rule deliberately cites nothing.
    pub cites_nothing: bool,
    /// The `policy` value a pack manifest sets instead of the rule's own, if any.
    pub policy_override: Option<String>,
    /// Who must act on the rule's findings (after any override).
    pub actor: Actor,
    /// Outcome override from a pack manifest.
    pub outcome_override: Option<Outcome>,
    /// Stable file name for records: `<pack id>/rules/…`.
    pub file: String,
    /// File name to show people.
    pub display: String,
    /// The front matter as written.
    pub front_matter: FrontMatter,
    /// Shared by every pack that extends the rule's pack (`layer_cache`).
    pub(crate) ast: Rc<AST>,
    /// The digest of the rule's layer and the layers before it (`layer_cache`).
    pub(crate) layer: [u8; 32],
    /// Whether the rule might change a global (see `isolation`): the globals are checked
    /// after it runs.
    pub(crate) may_change_globals: bool,
}

/// A pack compiled for one thread: rules in id order, params and data as Rhai values.
/// Compiling is cheap (about 10 µs a rule); compile once per pack and worker thread.
pub struct CompiledPack {
    pub(crate) engine: Engine,
    pub(crate) limits: EngineLimits,
    pub(crate) identity: PackIdentity,
    pub(crate) chain: Vec<PackIdentity>,
    pub(crate) rules: Vec<CompiledRule>,
    pub(crate) disabled: Vec<String>,
    pub(crate) sources: BTreeMap<String, PolicySource>,
    /// The functions each layer's `lib/` modules define: pack id → module name → names.
    pub(crate) lib_functions: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// `params` and `data` as compiled; rules get these values and must leave them unchanged.
    pub(crate) params: Dynamic,
    pub(crate) data: Dynamic,
    /// The scope rules run in: `params` and `data` constants, reused across requests.
    pub(crate) globals: RefCell<Scope<'static>>,
}

impl CompiledPack {
    /// The id, version and digest that records name.
    pub fn identity(&self) -> &PackIdentity {
        &self.identity
    }

    /// Its ancestors, nearest first.
    pub fn chain(&self) -> &[PackIdentity] {
        &self.chain
    }

    /// The rules that run, in id order.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Full ids of rules disabled by a manifest.
    pub fn disabled(&self) -> &[String] {
        &self.disabled
    }

    /// The sources table of the pack and its ancestors (empty when the pack has none).
    pub fn sources(&self) -> &BTreeMap<String, PolicySource> {
        &self.sources
    }

    /// Compile a pack. Returns every problem found if any rule, module or setting is wrong.
    pub fn compile(
        resolved: &ResolvedPack,
        limits: &EngineLimits,
    ) -> Result<CompiledPack, Vec<Diagnostic>> {
        CompiledPack::compile_cached(resolved, limits, &mut LayerCache::new())
    }

    /// Compile a pack, taking the layers it shares with packs compiled before from `cache`
    /// (and adding its own): each ancestor is compiled once for all the packs that extend it.
    /// The pack, or the problems, are the same as [`CompiledPack::compile`]'s.
    pub fn compile_cached(
        resolved: &ResolvedPack,
        limits: &EngineLimits,
        cache: &mut LayerCache,
    ) -> Result<CompiledPack, Vec<Diagnostic>> {
        CompiledPack::compile_layers_cached(&resolved.layers, limits, cache)
            .map(|pack| pack.identify(resolved.identity.clone(), resolved.chain.clone()))
    }

    /// Compile a pack's layers before its digest is known, so that a loader can hash the files
    /// on another thread meanwhile; [`UnidentifiedPack::identify`] completes it.
    pub fn compile_layers(
        layers: &[PackLayer],
        limits: &EngineLimits,
    ) -> Result<UnidentifiedPack, Vec<Diagnostic>> {
        CompiledPack::compile_layers_cached(layers, limits, &mut LayerCache::new())
    }

    /// [`CompiledPack::compile_layers`] with the layers compiled before taken from `cache`.
    pub fn compile_layers_cached(
        layers: &[PackLayer],
        limits: &EngineLimits,
        cache: &mut LayerCache,
    ) -> Result<UnidentifiedPack, Vec<Diagnostic>> {
        let result = sandbox::guarded(limits, None, || compile(layers, limits, cache));
        match result {
            Ok(result) => result.map(UnidentifiedPack).map_err(|mut errors| {
                attach_excerpts(&mut errors, |file| {
                    crate::pack::resolved::text_in(layers, file)
                });
                errors
            }),
            Err(()) => Err(vec![
                Diagnostic::error(
                    Code::P099,
                    "the rule engine panicked while compiling this pack",
                )
                .at(
                    layers.last().map_or(String::new(), |l| l.manifest.clone()),
                    Pos::NONE,
                )
                .help("this is a bug in tcscreen or Rhai; please report it with the pack"),
            ]),
        }
    }
}

/// A compiled pack still waiting for the identity (digests) of the files it was compiled from.
pub struct UnidentifiedPack(CompiledPack);

impl UnidentifiedPack {
    /// The pack, with the identity of the pack and of its ancestors (nearest first) computed
    /// from the same files as the layers it was compiled from.
    pub fn identify(self, identity: PackIdentity, chain: Vec<PackIdentity>) -> CompiledPack {
        CompiledPack {
            identity,
            chain,
            ..self.0
        }
    }
}

/// Compiled `lib/` modules of one pack, served to imports of that pack's rules only.
struct LibResolver {
    pack: String,
    libs: BTreeMap<String, (AST, String)>,
    loaded: RefCell<BTreeMap<String, Shared<Module>>>,
    loading: RefCell<Vec<String>>,
}

fn import_error(path: &str, message: String, pos: Position) -> Box<EvalAltResult> {
    EvalAltResult::ErrorInModule(
        path.to_string(),
        EvalAltResult::ErrorRuntime(Dynamic::from(message), pos).into(),
        pos,
    )
    .into()
}

impl ModuleResolver for LibResolver {
    fn resolve(
        &self,
        engine: &Engine,
        _source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let valid = !path.is_empty()
            && path.split('/').all(|s| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            });
        if !valid {
            return Err(import_error(
                path,
                format!(
                    "import \"{path}\" is not allowed: rules import modules of their own pack's lib/ folder by name, like \"dates\" for lib/dates.rhai"
                ),
                pos,
            ));
        }
        if let Some(module) = self.loaded.borrow().get(path) {
            return Ok(module.clone());
        }
        if self.loading.borrow().iter().any(|p| p == path) {
            let cycle = self.loading.borrow().join("\" → \"");
            return Err(import_error(
                path,
                format!("import cycle: \"{cycle}\" → \"{path}\""),
                pos,
            ));
        }
        let Some((ast, _display)) = self.libs.get(path) else {
            let known: Vec<&str> = self.libs.keys().map(String::as_str).collect();
            let hint = match did_you_mean(path, known.iter().copied()) {
                Some(k) => format!("; did you mean \"{k}\"?"),
                None if known.is_empty() => format!("; pack `{}` has no lib/ modules", self.pack),
                None => format!("; its modules are: {}", known.join(", ")),
            };
            return Err(import_error(
                path,
                format!("no module lib/{path}.rhai in pack `{}`{hint}", self.pack),
                pos,
            ));
        };
        self.loading.borrow_mut().push(path.to_string());
        // Running the module's own code can fail or be stopped: say which module.
        let module = Module::eval_ast_as_new(Scope::new(), ast, engine)
            .map_err(|e| Box::new(EvalAltResult::ErrorInModule(path.to_string(), e, pos)));
        self.loading.borrow_mut().pop();
        let module: Shared<Module> = module?.into();
        self.loaded
            .borrow_mut()
            .insert(path.to_string(), module.clone());
        Ok(module)
    }
}

/// The position of the first line holding all of `needles` in order, at the first one.
/// Used where Rhai gives no position (imports resolved at compile time, function names).
fn locate(text: &str, needles: &[&str]) -> Pos {
    for (index, line) in text.lines().enumerate() {
        let mut from = 0;
        let mut first = None;
        for needle in needles {
            match line[from..].find(needle) {
                Some(at) => {
                    first.get_or_insert(from + at);
                    from += at + needle.len();
                }
                None => {
                    first = None;
                    break;
                }
            }
        }
        if let Some(at) = first {
            return Pos::new(index as u32 + 1, line[..at].chars().count() as u32 + 1);
        }
    }
    Pos::NONE
}

fn reserved_functions(ast: &AST, text: &str, file: &str, errors: &mut Vec<Diagnostic>) {
    for function in ast.iter_functions() {
        if RESERVED_NAMES.contains(&function.name) {
            errors.push(
                Diagnostic::error(Code::R010, format!("defines a function named `{}`, which is part of the rule API", function.name))
                    .at(file, locate(text, &["fn", function.name, "("]))
                    .help("rename the function; packs may not replace reject, revise, note or the helpers"),
            );
        }
    }
}

/// A rule's own code (not its functions, which cannot see the globals) defining a variable
/// named like a global: refused when the pack compiles, where Rhai would refuse it when the
/// rule runs.
fn globals_redefined(ast: &AST, file: &str, errors: &mut Vec<Diagnostic>) {
    let mut path = Vec::new();
    for stmt in ast.statements() {
        stmt.walk(&mut path, &mut |nodes: &[rhai::ASTNode]| {
            if let Some(rhai::ASTNode::Stmt(rhai::Stmt::Var(x, _, pos))) = nodes.last()
                && GLOBALS.contains(&x.0.as_str())
            {
                errors.push(
                    Diagnostic::error(Code::R020, format!("Variable already defined: {}", x.0.as_str()))
                        .at(file, crate::engine::rhai_error::pos(*pos))
                        .help("`request`, `params`, `data` and `as_of` are read-only; choose another name"),
                );
            }
            true
        });
    }
}

fn compile(
    layers: &[PackLayer],
    limits: &EngineLimits,
    cache: &mut LayerCache,
) -> Result<CompiledPack, Vec<Diagnostic>> {
    let mut engine = sandbox::engine(limits);
    let mut errors = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    let mut lib_functions = BTreeMap::new();
    let compiled = cache.layers(layers, limits, |layer| {
        compile_layer(&mut engine, layer, limits)
    });
    for (layer, compiled) in layers.iter().zip(compiled) {
        pending.extend(compiled.rules.iter().cloned());
        errors.extend(compiled.errors.iter().cloned());
        if !compiled.lib_functions.is_empty() {
            lib_functions.insert(layer.id.clone(), compiled.lib_functions.clone());
        }
    }
    engine.set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    // Rhai checks shadowing twice: when parsing (against the variables in view) and again at
    // every `let` it runs, by searching the scope, which costs every `let` in a loop a scan of
    // the scope. The run-time check can only find what the parser could not see, the globals
    // pushed by the screener, and `globals_redefined` has refused those already.
    engine.set_allow_shadowing(true);

    let known: BTreeSet<&str> = pending.iter().map(|p| p.full_id.as_str()).collect();
    let manifests = layers
        .iter()
        .map(|l| (l.manifest.as_str(), &l.settings[..]));
    let mut settings = MergedSettings::merge(manifests, &known, &mut errors);
    // Sources: per id, later layers win.
    let mut sources = BTreeMap::<String, PolicySource>::new();
    for layer in layers {
        sources.extend(layer.sources.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let country = layers.last().and_then(|l| l.country.as_deref());
    let mut cited = citations(&pending, &settings, &sources, country, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    for layer in layers {
        oversized_values(layer, limits, &mut errors);
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    pending.sort_by(|a, b| a.full_id.cmp(&b.full_id));
    let mut rules = Vec::new();
    let mut disabled = Vec::new();
    for p in pending {
        let s = settings.take(&p.full_id);
        if s.is_disabled() {
            disabled.push(p.full_id);
            continue;
        }
        let resolved = cited.remove(&p.full_id).unwrap_or_default();
        rules.push(compiled_rule(p, s, resolved));
    }
    let (params, data) = merged_values(layers);
    let globals = RefCell::new(CompiledPack::globals_scope(&params, &data));
    Ok(CompiledPack {
        engine,
        limits: *limits,
        identity: PackIdentity {
            id: String::new(),
            version: String::new(),
            sha256: String::new(),
        },
        chain: Vec::new(),
        rules,
        disabled,
        sources,
        lib_functions,
        params,
        data,
        globals,
    })
}

/// Compile one layer on `engine`: its `lib/` modules, then its rules with their imports
/// resolved against those modules only.
fn compile_layer(engine: &mut Engine, layer: &PackLayer, limits: &EngineLimits) -> CompiledLayer {
    let mut errors = Vec::new();
    let mut rules = Vec::new();
    let mut lib_functions = BTreeMap::new();
    let lib_files = serve_libs(engine, layer, &mut lib_functions, &mut errors);
    compile_rules(engine, layer, &lib_files, limits, &mut rules, &mut errors);
    CompiledLayer {
        rules,
        lib_functions,
        errors,
    }
}

/// Compile the layer's `lib/` modules and serve them to its rules' imports; returns each
/// module's file as people see it, by module name, and adds the functions each module that
/// compiles defines to `functions`.
fn serve_libs(
    engine: &mut Engine,
    layer: &PackLayer,
    functions: &mut BTreeMap<String, BTreeSet<String>>,
    errors: &mut Vec<Diagnostic>,
) -> BTreeMap<String, String> {
    let mut libs = BTreeMap::new();
    let mut lib_files: BTreeMap<String, String> = BTreeMap::new();
    for lib in &layer.libs {
        let stable = format!("{}/{}", layer.id, lib.path);
        let Some(name) = lib.module_name() else {
            continue;
        };
        lib_files.insert(name.to_string(), lib.display.clone());
        match engine.compile(&lib.text) {
            Ok(mut ast) => {
                ast.set_source(stable.as_str());
                reserved_functions(&ast, &lib.text, &lib.display, errors);
                functions.insert(
                    name.to_string(),
                    ast.iter_functions().map(|f| f.name.to_string()).collect(),
                );
                libs.insert(name.to_string(), (ast, lib.display.clone()));
            }
            Err(e) => {
                let x = explain_parse(&e);
                errors.push(
                    Diagnostic::error(Code::R020, x.message)
                        .at(&lib.display, x.pos)
                        .maybe_help(x.help),
                );
            }
        }
    }
    engine.set_module_resolver(LibResolver {
        pack: layer.id.clone(),
        libs,
        loaded: RefCell::default(),
        loading: RefCell::default(),
    });
    lib_files
}

/// Compile the rules of one layer (its imports resolved and embedded now).
fn compile_rules(
    engine: &Engine,
    layer: &PackLayer,
    lib_files: &BTreeMap<String, String>,
    limits: &EngineLimits,
    pending: &mut Vec<Pending>,
    errors: &mut Vec<Diagnostic>,
) {
    let mut compile_scope = Scope::new();
    // Non-constant placeholders: strict mode knows the names, and the optimiser cannot fold
    // their values into the AST.
    for name in GLOBALS {
        compile_scope.push_dynamic(*name, Dynamic::UNIT);
    }
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for rule in &layer.rules {
        let Some(front_matter) = front_matter(rule, errors) else {
            continue;
        };
        let Some(id) = rule_id(rule, &front_matter, errors) else {
            continue;
        };
        if let Some(other) = seen.get(&id) {
            errors.push(
                Diagnostic::error(Code::P010, format!("duplicate rule id `{}/{id}`", layer.id))
                    .at(&rule.display, Pos::new(1, 1))
                    .note(format!("also used by {other}"))
                    .help("give each rule of a pack its own `//! id:`"),
            );
            continue;
        }
        seen.insert(id.clone(), rule.display.clone());
        let stable = format!("{}/{}", layer.id, rule.path);
        match engine.compile_into_self_contained(&compile_scope, &rule.text) {
            Ok(mut ast) => {
                ast.set_source(stable.as_str());
                reserved_functions(&ast, &rule.text, &rule.display, errors);
                globals_redefined(&ast, &rule.display, errors);
                pending.push(Pending {
                    full_id: format!("{}/{id}", layer.id),
                    pack: layer.id.clone(),
                    file: stable,
                    display: rule.display.clone(),
                    front_matter,
                    may_change_globals: crate::pack::isolation::may_change_globals(&ast),
                    ast: Rc::new(ast),
                    // Set by the layer cache.
                    layer: [0; 32],
                });
            }
            Err(e) => errors.push(not_compiled(&e, rule, lib_files, limits)),
        }
    }
}

/// The rule's id: its front matter's `id`, else its path under `rules/`.
fn rule_id(
    rule: &PackFile,
    front_matter: &FrontMatter,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    if let Some(id) = &front_matter.id {
        return Some(id.clone());
    }
    let id = default_id(&rule.path);
    if let Err(why) = frontmatter::check_rule_id(&id) {
        errors.push(
            Diagnostic::error(
                Code::R005,
                format!("the file name makes the rule id `{id}`, which {why}"),
            )
            .at(&rule.display, Pos::new(1, 1))
            .help("rename the file, or give the rule an id with `//! id: …`"),
        );
        return None;
    }
    Some(id)
}

/// Why a rule does not compile: its syntax (R020), or an import (R021). Imports are resolved
/// at compile time, running each module's own code (outside its functions): a safety net can
/// stop that, and an error there is in the module's file, not the rule's.
fn not_compiled(
    e: &EvalAltResult,
    rule: &PackFile,
    lib_files: &BTreeMap<String, String>,
    limits: &EngineLimits,
) -> Diagnostic {
    let stop = sandbox::take_safety_stop().filter(|_| is_terminated(e));
    let module_file = |path: &str| {
        lib_files
            .get(path)
            .cloned()
            .unwrap_or_else(|| format!("lib/{path}.rhai"))
    };
    let x = explain_import(e, &rule.display, limits, &module_file);
    let (code, pos, mut notes) = match e {
        EvalAltResult::ErrorParsing(..) => (Code::R020, x.pos, x.notes),
        // The place in the rule is its import statement; the notes say where in the module
        // the error came from.
        EvalAltResult::ErrorInModule(path, ..) => {
            let at = locate(&rule.text, &["import", &format!("\"{path}\"")]);
            let notes = x
                .notes
                .into_iter()
                .filter(|n| !n.starts_with("while loading module"))
                .collect();
            (
                Code::R021,
                if at.is_known() { at } else { Pos::new(1, 1) },
                notes,
            )
        }
        _ => (Code::R021, x.pos, x.notes),
    };
    let message = match stop {
        Some(stop) => {
            for note in &mut notes {
                if let Some(place) = note.strip_prefix("the error is at ") {
                    *note = format!("the stop came at {place}");
                }
            }
            let what = stop.what_happened();
            format!(
                "loading {} {what}: a lib/ module's own code (outside its functions) runs when the pack is loaded, so keep it to definitions; this is an engine stop, not a decision",
                x.file
            )
        }
        None => x.message,
    };
    let mut d = Diagnostic::error(code, message)
        .at(&rule.display, pos)
        .maybe_help(x.help);
    d.notes = notes;
    d
}

/// Each rule's citation, resolved against the sources. Where a citation comes from decides
/// where an error about it is reported: the rule's front matter, or the manifest that
/// overrides it.
fn citations(
    pending: &[Pending],
    settings: &MergedSettings<'_>,
    sources: &BTreeMap<String, PolicySource>,
    country: Option<&str>,
    errors: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Resolved> {
    let mut cited = BTreeMap::new();
    for p in pending {
        if settings.is_disabled(&p.full_id) {
            continue;
        }
        let (text, file, pos) = match settings.policy(&p.full_id) {
            Some((text, file, pos)) => (Some(text), file.to_string(), pos),
            None => (
                p.front_matter.policy.as_deref(),
                p.display.clone(),
                p.front_matter.policy_pos.unwrap_or(Pos::new(1, 1)),
            ),
        };
        match resolve_policy(text, sources, country) {
            Ok(resolved) => {
                cited.insert(p.full_id.clone(), resolved);
            }
            Err(problem) => errors.push(problem.at(file, pos)),
        }
    }
    cited
}

/// A rule with its pack's settings and its citation applied.
fn compiled_rule(p: Pending, s: RuleSettings, resolved: Resolved) -> CompiledRule {
    CompiledRule {
        id: p.full_id,
        pack: p.pack,
        title: s.title.unwrap_or_else(|| p.front_matter.title.clone()),
        criterion: p.front_matter.criterion,
        policy: if resolved.as_written {
            s.policy.clone().or_else(|| p.front_matter.policy.clone())
        } else {
            resolved.policy
        },
        citations: resolved.citations,
        cites_nothing: resolved.nothing,
        policy_override: s.policy,
        actor: s.actor.or(p.front_matter.actor).unwrap_or_default(),
        outcome_override: s.outcome,
        file: p.file,
        display: p.display,
        front_matter: p.front_matter,
        may_change_globals: p.may_change_globals,
        ast: p.ast,
        layer: p.layer,
    }
}

/// `params` (per key) and `data` (per table) over the chain, later layers winning, as the
/// values rules see.
fn merged_values(layers: &[PackLayer]) -> (Dynamic, Dynamic) {
    let mut params = BTreeMap::<String, Value>::new();
    let mut data = BTreeMap::<String, Value>::new();
    for layer in layers {
        params.extend(layer.params.iter().map(|(k, v)| (k.clone(), v.clone())));
        data.extend(layer.data.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    (
        Value::Map(params).to_dynamic(),
        Value::Map(data).to_dynamic(),
    )
}

/// Params and data tables must fit in one value of a rule: a rule could not hold a larger
/// one, and the limits on what rules make must hold for what packs give them.
fn oversized_values(layer: &PackLayer, limits: &EngineLimits, errors: &mut Vec<Diagnostic>) {
    let too_large = |value: &Value| {
        let (strings, items, entries) = value_sizes(value);
        [
            (strings, limits.max_string_bytes, "bytes of text"),
            (items, limits.max_array_items, "array items"),
            (entries, limits.max_map_entries, "map entries"),
        ]
        .into_iter()
        .find(|(size, limit, _)| size > limit)
    };
    for (name, value) in &layer.params {
        if let Some((size, limit, what)) = too_large(value) {
            let pos = layer
                .param_positions
                .get(name)
                .copied()
                .unwrap_or(Pos::NONE);
            errors.push(
                Diagnostic::error(
                    Code::P004,
                    format!("param `{name}` holds {size} {what}, more than the {limit} one value may hold"),
                )
                .at(&layer.manifest, pos)
                .help("rules hold values within these limits (docs/record.md, \"Limits\"); make it smaller"),
            );
        }
    }
    for (name, value) in &layer.data {
        if let Some((size, limit, what)) = too_large(value) {
            let file = layer.data_files.get(name).unwrap_or(&layer.manifest);
            errors.push(
                Diagnostic::error(
                    Code::P009,
                    format!("data table `{name}` holds {size} {what}, more than the {limit} one value may hold"),
                )
                .at(file, Pos::NONE)
                .help("rules hold values within these limits (docs/record.md, \"Limits\"); split the table or make it smaller"),
            );
        }
    }
}

/// Bytes of text, array items and map entries in a value, nested ones included (as Rhai
/// counts them for its size limits).
fn value_sizes(value: &Value) -> (usize, usize, usize) {
    match value {
        Value::Str(s) => (s.len(), 0, 0),
        Value::Array(items) => items
            .iter()
            .map(value_sizes)
            .fold((0, items.len(), 0), |(s, a, m), (s2, a2, m2)| {
                (s + s2, a + a2, m + m2)
            }),
        Value::Map(map) => map
            .values()
            .map(value_sizes)
            .fold((0, 0, map.len()), |(s, a, m), (s2, a2, m2)| {
                (s + s2, a + a2, m + m2)
            }),
        _ => (0, 0, 0),
    }
}

/// A rule's citation once its `policy` value is resolved against the sources table.
#[derive(Default)]
struct Resolved {
    /// No sources table: the `policy` text is cited as written.
    as_written: bool,
    /// Every cited source rendered.
    policy: Option<String>,
    citations: Vec<Citation>,
    nothing: bool,
}

/// Resolve a `policy` value. Without a sources table it is free text, kept as written; with
/// one it must name sources of the table (or be `none`), and only international sources or
/// sources of the pack's own `country`.
fn resolve_policy(
    text: Option<&str>,
    sources: &BTreeMap<String, PolicySource>,
    country: Option<&str>,
) -> Result<Resolved, Diagnostic> {
    if sources.is_empty() {
        return Ok(Resolved {
            as_written: true,
            ..Resolved::default()
        });
    }
    let Some(text) = text else {
        return Ok(Resolved::default());
    };
    let ids = match citation::parse_refs(text) {
        Ok(PolicyRefs::Nothing) => {
            return Ok(Resolved {
                nothing: true,
                ..Resolved::default()
            });
        }
        Ok(PolicyRefs::Sources(ids)) => ids,
        Err(why) => {
            return Err(Diagnostic::error(
                Code::P018,
                format!("the policy line must name sources of the pack's sources table: {why}"),
            )
            .help(
                "write the ids of [sources.<id>] entries, separated by commas (or `none` for a rule that checks only the request's own consistency)",
            ));
        }
    };
    let mut citations = Vec::new();
    for id in ids {
        let Some(source) = sources.get(&id) else {
            let help = match did_you_mean(&id, sources.keys().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "add a [sources.<id>] entry to pack.toml (title, issuer, date, clause, verified) and cite its id".into(),
            };
            return Err(Diagnostic::error(
                Code::P018,
                format!("the policy line cites `{id}`, which is not in the sources table"),
            )
            .help(help));
        };
        if let Some(theirs) = &source.country
            && country != Some(theirs.as_str())
        {
            let ours = country.map_or_else(
                || "a pack without a country, which cites only international texts".to_string(),
                |c| format!("a pack for {c}"),
            );
            return Err(Diagnostic::error(
                Code::P019,
                format!("the policy line cites `{id}`, a policy of {theirs}, in {ours}"),
            )
            .help("cite an international source, or a source of this pack's own country; a country pack that tightens an inherited rule overrides its policy with its own source"));
        }
        citations.push(Citation {
            id: id.clone(),
            from: source.date.in_force_from(),
            text: source.render(),
            verified: source.verified,
            country: source.country.clone(),
        });
    }
    let all = Date::from_ymd(9999, 12, 31).and_then(|end| citation::in_force(&citations, end));
    Ok(Resolved {
        as_written: false,
        policy: all,
        citations,
        nothing: false,
    })
}

fn front_matter(rule: &PackFile, errors: &mut Vec<Diagnostic>) -> Option<FrontMatter> {
    match frontmatter::parse(&rule.text) {
        Ok(fm) => Some(fm),
        Err(problems) => {
            errors.extend(problems.into_iter().map(|p| {
                Diagnostic::error(p.code, p.message)
                    .at(&rule.display, p.pos)
                    .maybe_help(p.help)
            }));
            None
        }
    }
}

/// The id of a rule without `//! id:`: its path under `rules/` without `.rhai`.
fn default_id(path: &str) -> String {
    let inner = path.strip_prefix("rules/").unwrap_or(path);
    inner.strip_suffix(".rhai").unwrap_or(inner).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compile a pack with one rule importing lib/m.rhai; the diagnostics.
    fn compile_with_lib(lib: &str, limits: &EngineLimits) -> Vec<Diagnostic> {
        let layer = PackLayer {
            id: "t".into(),
            manifest: "t/pack.toml".into(),
            rules: vec![PackFile {
                path: "rules/A.rhai".into(),
                display: "t/rules/A.rhai".into(),
                text: "//! title: A\n//! criterion: exit\n\nimport \"m\" as m;\nnote(\"n\");\n"
                    .into(),
            }],
            libs: vec![PackFile {
                path: "lib/m.rhai".into(),
                display: "t/lib/m.rhai".into(),
                text: lib.into(),
            }],
            ..PackLayer::default()
        };
        match CompiledPack::compile_layers(&[layer], limits) {
            Ok(_) => Vec::new(),
            Err(errors) => errors,
        }
    }

    #[test]
    fn an_error_in_a_lib_module_is_placed_at_the_import_and_in_the_module() {
        let errors = compile_with_lib("fn f() { 1 }\n\nlet x = 1 / 0;\n", &EngineLimits::default());
        assert_eq!(errors.len(), 1, "{errors:?}");
        let d = &errors[0];
        assert_eq!(d.file.as_deref(), Some("t/rules/A.rhai"));
        assert_eq!(
            (d.pos.line, d.pos.column),
            (4, 1),
            "the import, not the module's line"
        );
        assert!(
            d.notes.iter().any(|n| n.contains("t/lib/m.rhai:3:11")),
            "{:?}",
            d.notes
        );
    }

    #[test]
    fn a_safety_stop_in_a_lib_module_says_which_and_where() {
        let limits = EngineLimits {
            max_wall_time: std::time::Duration::ZERO,
            max_operations: u64::MAX,
            clock: Some(std::time::Instant::now),
            ..EngineLimits::default()
        };
        let errors = compile_with_lib("fn f() { 1 }\nlet n = 0;\nloop { n += 1; }\n", &limits);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let d = &errors[0];
        assert_eq!(d.file.as_deref(), Some("t/rules/A.rhai"));
        assert_eq!((d.pos.line, d.pos.column), (4, 1));
        assert!(
            d.message.contains("wall-clock safety limit"),
            "{}",
            d.message
        );
        assert!(d.message.contains("lib/m.rhai"), "{}", d.message);
        assert!(
            d.notes
                .iter()
                .any(|n| n.starts_with("the stop came at t/lib/m.rhai:3:")),
            "{:?}",
            d.notes
        );
    }
}
