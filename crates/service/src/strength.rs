//! How hard a secret is to guess: the checks that refuse weak passwords (`tcscreen users`)
//! and weak access tokens (`tcscreen serve --token-file`).
//!
//! Length alone is not enough: sixteen times the same letter is sixteen characters. The
//! estimate counts only the characters that a guesser could not predict from the one before
//! (a repeat, or the next or previous character, as in `aaaa`, `abcd` or `4321`, adds
//! nothing) and gives each the Shannon entropy of the secret's own mix of characters. It is
//! deliberately rough and conservative: a random token of the recommended size
//! (`head -c 24 /dev/urandom | base64`, 32 characters) scores well over a hundred bits, a
//! pass-phrase of four words about ninety, and `Password1234` under thirty.

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted, in bytes (the sign-in form is small).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// The least estimated strength of a password, in bits.
pub const MIN_PASSWORD_BITS: f64 = 40.0;
/// The shortest access token accepted, in characters.
pub const MIN_TOKEN_CHARS: usize = 16;
/// The least estimated strength of an access token, in bits.
pub const MIN_TOKEN_BITS: f64 = 64.0;

/// The estimated strength of `secret`, in bits (see the module's documentation).
pub fn estimated_bits(secret: &str) -> f64 {
    let chars: Vec<char> = secret.chars().collect();
    if chars.is_empty() {
        return 0.0;
    }
    let mut counts = std::collections::BTreeMap::new();
    for c in &chars {
        *counts.entry(*c).or_insert(0usize) += 1;
    }
    let n = chars.len() as f64;
    let per_char: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum();
    let surprising = 1 + chars
        .windows(2)
        .filter(|w| (i64::from(u32::from(w[1])) - i64::from(u32::from(w[0]))).abs() > 1)
        .count();
    per_char * surprising as f64
}

/// Why a password may not be used for `account`, if it may not.
pub fn password_problem(account: &str, password: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Some(format!(
            "the password is {length} characters long: use at least {MIN_PASSWORD_CHARS} (a few unrelated words make a good one)"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Some(format!(
            "the password is longer than {MAX_PASSWORD_BYTES} bytes"
        ));
    }
    if password.chars().any(char::is_control) {
        return Some("the password holds a control character".into());
    }
    if account.chars().count() >= 3 && password.to_lowercase().contains(&account.to_lowercase()) {
        return Some("the password contains the account's name".into());
    }
    if estimated_bits(password) < MIN_PASSWORD_BITS {
        return Some(
            "the password is too easy to guess (repeated or consecutive characters, or too few different ones): use a few unrelated words, or a password manager's"
                .into(),
        );
    }
    None
}

/// Why a shared access token may not be used, if it may not.
pub fn token_problem(token: &str) -> Option<String> {
    if token.chars().count() < MIN_TOKEN_CHARS
        || token.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Some(format!(
            "the token must be one word of at least {MIN_TOKEN_CHARS} characters (no spaces)"
        ));
    }
    if estimated_bits(token) < MIN_TOKEN_BITS {
        return Some(
            "the token is too easy to guess (repeated or consecutive characters, or too few different ones)"
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_consecutive_characters_count_for_nothing() {
        assert_eq!(estimated_bits("aaaaaaaaaaaaaaaaaaaaaaaa"), 0.0);
        assert!(estimated_bits("abcdefghijklmnopqrstuvwxyz") < 5.0);
        assert!(estimated_bits("abababababababababababab") < 2.0);
        assert!(estimated_bits("Password1234") < MIN_PASSWORD_BITS);
    }

    #[test]
    fn random_tokens_and_pass_phrases_pass() {
        // `head -c 24 /dev/urandom | base64`
        assert!(token_problem("q8Xr2vLk0bTzN4mWc7yHf1sJp9dGa6eU").is_none());
        assert!(password_problem("a.officer", "correct horse battery staple").is_none());
    }

    #[test]
    fn weak_secrets_are_refused_with_the_reason() {
        assert!(token_problem("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").is_some());
        assert!(token_problem("short").unwrap().contains("at least 16"));
        assert!(token_problem("0123456789abcdefghijklmnop").is_some());
        assert!(
            password_problem("x", "zzzzzzzzzzzzzzzz")
                .unwrap()
                .contains("guess")
        );
        assert!(
            password_problem("x", "tiny")
                .unwrap()
                .contains("at least 12")
        );
        assert!(
            password_problem("amara", "amara-likes-long-walks")
                .unwrap()
                .contains("account")
        );
    }
}
