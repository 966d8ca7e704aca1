//! `tcscreen keygen` and `tcscreen sign`: ed25519 keys and detached pack signatures.

use crate::console::{errln, outln};
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use tcscreen_packs::signature::{self, SIGNATURE_FILE};

use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;
use crate::rules_folder::catalog_and_chosen;
use tcscreen_service::escape::controls as esc;
use tcscreen_service::pack_check::resolution_date;

/// Arguments of `keygen`.
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Write the secret key to NAME and the public key to NAME.pub.
    #[arg(long, value_name = "NAME")]
    pub out: PathBuf,
}

/// Arguments of `sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The pack: ID, ID@VERSION or a pack folder.
    #[arg(value_name = "PACK")]
    pub pack: String,

    /// The secret key (made by `tcscreen keygen`).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
}

/// Write `text` to a new file; never overwrite a key.
fn create_new(path: &Path, text: &str, secret: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = secret;
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Run `keygen`.
pub fn keygen(args: &KeygenArgs) -> ExitStatus {
    let mut seed = [0u8; 32];
    if let Err(e) = getrandom::fill(&mut seed) {
        errln!("error: the system has no randomness to make a key: {e}");
        return ExitStatus::Error;
    }
    let key = SigningKey::from_bytes(&seed);
    let public = args.out.with_file_name(format!(
        "{}.pub",
        args.out
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    ));
    for (path, text, secret) in [
        (&args.out, signature::secret_key_text(&key), true),
        (
            &public,
            signature::public_key_text(&key.verifying_key()),
            false,
        ),
    ] {
        if let Err(e) = create_new(path, &text, secret) {
            errln!("error: cannot write {}: {e}", path.display());
            return ExitStatus::Error;
        }
    }
    outln!(
        "key {} written: secret {} (keep it safe), public {}",
        signature::key_id(&key.verifying_key()),
        args.out.display(),
        public.display()
    );
    ExitStatus::Success
}

/// Run `sign`.
pub fn sign(cli: &GlobalArgs, args: &SignArgs) -> ExitStatus {
    let key = match signature::read_secret_key(&args.key) {
        Ok(key) => key,
        Err(e) => {
            errln!("error: {e}");
            return ExitStatus::Error;
        }
    };
    let Some((catalog, chosen, mut status)) =
        catalog_and_chosen(cli, std::slice::from_ref(&args.pack))
    else {
        return ExitStatus::Error;
    };
    for index in chosen {
        let entry = catalog.entry(index);
        let resolved = match catalog.resolve(index, resolution_date(&catalog, index)) {
            Ok(resolved) => resolved,
            Err(errors) => {
                for e in errors {
                    crate::diagnostics::emit(&e);
                }
                status.raise(ExitStatus::Error);
                continue;
            }
        };
        let path = entry.dir.join(SIGNATURE_FILE);
        let text = signature::sign(&resolved.identity, &key);
        let written = tempfile::NamedTempFile::new_in(&entry.dir).and_then(|mut temp| {
            std::io::Write::write_all(&mut temp, text.as_bytes())?;
            temp.as_file().sync_all()?;
            temp.persist(&path).map(|_| ()).map_err(|e| e.error)
        });
        match written {
            Ok(()) => outln!(
                "signed {} {} (digest {}) with key {}: {}",
                esc(&resolved.identity.id),
                esc(&resolved.identity.version),
                &resolved.identity.sha256[..12],
                signature::key_id(&key.verifying_key()),
                esc(&tcscreen_packs::display_join(
                    &entry.display,
                    SIGNATURE_FILE
                ))
            ),
            Err(e) => {
                errln!("error: cannot write {}: {e}", path.display());
                status.raise(ExitStatus::Error);
            }
        }
    }
    status
}
