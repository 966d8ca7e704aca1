//! `tcscreen users`: the accounts of `tcscreen serve --users FILE`: add, remove and list them,
//! set a password, set the roles, make or revoke a person's API token. The file keeps password
//! hashes and token digests only (see `tcscreen_service::users`); passwords are asked on the
//! terminal without echo, or read from standard input with `--password-stdin`.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use tcscreen_service::strength;
use tcscreen_service::users::{self, Role, User};

use crate::console::{errln, outln};
use crate::exit_codes::ExitStatus;

/// Arguments of `users`.
#[derive(Debug, clap::Args)]
pub struct UsersArgs {
    /// The users file (created by the first `add`).
    #[arg(long, env = "TCSCREEN_USERS", value_name = "FILE", global = true)]
    pub users: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub action: UsersAction,
}

/// The verbs of `users`.
#[derive(Debug, clap::Subcommand)]
pub enum UsersAction {
    /// Add an account, with its roles and a password.
    Add {
        /// The account name: lower-case letters, digits, `.`, `_`, `-` (such as a.officer).
        name: String,
        /// A role: screener (screens and resubmits), decider (records human decisions, and
        /// may screen as of another date), admin (reloads packs and accounts). Repeat for
        /// several.
        #[arg(long = "role", value_name = "ROLE", required = true, value_parser = ["screener", "decider", "admin"])]
        roles: Vec<String>,
        /// Read the password from the first line of standard input instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove an account (its sessions and token end at once).
    Remove {
        /// The account name.
        name: String,
    },
    /// List the accounts, their roles and whether each has an API token.
    List,
    /// Set an account's password (its sessions end).
    Passwd {
        /// The account name.
        name: String,
        /// Read the password from the first line of standard input instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set an account's roles (replacing the ones it has).
    Roles {
        /// The account name.
        name: String,
        /// A role: screener, decider, admin. Repeat for several.
        #[arg(long = "role", value_name = "ROLE", required = true, value_parser = ["screener", "decider", "admin"])]
        roles: Vec<String>,
    },
    /// Make a new API token for an account (printed once; the file keeps its digest), or
    /// revoke it.
    Token {
        /// The account name.
        name: String,
        /// Remove the account's token instead of making one.
        #[arg(long)]
        revoke: bool,
    },
}

/// Run `users`.
pub fn users(args: &UsersArgs) -> ExitStatus {
    let Some(file) = &args.users else {
        errln!("error: give the users file with --users FILE (or TCSCREEN_USERS)");
        return ExitStatus::Usage;
    };
    let result = match &args.action {
        UsersAction::Add {
            name,
            roles,
            password_stdin,
        } => add(file, name, roles, *password_stdin),
        UsersAction::Remove { name } => users::edit(file, |u| u.remove(name).map(|_| ()))
            .map(|()| outln!("removed the account {name}"))
            .map_err(Failure::File),
        UsersAction::List => list(file),
        UsersAction::Passwd {
            name,
            password_stdin,
        } => passwd(file, name, *password_stdin),
        UsersAction::Roles { name, roles } => set_roles(file, name, roles),
        UsersAction::Token { name, revoke } => token(file, name, *revoke),
    };
    match result {
        Ok(()) => ExitStatus::Success,
        Err(Failure::Usage(why)) => {
            errln!("error: {why}");
            ExitStatus::Usage
        }
        Err(Failure::File(why)) => {
            errln!("error: {why}");
            ExitStatus::Error
        }
    }
}

/// Why a `users` verb failed: the arguments (exit 2), or the file (exit 3).
enum Failure {
    Usage(String),
    File(String),
}

fn roles_of(names: &[String]) -> BTreeSet<Role> {
    names.iter().filter_map(|r| Role::parse(r)).collect()
}

/// The password for `name`: from standard input, or asked twice on the terminal; refused if
/// it is weak.
fn password_for(name: &str, from_stdin: bool) -> Result<String, Failure> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::Usage(format!("cannot read the password: {e}")))?;
        line.trim_end_matches(['\n', '\r']).to_string()
    } else {
        let ask = |prompt: &str| {
            rpassword::prompt_password(prompt).map_err(|e| {
                Failure::Usage(format!(
                    "cannot ask for the password on a terminal ({e}): give --password-stdin and the password on standard input"
                ))
            })
        };
        let first = ask(&format!("New password for {name}: "))?;
        let again = ask("The same password again: ")?;
        if first != again {
            return Err(Failure::Usage("the two passwords differ".into()));
        }
        first
    };
    if let Some(why) = strength::password_problem(name, &password) {
        return Err(Failure::Usage(why));
    }
    Ok(password)
}

