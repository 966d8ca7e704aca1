//! Who may use the server, and how they prove it: the server's access mode, its accounts
//! (read from the users file, and read again when the file changes), the sessions of people
//! signed in, the throttle on guesses, the form tokens, and the log of sign-ins.
//!
//! Three modes:
//! - **single-person** (loopback, no users file, no token): one person uses the server on
//!   their own machine; nothing to sign in to; pages say so.
//! - **shared token** (`--token-file`, no users file): the API only, for another system; every
//!   request carries the token; there are no pages for people.
//! - **accounts** (`--users FILE`): people sign in at `/login` (a session kept on the server)
//!   or send their own API token; each has roles ([`crate::identity`]). The shared token, if
//!   given too, may only view and screen.
//!
//! Sign-ins and refused tokens are throttled per account and per address
//! ([`crate::throttle`]) and logged with the account and address, never the password or token.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};
use tcscreen_service::escape::controls as esc;
use tcscreen_service::users::{self, Users};
use tokio::sync::Semaphore;

use crate::identity::{Actor, Via};
use crate::security::{constant_time_eq, cookies, random_hex};
use crate::sessions::Sessions;
use crate::throttle::{Key, Throttle};

/// The cookie of a signed-in browser.
pub const SESSION_COOKIE: &str = "tcscreen_session";
/// The cookie that ties the sign-in form to the browser that loaded it.
pub const SIGN_IN_COOKIE: &str = "tcscreen_signin";
/// Password checks at once (each takes about 19 MiB and a few tens of milliseconds); beyond
/// that a sign-in is answered "busy".
pub const PASSWORD_CHECKS_AT_ONCE: usize = 4;

/// Where a line for the operator goes (the server's standard error).
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// The server's access mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Loopback, no accounts, no token.
    SinglePerson,
    /// The shared token, no accounts: the API only.
    SharedToken,
    /// Accounts from a users file.
    Accounts,
}

/// Why a request was not let in.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No valid credentials (a session that ended counts here: `ended` says so).
    Unknown {
        /// A session cookie was sent, but its session has ended.
        ended: bool,
    },
    /// Too many failures from this address: wait this many seconds.
    Throttled(u64),
}

/// Why a sign-in failed.
#[derive(Debug, PartialEq, Eq)]
pub enum SignInRefusal {
    /// The account name or the password is wrong (which one is not said).
    Wrong,
    /// Too many failures for the account or from the address: wait this many seconds.
    Throttled(u64),
    /// Too many password checks at once.
    Busy,
}

struct UsersFile {
    path: PathBuf,
    stamp: Option<FileStamp>,
    users: Arc<Users>,
}

/// What tells that a file changed: size, modification time and (on Unix) inode.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FileStamp(u64, Option<std::time::SystemTime>, u64);

fn stamp(path: &std::path::Path) -> Option<FileStamp> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some(FileStamp(meta.len(), meta.modified().ok(), inode))
}

/// Access to the server: the mode, its secrets and its state.
pub struct Access {
    mode: Mode,
    loopback: bool,
    shared_token: Option<String>,
    users: Option<Mutex<UsersFile>>,
    sessions: Mutex<Sessions>,
    throttle: Mutex<Throttle>,
    password_checks: Arc<Semaphore>,
    form_secret: String,
    log: Log,
}

