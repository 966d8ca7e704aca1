//! The web page in a real browser: headless Chromium driven through WebDriver (chromedriver),
//! against a server on loopback. Paste a fixture and read the decision; upload a broken file
//! and see the error with its line and column; record a human decision and see it in the
//! history; open the portfolio of the shipped fixtures; the form checked as you type.
//! Screenshots go to `target/browser-screenshots/` for review.
//!
//! The tests skip, saying so, only when Chromium or chromedriver is not installed (Debian's
//! `chromium` and `chromium-driver`; `.ci/run` installs them and sets
//! `TCSCREEN_REQUIRE_BROWSER=1`, under which a missing browser fails instead). They wait for
//! elements with a timeout; nothing is timed.

mod common;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use tcscreen_server::run::Server;

/// One browser at a time: the machine may have two cores.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const WAIT: Duration = Duration::from_secs(30);

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Chromium and chromedriver, or `None` (after saying why) when they are not installed.
fn browser(test: &str) -> Option<(PathBuf, PathBuf)> {
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    let driver = find_program(&["chromedriver"]);
    match (chromium, driver) {
        (Some(chromium), Some(driver)) => Some((chromium, driver)),
        _ => {
            let why = "Chromium and chromedriver are not installed (Debian: apt-get install chromium chromium-driver)";
            assert!(
                std::env::var_os("TCSCREEN_REQUIRE_BROWSER").is_none(),
                "browser test {test}: {why}, and TCSCREEN_REQUIRE_BROWSER is set"
            );
            eprintln!("SKIPPED browser test {test}: {why}");
            None
        }
    }
}

/// chromedriver on a free loopback port, ended when dropped.
struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
    chromium: PathBuf,
}

impl Driver {
    fn start(driver: &Path, chromium: PathBuf) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < WAIT, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            child,
            port,
            _profile: tempfile::tempdir().unwrap(),
            chromium,
        }
    }

    async fn session(&self) -> Client {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,1100",
        ]
        .iter()
        .map(ToString::to_string)
        .chain([format!(
            "--user-data-dir={}",
            self._profile.path().display()
        )])
        .collect::<Vec<_>>();
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": self.chromium, "args": args }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a WebDriver session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let dir = target.join("browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(e) => {
            // What the browser shows, for whoever reads the failure.
            let name: String = css.chars().filter(char::is_ascii_alphanumeric).collect();
            screenshot(client, &format!("FAILED-{name}")).await;
            let source = client.source().await.unwrap_or_default();
            panic!("no element {css} ({e}); the page:\n{source}")
        }
    }
}