fn add(file: &Path, name: &str, roles: &[String], from_stdin: bool) -> Result<(), Failure> {
    if let Some(why) = users::name_problem(name) {
        return Err(Failure::Usage(why));
    }
    if users::read(file).is_ok_and(|u| u.get(name).is_some()) {
        return Err(Failure::Usage(format!(
            "there is already an account {name} (set its password with `tcscreen users passwd {name}`)"
        )));
    }
    let password = password_for(name, from_stdin)?;
    let hash = users::hash_password(&password).map_err(Failure::File)?;
    let roles = roles_of(roles);
    let listed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    users::edit(file, |u| {
        u.add(User {
            name: name.to_string(),
            roles,
            password: hash,
            token: None,
        })
    })
    .map_err(Failure::File)?;
    outln!(
        "added the account {name} ({}) to {}",
        listed.join(", "),
        file.display()
    );
    Ok(())
}

fn list(file: &Path) -> Result<(), Failure> {
    let all = users::read(file).map_err(Failure::File)?;
    if all.is_empty() {
        outln!("no accounts in {}", file.display());
        return Ok(());
    }
    let width = all.iter().map(|u| u.name.len()).max().unwrap_or(0).max(7);
    outln!("{:width$}  {:24}  API token", "account", "roles");
    for u in all.iter() {
        let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
        outln!(
            "{:width$}  {:24}  {}",
            u.name,
            roles.join(", "),
            if u.token.is_some() { "yes" } else { "no" }
        );
    }
    Ok(())
}

fn passwd(file: &Path, name: &str, from_stdin: bool) -> Result<(), Failure> {
    let all = users::read(file).map_err(Failure::File)?;
    if all.get(name).is_none() {
        return Err(Failure::Usage(format!(
            "there is no account {}",
            tcscreen_service::escape::controls(name)
        )));
    }
    let password = password_for(name, from_stdin)?;
    let hash = users::hash_password(&password).map_err(Failure::File)?;
    users::edit(file, |u| match u.get_mut(name) {
        Some(user) => {
            user.password = hash;
            Ok(())
        }
        None => Err(format!("there is no account {name}")),
    })
    .map_err(Failure::File)?;
    outln!("set the password of {name}; its sessions have ended");
    Ok(())
}

fn set_roles(file: &Path, name: &str, roles: &[String]) -> Result<(), Failure> {
    let roles = roles_of(roles);
    let listed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    users::edit(file, |u| match u.get_mut(name) {
        Some(user) => {
            user.roles = roles;
            Ok(())
        }
        None => Err(format!(
            "there is no account {}",
            tcscreen_service::escape::controls(name)
        )),
    })
    .map_err(Failure::File)?;
    outln!("{name} now has the roles {}", listed.join(", "));
    Ok(())
}

fn token(file: &Path, name: &str, revoke: bool) -> Result<(), Failure> {
    let (clear, digest) = if revoke {
        (None, None)
    } else {
        let (clear, digest) = users::new_token().map_err(Failure::File)?;
        (Some(clear), Some(digest))
    };
    users::edit(file, |u| match u.get_mut(name) {
        Some(user) => {
            user.token = digest;
            Ok(())
        }
        None => Err(format!(
            "there is no account {}",
            tcscreen_service::escape::controls(name)
        )),
    })
    .map_err(Failure::File)?;
    match clear {
        Some(token) => {
            errln!(
                "the API token of {name} (shown once; the users file keeps only its digest; send it as `Authorization: Bearer TOKEN`):"
            );
            outln!("{token}");
        }
        None => outln!("revoked the API token of {name}"),
    }
    Ok(())
}
