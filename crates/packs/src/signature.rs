//! Signed packs: detached ed25519 signatures over the pack digest, and the trusted keys that
//! `--trust DIR` names.
//!
//! A signature lives in `<pack folder>/pack.sig` (signatures do not count in the digest). It
//! signs the pack's id, version and digest, so changing any file the loader reads, in the pack or
//! an ancestor, adding a rule, or moving the signature to another pack or version breaks it.
//! Under `--trust`, a pack that is unsigned, signed by a key not in the folder, or changed since
//! signing is refused. The signature is checked against the digest of the pack's snapshot
//! ([`PackFiles`]), the same bytes that are parsed and compiled: what is signed is what runs.
//! Keys are read as regular files of at most [`MAX_KEY_FILE_BYTES`]; a key may be a link (as
//! mounted secrets are), but never a named pipe or a device.

use std::collections::BTreeMap;
use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use tcscreen_core::{Code, Diagnostic, Json, PackIdentity, Pos, canonical, hash, json};

use crate::entry::{PackEntry, display_join};
use crate::files::PackFiles;
use crate::read::{Links, MAX_KEY_FILE_BYTES, read_regular};

/// The schema name of a signature file.
pub const SIGNATURE_SCHEMA: &str = "tcscreen/pack-signature/v1";
pub use crate::files::SIGNATURE_FILE;
const PUBLIC_PREFIX: &str = "tcscreen-ed25519-public ";
const SECRET_PREFIX: &str = "tcscreen-ed25519-secret ";

/// The bytes a signature covers.
fn message(pack: &PackIdentity) -> Vec<u8> {
    format!(
        "{SIGNATURE_SCHEMA}\n{}\n{}\n{}\n",
        pack.id, pack.version, pack.sha256
    )
    .into_bytes()
}

/// A key's id: the first 16 hex digits of the SHA-256 of its public key.
pub fn key_id(key: &VerifyingKey) -> String {
    hash::sha256_hex(key.as_bytes())[..16].to_string()
}

/// The text of a public key file.
pub fn public_key_text(key: &VerifyingKey) -> String {
    format!("{PUBLIC_PREFIX}{}\n", hash::hex(key.as_bytes()))
}

