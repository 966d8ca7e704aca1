//! Starting and stopping the server: the packs are discovered and checked (a server never
//! starts on packs a reload would refuse), the register is opened and verified, the screening
//! threads start, the address is bound, and the server runs until Ctrl-C or SIGTERM. Then it
//! stops accepting connections, lets the requests in flight finish (for at most
//! [`GRACE`]), and the register's writer syncs and ends. SIGHUP reloads the packs.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tcscreen_core::Diagnostic;
use tcscreen_service::SetupProblem;
use tcscreen_service::register_writer::RegisterWriter;
use tokio::net::TcpListener;

use crate::access::Log;
use crate::config::Config;
use crate::routes::router;
use crate::state::{AppState, Parts};

/// How long requests in flight may take to finish after a stop is asked for.
pub const GRACE: Duration = Duration::from_secs(30);

/// Why the server could not start, with the problems behind it (render them as the command
/// line does).
#[derive(Debug)]
pub struct StartError {
    /// What went wrong.
    pub message: String,
    /// The packs' problems, when they are the reason.
    pub problems: Vec<Diagnostic>,
    /// Whether the arguments are the reason (a usage error), rather than files or the system.
    pub usage: bool,
}

impl From<String> for StartError {
    fn from(message: String) -> StartError {
        StartError {
            message,
            problems: Vec::new(),
            usage: false,
        }
    }
}

/// The state of a server for `config`: packs discovered and checked, the register opened and
/// verified, the screening threads started. Returns the packs' warnings with it.
pub fn prepare(config: &Config) -> Result<(AppState, Vec<Diagnostic>), StartError> {
    prepare_with_log(config, Arc::new(|line: &str| eprintln!("{line}")))
}

/// [`prepare`], with the lines for the operator (sign-ins, refused tokens, a register held by
/// another process, said at once before waiting for it) going to `log`.
pub fn prepare_with_log(
    config: &Config,
    log: Log,
) -> Result<(AppState, Vec<Diagnostic>), StartError> {
    let usage = |message| StartError {
        message,
        problems: Vec::new(),
        usage: true,
    };
    let token = config.token().map_err(usage)?;
    let users = config.users().map_err(usage)?;
    let settings = config.screen_settings();
    let (packs, _automatic) = settings.packs().map_err(|problem| {
        let message = match (&problem, &settings.trust) {
            (SetupProblem::Trust(_), Some(dir)) => {
                format!("cannot read the trusted keys in {}", dir.display())
            }
            _ => format!("cannot read the rules folder {}", settings.rules.display()),
        };
        StartError {
            message,
            problems: problem.problems().to_vec(),
            usage: false,
        }
    })?;
    let warnings = packs.check_all().map_err(|problems| StartError {
        message: format!(
            "the packs under {} do not pass `tcscreen check`: fix them, then start the server",
            config.rules.display()
        ),
        problems,
        usage: false,
    })?;
    let register = match &config.register {
        Some(path) => Some(RegisterWriter::start_saying(path, &mut |line| log(line))?),
        None => None,
    };
    let screener = settings
        .screener(packs)
        .map_err(|e| format!("cannot start the screening threads: {e}"))?;
    let state = AppState::new(Parts {
        screener,
        settings,
        register,
        max_upload_bytes: config.max_upload_bytes,
        token,
        users,
        loopback: config.addr.ip().is_loopback(),
        log,
        batches: config.jobs.max(1) * 2,
        connections: config.connections,
    });
    Ok((state, warnings))
}

/// Serve `state` on `listener` until `stop` completes; then finish the requests in flight
/// (at most [`GRACE`]).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.connection_limits();
    crate::connections::serve(listener, router(state), limits, stop, GRACE).await
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("http")
        .build()
        .map_err(|e| format!("cannot start the server's runtime: {e}"))
}