/// Seconds since the epoch, from the system clock.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Access {
    /// Access for a server with these settings (`users`: the users file and its accounts).
    pub fn new(
        shared_token: Option<String>,
        users: Option<(PathBuf, Users)>,
        loopback: bool,
        log: Log,
    ) -> Access {
        let mode = match (&users, &shared_token) {
            (Some(_), _) => Mode::Accounts,
            (None, Some(_)) => Mode::SharedToken,
            (None, None) => Mode::SinglePerson,
        };
        Access {
            mode,
            loopback,
            shared_token,
            users: users.map(|(path, users)| {
                Mutex::new(UsersFile {
                    stamp: stamp(&path),
                    path,
                    users: Arc::new(users),
                })
            }),
            sessions: Mutex::new(Sessions::default()),
            throttle: Mutex::new(Throttle::default()),
            password_checks: Arc::new(Semaphore::new(PASSWORD_CHECKS_AT_ONCE)),
            form_secret: random_hex(32),
            log,
        }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether the server listens on loopback only.
    pub fn loopback_only(&self) -> bool {
        self.loopback
    }

    /// Whether requests must prove who sends them (everything but single-person mode).
    pub fn needs_credentials(&self) -> bool {
        self.mode != Mode::SinglePerson
    }

    /// Say `line` to the operator.
    pub fn log(&self, line: &str) {
        (self.log)(line);
    }

    /// The accounts in force, read again first if the users file changed (a broken file keeps
    /// the accounts in force, and says why in the log). Sessions of accounts removed, or whose
    /// password or token changed, end.
    pub fn users(&self) -> Option<Arc<Users>> {
        let file = self.users.as_ref()?;
        let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
        let now = stamp(&file.path);
        if now != file.stamp {
            file.stamp = now;
            match users::read(&file.path) {
                Ok(users) => {
                    let users = Arc::new(users);
                    file.users = users.clone();
                    self.sessions().retain(|s| {
                        users
                            .get(&s.account)
                            .is_some_and(|u| u.fingerprint() == s.fingerprint)
                    });
                    self.log(&format!(
                        "accounts: {} read again ({} accounts)",
                        file.path.display(),
                        users.len()
                    ));
                }
                Err(why) => self.log(&format!(
                    "accounts: {why}; the accounts read before stay in force"
                )),
            }
        }
        Some(file.users.clone())
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, Sessions> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn throttle(&self) -> std::sync::MutexGuard<'_, Throttle> {
        self.throttle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Who sends a request with these headers from `addr`, at `now`; `Ok(None)` when nobody
    /// proved anything (a public page may still be served).
    pub fn authenticate(
        &self,
        headers: &HeaderMap,
        addr: Option<SocketAddr>,
        now: u64,
    ) -> Result<Option<Actor>, Refusal> {
        if self.mode == Mode::SinglePerson {
            return Ok(Some(Actor::unrestricted(Via::SinglePerson)));
        }
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(bearer) = bearer {
            return self.bearer(bearer, addr, now).map(Some);
        }
        if self.mode == Mode::Accounts
            && let Some(id) = cookie(headers, SESSION_COOKIE)
        {
            let users = self.users().unwrap_or_default();
            let session = self.sessions().touch(id, now);
            return match session.and_then(|s| users.get(&s.account).map(|u| (s, u))) {
                Some((session, user)) if user.fingerprint() == session.fingerprint => {
                    Ok(Some(Actor::account(
                        &user.name,
                        &user.roles,
                        Via::Session {
                            form_token: session.form_token,
                        },
                    )))
                }
                _ => Err(Refusal::Unknown { ended: true }),
            };
        }
        Ok(None)
    }

    fn bearer(&self, token: &str, addr: Option<SocketAddr>, now: u64) -> Result<Actor, Refusal> {
        let address = Key::Address(address_of(addr));
        self.throttle()
            .check(&address, now)
            .map_err(Refusal::Throttled)?;
        let shared = self
            .shared_token
            .as_deref()
            .is_some_and(|t| constant_time_eq(token.as_bytes(), t.as_bytes()));
        if shared {
            return Ok(match self.mode {
                Mode::Accounts => Actor::shared_token_with_accounts(),
                _ => Actor::unrestricted(Via::SharedToken),
            });
        }
        if let Some(user) = self.users().and_then(|u| u.by_token(token).cloned()) {
            return Ok(Actor::account(&user.name, &user.roles, Via::PersonalToken));
        }
        let reached = self.throttle().fail(address, now);
        self.log(&format!(
            "API token refused from {}{}",
            address_of(addr),
            if reached {
                "; that address is refused for 15 minutes"
            } else {
                ""
            }
        ));
        Err(Refusal::Unknown { ended: false })
    }

    /// Check `password` for `account` (throttled, at most a few at once, on a blocking
    /// thread), and begin a session: the id for the cookie.
    pub async fn sign_in(
        &self,
        account: &str,
        password: &str,
        addr: Option<SocketAddr>,
    ) -> Result<String, SignInRefusal> {
        // A name that is no account's is not written to the log: people type their password
        // in the wrong box. A short digest still lets the operator see repeated attempts.
        let known = self.users().is_some_and(|u| u.get(account).is_some());
        let shown = if known {
            shown_name(account)
        } else {
            let digest = Sha256::digest(format!("tcscreen unknown account\n{account}").as_bytes());
            format!(
                "(no such account; digest {})",
                tcscreen_core::hash::hex(&digest[..4])
            )
        };
        let from = address_of(addr);
        let keys = [
            Key::Account(account.to_string()),
            Key::Address(from.clone()),
        ];
        let start = now();
        for key in &keys {
            if let Err(wait) = self.throttle().check(key, start) {
                self.log(&format!(
                    "sign-in refused: account {shown} from {from}: too many failed attempts"
                ));
                return Err(SignInRefusal::Throttled(wait));
            }
        }
        let Ok(_slot) = self.password_checks.clone().try_acquire_owned() else {
            self.log(&format!(
                "sign-in refused: account {shown} from {from}: too many sign-ins at once"
            ));
            return Err(SignInRefusal::Busy);
        };
        let user = self
            .users()
            .and_then(|u| u.get(account).cloned())
            .filter(|_| password.len() <= tcscreen_service::strength::MAX_PASSWORD_BYTES);
        let checked = user.clone();
        let password = password.to_string();
        let ok = tokio::task::spawn_blocking(move || {
            users::verify_password(checked.as_ref(), &password)
        })
        .await
        .unwrap_or(false);
        let now = now();
        match user.filter(|_| ok) {
            Some(user) => {
                self.throttle().forget(&keys[0]);
                let id = self.sessions().begin(&user.name, &user.fingerprint(), now);
                self.log(&format!("signed in: account {shown} from {from}"));
                Ok(id)
            }
            None => {
                let [account_key, address_key] = keys;
                let locked = self.throttle().fail(account_key, now);
                let address_locked = self.throttle().fail(address_key, now);
                self.log(&format!(
                    "sign-in refused: account {shown} from {from}: wrong account name or password{}{}",
                    if locked {
                        "; the account's sign-in is refused for 15 minutes"
                    } else {
                        ""
                    },
                    if address_locked {
                        "; that address is refused for 15 minutes"
                    } else {
                        ""
                    }
                ));
                Err(SignInRefusal::Wrong)
            }
        }
    }

    /// End the session whose cookie is in `headers`, on the server.
    pub fn sign_out(&self, headers: &HeaderMap, addr: Option<SocketAddr>) {
        if let Some(id) = cookie(headers, SESSION_COOKIE)
            && let Some(account) = self.sessions().end(id)
        {
            self.log(&format!(
                "signed out: account {} from {}",
                shown_name(&account),
                address_of(addr)
            ));
        }
    }

    /// The token a form of `actor`'s page carries: the session's own; in single-person mode a
    /// fresh one the server can recognise as its own (a random nonce and its MAC under a
    /// secret of this run of the server, 64 hex digits).
    pub fn form_token(&self, actor: &Actor) -> String {
        match actor.session_form_token() {
            Some(token) => token.to_string(),
            None => {
                let nonce = random_hex(16);
                format!("{nonce}{}", self.form_mac(&nonce))
            }
        }
    }

    /// Whether `given` is a form token of `actor`'s.
    pub fn form_token_ok(&self, actor: &Actor, given: &str) -> bool {
        match (&actor.via, actor.session_form_token()) {
            (_, Some(token)) => constant_time_eq(given.as_bytes(), token.as_bytes()),
            (Via::SinglePerson, None) => {
                given.len() == 64
                    && given.is_char_boundary(32)
                    && constant_time_eq(
                        &given.as_bytes()[32..],
                        self.form_mac(&given[..32]).as_bytes(),
                    )
            }
            _ => false,
        }
    }

    fn form_mac(&self, nonce: &str) -> String {
        let text = format!("tcscreen form\n{}\n{nonce}", self.form_secret);
        tcscreen_core::hash::hex(&Sha256::digest(text.as_bytes())[..16])
    }
}

/// The value of the cookie `name`, if the request has it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    cookies(headers).find_map(|(n, v)| (n == name).then_some(v))
}

