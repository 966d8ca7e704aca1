//! The users file of `tcscreen serve --users FILE`: the accounts of the people of a
//! coordination unit, their roles, their password hashes and the digests of their API tokens.
//! `tcscreen users add|remove|list|passwd|token` edit it ([`edit`]); the server reads it
//! ([`read`]).
//!
//! The file is JSON Lines, one account a line, written by tcscreen only:
//!
//! ```text
//! {"name":"a.officer","password":"$argon2id$v=19$m=19456,t=2,p=1$…","roles":["decider","screener"],"token":null}
//! ```
//!
//! It never holds a clear password or token: passwords are Argon2id hashes (PHC strings, each
//! with its own random salt), tokens are SHA-256 digests (`sha256:` and 64 hex digits; a token
//! is 256 random bits, so a fast digest is enough). It is read as a regular file of at most
//! [`MAX_USERS_FILE_BYTES`], and written whole to a temporary file beside it that is then renamed
//! over it (readers never see half a file), under a lock on `FILE.lock` so that two edits at
//! once do not lose one, with permissions for its owner only.

use std::collections::BTreeSet;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params};
use sha2::{Digest, Sha256};
use tcscreen_core::json::{self, JsonLimits, JsonValue};
use tcscreen_core::{Json, canonical};

use crate::escape::controls as esc;

/// The largest users file read, in bytes (a line is about 200 bytes).
pub const MAX_USERS_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// The longest account name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// What a token starts with, so that one found in a log or a file is recognised.
pub const TOKEN_PREFIX: &str = "tcs_";

/// What a person may do on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Screens requests and resubmits them.
    Screener,
    /// Records human decisions, and may screen as of another date than today.
    Decider,
    /// Reloads the packs and the accounts.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::Screener, Role::Decider, Role::Admin];

    /// `screener`, `decider`, `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Screener => "screener",
            Role::Decider => "decider",
            Role::Admin => "admin",
        }
    }

    /// The role named `text`.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text.trim())
    }

    /// What the role allows, in words.
    pub fn allows(self) -> &'static str {
        match self {
            Role::Screener => "screens requests and resubmits them",
            Role::Decider => {
                "records human decisions, and may screen as of another date than today or with a pack chosen by hand"
            }
            Role::Admin => "reloads the packs and the accounts",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The account's name: what a person signs in with, and what the register records.
    pub name: String,
    /// What the account may do.
    pub roles: BTreeSet<Role>,
    /// The password's Argon2id hash (a PHC string).
    pub password: String,
    /// The SHA-256 digest of the account's API token (`sha256:HEX`), if it has one.
    pub token: Option<String>,
}

impl User {
    /// Whether the account has `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// A short digest of the account's secrets: it changes when the password or the token
    /// does, which ends the account's sessions.
    pub fn fingerprint(&self) -> String {
        let text = format!(
            "{}\n{}\n{}",
            self.name,
            self.password,
            self.token.as_deref().unwrap_or_default()
        );
        tcscreen_core::hash::hex(&Sha256::digest(text.as_bytes())[..16])
    }

    fn to_json(&self) -> Json {
        Json::object([
            ("name", Json::string(&self.name)),
            ("password", Json::string(&self.password)),
            (
                "roles",
                Json::array(
                    self.roles
                        .iter()
                        .map(|r| Json::string(r.as_str()))
                        .collect(),
                ),
            ),
            ("token", Json::opt_string(self.token.as_deref())),
        ])
    }
}

/// Why an account name may not be used, if it may not: 1 to 64 characters, lower-case ASCII
/// letters, digits, `.`, `_` and `-`, starting with a letter or a digit (so that no two names
/// look alike, and a name is safe in a log, a page and the register).
pub fn name_problem(name: &str) -> Option<String> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        Some(format!(
            "an account name has 1 to {MAX_NAME_CHARS} characters"
        ))
    } else if !name.chars().all(ok_char) {
        Some(format!(
            "`{}`: an account name uses only lower-case letters a-z, digits, `.`, `_` and `-` (such as a.officer)",
            esc(name)
        ))
    } else if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        Some(format!(
            "`{name}`: an account name starts with a letter or a digit"
        ))
    } else {
        None
    }
}

/// Every account of a users file, in the file's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Users {
    users: Vec<User>,
}

impl Users {
    /// The accounts, in order.
    pub fn iter(&self) -> impl Iterator<Item = &User> {
        self.users.iter()
    }

