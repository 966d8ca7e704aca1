//! The state every handler shares: the screening service, the register's writer, the limits,
//! who may use the server (accounts, sessions), the pack listing of the packs in force and the portfolios kept for
//! their CSV export.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use tcscreen_service::listing::PackRow;
use tcscreen_service::register_writer::RegisterWriter;
use tcscreen_service::{Packs, ScreenSettings, Screener};
use tokio::sync::Semaphore;

use crate::access::{Access, Log};
use crate::connections::Limits;
use crate::pack_facts::PackFacts;
use crate::portfolio::Portfolio;
use crate::security;

/// Portfolios kept for their CSV export, most recent first.
const PORTFOLIOS_KEPT: usize = 16;

/// What every handler shares. Cloning is an `Arc` clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    screener: Screener,
    settings: ScreenSettings,
    register: Option<RegisterWriter>,
    max_upload_bytes: usize,
    access: Access,
    /// Batches and portfolio uploads each hold a blocking thread while they run: at most this
    /// many at once, beyond that 503.
    batches: Arc<Semaphore>,
    connections: Limits,
    /// One reload at a time.
    reloading: tokio::sync::Mutex<()>,
    /// The pack list of the packs in force, computed once per reload.
    listing: Mutex<Option<(usize, Arc<Vec<PackRow>>)>>,
    portfolios: Mutex<VecDeque<(String, Arc<Portfolio>)>>,
    /// Facts about recorded screenings' packs, for the packs in force (by their address).
    pack_facts: Mutex<PackFactsCache>,
}

/// [`crate::pack_facts::PackFacts`] by pack id and version, for one set of packs in force.
type PackFactsCache = (usize, HashMap<(String, String), Arc<PackFacts>>);

/// What the state is made of.
pub struct Parts {
    /// The screening service.
    pub screener: Screener,
    /// How it screens: the rules folder (reloads read it again), the trusted keys, the
    /// largest request body; each request's query adds to them.
    pub settings: ScreenSettings,
    /// The register's writer.
    pub register: Option<RegisterWriter>,
    /// The largest portfolio upload.
    pub max_upload_bytes: usize,
    /// The shared token, if API clients may carry one.
    pub token: Option<String>,
    /// The users file and the accounts read from it, if people sign in.
    pub users: Option<(PathBuf, tcscreen_service::users::Users)>,
    /// Whether the server listens on loopback only (then only loopback host names are
    /// served, against DNS rebinding).
    pub loopback: bool,
    /// Where lines for the operator go (sign-ins, refused tokens, accounts read again).
    pub log: Log,
    /// Batches and uploads at once.
    pub batches: usize,
    /// Connections at once, and how long a client may take to send a request.
    pub connections: Limits,
}

impl AppState {
    /// The state for these parts.
    pub fn new(parts: Parts) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                screener: parts.screener,
                settings: parts.settings,
                register: parts.register,
                max_upload_bytes: parts.max_upload_bytes,
                access: Access::new(parts.token, parts.users, parts.loopback, parts.log),
                batches: Arc::new(Semaphore::new(parts.batches.max(1))),
                connections: parts.connections,
                reloading: tokio::sync::Mutex::new(()),
                listing: Mutex::new(None),
                portfolios: Mutex::new(VecDeque::new()),
                pack_facts: Mutex::new((0, HashMap::new())),
            }),
        }
    }

    /// The screening service.
    pub fn screener(&self) -> &Screener {
        &self.inner.screener
    }

    /// The register's writer, when the server keeps a register.
    pub fn register(&self) -> Option<&RegisterWriter> {
        self.inner.register.as_ref()
    }

    /// How the server screens, before a request's query adds its pack, fallback and date.
    pub fn screen_settings(&self) -> &ScreenSettings {
        &self.inner.settings
    }

    /// The largest request body, in bytes.
    pub fn max_request_bytes(&self) -> usize {
        self.inner.settings.request_limits().max_bytes
    }

    /// The largest portfolio upload, in bytes.
    pub fn max_upload_bytes(&self) -> usize {
        self.inner.max_upload_bytes
    }

    /// Who may use the server: the mode, accounts, sessions, form tokens, the sign-in log.
    pub fn access(&self) -> &Access {
        &self.inner.access
    }

    /// A place for one more batch or upload, if there is one.
    pub fn batch_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.inner.batches.clone().try_acquire_owned().ok()
    }

    /// The limits on connections.
    pub fn connection_limits(&self) -> Limits {
        self.inner.connections
    }

    /// The packs of the rules folder as a reload finds them (with the trusted keys).
    pub fn discover_packs(&self) -> Result<Packs, Vec<tcscreen_core::Diagnostic>> {
        self.inner
            .settings
            .packs()
            .map(|(packs, _automatic)| packs)
            .map_err(|problem| problem.problems().to_vec())
    }

    /// Hold this while reloading: one reload at a time.
    pub async fn reload_guard(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.reloading.lock().await
    }

    /// The rows of the packs in force (compiled once per set of packs, on a blocking thread).
    pub async fn pack_rows(&self) -> Arc<Vec<PackRow>> {
        let packs = self.screener().packs();
        let key = Arc::as_ptr(&packs) as usize;
        if let Some((cached, rows)) = self
            .inner
            .listing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            && *cached == key
        {
            return rows.clone();
        }
        let listed = packs.clone();
        let rows = Arc::new(
            tokio::task::spawn_blocking(move || tcscreen_service::listing::packs(&listed))
                .await
                .unwrap_or_default(),
        );
        // Keep `packs` alive until the key is stored, so that the address is not reused.
        *self
            .inner
            .listing
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((key, rows.clone()));
        drop(packs);
        rows
    }

    /// Facts kept about a pack version, for these packs in force.
    pub fn kept_pack_facts(
        &self,
        packs: &Arc<Packs>,
        key: &(String, String),
    ) -> Option<Arc<PackFacts>> {
        let kept = self
            .inner
            .pack_facts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        (kept.0 == Arc::as_ptr(packs) as usize)
            .then(|| kept.1.get(key).cloned())
            .flatten()
    }

    /// Keep facts about a pack version for these packs in force (forgetting those of packs
    /// no longer in force). `packs` stays alive while its address is the key.
    pub fn keep_pack_facts(
        &self,
        packs: &Arc<Packs>,
        key: (String, String),
        facts: Arc<PackFacts>,
    ) {
        let mut kept = self
            .inner
            .pack_facts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let address = Arc::as_ptr(packs) as usize;
        if kept.0 != address {
            *kept = (address, HashMap::new());
        }
        kept.1.insert(key, facts);
    }

    /// Keep a portfolio for its CSV export; returns its id.
    pub fn keep_portfolio(&self, portfolio: Arc<Portfolio>) -> String {
        let id = security::random_hex(16);
        let mut kept = self
            .inner
            .portfolios
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        kept.push_front((id.clone(), portfolio));
        kept.truncate(PORTFOLIOS_KEPT);
        id
    }

    /// A portfolio kept earlier.
    pub fn portfolio(&self, id: &str) -> Option<Arc<Portfolio>> {
        self.inner
            .portfolios
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|(kept, _)| kept == id)
            .map(|(_, p)| p.clone())
    }
}