/// The `Set-Cookie` value of a session: HttpOnly, SameSite=Strict, for the whole site, gone
/// when the browser's session ends or after the absolute time at most.
pub fn session_cookie(id: &str) -> String {
    format!(
        "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        crate::sessions::ABSOLUTE_SECONDS
    )
}

/// The `Set-Cookie` value of the sign-in form's token.
pub fn sign_in_cookie(token: &str) -> String {
    format!("{SIGN_IN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600")
}

/// The `Set-Cookie` value that removes the cookie `name` (at `path`).
pub fn clear_cookie(name: &str, path: &str) -> String {
    format!("{name}=; HttpOnly; SameSite=Strict; Path={path}; Max-Age=0")
}

/// An account name as the log shows it: control characters escaped, at most 64 characters.
fn shown_name(name: &str) -> String {
    let short: String = name.chars().take(users::MAX_NAME_CHARS).collect();
    let more = if short.len() < name.len() { "…" } else { "" };
    format!("`{}{more}`", esc(&short))
}

/// The client's address, when the server knows it (not in tests that call the router
/// directly).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub Option<SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<ClientAddr, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

fn address_of(addr: Option<SocketAddr>) -> String {
    addr.map_or_else(|| "an unknown address".to_string(), |a| a.ip().to_string())
}