    /// How many accounts there are.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The account `name`.
    pub fn get(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The account `name`, to change it.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut User> {
        self.users.iter_mut().find(|u| u.name == name)
    }

    /// The account whose API token is `token`.
    pub fn by_token(&self, token: &str) -> Option<&User> {
        let digest = token_digest(token);
        self.users.iter().find(|u| {
            u.token
                .as_deref()
                .is_some_and(|t| constant_time_eq(t.as_bytes(), digest.as_bytes()))
        })
    }

    /// Add an account (its name must be new).
    pub fn add(&mut self, user: User) -> Result<(), String> {
        if self.get(&user.name).is_some() {
            return Err(format!("there is already an account `{}`", user.name));
        }
        self.users.push(user);
        Ok(())
    }

    /// Remove the account `name`.
    pub fn remove(&mut self, name: &str) -> Result<User, String> {
        match self.users.iter().position(|u| u.name == name) {
            Some(i) => Ok(self.users.remove(i)),
            None => Err(format!("there is no account `{}`", esc(name))),
        }
    }

    /// The file's text: one account a line, in order.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for u in &self.users {
            out.push_str(&canonical::to_canonical_string(&u.to_json()));
            out.push('\n');
        }
        out
    }

    /// Read a users file's text; `display` names the file in problems, with the line.
    pub fn parse(text: &str, display: &str) -> Result<Users, String> {
        let mut users = Users::default();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = format!("{display}, line {}", i + 1);
            let user = parse_line(line).map_err(|why| format!("{at}: {why}"))?;
            users.add(user).map_err(|why| format!("{at}: {why}"))?;
        }
        Ok(users)
    }
}

fn parse_line(line: &str) -> Result<User, String> {
    let json = json::parse(line, JsonLimits::default())
        .map_err(|e| format!("not a JSON object: {}", e[0].message))?;
    let JsonValue::Object(members) = &json.value else {
        return Err("not a JSON object".into());
    };
    if let Some(m) = members
        .iter()
        .find(|m| !["name", "password", "roles", "token"].contains(&m.key.as_str()))
    {
        return Err(format!("unknown member `{}`", esc(&m.key)));
    }
    let text = |key: &str| json.get(key).and_then(Json::as_str);
    let name = text("name").ok_or("no `name`")?.to_string();
    if let Some(why) = name_problem(&name) {
        return Err(why);
    }
    let password = text("password").ok_or("no `password` hash")?.to_string();
    password_hash_params(&password).map_err(|why| format!("account `{name}`: {why}"))?;
    let mut roles = BTreeSet::new();
    if let Some(JsonValue::Array(items)) = json.get("roles").map(|j| &j.value) {
        for item in items {
            let role = item
                .as_str()
                .and_then(Role::parse)
                .ok_or_else(|| format!("account `{name}`: a role is screener, decider or admin"))?;
            roles.insert(role);
        }
    } else {
        return Err(format!("account `{name}`: no `roles` list"));
    }
    let token = match json.get("token") {
        None => None,
        Some(t) if t.is_null() => None,
        Some(t) => {
            let digest = t.as_str().unwrap_or_default();
            let hex = digest.strip_prefix("sha256:").unwrap_or_default();
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "account `{name}`: `token` is the token's digest, sha256: and 64 hex digits"
                ));
            }
            Some(digest.to_string())
        }
    };
    Ok(User {
        name,
        roles,
        password,
        token,
    })
}

/// The Argon2 parameters of a stored hash, refused when they are not Argon2id or would cost
/// more than a sign-in should (a users file is the operator's, but a typo must not make every
/// sign-in take a gigabyte).
fn password_hash_params(hash: &str) -> Result<Params, String> {
    let parsed = PasswordHash::new(hash).map_err(|e| format!("`password` is not a hash: {e}"))?;
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return Err("`password` is not an Argon2id hash".into());
    }
    let params = Params::try_from(&parsed).map_err(|e| format!("`password`: {e}"))?;
    if params.m_cost() > 256 * 1024 || params.t_cost() > 16 || params.p_cost() > 8 {
        return Err(
            "`password`: its Argon2 parameters cost more than 256 MiB, 16 passes or 8 lanes".into(),
        );
    }
    Ok(params)
}

/// The Argon2id hash of `password`, with a fresh random salt (Argon2's recommended
/// parameters: 19 MiB, 2 passes, 1 lane).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness for a salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` is the one `user`'s hash was made from. Without a user (an unknown
/// account), a hash of the same cost is checked anyway, so that the answer takes as long
/// and says nothing about which accounts exist.
pub fn verify_password(user: Option<&User>, password: &str) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = match user {
        Some(u) => u.password.as_str(),
        None => {
            DUMMY.get_or_init(|| hash_password("no account has this password").unwrap_or_default())
        }
    };
    let ok = PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    });
    ok && user.is_some()
}

