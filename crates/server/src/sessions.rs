//! The sessions of people signed in through the pages: kept on the server, found by a random
//! id that only the browser's cookie holds (the server keeps a digest of it), each with its own
//! form token, ended by signing out, by an idle time, by an absolute time, when the account is
//! removed or its password or token changes, and when the server stops.
//!
//! Times are seconds given by the caller (the server passes the system clock), so that expiry
//! is tested without waiting.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::security::random_hex;

/// A session unused for this long ends (seconds): one hour.
pub const IDLE_SECONDS: u64 = 60 * 60;
/// A session ends this long after sign-in, used or not (seconds): ten hours, a working day.
pub const ABSOLUTE_SECONDS: u64 = 10 * 60 * 60;
/// The most sessions kept at once; beyond that the least recently used ends.
pub const MAX_SESSIONS: usize = 10_000;

/// One person's session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The account signed in.
    pub account: String,
    /// The account's secrets' fingerprint at sign-in ([`tcscreen_service::users::User::fingerprint`]).
    pub fingerprint: String,
    /// The token every form of this session carries.
    pub form_token: String,
    /// When it began.
    pub created: u64,
    /// When it was last used.
    pub seen: u64,
}

/// The sessions in force.
#[derive(Debug, Default)]
pub struct Sessions {
    by_digest: HashMap<String, Session>,
}

fn digest(id: &str) -> String {
    tcscreen_core::hash::hex(&Sha256::digest(
        format!("tcscreen session\n{id}").as_bytes(),
    ))
}

impl Sessions {
    /// Begin a session for `account`; returns the id for the cookie (kept nowhere else).
    pub fn begin(&mut self, account: &str, fingerprint: &str, now: u64) -> String {
        self.by_digest.retain(|_, s| alive(s, now));
        if self.by_digest.len() >= MAX_SESSIONS
            && let Some(oldest) = self
                .by_digest
                .iter()
                .min_by_key(|(_, s)| s.seen)
                .map(|(k, _)| k.clone())
        {
            self.by_digest.remove(&oldest);
        }
        let id = random_hex(32);
        self.by_digest.insert(
            digest(&id),
            Session {
                account: account.to_string(),
                fingerprint: fingerprint.to_string(),
                form_token: random_hex(32),
                created: now,
                seen: now,
            },
        );
        id
    }

    /// The session whose cookie holds `id`, if it is alive (then it counts as used now).
    pub fn touch(&mut self, id: &str, now: u64) -> Option<Session> {
        let key = digest(id);
        let session = self.by_digest.get_mut(&key)?;
        if !alive(session, now) {
            self.by_digest.remove(&key);
            return None;
        }
        session.seen = now;
        Some(session.clone())
    }

    /// End the session whose cookie holds `id`; returns its account.
    pub fn end(&mut self, id: &str) -> Option<String> {
        self.by_digest.remove(&digest(id)).map(|s| s.account)
    }

    /// End every session that `keep` refuses (an account removed, or its secrets changed).
    pub fn retain(&mut self, mut keep: impl FnMut(&Session) -> bool) {
        self.by_digest.retain(|_, s| keep(s));
    }

    /// How many sessions are in force.
    pub fn len(&self) -> usize {
        self.by_digest.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.by_digest.is_empty()
    }
}

fn alive(session: &Session, now: u64) -> bool {
    now < session.seen.saturating_add(IDLE_SECONDS)
        && now < session.created.saturating_add(ABSOLUTE_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_when_idle_after_the_working_day_and_on_sign_out() {
        let mut sessions = Sessions::default();
        let id = sessions.begin("a.officer", "f", 1_000);
        assert_eq!(
            sessions.touch(&id, 1_000 + 60).unwrap().account,
            "a.officer"
        );
        // Used within the idle time, again and again: still ends after the absolute time.
        let mut now = 1_060;
        while now < 1_000 + ABSOLUTE_SECONDS - IDLE_SECONDS {
            now += IDLE_SECONDS - 1;
            assert!(sessions.touch(&id, now).is_some(), "at {now}");
        }
        assert!(sessions.touch(&id, 1_000 + ABSOLUTE_SECONDS).is_none());
        assert!(sessions.is_empty(), "an ended session is forgotten");

        let id = sessions.begin("a.officer", "f", 5_000);
        assert!(sessions.touch(&id, 5_000 + IDLE_SECONDS).is_none(), "idle");

        let id = sessions.begin("a.officer", "f", 9_000);
        assert_eq!(sessions.end(&id).as_deref(), Some("a.officer"));
        assert!(sessions.touch(&id, 9_001).is_none(), "signed out");
    }

    #[test]
    fn each_session_has_its_own_form_token_and_the_id_is_not_kept() {
        let mut sessions = Sessions::default();
        let a = sessions.begin("a", "f", 0);
        let b = sessions.begin("b", "f", 0);
        let (ta, tb) = (
            sessions.touch(&a, 1).unwrap(),
            sessions.touch(&b, 1).unwrap(),
        );
        assert_ne!(ta.form_token, tb.form_token);
        assert!(
            !sessions.by_digest.contains_key(&a),
            "only a digest of the id"
        );
    }
}
