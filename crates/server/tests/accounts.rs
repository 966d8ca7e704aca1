//! Accounts, sessions, roles and tokens (issue 20 §3, issue 18 item 11), and the server's own
//! screening date (issue 18 item 1), through the router (no socket): people sign in and out,
//! sessions end on the server, forms carry their session's own token, guesses are throttled
//! per account and per address and logged without the secret, each role does what it may and
//! no more, and the register names the account that decided. The register verifies after
//! every test that keeps one.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{StatusCode, header};
use common::*;
use tcscreen_server::{Config, router};
use tcscreen_service::users::{self, Role, User};

const KH: &str = "fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json";

/// The test accounts: (name, password, roles).
const ACCOUNTS: [(&str, &str, &[Role]); 4] = [
    (
        "s.screener",
        "plain words for a screener",
        &[Role::Screener],
    ),
    (
        "d.decider",
        "another phrase for the decider",
        &[Role::Screener, Role::Decider],
    ),
    ("a.admin", "the admin keeps this one", &[Role::Admin]),
    ("v.viewer", "viewers only look at things", &[]),
];

fn password(name: &str) -> &'static str {
    ACCOUNTS.iter().find(|a| a.0 == name).unwrap().1
}

/// A users file with the test accounts, each with an API token: the file and the tokens.
fn users_file(dir: &Path) -> (PathBuf, Vec<(String, String)>) {
    let path = dir.join("users.jsonl");
    let mut tokens = Vec::new();
    users::edit(&path, |all| {
        for (name, password, roles) in ACCOUNTS {
            let (token, digest) = users::new_token()?;
            tokens.push((name.to_string(), token));
            all.add(User {
                name: name.into(),
                roles: roles.iter().copied().collect(),
                password: users::hash_password(password)?,
                token: Some(digest),
            })?;
        }
        Ok(())
    })
    .unwrap();
    (path, tokens)
}

struct Setup {
    app: Router,
    log: Arc<Mutex<Vec<String>>>,
    tokens: Vec<(String, String)>,
    users: PathBuf,
    register: PathBuf,
    _dir: tempfile::TempDir,
}

/// The register verifies after every test.
impl Drop for Setup {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.verify_register();
        }
    }
}

impl Setup {
    fn new(shared_token: bool) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let (users, tokens) = users_file(dir.path());
        let mut config: Config = config();
        config.users_file = Some(users.clone());
        let register = dir.path().join("register.jsonl");
        config.register = Some(register.clone());
        if shared_token {
            let file = dir.path().join("token");
            std::fs::write(&file, "q8Xr2vLk0bTzN4mWc7yHf1sJp9dGa6eU\n").unwrap();
            config.token_file = Some(file);
        }
        let log = Arc::new(Mutex::new(Vec::new()));
        let kept = log.clone();
        let state = tcscreen_server::run::prepare_with_log(
            &config,
            Arc::new(move |line: &str| kept.lock().unwrap().push(line.to_string())),
        )
        .map_err(|e| e.message)
        .unwrap()
        .0;
        Setup {
            app: router(state),
            log,
            tokens,
            users,
            register,
            _dir: dir,
        }
    }

    fn token(&self, name: &str) -> &str {
        &self.tokens.iter().find(|(n, _)| n == name).unwrap().1
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Every entry of the register verifies, and names what it should.
    fn verify_register(&self) -> Vec<tcscreen_service::register::Entry> {
        if !self.register.exists() {
            return Vec::new();
        }
        tcscreen_service::register_scan::read(&self.register, None)
            .map_err(|(_, broken)| broken.message)
            .expect("the register verifies")
    }
}

/// A request from `addr` (as the server's listener would mark it).
fn from(method: &str, uri: &str, addr: &str) -> axum::http::request::Builder {
    let addr: SocketAddr = addr.parse().unwrap();
    request(method, uri).extension(ConnectInfo(addr))
}

/// An API call with a bearer token.
async fn api(app: &Router, method: &str, uri: &str, token: &str, body: impl Into<Body>) -> Answer {
    call(
        app,
        from(method, uri, "192.0.2.10:5000")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.into())
            .unwrap(),
    )
    .await
}