/// Run the server in the foreground until Ctrl-C or SIGTERM; SIGHUP reloads the packs.
/// `listening` gets the line with the address once the server listens; `say` every other line
/// for the operator (warnings, reloads, the stop).
pub fn run(
    config: Config,
    listening: impl FnOnce(&str) + Send + 'static,
    say: impl Fn(&str) + Send + Sync + 'static,
) -> Result<(), StartError> {
    let say = Arc::new(say);
    let log = say.clone();
    let (state, warnings) = prepare_with_log(&config, Arc::new(move |line: &str| log(line)))?;
    for w in &warnings {
        say(&tcscreen_service::render::problem::render(
            w,
            tcscreen_service::render::problem::ProblemFormat::Plain,
        ));
    }
    let runtime = runtime()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        // Signals are caught before the address is announced: whoever reads it may signal.
        let stop = stop_signals();
        spawn_reload_on_hangup(state.clone(), say.clone());
        let packs = state.screener().packs().catalog().entries().len();
        listening(&format!(
            "tcscreen serving {packs} packs from {} at http://{addr}/ ({}{}); Ctrl-C stops it",
            config.rules.display(),
            config.register.as_ref().map_or_else(
                || "no register".to_string(),
                |r| format!("register {}", r.display())
            ),
            match state.access().mode() {
                crate::access::Mode::SinglePerson => ", single-person mode: no accounts",
                crate::access::Mode::SharedToken => ", API only: token required",
                crate::access::Mode::Accounts => ", accounts: people sign in",
            },
        ));
        let result = serve(listener, state, stop).await;
        say("stopped: requests in flight have finished and the register is synced");
        result.map_err(|e| StartError::from(format!("the server failed: {e}")))
    })
}

/// A future that completes on Ctrl-C or SIGTERM; the handlers are installed when this is
/// called, not when the future is first polled.
#[cfg(unix)]
fn stop_signals() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let mut interrupt = signal(SignalKind::interrupt()).ok();
    async move {
        let terminated = async {
            match term.as_mut() {
                Some(term) => {
                    term.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        let interrupted = async {
            match interrupt.as_mut() {
                Some(interrupt) => {
                    interrupt.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = interrupted => {}
            () = terminated => {}
        }
    }
}

#[cfg(not(unix))]
fn stop_signals() -> impl Future<Output = ()> + Send + 'static {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(unix)]
fn spawn_reload_on_hangup(
    state: AppState,
    say: std::sync::Arc<impl Fn(&str) + Send + Sync + 'static>,
) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        return;
    };
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            match crate::api::reload_packs(&state).await {
                Ok((count, warnings)) => {
                    say(&format!(
                        "reloaded: {count} packs in force ({} warnings)",
                        warnings.len()
                    ));
                }
                Err(problems) => {
                    say("reload refused: the packs in force are unchanged");
                    for d in &problems {
                        say(&tcscreen_service::render::problem::render(
                            d,
                            tcscreen_service::render::problem::ProblemFormat::Plain,
                        ));
                    }
                }
            }
        }
    });
}

#[cfg(not(unix))]
fn spawn_reload_on_hangup(_: AppState, _: std::sync::Arc<impl Fn(&str) + Send + Sync + 'static>) {}

/// A server running on a thread of its own: for tests, benchmarks and embedding.
pub struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    /// Start a server for `config` (port 0 picks a free port) and wait until it listens.
    pub fn start(config: Config) -> Result<Server, StartError> {
        let (state, _warnings) = prepare(&config)?;
        Server::start_with(config.addr, state)
    }

    /// Start a server over `state`. May be called from inside another runtime (a test's).
    pub fn start_with(addr: SocketAddr, state: AppState) -> Result<Server, StartError> {
        let listener = std::net::TcpListener::bind(addr)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("server".into())
            .spawn(move || {
                let runtime = runtime().map_err(std::io::Error::other)?;
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener)?;
                    serve(listener, state, async move {
                        let _ = stopped.await;
                    })
                    .await
                })
            })
            .map_err(|e| format!("cannot start the server's thread: {e}"))?;
        Ok(Server {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop accepting connections, finish the requests in flight, and wait for the end.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the server panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
