//! Compiling each ancestor once: a cache of compiled layers, keyed by the digest of the exact
//! bytes of the layer and of every layer before it in the chain.
//!
//! Every pack of a folder compiles its whole chain of `extends`. What one layer's compiling
//! produces (its rules' ASTs with their imports embedded, its `lib/` modules' function names and
//! its problems) depends only on that layer's own rules and `lib/` modules and on the engine's
//! limits: a rule imports only from its own pack's `lib/` (the module resolver is replaced for
//! each layer), and `params`, `data`, settings and sources are not in view when it compiles
//! (the globals are placeholders; the optimiser is off). The key still covers the whole prefix
//! of the chain, so only packs with the same ancestors share a compiled layer, and a
//! descendant's `lib/`, params or settings never reach what another descendant runs. The ASTs
//! are shared by reference count; settings, citations and params are applied per pack, on
//! copies of the rest.
//!
//! A cache lives as long as one catalog load, `check`, listing, server start or reload, or one
//! screening thread's packs: one per thread, since compiled rules are not `Send`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use rhai::AST;
use sha2::{Digest, Sha256};

use crate::diagnostics::diagnostic::Diagnostic;
use crate::engine::sandbox_limits::EngineLimits;
use crate::pack::frontmatter::FrontMatter;
use crate::pack::resolved::{PackFile, PackLayer};

/// A rule compiled, before the pack's settings and sources apply to it.
#[derive(Clone)]
pub(crate) struct Pending {
    pub(crate) full_id: String,
    pub(crate) pack: String,
    pub(crate) file: String,
    pub(crate) display: String,
    pub(crate) front_matter: FrontMatter,
    pub(crate) ast: Rc<AST>,
    pub(crate) may_change_globals: bool,
    /// The digest of the rule's layer and the layers before it.
    pub(crate) layer: [u8; 32],
}

/// One layer compiled: its rules in file order, the functions of its `lib/` modules by module
/// name, and the problems found, in the order they were found.
pub(crate) struct CompiledLayer {
    pub(crate) rules: Vec<Pending>,
    pub(crate) lib_functions: BTreeMap<String, BTreeSet<String>>,
    pub(crate) errors: Vec<Diagnostic>,
}

/// The layers compiled so far, by prefix digest. Empty caches are cheap: compiling a single
/// pack without one ([`crate::CompiledPack::compile`]) uses a fresh one.
#[derive(Default)]
pub struct LayerCache {
    /// The limits the layers were compiled under (their `Debug` text: the memory gauge is a
    /// function pointer); other limits start the cache again.
    limits: Option<String>,
    layers: HashMap<[u8; 32], Rc<CompiledLayer>>,
    compiled: usize,
}

impl LayerCache {
    /// An empty cache.
    pub fn new() -> LayerCache {
        LayerCache::default()
    }

    /// How many layers this cache has compiled (a layer served from it again is not counted).
    pub fn layers_compiled(&self) -> usize {
        self.compiled
    }

    /// The compiled layers of `layers`, in order, compiling with `compile` only those not
    /// compiled before under the same limits and the same prefix.
    pub(crate) fn layers(
        &mut self,
        layers: &[PackLayer],
        limits: &EngineLimits,
        mut compile: impl FnMut(&PackLayer) -> CompiledLayer,
    ) -> Vec<Rc<CompiledLayer>> {
        let limits = format!("{limits:?}");
        if self.limits.as_deref() != Some(limits.as_str()) {
            self.layers.clear();
            self.limits = Some(limits);
        }
        let mut prefix = [0u8; 32];
        let mut out = Vec::with_capacity(layers.len());
        for layer in layers {
            prefix = prefix_digest(&prefix, layer);
            let compiled = match self.layers.get(&prefix) {
                Some(compiled) => compiled.clone(),
                None => {
                    let mut compiled = compile(layer);
                    for rule in &mut compiled.rules {
                        rule.layer = prefix;
                    }
                    let compiled = Rc::new(compiled);
                    self.compiled += 1;
                    self.layers.insert(prefix, compiled.clone());
                    compiled
                }
            };
            out.push(compiled);
        }
        out
    }
}

/// The digest of a prefix of the chain: the previous prefix's digest and every byte of this
/// layer that compiling reads or shows (id, manifest path, and each rule and `lib/` module's
/// path, display path and text), each length-prefixed.
fn prefix_digest(previous: &[u8; 32], layer: &PackLayer) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"tcscreen layer prefix v1\0");
    hasher.update(previous);
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(layer.id.as_bytes());
    field(layer.manifest.as_bytes());
    for (kind, files) in [(&b"rules"[..], &layer.rules), (&b"libs"[..], &layer.libs)] {
        field(kind);
        field(&(files.len() as u64).to_le_bytes());
        for PackFile {
            path,
            display,
            text,
        } in files
        {
            field(path.as_bytes());
            field(display.as_bytes());
            field(text.as_bytes());
        }
    }
    hasher.finalize().into()
}