/// A new API token (shown once) and the digest the file keeps of it.
pub fn new_token() -> Result<(String, String), String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for a token: {e}"))?;
    let token = format!("{TOKEN_PREFIX}{}", tcscreen_core::hash::hex(&bytes));
    let digest = token_digest(&token);
    Ok((token, digest))
}

/// The digest the users file keeps of a token: `sha256:` and 64 hex digits.
pub fn token_digest(token: &str) -> String {
    format!(
        "sha256:{}",
        tcscreen_core::hash::hex(&Sha256::digest(token.trim().as_bytes()))
    )
}

/// Compare secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Read the users file at `path`: a regular file (a link to one is followed: mounted secrets
/// are links) of at most [`MAX_USERS_FILE_BYTES`].
pub fn read(path: &Path) -> Result<Users, String> {
    let display = path.display().to_string();
    let bytes = tcscreen_packs::read::read_regular(
        path,
        MAX_USERS_FILE_BYTES,
        tcscreen_packs::read::Links::Follow,
    )
    .map_err(|e| format!("cannot read the users file {display}: {e}"))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| format!("the users file {display} is not UTF-8 text"))?;
    Users::parse(text, &display)
}

/// Change the users file at `path` with `change`, under its lock: read it (no file: no
/// accounts yet), apply `change`, and write it back atomically. Nothing is written when
/// `change` fails.
pub fn edit<T>(
    path: &Path,
    change: impl FnOnce(&mut Users) -> Result<T, String>,
) -> Result<T, String> {
    let lock_path = lock_path(path);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot open the lock {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    let mut users = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Users::default(),
        _ => read(path)?,
    };
    let result = change(&mut users)?;
    write(path, &users)?;
    Ok(result)
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Write `users` to `path` atomically: a temporary file beside it (readable by its owner
/// only), synced, then renamed over it.
fn write(path: &Path, users: &Users) -> Result<(), String> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |e: std::io::Error| format!("cannot write the users file {}: {e}", path.display());
    let mut temp = tempfile::Builder::new()
        .prefix(".tcscreen-users-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    temp.write_all(users.to_text().as_bytes()).map_err(fail)?;
    temp.as_file().sync_all().map_err(fail)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, password: &str, roles: &[Role]) -> User {
        User {
            name: name.into(),
            roles: roles.iter().copied().collect(),
            password: hash_password(password).unwrap(),
            token: None,
        }
    }

    #[test]
    fn the_file_keeps_hashes_and_digests_never_the_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.jsonl");
        let (token, digest) = new_token().unwrap();
        edit(&path, |users| {
            let mut u = user(
                "a.officer",
                "correct horse battery staple",
                &[Role::Decider],
            );
            u.token = Some(digest.clone());
            users.add(u)
        })
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("correct horse"), "{text}");
        assert!(!text.contains(&token), "{text}");
        assert!(text.contains("$argon2id$"), "{text}");
        let users = read(&path).unwrap();
        let found = users.get("a.officer").unwrap();
        assert!(verify_password(Some(found), "correct horse battery staple"));
        assert!(!verify_password(
            Some(found),
            "correct horse battery stapler"
        ));
        assert!(!verify_password(None, "correct horse battery staple"));
        assert_eq!(users.by_token(&token).unwrap().name, "a.officer");
        assert!(users.by_token("tcs_0000").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by its owner only: {mode:o}");
        }
    }

    #[test]
    fn a_broken_file_is_refused_with_its_line() {
        let bad = Users::parse("\n{\"name\":\"A B\"}\n", "users.jsonl").unwrap_err();
        assert!(bad.starts_with("users.jsonl, line 2:"), "{bad}");
        let plain = r#"{"name":"x","password":"hunter2hunter2","roles":[]}"#;
        assert!(
            Users::parse(plain, "u").unwrap_err().contains("not a hash"),
            "a clear password is never accepted"
        );
    }

    #[test]
    fn names_are_plain_and_unambiguous() {
        assert!(name_problem("a.officer").is_none());
        assert!(name_problem("A.Officer").is_some());
        assert!(name_problem("а.officer").is_some(), "Cyrillic a");
        assert!(name_problem(".hidden").is_some());
        assert!(name_problem("").is_some());
    }

    #[test]
    fn a_devices_or_a_folder_is_not_a_users_file() {
        #[cfg(unix)]
        assert!(
            read(Path::new("/dev/zero"))
                .unwrap_err()
                .contains("not a regular file")
        );
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).is_err());
    }
}
