//! Throttling guesses: failed sign-ins counted per account and per address, and failed API
//! tokens per address. Past a number of failures in a window, further attempts are refused
//! until the window ends, whether the next guess is right or not, so that guessing a password
//! or a token is slow whichever account or address it comes from.
//!
//! Times are seconds given by the caller, so that the policy is tested without waiting.

use std::collections::HashMap;

/// The window failures are counted in (seconds): fifteen minutes.
pub const WINDOW_SECONDS: u64 = 15 * 60;
/// Failed sign-ins of one account within a window before its sign-in is refused.
pub const ACCOUNT_FAILURES: u32 = 5;
/// Failed sign-ins or tokens from one address within a window before it is refused.
pub const ADDRESS_FAILURES: u32 = 20;
/// The most keys remembered; beyond that the oldest windows are forgotten first.
pub const MAX_KEYS: usize = 100_000;

/// What is counted.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// An account name (known or not).
    Account(String),
    /// A client's address.
    Address(String),
}

impl Key {
    fn limit(&self) -> u32 {
        match self {
            Key::Account(_) => ACCOUNT_FAILURES,
            Key::Address(_) => ADDRESS_FAILURES,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Window {
    start: u64,
    failures: u32,
}

/// Failures per key.
#[derive(Debug, Default)]
pub struct Throttle {
    windows: HashMap<Key, Window>,
}

impl Throttle {
    /// `Err(seconds to wait)` if `key` has failed too often in its current window.
    pub fn check(&self, key: &Key, now: u64) -> Result<(), u64> {
        match self.windows.get(key) {
            Some(w) if now < w.start + WINDOW_SECONDS && w.failures >= key.limit() => {
                Err(w.start + WINDOW_SECONDS - now)
            }
            _ => Ok(()),
        }
    }

    /// Count a failure of `key`; returns whether this failure reached the limit (to say so
    /// once in the log).
    pub fn fail(&mut self, key: Key, now: u64) -> bool {
        if self.windows.len() >= MAX_KEYS {
            self.windows.retain(|_, w| now < w.start + WINDOW_SECONDS);
            if self.windows.len() >= MAX_KEYS
                && let Some(oldest) = self
                    .windows
                    .iter()
                    .min_by_key(|(_, w)| w.start)
                    .map(|(k, _)| k.clone())
            {
                self.windows.remove(&oldest);
            }
        }
        let limit = key.limit();
        let window = self.windows.entry(key).or_insert(Window {
            start: now,
            failures: 0,
        });
        if now >= window.start + WINDOW_SECONDS {
            *window = Window {
                start: now,
                failures: 0,
            };
        }
        window.failures = window.failures.saturating_add(1);
        window.failures == limit
    }

    /// Forget the failures of `key` (an account that signed in).
    pub fn forget(&mut self, key: &Key) {
        self.windows.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_refused_after_five_failures_until_the_window_ends() {
        let mut t = Throttle::default();
        let key = Key::Account("a.officer".into());
        for i in 0..ACCOUNT_FAILURES {
            assert!(t.check(&key, 100 + u64::from(i)).is_ok());
            let reached = t.fail(key.clone(), 100 + u64::from(i));
            assert_eq!(reached, i + 1 == ACCOUNT_FAILURES);
        }
        assert_eq!(t.check(&key, 110), Err(WINDOW_SECONDS - 10));
        assert!(t.check(&Key::Account("other".into()), 110).is_ok());
        assert!(t.check(&key, 100 + WINDOW_SECONDS).is_ok(), "a new window");
    }

    #[test]
    fn an_address_has_a_larger_allowance_and_a_success_does_not_reset_it() {
        let mut t = Throttle::default();
        let key = Key::Address("192.0.2.7".into());
        for _ in 0..ADDRESS_FAILURES - 1 {
            t.fail(key.clone(), 0);
        }
        assert!(t.check(&key, 0).is_ok());
        t.forget(&Key::Account("x".into()));
        t.fail(key.clone(), 0);
        assert!(t.check(&key, 0).is_err());
    }
}
