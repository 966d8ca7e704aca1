//! `tcscreen serve`: the HTTP API and the web page (crate `tcscreen-server`), on the same
//! service layer as the other verbs, so that both give byte-identical records.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::console::{errln, outln};
use crate::exit_codes::ExitStatus;
use crate::global_args::GlobalArgs;

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Where to listen. A non-loopback address needs --users (or --token-file, for the API
    /// only).
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Append every screening and human decision to this register (created if missing). The
    /// server is its only writer while it runs.
    #[arg(long, env = "TCSCREEN_REGISTER", value_name = "FILE")]
    pub register: Option<PathBuf>,

    /// Accept only packs signed by a key in DIR (its *.pub files).
    #[arg(long, value_name = "DIR")]
    pub trust: Option<PathBuf>,

    /// The accounts people sign in with (made with `tcscreen users add`): each has roles, and
    /// the register records who decided. Without it (and without --token-file) the server is
    /// for one person on this machine.
    #[arg(long, env = "TCSCREEN_USERS", value_name = "FILE")]
    pub users: Option<PathBuf>,

    /// A shared token for API clients (`Authorization: Bearer TOKEN`). Alone, the server
    /// serves the API only; with --users, the token may only view and screen.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Refuse request bodies larger than this many bytes (at most the default, 4 MiB).
    #[arg(long, value_name = "BYTES")]
    pub max_request_bytes: Option<usize>,

    /// Screening threads, 1 to 256. Default: the number of available cores.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,

    /// Screenings that may wait for a thread; beyond that the server answers 503 with
    /// Retry-After. Default: 4 per thread.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub queue: Option<u32>,

    /// Connections served at once (default 512; lowered to fit under the process's limit of
    /// open files). A few more are kept for the health checks.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: Option<u32>,
}

/// Run `serve`.
pub fn serve(global: &GlobalArgs, args: &ServeArgs) -> ExitStatus {
    let mut config = tcscreen_server::Config::new(global.rules.clone());
    config.addr = args.addr;
    config.register.clone_from(&args.register);
    config.trust.clone_from(&args.trust);
    config.token_file.clone_from(&args.token_file);
    config.users_file.clone_from(&args.users);
    config.max_request_bytes =
        tcscreen_core::RequestLimits::with_max_bytes(args.max_request_bytes).max_bytes;
    if let Some(jobs) = args.jobs {
        config.jobs = usize::from(jobs);
        config.queue = config.jobs * 4;
    }
    if let Some(queue) = args.queue {
        config.queue = queue as usize;
    }
    if let Some(max) = args.max_connections {
        config.connections = tcscreen_server::connections::Limits::for_connections(max as usize);
    }
    let result =
        tcscreen_server::run::run(config, |line| outln!("{line}"), |line| errln!("{line}"));
    match result {
        Ok(()) => ExitStatus::Success,
        Err(e) => {
            crate::diagnostics::emit_all(&e.problems);
            errln!("error: {}", e.message);
            if e.usage {
                ExitStatus::Usage
            } else {
                ExitStatus::Error
            }
        }
    }
}
