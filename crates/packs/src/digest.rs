//! The pack digest (spec §3): SHA-256 over the files the loader reads (`pack.toml`, `rules/`,
//! `lib/`, `data/`; not `pack.sig`, `tests/` or anything else) of the pack and every ancestor,
//! in byte order of `<pack id>/<path>`, each contributing that name, NUL, its length in
//! decimal, NUL, and its bytes; written as 64 lowercase hex digits. The files are the snapshot
//! the pack was read into ([`PackFiles::digest_entries`]): what is hashed is what is parsed,
//! compiled and signed.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use tcscreen_core::{PackIdentity, hash};

use crate::files::PackFiles;

/// The identity of the pack `id` `version`, whose own chain (the pack, then its ancestors)
/// has the files `chain` (each with its pack id).
pub(crate) fn identity(
    id: &str,
    version: &str,
    chain: &[(String, Arc<PackFiles>)],
) -> PackIdentity {
    let mut entries: Vec<(String, &[u8])> = chain
        .iter()
        .flat_map(|(id, f)| {
            f.digest_entries
                .iter()
                .map(move |(path, bytes)| (format!("{id}/{path}"), &bytes[..]))
        })
        .collect();
    PackIdentity {
        id: id.to_string(),
        version: version.to_string(),
        sha256: digest(&mut entries),
    }
}

/// The digest of a list of (name, bytes); sorts the list by name bytes.
pub fn digest(entries: &mut [(String, &[u8])]) -> String {
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut hasher = Sha256::new();
    for (name, bytes) in entries.iter() {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(bytes.len().to_string().as_bytes());
        hasher.update([0]);
        hasher.update(bytes);
    }
    hash::hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::digest;

    #[test]
    fn digest_format_is_name_nul_length_nul_bytes() {
        let mut entries: Vec<(String, &[u8])> =
            vec![("b/x".into(), b"12"), ("a/pack.toml".into(), b"")];
        let expected = tcscreen_core::hash::sha256_hex(b"a/pack.toml\x000\x00b/x\x002\x0012");
        assert_eq!(digest(&mut entries), expected);
    }
}