fn form_body(form: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish()
}

/// The value of the cookie `name` set by an answer.
fn set_cookie(answer: &Answer, name: &str) -> Option<String> {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

/// The value of the hidden `_csrf` field of a page.
fn form_token(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("a form token") + 20;
    html[at..].split('"').next().unwrap().to_string()
}

/// A browser: the cookies it holds, and where it is.
struct Browser {
    cookies: Vec<String>,
    addr: &'static str,
}

impl Browser {
    fn new(addr: &'static str) -> Browser {
        Browser {
            cookies: Vec::new(),
            addr,
        }
    }

    fn keep(&mut self, answer: &Answer) {
        for set in answer.headers.get_all(header::SET_COOKIE) {
            let pair = cookie_pair(set.to_str().unwrap());
            let name = pair.split('=').next().unwrap().to_string();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            if !pair.ends_with('=') {
                self.cookies.push(pair);
            }
        }
    }

    async fn get(&mut self, app: &Router, uri: &str) -> Answer {
        let mut r = from("GET", uri, self.addr);
        if !self.cookies.is_empty() {
            r = r.header(header::COOKIE, self.cookies.join("; "));
        }
        let answer = call(app, r.body(Body::empty()).unwrap()).await;
        self.keep(&answer);
        answer
    }

    async fn post(&mut self, app: &Router, uri: &str, form: &[(&str, &str)]) -> Answer {
        let mut r = from("POST", uri, self.addr)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if !self.cookies.is_empty() {
            r = r.header(header::COOKIE, self.cookies.join("; "));
        }
        let answer = call(app, r.body(Body::from(form_body(form))).unwrap()).await;
        self.keep(&answer);
        answer
    }

    /// Open the sign-in page and sign in.
    async fn sign_in(&mut self, app: &Router, account: &str, password: &str) -> Answer {
        let page = self.get(app, "/login?next=/packs").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let token = form_token(&page.text());
        self.post(
            app,
            "/login",
            &[
                ("account", account),
                ("password", password),
                ("next", "/packs"),
                ("_csrf", &token),
            ],
        )
        .await
    }
}

#[tokio::test]
async fn people_sign_in_with_their_account_and_sign_out_ends_the_session_on_the_server() {
    let s = Setup::new(false);
    let mut browser = Browser::new("192.0.2.1:40000");
    // A page without a session goes to the sign-in page.
    let page = browser.get(&s.app, "/packs").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header(header::LOCATION), Some("/login?next=/packs"));
    // The sign-in page's form token is the browser's own, not the server's.
    let login = browser.get(&s.app, "/login").await;
    let other = Browser::new("192.0.2.2:1").get(&s.app, "/login").await;
    assert_ne!(form_token(&login.text()), form_token(&other.text()));

    let signed_in = browser
        .sign_in(&s.app, "d.decider", password("d.decider"))
        .await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.text()
    );
    assert_eq!(signed_in.header(header::LOCATION), Some("/packs"));
    let cookie = set_cookie(&signed_in, "tcscreen_session").unwrap();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=36000"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains(password("d.decider")));
    let packs = browser.get(&s.app, "/packs").await;
    assert_eq!(packs.status, StatusCode::OK);
    let html = packs.text();
    assert!(
        html.contains("Signed in as <strong>d.decider</strong> (screener, decider)"),
        "{html}"
    );
    assert!(html.contains("Sign out"));
    assert!(!html.contains("Single-person mode"));

    // Signing out ends the session on the server: the old cookie no longer works.
    let session = cookie_pair(&cookie);
    let token = form_token(&html);
    let out = browser.post(&s.app, "/logout", &[("_csrf", &token)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.header(header::LOCATION), Some("/login?signed_out=1"));
    let replayed = call(
        &s.app,
        from("GET", "/packs", "192.0.2.1:40000")
            .header(header::COOKIE, &session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(replayed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        replayed.header(header::LOCATION),
        Some("/login?next=/packs&ended=1")
    );
    let log = s.log();
    assert!(
        log.contains("signed in: account `d.decider` from 192.0.2.1"),
        "{log}"
    );
    assert!(
        log.contains("signed out: account `d.decider` from 192.0.2.1"),
        "{log}"
    );
    assert!(!log.contains(password("d.decider")), "{log}");
}

#[tokio::test]
async fn a_wrong_password_or_a_sign_in_form_from_elsewhere_is_refused() {
    let s = Setup::new(false);
    let mut browser = Browser::new("192.0.2.3:1");
    let wrong = browser
        .sign_in(&s.app, "s.screener", "not the password at all")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .text()
            .contains("The account name or the password is not right.")
    );
    assert!(set_cookie(&wrong, "tcscreen_session").is_none());
    // An unknown account is answered the same way.
    let unknown = browser
        .sign_in(&s.app, "nobody", "not the password at all")
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);

    // A form posted without the browser's own sign-in token (as a page elsewhere would).
    let forged = call(
        &s.app,
        from("POST", "/login", "192.0.2.3:1")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(&[
                ("account", "s.screener"),
                ("password", password("s.screener")),
                ("_csrf", "0000"),
            ])))
            .unwrap(),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(set_cookie(&forged, "tcscreen_session").is_none());
    // With another site's Origin.
    let cross = call(
        &s.app,
        from("POST", "/login", "192.0.2.3:1")
            .header(header::ORIGIN, "http://evil.example")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(&[("account", "s.screener")])))
            .unwrap(),
    )
    .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let log = s.log();
    assert!(
        log.contains(
            "sign-in refused: account `s.screener` from 192.0.2.3: wrong account name or password"
        ),
        "{log}"
    );
    assert!(!log.contains("not the password"), "{log}");
    // A name that is no account's is not logged (a password typed in the wrong box would be).
    assert!(!log.contains("nobody"), "{log}");
    assert!(
        log.contains("sign-in refused: account (no such account; digest "),
        "{log}"
    );
}

