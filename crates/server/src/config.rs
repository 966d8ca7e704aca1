//! What `tcscreen serve` is given, and the checks made before anything is bound: a
//! non-loopback address needs a users file (or a token file, for the API only), the token must
//! be hard to guess, and the users file must hold at least one valid account.

use std::net::SocketAddr;
use std::path::PathBuf;

use tcscreen_packs::read::{Links, read_regular};
use tcscreen_service::{PoolSize, ScreenSettings};

/// The largest token file read, in bytes.
pub const MAX_TOKEN_FILE_BYTES: u64 = 4096;

/// The shortest token accepted, in characters.
pub const MIN_TOKEN_CHARS: usize = tcscreen_service::strength::MIN_TOKEN_CHARS;

/// Connections served at once, unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// The server's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen (default `127.0.0.1:8080`; port 0 picks a free one).
    pub addr: SocketAddr,
    /// The rules folder.
    pub rules: PathBuf,
    /// The register every screening and human decision is appended to.
    pub register: Option<PathBuf>,
    /// Accept only packs signed by a key in this folder.
    pub trust: Option<PathBuf>,
    /// A file holding the shared bearer token of API clients.
    pub token_file: Option<PathBuf>,
    /// The users file: the accounts people sign in with (`tcscreen users`).
    pub users_file: Option<PathBuf>,
    /// The largest request body, in bytes (`--max-request-bytes`, at most 4 MiB).
    pub max_request_bytes: usize,
    /// Screening threads.
    pub jobs: usize,
    /// Screenings that may wait for a thread beyond those being screened; beyond that, 503.
    pub queue: usize,
    /// The largest upload of a portfolio (several requests), in bytes.
    pub max_upload_bytes: usize,
    /// Connections at once (below the descriptor limit), the health checks' reserve, and how
    /// long a client may take to send a request.
    pub connections: crate::connections::Limits,
}

impl Config {
    /// The defaults for `rules`: loopback, port 8080, one thread per core, 4 MiB requests.
    pub fn new(rules: PathBuf) -> Config {
        let jobs = std::thread::available_parallelism().map_or(1, usize::from);
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            rules,
            register: None,
            trust: None,
            token_file: None,
            users_file: None,
            max_request_bytes: tcscreen_core::RequestLimits::default().max_bytes,
            jobs,
            queue: jobs * 4,
            max_upload_bytes: 64 * 1024 * 1024,
            connections: crate::connections::Limits::for_connections(DEFAULT_MAX_CONNECTIONS),
        }
    }

    /// How the server screens: its rules folder, trusted keys, threads and queue, and request
    /// limit, for clients who choose packs only by id and only for their request's country
    /// (each request's query adds its pack, fallback pack and date).
    pub fn screen_settings(&self) -> ScreenSettings {
        ScreenSettings {
            trust: self.trust.clone(),
            pool: PoolSize {
                threads: self.jobs.max(1),
                queue: self.queue.max(1),
            },
            max_request_bytes: Some(self.max_request_bytes),
            pack_of_the_request_country: true,
            ..ScreenSettings::new(self.rules.clone())
        }
    }

    /// Read the token file, if any, and refuse a non-loopback address without one.
    pub fn token(&self) -> Result<Option<String>, String> {
        let token = match &self.token_file {
            None => None,
            Some(path) => {
                // A regular file of a few bytes (a link to one, as mounted secrets are): never a
                // device or a pipe, which could be read for ever or never end.
                let bytes = read_regular(path, MAX_TOKEN_FILE_BYTES, Links::Follow)
                    .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| format!("the token file {} is not UTF-8 text", path.display()))?;
                let token = text.trim().to_string();
                if let Some(why) = tcscreen_service::strength::token_problem(&token) {
                    return Err(format!(
                        "the token in {}: {why}; make one with `head -c 24 /dev/urandom | base64 > {}`",
                        path.display(),
                        path.display()
                    ));
                }
                Some(token)
            }
        };
        if token.is_none() && self.users_file.is_none() && !self.addr.ip().is_loopback() {
            return Err(format!(
                "--addr {} is not a loopback address: anyone who can reach it could screen, decide and reload; give --users FILE so that people sign in with their accounts (made with `tcscreen users add`), or --token-file FILE for API clients only (and put a TLS proxy in front), or bind to 127.0.0.1",
                self.addr
            ));
        }
        Ok(token)
    }

    /// Read the users file, if any: it must hold at least one account.
    pub fn users(&self) -> Result<Option<(PathBuf, tcscreen_service::users::Users)>, String> {
        let Some(path) = &self.users_file else {
            return Ok(None);
        };
        let users = tcscreen_service::users::read(path)?;
        if users.is_empty() {
            return Err(format!(
                "the users file {} holds no account: add one with `tcscreen users add NAME --users {} --role screener`",
                path.display(),
                path.display()
            ));
        }
        Ok(Some((path.clone(), users)))
    }
}