/// The text of a secret key file.
pub fn secret_key_text(key: &SigningKey) -> String {
    format!("{SECRET_PREFIX}{}\n", hash::hex(&key.to_bytes()))
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn key_bytes(text: &str, prefix: &str) -> Option<[u8; 32]> {
    unhex(text.trim().strip_prefix(prefix)?)?.try_into().ok()
}

/// The text of a key file (a regular file, or a link to one, of bounded size).
fn key_text(path: &Path) -> Result<String, String> {
    let bytes = read_regular(path, MAX_KEY_FILE_BYTES, Links::Follow)
        .map_err(|e| format!("cannot read the key {}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| format!("{} is not a text file", path.display()))
}

/// Read a secret key file.
pub fn read_secret_key(path: &Path) -> Result<SigningKey, String> {
    let text = key_text(path)?;
    key_bytes(&text, SECRET_PREFIX)
        .map(|b| SigningKey::from_bytes(&b))
        .ok_or_else(|| {
            format!(
                "{} is not a tcscreen secret key (made by `tcscreen keygen`)",
                path.display()
            )
        })
}

/// Read a public key file.
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, String> {
    let text = key_text(path)?;
    key_bytes(&text, PUBLIC_PREFIX)
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| {
            format!(
                "{} is not a tcscreen public key (made by `tcscreen keygen`)",
                path.display()
            )
        })
}

/// The signature file's text for `pack`, signed with `key`.
pub fn sign(pack: &PackIdentity, key: &SigningKey) -> String {
    let signature = key.sign(&message(pack));
    let json = Json::object([
        ("schema", Json::string(SIGNATURE_SCHEMA)),
        ("pack", Json::string(&pack.id)),
        ("version", Json::string(&pack.version)),
        ("sha256", Json::string(&pack.sha256)),
        ("key_id", Json::string(key_id(&key.verifying_key()))),
        ("signature", Json::string(hash::hex(&signature.to_bytes()))),
    ]);
    canonical::to_canonical_string(&json) + "\n"
}

/// The public keys in a `--trust` folder, by key id.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: BTreeMap<String, VerifyingKey>,
    folder: String,
}

impl TrustedKeys {
    /// Read every `*.pub` file in `dir`. A folder with no keys is an error: it would trust nothing.
    pub fn load(dir: &Path) -> Result<TrustedKeys, Diagnostic> {
        let folder = dir.display().to_string();
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Diagnostic::error(
                Code::S001,
                format!("cannot read the trusted keys folder `{folder}`: {e}"),
            )
        })?;
        let mut keys = BTreeMap::new();
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for path in paths
            .into_iter()
            .filter(|p| p.extension().is_some_and(|x| x == "pub"))
        {
            let key = read_public_key(&path).map_err(|e| Diagnostic::error(Code::S001, e))?;
            keys.insert(key_id(&key), key);
        }
        if keys.is_empty() {
            return Err(Diagnostic::error(
                Code::S001,
                format!("no public keys (*.pub) in `{folder}`"),
            )
            .help(
                "put the .pub files made by `tcscreen keygen` of the keys you trust in this folder",
            ));
        }
        Ok(TrustedKeys { keys, folder })
    }

    /// Check the signature of `entry`, whose snapshot is `files` and whose identity (digest of
    /// that snapshot and its ancestors' snapshots) is `pack`. Returns the signer's key id.
    pub fn verify(
        &self,
        entry: &PackEntry,
        files: &PackFiles,
        pack: &PackIdentity,
    ) -> Result<String, Diagnostic> {
        let file = display_join(&entry.display, SIGNATURE_FILE);
        let refuse = |message: String| {
            Diagnostic::error(
                Code::S002,
                format!("pack `{}` {} refused: {message}", pack.id, pack.version),
            )
            .at(&file, Pos::NONE)
        };
        let text = match files.signature.as_deref().map(std::str::from_utf8) {
            Some(Ok(text)) => text,
            Some(Err(_)) => {
                return Err(refuse(format!("{SIGNATURE_FILE} is not a signature file")));
            }
            None => {
                return Err(refuse(
                    "it is not signed, and --trust accepts only signed packs".into(),
                )
                .help(format!(
                    "sign it with `tcscreen sign {} --key KEY`",
                    entry.display
                )));
            }
        };
        let parsed = json::parse(text, json::JsonLimits::default())
            .map_err(|_| refuse(format!("{SIGNATURE_FILE} is not a signature file")))?;
        let field = |name: &str| {
            parsed
                .get(name)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string()
        };
        if field("schema") != SIGNATURE_SCHEMA {
            return Err(refuse(format!("{SIGNATURE_FILE} is not a signature file")));
        }
        let signer = field("key_id");
        let Some(key) = self.keys.get(&signer) else {
            return Err(refuse(format!(
                "it is signed by key {signer}, which is not among the trusted keys in `{}`",
                self.folder
            )));
        };
        if field("pack") != pack.id || field("version") != pack.version {
            return Err(refuse(format!(
                "the signature is for pack `{}` {}, not this one",
                field("pack"),
                field("version")
            )));
        }
        if field("sha256") != pack.sha256 {
            return Err(refuse(format!(
                "it changed after signing: signed digest {}, now {}",
                short(&field("sha256")),
                short(&pack.sha256)
            ))
            .help("a rule, param, data table, lib module or ancestor was edited, added or removed; re-sign only after review"));
        }
        let signature = unhex(&field("signature"))
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| Signature::from_bytes(&b))
            .ok_or_else(|| refuse("the signature is malformed".into()))?;
        key.verify(&message(pack), &signature)
            .map_err(|_| refuse(format!("the signature does not verify with key {signer}")))?;
        Ok(signer)
    }
}

fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_ids_are_stable() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("k"), secret_key_text(&key)).unwrap();
        std::fs::write(
            dir.path().join("k.pub"),
            public_key_text(&key.verifying_key()),
        )
        .unwrap();
        assert_eq!(
            read_secret_key(&dir.path().join("k")).unwrap().to_bytes(),
            key.to_bytes()
        );
        let public = read_public_key(&dir.path().join("k.pub")).unwrap();
        assert_eq!(key_id(&public), key_id(&key.verifying_key()));
        assert_eq!(key_id(&public).len(), 16);
        assert!(read_public_key(&dir.path().join("k")).is_err());
    }
}