#[tokio::test]
async fn sign_in_is_throttled_per_account_and_per_address() {
    let s = Setup::new(false);
    // Five wrong passwords for one account, from five addresses: the account is refused,
    // even with the right password, and from a sixth address.
    for i in 0..5 {
        let mut b = Browser::new(
            [
                "192.0.2.20:1",
                "192.0.2.21:1",
                "192.0.2.22:1",
                "192.0.2.23:1",
                "192.0.2.24:1",
            ][i],
        );
        let wrong = b
            .sign_in(&s.app, "s.screener", "a wrong guess, number n")
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let mut b = Browser::new("192.0.2.25:1");
    let refused = b
        .sign_in(&s.app, "s.screener", password("s.screener"))
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.header(header::RETRY_AFTER).is_some());
    assert!(refused.text().contains("Too many sign-ins failed"));
    assert!(set_cookie(&refused, "tcscreen_session").is_none());
    // Other accounts are not locked out by it.
    let other = b.sign_in(&s.app, "d.decider", password("d.decider")).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);

    // Twenty wrong guesses from one address, over many account names: that address is
    // refused, for every account.
    let mut guesser = Browser::new("198.51.100.9:1");
    for i in 0..20 {
        let wrong = guesser
            .sign_in(&s.app, &format!("guess{i}"), "a wrong guess, number n")
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let refused = guesser
        .sign_in(&s.app, "a.admin", password("a.admin"))
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let log = s.log();
    assert!(
        log.contains("the account's sign-in is refused for 15 minutes"),
        "{log}"
    );
    assert!(log.contains("too many failed attempts"), "{log}");
}

#[tokio::test]
async fn wrong_api_tokens_are_throttled_per_address_and_logged() {
    let s = Setup::new(false);
    for i in 0..20 {
        let wrong = api(
            &s.app,
            "GET",
            "/v1/packs",
            &format!("tcs_wrong{i}"),
            Body::empty(),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.codes(), ["H002"]);
    }
    let refused = api(
        &s.app,
        "GET",
        "/v1/packs",
        s.token("s.screener"),
        Body::empty(),
    )
    .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.codes(), ["H021"]);
    let log = s.log();
    assert!(log.contains("API token refused from 192.0.2.10"), "{log}");
    assert!(
        !log.contains("tcs_wrong"),
        "the token is never logged: {log}"
    );
}