/// Wait until the text of `css` contains `text`.
async fn wait_for_text(client: &Client, css: &str, text: &str) -> String {
    let start = Instant::now();
    loop {
        let found = wait_for(client, css).await.text().await.unwrap_or_default();
        if found.contains(text) {
            return found;
        }
        assert!(
            start.elapsed() < WAIT,
            "{css} never said {text:?}; it says {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A server over the shipped packs with a register, and a browser session.
async fn setup(
    test: &str,
) -> Option<(
    Server,
    Driver,
    Client,
    tempfile::TempDir,
    tokio::sync::MutexGuard<'static, ()>,
)> {
    setup_with(test, &[]).await
}

/// [`setup`], with `requests` screened into the register (through the API) before the browser
/// opens a page.
async fn setup_with(
    test: &str,
    requests: &[String],
) -> Option<(
    Server,
    Driver,
    Client,
    tempfile::TempDir,
    tokio::sync::MutexGuard<'static, ()>,
)> {
    let (chromium, driver) = browser(test)?;
    let guard = ONE_BROWSER.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config();
    config.register = Some(dir.path().join("register.jsonl"));
    let state = state(&config);
    let app = tcscreen_server::router(state.clone());
    for request in requests {
        let answer = post(&app, "/v1/screen", request.clone()).await;
        assert_eq!(
            answer.status,
            axum::http::StatusCode::OK,
            "{}",
            answer.text()
        );
    }
    let server = Server::start_with(config.addr, state)
        .map_err(|e| e.message)
        .unwrap();
    let driver = Driver::start(&driver, chromium);
    let client = driver.session().await;
    Some((server, driver, client, dir, guard))
}

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/requests").join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paste_a_fixture_and_read_the_decision() {
    let Some((server, _driver, client, _dir, _guard)) = setup("paste").await else {
        return;
    };
    client
        .goto(&format!("{}/screen", server.url()))
        .await
        .unwrap();
    let text = std::fs::read_to_string(fixture("kh/kh-mrd-2025-031-rural-roads-piu.json")).unwrap();
    let request = wait_for(&client, "textarea#request").await;
    request.send_keys(&text).await.unwrap();
    // The script checks the request as it is typed, through the validate endpoint.
    wait_for_text(
        &client,
        "#request-check",
        "The request is valid (KH-MRD-2025-031)",
    )
    .await;
    screenshot(&client, "screen-pasted").await;
    client
        .find(Locator::Css("form[action='/screen'] button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let decision = wait_for_text(&client, "#decision-title", "Decision:").await;
    assert_eq!(decision, "Decision: Reject");
    let note = wait_for(&client, ".note-body h2")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        note.starts_with("Screening of request KH-MRD-2025-031"),
        "{note}"
    );
    let findings = wait_for(&client, "section.findings")
        .await
        .text()
        .await
        .unwrap();
    assert!(findings.contains("Fit with national policy"), "{findings}");
    screenshot(&client, "screen-decision").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_a_broken_file_and_see_the_error_with_its_line_and_column() {
    let Some((server, _driver, client, dir, _guard)) = setup("upload").await else {
        return;
    };
    let broken = dir.path().join("broken-request.json");
    std::fs::write(&broken, "{\n  \"id\": \"R1\",\n  \"country\" \"KH\"\n}\n").unwrap();
    client
        .goto(&format!("{}/screen", server.url()))
        .await
        .unwrap();
    let file = wait_for(&client, "input#file").await;
    file.send_keys(&broken.to_string_lossy()).await.unwrap();
    client
        .find(Locator::Css("form[action='/screen'] button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let place = wait_for_text(&client, ".problems .place", "line").await;
    assert_eq!(place, "broken-request.json, line 3, column 13");
    let problem = wait_for(&client, ".problems li")
        .await
        .text()
        .await
        .unwrap();
    assert!(problem.contains("expected “:” after the key"), "{problem}");
    assert!(
        !problem.contains("I002"),
        "no engine codes on a page: {problem}"
    );
    screenshot(&client, "screen-broken-upload").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_a_human_decision_and_see_it_on_the_case_page() {
    let Some((server, _driver, client, dir, _guard)) = setup("decision").await else {
        return;
    };
    // Screened through the page: the screening is in the register.
    client
        .goto(&format!("{}/screen", server.url()))
        .await
        .unwrap();
    let text = std::fs::read_to_string(fixture("kh/kh-mrd-2025-031-rural-roads-piu.json")).unwrap();
    wait_for(&client, "textarea#request")
        .await
        .send_keys(&text)
        .await
        .unwrap();
    client
        .find(Locator::Css("form[action='/screen'] button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "#decision-title", "Decision: Reject").await;
    client
        .find(Locator::LinkText(
            "Open this case and record the human decision",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "#decide-title").await;
    wait_for(&client, "#decision-revise")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&client, "#by")
        .await
        .send_keys("A. Officer")
        .await
        .unwrap();
    wait_for(&client, "#reason")
        .await
        .send_keys("The ministry will fold the unit into its department")
        .await
        .unwrap();
    // The finding set aside is offered by its rule's title and its finding, not its id.
    let waiver = wait_for(&client, "input[name='waived'][value='base/MG-01']").await;
    let waiver_id = waiver.attr("id").await.unwrap().unwrap();
    let label = wait_for(&client, &format!("label[for='{waiver_id}']"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        label.starts_with("No parallel project implementation unit: A parallel project implementation unit is not acceptable"),
        "{label}"
    );
    waiver.click().await.unwrap();
    client
        .find(Locator::Css("section.decide button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "#recorded", "recorded (register entry 2)").await;
    let decisions = wait_for(&client, "table.decisions")
        .await
        .text()
        .await
        .unwrap();
    assert!(decisions.contains("A. Officer"), "{decisions}");
    assert!(
        decisions.contains("Round 1 (departs from its reject)"),
        "{decisions}"
    );
    assert!(
        decisions.contains("No parallel project implementation unit: A parallel project implementation unit is not acceptable"),
        "{decisions}"
    );
    let state = wait_for(&client, "#case-state").await.text().await.unwrap();
    assert!(state.starts_with("Decided: Revise on "), "{state}");
    screenshot(&client, "case-decision").await;
    client.close().await.unwrap();
    verifies(&dir.path().join("register.jsonl"), 2);
}

/// The register verifies and holds `entries` entries.
fn verifies(path: &Path, entries: usize) {
    let read = tcscreen_service::register_scan::read(path, None)
        .unwrap_or_else(|(_, broken)| panic!("the register is damaged: {broken:?}"));
    assert_eq!(read.len(), entries);
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

/// The request ids in the cases table, in order.
async fn listed(client: &Client) -> Vec<String> {
    wait_for(client, "main h1").await;
    let mut ids = Vec::new();
    for row in client
        .find_all(Locator::Css("table.cases tbody th[scope='row']"))
        .await
        .unwrap()
    {
        ids.push(row.text().await.unwrap());
    }
    ids
}

async fn submit_filters(client: &Client) {
    client
        .find(Locator::Css("form.filters button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filter_search_and_sort_cases() {
    let requests = [
        fixture_text("kh/kh-mrd-2025-031-rural-roads-piu.json"),
        fixture_text("np/np-mof-2016-003-aid-information.json"),
        fixture_text("kh/kh-mef-2025-014-pfm-pooled.json"),
    ];
    let Some((server, _driver, client, dir, _guard)) = setup_with("cases", &requests).await else {
        return;
    };
    // The home page, with a register, is the list of cases: awaiting first, latest first.
    client.goto(&server.url()).await.unwrap();
    assert_eq!(
        listed(&client).await,
        ["KH-MEF-2025-014", "NP-MOF-2016-003", "KH-MRD-2025-031"]
    );
    let caption = wait_for(&client, "table.cases caption")
        .await
        .text()
        .await
        .unwrap();
    assert!(caption.starts_with("3 cases found"), "{caption}");
    screenshot(&client, "cases").await;
    // Search in the titles, without regard to case.
    wait_for(&client, "#q")
        .await
        .send_keys("RURAL roads")
        .await
        .unwrap();
    submit_filters(&client).await;
    wait_for_text(&client, "table.cases caption", "1 case found").await;
    assert_eq!(listed(&client).await, ["KH-MRD-2025-031"]);
    // Filter by country, the search cleared.
    client
        .goto(&format!("{}/cases", server.url()))
        .await
        .unwrap();
    wait_for(&client, "#country")
        .await
        .select_by_value("NP")
        .await
        .unwrap();
    submit_filters(&client).await;
    wait_for_text(&client, "table.cases caption", "1 case found").await;
    assert_eq!(listed(&client).await, ["NP-MOF-2016-003"]);
    // Filter by the screening decision.
    client
        .goto(&format!("{}/cases", server.url()))
        .await
        .unwrap();
    wait_for(&client, "#decision")
        .await
        .select_by_value("reject")
        .await
        .unwrap();
    submit_filters(&client).await;
    wait_for_text(&client, "table.cases caption", "1 case found").await;
    assert_eq!(listed(&client).await, ["KH-MRD-2025-031"]);
    // Sort by a column heading, then the other way.
    client
        .goto(&format!("{}/cases", server.url()))
        .await
        .unwrap();
    wait_for(&client, "table.cases").await;
    client
        .find(Locator::Css("table.cases thead th:first-child a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "th[aria-sort='ascending']").await;
    let ascending = listed(&client).await;
    let mut sorted = ascending.clone();
    sorted.sort();
    assert_eq!(ascending, sorted);
    assert_eq!(ascending.len(), 3);
    client
        .find(Locator::Css("table.cases thead th:first-child a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "th[aria-sort='descending']").await;
    let descending = listed(&client).await;
    sorted.reverse();
    assert_eq!(descending, sorted);
    screenshot(&client, "cases-sorted").await;
    client.close().await.unwrap();
    verifies(&dir.path().join("register.jsonl"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_a_case_and_reopen_an_old_note() {
    let piu = fixture_text("kh/kh-mrd-2025-031-rural-roads-piu.json");
    let integrated = piu.replace("\"parallel_piu\"", "\"integrated_piu\"");
    assert_ne!(piu, integrated);
    let Some((server, _driver, client, dir, _guard)) = setup_with("case", &[piu, integrated]).await
    else {
        return;
    };
    client.goto(&server.url()).await.unwrap();
    client
        .find(Locator::LinkText("KH-MRD-2025-031"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "main h1", "Case KH-MRD-2025-031").await;
    // Both rounds, the latest open; the progress between them.
    let rounds = wait_for(&client, "table.rounds")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        rounds.contains("Round 1") && rounds.contains("Round 2"),
        "{rounds}"
    );
    let progress = wait_for(&client, "#round-2 section.compare")
        .await
        .text()
        .await
        .unwrap();
    assert!(progress.contains("Resolved (1)"), "{progress}");
    assert!(
        progress.contains("No parallel project implementation unit"),
        "{progress}"
    );
    screenshot(&client, "case").await;
    // The old round's note, opened from the register on a page of its own.
    client
        .find(Locator::LinkText("Open round 1 to print"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "main h1", "Case KH-MRD-2025-031, round 1 of 2").await;
    let note = wait_for(&client, ".note-body h2")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        note.starts_with("Screening of request KH-MRD-2025-031"),
        "{note}"
    );
    let findings = wait_for(&client, "table.findings")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        findings.contains("No parallel project implementation unit"),
        "{findings}"
    );
    screenshot(&client, "case-round-1").await;
    client.close().await.unwrap();
    // Reading rounds and notes appends nothing.
    verifies(&dir.path().join("register.jsonl"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_and_resubmit_and_see_the_compare() {
    let piu = fixture_text("kh/kh-mrd-2025-031-rural-roads-piu.json");
    let Some((server, _driver, client, dir, _guard)) = setup_with("resubmit", &[piu]).await else {
        return;
    };
    client
        .goto(&format!("{}/cases/KH-MRD-2025-031", server.url()))
        .await
        .unwrap();
    client
        .find(Locator::LinkText("Edit and resubmit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "#resubmit-lead").await;
    let id = wait_for(&client, "#f-id")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(id.as_deref(), Some("KH-MRD-2025-031"));
    // Fold the unit into the ministry, and screen it again as the next round.
    wait_for(&client, "#f-management-arrangement")
        .await
        .select_by_value("integrated_piu")
        .await
        .unwrap();
    client
        .find(Locator::Css("form#request-form > button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "#decision-title").await;
    let progress = wait_for_text(&client, "section.compare", "Resolved (1)").await;
    assert!(
        progress.contains("No parallel project implementation unit"),
        "{progress}"
    );
    let note = wait_for(&client, ".note-body").await.text().await.unwrap();
    assert!(
        note.contains("Progress since the previous screening"),
        "{note}"
    );
    assert!(
        note.contains("Resolved since the previous screening: 1"),
        "{note}"
    );
    screenshot(&client, "resubmitted").await;
    client.close().await.unwrap();
    verifies(&dir.path().join("register.jsonl"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_the_portfolio_of_the_shipped_fixtures() {
    let Some((server, _driver, client, _dir, _guard)) = setup("portfolio").await else {
        return;
    };
    client
        .goto(&format!("{}/portfolio", server.url()))
        .await
        .unwrap();
    let files = fixture_files();
    let paths: Vec<String> = files
        .iter()
        .map(|f| f.to_string_lossy().to_string())
        .collect();
    wait_for(&client, "input#files")
        .await
        .send_keys(&paths.join("\n"))
        .await
        .unwrap();
    client
        .find(Locator::Css(
            "form[action='/portfolio'] button[type='submit']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let n = files.len();
    wait_for_text(&client, "p.lead", &format!("{n} requests, {n} screened")).await;
    let chart = wait_for(&client, "section[aria-labelledby='by-decision'] svg title").await;
    assert_eq!(chart.html(true).await.unwrap(), "Requests by decision");
    let providers = wait_for(&client, "section[aria-labelledby='by-provider'] table")
        .await
        .text()
        .await
        .unwrap();
    assert!(providers.contains("Not demand-led"), "{providers}");
    screenshot(&client, "portfolio-fixtures").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_form_is_checked_as_you_type() {
    let Some((server, _driver, client, _dir, _guard)) = setup("form").await else {
        return;
    };
    client
        .goto(&format!("{}/form", server.url()))
        .await
        .unwrap();
    wait_for(&client, "#f-id")
        .await
        .send_keys("KH-TEST-1")
        .await
        .unwrap();
    // The country is a choice of the countries with packs; none chosen yet: the problem
    // appears under it, in words, as the form is typed.
    let error = wait_for_text(&client, "#f-country-error", "Country is required").await;
    assert_eq!(error.trim(), "Country is required");
    let invalid = wait_for(&client, "#f-country")
        .await
        .attr("aria-invalid")
        .await
        .unwrap();
    assert_eq!(invalid.as_deref(), Some("true"));
    let options = wait_for(&client, "#f-country").await.text().await.unwrap();
    assert!(options.contains("Cambodia (KH)"), "{options}");
    screenshot(&client, "form-checked").await;
    client.close().await.unwrap();
}

/// A server with accounts (a screener and a decider) and a register, and a browser session.
async fn setup_accounts(
    test: &str,
) -> Option<(
    Server,
    Driver,
    Client,
    tempfile::TempDir,
    tokio::sync::MutexGuard<'static, ()>,
)> {
    use tcscreen_service::users::{self, Role, User};
    let (chromium, driver) = browser(test)?;
    let guard = ONE_BROWSER.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let users_file = dir.path().join("users.jsonl");
    users::edit(&users_file, |all| {
        for (name, password, roles) in [
            (
                "s.screener",
                "plain words for a screener",
                vec![Role::Screener],
            ),
            (
                "d.decider",
                "another phrase for the decider",
                vec![Role::Screener, Role::Decider],
            ),
        ] {
            all.add(User {
                name: name.into(),
                roles: roles.into_iter().collect(),
                password: users::hash_password(password)?,
                token: None,
            })?;
        }
        Ok(())
    })
    .unwrap();
    let mut config = config();
    config.register = Some(dir.path().join("register.jsonl"));
    config.users_file = Some(users_file);
    let server = Server::start(config).map_err(|e| e.message).unwrap();
    let driver = Driver::start(&driver, chromium);
    let client = driver.session().await;
    Some((server, driver, client, dir, guard))
}

async fn sign_in(client: &Client, server: &Server, account: &str, password: &str) {
    client
        .goto(&format!("{}/login", server.url()))
        .await
        .unwrap();
    wait_for(client, "#account")
        .await
        .send_keys(account)
        .await
        .unwrap();
    wait_for(client, "#password")
        .await
        .send_keys(password)
        .await
        .unwrap();
    client
        .find(Locator::Css("form[action='/login'] button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn sign_out(client: &Client) {
    wait_for(client, "form.logout button")
        .await
        .click()
        .await
        .unwrap();
    wait_for_text(client, "main", "You have signed out.").await;
}

async fn screen_the_kh_fixture(client: &Client, server: &Server) {
    // (With a register the home page is the list of cases: the screen page has its own.)
    client
        .goto(&format!("{}/screen", server.url()))
        .await
        .unwrap();
    let text = std::fs::read_to_string(fixture("kh/kh-mrd-2025-031-rural-roads-piu.json")).unwrap();
    wait_for(client, "textarea#request")
        .await
        .send_keys(&text)
        .await
        .unwrap();
    client
        .find(Locator::Css("form[action='/screen'] button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(client, "#decision-title", "Decision: Reject").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screener_cannot_decide_a_decider_can_and_the_register_names_the_account() {
    let Some((server, _driver, client, dir, _guard)) = setup_accounts("accounts").await else {
        return;
    };
    // A wrong password is refused, and says so.
    sign_in(&client, &server, "s.screener", "not the right words").await;
    wait_for_text(&client, "#signin-error", "not right").await;
    screenshot(&client, "signin-refused").await;

    sign_in(&client, &server, "s.screener", "plain words for a screener").await;
    wait_for_text(&client, ".account", "Signed in as s.screener").await;
    screen_the_kh_fixture(&client, &server).await;
    client
        .goto(&format!(
            "{}/history?request_id=KH-MRD-2025-031",
            server.url()
        ))
        .await
        .unwrap();
    wait_for_text(&client, "#may-not-decide", "needs the role decider").await;
    assert!(
        client
            .find(Locator::Css("form[action='/history/decision']"))
            .await
            .is_err(),
        "no decision form for a screener"
    );
    screenshot(&client, "history-screener").await;
    // On the case page too the screener sees no decision form, but lists the cases and edits
    // and resubmits (a screener's work).
    client.goto(&server.url()).await.unwrap();
    assert_eq!(listed(&client).await, vec!["KH-MRD-2025-031".to_string()]);
    client
        .find(Locator::LinkText("KH-MRD-2025-031"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "#may-not-decide", "needs the role decider").await;
    assert!(
        client
            .find(Locator::Css("form[action$='/decision']"))
            .await
            .is_err(),
        "no decision form on the case page for a screener"
    );
    screenshot(&client, "case-screener").await;
    client
        .find(Locator::LinkText("Edit and resubmit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "#resubmit-lead").await;
    client
        .find(Locator::Css("form#request-form > button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "#decision-title", "Decision: Reject").await;
    sign_out(&client).await;
    // Signed out: the pages ask to sign in again.
    client
        .goto(&format!("{}/history", server.url()))
        .await
        .unwrap();
    wait_for(&client, "#account").await;

    sign_in(
        &client,
        &server,
        "d.decider",
        "another phrase for the decider",
    )
    .await;
    // The sign-in's own page first: going on before it has loaded races with its redirect.
    wait_for_text(&client, ".account", "Signed in as d.decider").await;
    client
        .goto(&format!(
            "{}/history?request_id=KH-MRD-2025-031",
            server.url()
        ))
        .await
        .unwrap();
    wait_for_text(&client, "#decided-by", "d.decider").await;
    wait_for(&client, "#decision-reject")
        .await
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Css(
            "form[action='/history/decision'] button[type='submit']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, ".success", "recorded as entry 3").await;
    let history = wait_for(&client, "table.history")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        history.contains("by d.decider, confirms entry 2"),
        "{history}"
    );
    screenshot(&client, "history-decider").await;
    // The case page: the decider records on the round shown, as the account signed in.
    client
        .goto(&format!("{}/cases/KH-MRD-2025-031", server.url()))
        .await
        .unwrap();
    wait_for_text(&client, "#decided-by", "d.decider").await;
    assert!(
        client.find(Locator::Css("#by")).await.is_err(),
        "no name to type on the case page"
    );
    wait_for(&client, "#decision-revise")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&client, "#reason")
        .await
        .send_keys("The unit agreed to fold the project unit into the ministry.")
        .await
        .unwrap();
    client
        .find(Locator::Css(
            "form[action$='/decision'] button[type='submit']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "#recorded", "The decision was recorded").await;
    wait_for_text(&client, "#case-state", "by d.decider").await;
    screenshot(&client, "case-decider").await;
    client.close().await.unwrap();
    drop(server);
    let entries = tcscreen_service::register_scan::read(&dir.path().join("register.jsonl"), None)
        .map_err(|(_, b)| b.message)
        .expect("the register verifies");
    // Round 1, round 2 (resubmitted by the screener), the history page's decision and the
    // case page's, both on round 2: each decision names the signed-in account.
    assert_eq!(entries.len(), 4);
    for (at, round) in [(2, entries[1].seq), (3, entries[1].seq)] {
        match &entries[at].body {
            tcscreen_service::register::Body::Decision(d) => {
                assert_eq!(d.by, "d.decider");
                assert_eq!(d.screening_seq, round);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_posted_from_another_site_changes_nothing() {
    let Some((server, _driver, client, dir, _guard)) = setup_accounts("cross-site").await else {
        return;
    };
    sign_in(
        &client,
        &server,
        "d.decider",
        "another phrase for the decider",
    )
    .await;
    wait_for_text(&client, ".account", "Signed in as d.decider").await;
    screen_the_kh_fixture(&client, &server).await;
    // A page of another origin (here a data: URL) that posts a decision to the server, to the
    // history's form and to the case page's.
    for action in ["/history/decision", "/cases/KH-MRD-2025-031/decision"] {
        let attack = format!(
            "data:text/html,<form id=f method=post action='{}{action}'><input name=request_id value=KH-MRD-2025-031><input name=screening_seq value=1><input name=decision value=accept><input name=reason value=forged></form><script>document.getElementById('f').submit()</script>",
            server.url()
        );
        client.goto(&attack).await.unwrap();
        let refused = wait_for(&client, "main").await.text().await.unwrap();
        assert!(
            refused.contains("another site") || refused.contains("Sign in"),
            "{action}: {refused}"
        );
    }
    screenshot(&client, "cross-site-refused").await;
    client.close().await.unwrap();
    drop(server);
    let entries = tcscreen_service::register_scan::read(&dir.path().join("register.jsonl"), None)
        .map_err(|(_, b)| b.message)
        .expect("the register verifies");
    assert_eq!(entries.len(), 1, "only the screening: no forged decision");
}