#[tokio::test]
async fn each_role_does_what_it_may_and_the_register_names_the_account() {
    let s = Setup::new(true);
    let body = std::fs::read(root().join(KH)).unwrap();
    let id = "KH-MRD-2025-031";
    // Anyone with an account may look; only a screener screens.
    let viewer = s.token("v.viewer");
    assert_eq!(
        api(&s.app, "GET", "/v1/packs", viewer, Body::empty())
            .await
            .status,
        StatusCode::OK
    );
    let not_a_screener = api(&s.app, "POST", "/v1/screen", viewer, body.clone()).await;
    assert_eq!(not_a_screener.status, StatusCode::FORBIDDEN);
    assert_eq!(not_a_screener.codes(), ["H020"]);
    assert!(not_a_screener.text().contains("needs the role screener"));

    let screener = s.token("s.screener");
    let screened = api(&s.app, "POST", "/v1/screen", screener, body.clone()).await;
    assert_eq!(screened.status, StatusCode::OK, "{}", screened.text());
    // A screener cannot record a decision, nor reload.
    let decision = r#"{"decision": "reject"}"#;
    let path = format!("/v1/register/{id}/decision");
    let refused = api(&s.app, "POST", &path, screener, decision).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.text().contains("needs the role decider"),
        "{}",
        refused.text()
    );
    let reload = api(&s.app, "POST", "/v1/reload", screener, Body::empty()).await;
    assert_eq!(reload.status, StatusCode::FORBIDDEN);
    // Nor can the shared token, when the server has accounts: decisions name a person.
    let shared = "q8Xr2vLk0bTzN4mWc7yHf1sJp9dGa6eU";
    assert_eq!(
        api(&s.app, "POST", "/v1/screen", shared, body.clone())
            .await
            .status,
        StatusCode::OK
    );
    let refused = api(
        &s.app,
        "POST",
        &path,
        shared,
        r#"{"decision": "reject", "by": "Anyone"}"#,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.text().contains("shared token"),
        "{}",
        refused.text()
    );

    // A decider decides, under the account's name; another name is refused.
    let decider = s.token("d.decider");
    let other_name = api(
        &s.app,
        "POST",
        &path,
        decider,
        r#"{"decision": "reject", "by": "The Minister"}"#,
    )
    .await;
    assert_eq!(other_name.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other_name.json()["errors"][0]["path"], "by");
    let decided = api(&s.app, "POST", &path, decider, decision).await;
    assert_eq!(decided.status, StatusCode::CREATED, "{}", decided.text());
    assert_eq!(decided.json()["by"], "d.decider");

    // An admin reloads.
    let admin = s.token("a.admin");
    assert_eq!(
        api(&s.app, "POST", "/v1/reload", admin, Body::empty())
            .await
            .status,
        StatusCode::OK
    );

    // A batch screened for an account names it too (it runs off the request's task).
    let line: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let batch = api(
        &s.app,
        "POST",
        "/v1/screen/batch",
        screener,
        format!("{line}\n"),
    )
    .await;
    assert_eq!(batch.status, StatusCode::OK, "{}", batch.text());

    use tcscreen_service::register::Body as Entry;
    let entries = s.verify_register();
    assert_eq!(
        entries.len(),
        4,
        "two screenings, a decision and a batch's screening"
    );
    let screened_by: Vec<Option<&str>> = entries
        .iter()
        .filter_map(|e| match &e.body {
            Entry::Screening { by, .. } => Some(by.as_deref()),
            Entry::Decision(_) => None,
        })
        .collect();
    // The shared token names no person: its screening names no account.
    assert_eq!(
        screened_by,
        [Some("s.screener"), None, Some("s.screener")],
        "each screening names the account that asked for it"
    );
    match &entries[2].body {
        Entry::Decision(d) => assert_eq!(d.by, "d.decider"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_decision_page_records_the_signed_in_account_and_refuses_a_screener() {
    let s = Setup::new(false);
    let body = std::fs::read(root().join(KH)).unwrap();
    assert_eq!(
        api(&s.app, "POST", "/v1/screen", s.token("s.screener"), body)
            .await
            .status,
        StatusCode::OK
    );
    let mut screener = Browser::new("192.0.2.30:1");
    screener
        .sign_in(&s.app, "s.screener", password("s.screener"))
        .await;
    let page = screener
        .get(&s.app, "/history?request_id=KH-MRD-2025-031")
        .await;
    let token = form_token(&page.text());
    let refused = screener
        .post(
            &s.app,
            "/history/decision",
            &[
                ("_csrf", &token),
                ("request_id", "KH-MRD-2025-031"),
                ("decision", "reject"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text().contains("needs the role decider"));

    let mut decider = Browser::new("192.0.2.31:1");
    decider
        .sign_in(&s.app, "d.decider", password("d.decider"))
        .await;
    let page = decider
        .get(&s.app, "/history?request_id=KH-MRD-2025-031")
        .await;
    let html = page.text();
    assert!(
        html.contains("Decided by <strong>d.decider</strong>"),
        "{html}"
    );
    assert!(!html.contains("name=\"by\""), "no typed name: {html}");
    // The screener's form token does not work in the decider's session.
    let foreign = decider
        .post(
            &s.app,
            "/history/decision",
            &[
                ("_csrf", &token),
                ("request_id", "KH-MRD-2025-031"),
                ("decision", "reject"),
            ],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let own = form_token(&html);
    let decided = decider
        .post(
            &s.app,
            "/history/decision",
            &[
                ("_csrf", &own),
                ("request_id", "KH-MRD-2025-031"),
                ("decision", "reject"),
                ("by", "Someone Else"),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text());
    let entries = s.verify_register();
    match &entries.last().unwrap().body {
        tcscreen_service::register::Body::Decision(d) => assert_eq!(d.by, "d.decider"),
        other => panic!("{other:?}"),
    }
}

/// The case's decision form, by its address.
const CASE_DECISION: &str = "action=\"/cases/KH-MRD-2025-031/decision\"";

#[tokio::test]
async fn on_the_cases_and_a_case_page_screeners_list_and_resubmit_and_only_deciders_decide() {
    let s = Setup::new(false);
    let body = std::fs::read(root().join(KH)).unwrap();
    assert_eq!(
        api(&s.app, "POST", "/v1/screen", s.token("s.screener"), body)
            .await
            .status,
        StatusCode::OK
    );
    // Anyone with an account lists the cases, on the page and through the API.
    let listed = api(
        &s.app,
        "GET",
        "/v1/cases",
        s.token("v.viewer"),
        Body::empty(),
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
    assert_eq!(listed.json()["cases"][0]["id"], "KH-MRD-2025-031");

    let mut screener = Browser::new("192.0.2.40:1");
    screener
        .sign_in(&s.app, "s.screener", password("s.screener"))
        .await;
    let home = screener.get(&s.app, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("href=\"/cases/KH-MRD-2025-031\""));
    let case = screener.get(&s.app, "/cases/KH-MRD-2025-031").await;
    let html = case.text();
    assert!(html.contains("Edit and resubmit"), "{html}");
    assert!(html.contains("id=\"may-not-decide\""), "{html}");
    assert!(!html.contains(CASE_DECISION), "no decision form: {html}");
    // A screener's post is refused, on the page, and nothing is recorded.
    let refused = screener
        .post(
            &s.app,
            "/cases/KH-MRD-2025-031/decision",
            &[
                ("_csrf", &form_token(&html)),
                ("screening_seq", "1"),
                ("decision", "reject"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text().contains("needs the role decider"));

    // Someone with no role looks, but neither resubmits nor decides.
    let mut viewer = Browser::new("192.0.2.41:1");
    viewer
        .sign_in(&s.app, "v.viewer", password("v.viewer"))
        .await;
    let html = viewer.get(&s.app, "/cases/KH-MRD-2025-031").await.text();
    assert!(html.contains("Case KH-MRD-2025-031"), "{html}");
    assert!(!html.contains("Edit and resubmit"), "{html}");
    assert!(!html.contains(CASE_DECISION), "{html}");

    // A decider decides on the case page, under the account's name whatever is typed.
    let mut decider = Browser::new("192.0.2.42:1");
    decider
        .sign_in(&s.app, "d.decider", password("d.decider"))
        .await;
    let html = decider.get(&s.app, "/cases/KH-MRD-2025-031").await.text();
    assert!(html.contains(CASE_DECISION), "{html}");
    assert!(
        html.contains("Decided by <strong>d.decider</strong>"),
        "{html}"
    );
    assert!(!html.contains("name=\"by\""), "no typed name: {html}");
    let decided = decider
        .post(
            &s.app,
            "/cases/KH-MRD-2025-031/decision",
            &[
                ("_csrf", &form_token(&html)),
                ("screening_seq", "1"),
                ("decision", "reject"),
                ("by", "Someone Else"),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text());
    let entries = s.verify_register();
    assert_eq!(entries.len(), 2, "a screening and a decision");
    match &entries[1].body {
        tcscreen_service::register::Body::Decision(d) => {
            assert_eq!(d.by, "d.decider");
            assert_eq!(d.screening_seq, entries[0].seq);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_new_password_or_a_removed_account_ends_its_sessions() {
    let s = Setup::new(false);
    let mut browser = Browser::new("192.0.2.40:1");
    browser
        .sign_in(&s.app, "s.screener", password("s.screener"))
        .await;
    assert_eq!(browser.get(&s.app, "/packs").await.status, StatusCode::OK);
    let mut other = Browser::new("192.0.2.41:1");
    other
        .sign_in(&s.app, "d.decider", password("d.decider"))
        .await;
    assert_eq!(other.get(&s.app, "/packs").await.status, StatusCode::OK);

    users::edit(&s.users, |all| {
        let user = all.get_mut("s.screener").unwrap();
        user.password = users::hash_password("a brand new pass phrase")?;
        all.remove("d.decider").map(|_| ())
    })
    .unwrap();
    assert_eq!(
        browser.get(&s.app, "/packs").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        other.get(&s.app, "/packs").await.status,
        StatusCode::SEE_OTHER
    );
    let removed = api(
        &s.app,
        "GET",
        "/v1/packs",
        s.token("d.decider"),
        Body::empty(),
    )
    .await;
    assert_eq!(removed.status, StatusCode::UNAUTHORIZED);
    let again = browser
        .sign_in(&s.app, "s.screener", "a brand new pass phrase")
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert!(s.log().contains("read again (3 accounts)"), "{}", s.log());
}

#[tokio::test]
async fn the_server_screens_as_of_today_unless_a_decider_chooses_another_date() {
    let s = Setup::new(false);
    let today = tcscreen_service::decisions::today().unwrap().to_string();
    // The request says it was received on 2025-05-12: the server screens it as of today all
    // the same (a request's own dates never choose the rules on the server).
    let text = std::fs::read_to_string(root().join(KH)).unwrap();
    assert!(text.contains("\"received\": \"2025-05-12\""));
    let screener = s.token("s.screener");
    let screened = api(&s.app, "POST", "/v1/screen", screener, text.clone()).await;
    assert_eq!(screened.status, StatusCode::OK, "{}", screened.text());
    assert_eq!(screened.json()["as_of"], today.as_str());
    assert_ne!(today, "2025-05-12");
    // A screener may not choose the date, nor the pack, nor each request's own date.
    for query in ["as_of=2009-06-01", "as_of=received", "pack=kh@2009.2"] {
        let refused = api(
            &s.app,
            "POST",
            &format!("/v1/screen?{query}"),
            screener,
            text.clone(),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{query}");
        assert_eq!(refused.codes(), ["H020"], "{query}");
    }
    // Naming today is not choosing.
    let named = api(
        &s.app,
        "POST",
        &format!("/v1/screen?as_of={today}"),
        screener,
        text.clone(),
    )
    .await;
    assert_eq!(named.status, StatusCode::OK);
    // A decider may.
    let decider = s.token("d.decider");
    let received = api(
        &s.app,
        "POST",
        "/v1/screen?as_of=received",
        decider,
        text.clone(),
    )
    .await;
    assert_eq!(
        received.json()["as_of"],
        "2025-05-12",
        "{}",
        received.text()
    );
    let chosen = api(&s.app, "POST", "/v1/screen?as_of=2009-06-01", decider, text).await;
    assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.text());
    assert_eq!(chosen.json()["as_of"], "2009-06-01");
    s.verify_register();
}

#[test]
fn a_non_loopback_address_starts_with_a_users_file_and_an_empty_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (users, _) = users_file(dir.path());
    let mut open = config();
    open.addr = "0.0.0.0:0".parse().unwrap();
    open.users_file = Some(users);
    assert!(tcscreen_server::run::prepare(&open).is_ok());
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    open.users_file = Some(empty);
    let refused = tcscreen_server::run::prepare(&open).err().unwrap();
    assert!(
        refused.message.contains("holds no account"),
        "{}",
        refused.message
    );
    open.users_file = Some(PathBuf::from("/dev/zero"));
    let refused = tcscreen_server::run::prepare(&open).err().unwrap();
    assert!(
        refused.message.contains("not a regular file"),
        "{}",
        refused.message
    );
}

#[tokio::test]
async fn single_person_mode_says_so_and_its_form_tokens_are_the_servers_own() {
    let app = router(state(&config()));
    let page = get(&app, "/").await.text();
    assert!(page.contains("Single-person mode."), "{page}");
    let token = form_token(&page);
    let again = form_token(&get(&app, "/").await.text());
    assert_ne!(token, again, "a token per page, not one for the server");
    // Another server's token, or a made-up one, is refused.
    let other = router(state(&config()));
    let foreign = form_token(&get(&other, "/").await.text());
    for bad in [
        foreign.as_str(),
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        let refused = post_form(
            &app,
            "/history/decision",
            &[("_csrf", bad), ("request_id", "X"), ("decision", "accept")],
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    let today = tcscreen_service::decisions::today().unwrap().to_string();
    let screened = post(&app, "/v1/screen", std::fs::read(root().join(KH)).unwrap()).await;
    assert_eq!(
        screened.json()["as_of"],
        today.as_str(),
        "single-person mode screens as of today too"
    );
}

/// A provider's published file (IATI) screened by a screener: the fallback pack for countries
/// without one is theirs to ask for (it replaces no country's own pack and no date), a pack
/// chosen by hand is not; the drafts are screened as of today, their import date.
#[tokio::test]
async fn a_screener_screens_published_data_with_the_fallback_pack_but_chooses_no_pack() {
    let s = Setup::new(false);
    let today = tcscreen_service::decisions::today().unwrap().to_string();
    let xml =
        std::fs::read(root().join("fixtures/iati/real/iati-cloud_example_203_file.xml")).unwrap();
    let screener = s.token("s.screener").to_string();
    let batch = |query: &'static str| {
        call(
            &s.app,
            from(
                "POST",
                &format!("/v1/screen/batch{query}"),
                "192.0.2.10:5000",
            )
            .header(header::AUTHORIZATION, format!("Bearer {screener}"))
            .header(header::CONTENT_TYPE, "application/xml")
            .body(Body::from(xml.clone()))
            .unwrap(),
        )
    };
    let answer = batch("?fallback_pack=base").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let lines: Vec<serde_json::Value> = answer
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let egypt = lines
        .iter()
        .find(|l| l["request"]["id"] == "NL-1-PPR-28383")
        .expect("the Egyptian activity is screened");
    assert_eq!(egypt["pack"]["id"], "base");
    assert_eq!(egypt["as_of"], today.as_str());
    assert_eq!(lines.last().unwrap()["import"]["tc"], 3);
    let refused = batch("?pack=base").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    assert_eq!(refused.codes(), ["H020"]);
    s.verify_register();
}
