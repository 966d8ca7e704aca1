//! Issue 18's server cases, through the router (no socket): replay and the portfolio take a
//! place before they read a body, read it as it arrives, and check the form token first.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use common::*;
use tcscreen_server::router;

/// A body whose first `ready` chunks are there at once, and whose next read raises `touched`
/// (then ends): shows whether a handler read past them.
fn watched_body(ready: Vec<Vec<u8>>, touched: Arc<AtomicBool>) -> Body {
    let mut ready = ready.into_iter();
    let stream = futures_util::stream::poll_fn(move |_| {
        std::task::Poll::Ready(match ready.next() {
            Some(chunk) => Some(Ok::<_, std::io::Error>(Bytes::from(chunk))),
            None => {
                touched.store(true, Ordering::SeqCst);
                None
            }
        })
    });
    Body::from_stream(stream)
}

#[tokio::test]
async fn replay_waits_for_a_place_before_it_reads_the_body() {
    let state = state(&config());
    let app = router(state.clone());
    let held: Vec<_> = std::iter::from_fn(|| state.batch_slot()).collect();
    assert!(!held.is_empty());
    let touched = Arc::new(AtomicBool::new(false));
    let answer = call(
        &app,
        request("POST", "/v1/replay")
            .body(watched_body(vec![b"{".to_vec()], touched.clone()))
            .unwrap(),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.text()
    );
    assert_eq!(answer.codes(), ["H001"]);
    assert!(answer.header(header::RETRY_AFTER).is_some());
    assert!(!touched.load(Ordering::SeqCst), "the body was read");
    drop(held);
    let records =
        std::fs::read_to_string(root().join("fixtures/decisions/fixtures.jsonl")).unwrap();
    let first = records.lines().next().unwrap().to_string();
    let answer = post(&app, "/v1/replay", first).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()[0]["verdict"], "match");
}

#[tokio::test]
async fn replay_holds_one_record_at_a_time_to_its_limit_and_streams_the_rest() {
    let app = router(state(&config()));
    let records =
        std::fs::read_to_string(root().join("fixtures/decisions/fixtures.jsonl")).unwrap();
    let first = records.lines().next().unwrap();
    // A line longer than a record may be is reported and skipped, never held; the lines
    // around it are replayed.
    let huge = format!(
        "{{\"pad\": \"{}\"}}",
        "x".repeat(tcscreen_server::replay::RECORD_LIMIT)
    );
    let body = format!("{first}\n{huge}\n{first}\n");
    let answer = post(&app, "/v1/replay", body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", &answer.text()[..200]);
    let reports = answer.json();
    let verdicts: Vec<&str> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["match", "error", "match"]);
    assert_eq!(reports[1]["source"], "request body:2");
    assert!(
        reports[1]["causes"][0]
            .as_str()
            .unwrap()
            .contains("more than the limit"),
        "{}",
        reports[1]
    );

    // One document (a record over several lines, an array) is read whole only up to the
    // limit: beyond it, 413 with the way out.
    let document = format!(
        "[\n{first},\n{{\"pad\": \"{}\"}}\n]",
        "x".repeat(tcscreen_server::replay::RECORD_LIMIT)
    );
    let answer = post(&app, "/v1/replay", document).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.codes(), ["I005"]);
    assert!(answer.text().contains("JSON Lines"), "{}", answer.text());
}

#[tokio::test]
async fn the_portfolio_checks_its_form_token_and_takes_a_place_before_it_reads_the_upload() {
    let state = state(&config());
    let app = router(state.clone());
    let fixture =
        std::fs::read(root().join("fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json"))
            .unwrap();
    // A wrong form token: refused on the bytes of its field, before the files are read.
    let (content_type, body) = multipart(&[
        ("_csrf", None, b"not-the-token"),
        ("files", Some("kh.json"), &fixture),
    ]);
    let split = find(&body, b"Content-Disposition: form-data; name=\"files\"");
    let answer = call_stalled(
        &app,
        request("POST", "/portfolio")
            .header(header::CONTENT_TYPE, &content_type)
            .body(stalled_body(body[..split].to_vec()))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text());
    assert!(answer.text().contains("out of date"));

    // The form token after the files: refused too (the pages' form sends it first).
    let token = csrf(&app).await;
    let late = post_multipart(
        &app,
        "/portfolio",
        &[
            ("files", Some("kh.json"), &fixture),
            ("_csrf", None, token.as_bytes()),
        ],
    )
    .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);

    // Every place taken: 503 before the upload is read.
    let held: Vec<_> = std::iter::from_fn(|| state.batch_slot()).collect();
    let (content_type, body) = multipart(&[
        ("_csrf", None, token.as_bytes()),
        ("files", Some("kh.json"), &fixture),
    ]);
    let answer = call_stalled(
        &app,
        request("POST", "/portfolio")
            .header(header::CONTENT_TYPE, &content_type)
            .body(stalled_body(body[..10].to_vec()))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    drop(held);

    // With the token first and a place free, the files are screened as they arrive.
    let answer = post_multipart(
        &app,
        "/portfolio",
        &[
            ("_csrf", None, token.as_bytes()),
            ("files", Some("kh.json"), &fixture),
        ],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.text().contains("1 requests, 1 screened"),
        "{}",
        answer.text()
    );
}

/// A body whose first chunks are there at once and whose rest never comes (as from a client
/// that sends a form's first field and stalls).
fn stalled_body(ready: Vec<u8>) -> Body {
    let mut ready = Some(ready);
    let stream = futures_util::stream::poll_fn(move |_| match ready.take() {
        Some(chunk) => std::task::Poll::Ready(Some(Ok::<_, std::io::Error>(Bytes::from(chunk)))),
        None => std::task::Poll::Pending,
    });
    Body::from_stream(stream)
}

/// Call, and fail (rather than hang) if the handler waits for a body that never comes. Not a
/// measure of speed: the answer needs no more than the bytes already sent.
async fn call_stalled(app: &axum::Router, request: axum::http::Request<Body>) -> Answer {
    tokio::time::timeout(std::time::Duration::from_secs(60), call(app, request))
        .await
        .expect("the server waited for the rest of the upload before answering")
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

fn is_page(answer: &Answer) -> bool {
    answer.header(header::CONTENT_TYPE) == Some("text/html; charset=utf-8")
        && answer.text().starts_with("<!DOCTYPE html>")
}

async fn post_raw(app: &axum::Router, uri: &str, content_type: &str, body: Vec<u8>) -> Answer {
    call(
        app,
        request("POST", uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// A server with one account (`a.officer`, with an API token): the router, the token and the
/// folder that holds the users file.
fn with_an_account() -> (axum::Router, String, tempfile::TempDir) {
    use tcscreen_service::users::{self, Role, User};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("users.jsonl");
    let (token, digest) = users::new_token().unwrap();
    users::edit(&file, |all| {
        all.add(User {
            name: "a.officer".into(),
            roles: [Role::Screener, Role::Decider].into_iter().collect(),
            password: users::hash_password("quiet river under the old bridge")?,
            token: Some(digest),
        })
    })
    .unwrap();
    let mut config = config();
    config.users_file = Some(file);
    (router(state(&config)), token, dir)
}

#[tokio::test]
async fn sign_in_and_sign_out_read_a_few_kilobytes_at_most() {
    let (app, token, _dir) = with_an_account();
    let form = "application/x-www-form-urlencoded";
    let padded = format!("account=a.officer&pad={}", "x".repeat(64 * 1024)).into_bytes();
    for path in ["/login", "/logout"] {
        let answer = call(
            &app,
            request("POST", path)
                .header(header::CONTENT_TYPE, form)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from(padded.clone()))
                .unwrap(),
        )
        .await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert!(is_page(&answer), "{path}: {}", answer.text());
    }
    // Announced too large: refused without waiting for the body.
    let answer = call_stalled(
        &app,
        request("POST", "/login")
            .header(header::CONTENT_TYPE, form)
            .header(header::CONTENT_LENGTH, "100000000")
            .body(stalled_body(b"account=".to_vec()))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    // A form that is not one is a page too, and signs no one in.
    let answer = post_raw(&app, "/login", form, b"%%%&&&=".to_vec()).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(is_page(&answer));
    assert!(
        answer
            .header(header::SET_COOKIE)
            .is_none_or(|c| !c.starts_with("tcscreen_session="))
    );
}

#[tokio::test]
async fn page_forms_are_held_to_a_limit_derived_from_the_request_limit() {
    let mut small = config();
    small.max_request_bytes = 2000;
    let app = router(state(&small));
    let token = csrf(&app).await;
    let limit = tcscreen_server::web::form_body::request_form_limit(2000);
    let big = format!("_csrf={token}&id={}", "x".repeat(limit)).into_bytes();
    let form = "application/x-www-form-urlencoded";
    for path in ["/form", "/screen/download", "/history/decision"] {
        let answer = post_raw(&app, path, form, big.clone()).await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert!(is_page(&answer), "{path}");
    }
    let (content_type, body) = multipart(&[
        ("_csrf", None, token.as_bytes()),
        ("request", None, &[b' '; 1500]),
        ("pad", None, &vec![b'x'; limit]),
    ]);
    let answer = post_raw(&app, "/screen", &content_type, body).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(is_page(&answer));
    // Within the limit, the form is read (and its request held to the request limit).
    let fits = format!("_csrf={token}&request={}&what=request", "x".repeat(2500)).into_bytes();
    let answer = post_raw(&app, "/screen/download", form, fits).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(answer.text().contains("2500"), "{}", answer.text());
}

#[tokio::test]
async fn a_form_that_cannot_be_read_is_answered_with_a_page_not_plain_text() {
    let app = router(state(&config()));
    let answer = post_raw(
        &app,
        "/screen",
        "application/x-www-form-urlencoded",
        b"a=b".to_vec(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(is_page(&answer), "{}", answer.text());
    let answer = post_raw(&app, "/portfolio", "text/plain", b"a=b".to_vec()).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(is_page(&answer), "{}", answer.text());
}

#[tokio::test]
async fn after_sign_in_the_browser_is_sent_only_to_a_path_on_this_server() {
    let (app, _token, _dir) = with_an_account();
    // Open the sign-in page (its form token is the browser's own, in a cookie), then sign in
    // with `next`.
    let sign_in = |next: &'static str| {
        let app = app.clone();
        async move {
            let page = get(&app, "/login").await;
            let cookie = page
                .header(header::SET_COOKIE)
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_string();
            let token = cookie.split('=').nth(1).unwrap().to_string();
            let body = form_urlencoded::Serializer::new(String::new())
                .append_pair("account", "a.officer")
                .append_pair("password", "quiet river under the old bridge")
                .append_pair("_csrf", &token)
                .append_pair("next", next)
                .finish();
            call(
                &app,
                request("POST", "/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, cookie)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
        }
    };
    for next in [
        "/\t/evil.com",
        "//evil.com",
        "/\\evil.com",
        "/\n/evil.com",
        "/\r\nX: y",
        "https://evil.com",
    ] {
        let answer = sign_in(next).await;
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "{next:?}: {}",
            answer.text()
        );
        assert_eq!(answer.header(header::LOCATION), Some("/"), "{next:?}");
    }
    let answer = sign_in("/history?request_id=KH-1").await;
    assert_eq!(
        answer.header(header::LOCATION),
        Some("/history?request_id=KH-1")
    );
}

#[test]
fn the_token_file_and_the_register_must_be_regular_files_of_bounded_size() {
    let mut zero = config();
    zero.token_file = Some("/dev/zero".into());
    let refused = tcscreen_server::run::prepare(&zero).err().unwrap();
    assert!(
        refused.message.contains("not a regular file"),
        "{}",
        refused.message
    );
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("token");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    zero.token_file = Some(huge);
    let refused = tcscreen_server::run::prepare(&zero).err().unwrap();
    assert!(
        refused.message.contains("more than the limit"),
        "{}",
        refused.message
    );
    let mut zero = config();
    zero.register = Some("/dev/zero".into());
    let refused = tcscreen_server::run::prepare(&zero).err().unwrap();
    assert!(
        refused.message.contains("not a regular file"),
        "{}",
        refused.message
    );
}

#[tokio::test]
async fn an_id_that_could_pass_for_another_is_an_input_problem_with_its_field() {
    let app = router(state(&config()));
    for (id, at) in [
        ("KH-1\u{200B}", "character 5"),
        ("\u{41A}H-1", "character 2"),
        ("KH-\u{3164}1", "character 4"),
        ("KH-e\u{301}", "character 5"),
    ] {
        let body = serde_json::json!({
            "id": id, "country": "KH", "title": "T", "received": "2025-01-01"
        })
        .to_string();
        let answer = post(&app, "/v1/validate", body).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{id:?}");
        let e = &answer.json()["errors"][0];
        assert_eq!(e["code"], "I019", "{id:?}: {e}");
        assert_eq!(e["path"], "id");
        assert!(e["message"].as_str().unwrap().contains(at), "{e}");
    }
    let ok = post(
        &app,
        "/v1/validate",
        r#"{"id": "KH-MRD-2025-031", "country": "KH", "title": "Kampuchea \u200b", "received": "2025-01-01"}"#,
    )
    .await;
    assert_eq!(
        ok.status,
        StatusCode::OK,
        "other text may hold them: {}",
        ok.text()
    );
}

/// The text a page shows: its HTML without tags (so without attribute values).
fn shown_text(page: &str) -> String {
    let mut shown = String::new();
    let mut rest = page;
    while let Some(i) = rest.find('<') {
        shown.push_str(&rest[..i]);
        let end = rest[i..].find('>').map_or(rest.len(), |j| i + j + 1);
        rest = &rest[end..];
    }
    shown.push_str(rest);
    shown
}

/// Issue 18 item 10 on the pages: invisible characters in a request's text are shown marked
/// where they stand (or escaped, in the note), never raw, on every page that shows the
/// request, so two texts that differ never look the same.
#[tokio::test]
async fn invisible_characters_in_a_request_are_never_shown_raw_on_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut with_register = config();
    with_register.register = Some(dir.path().join("register.jsonl"));
    let app = router(state(&with_register));
    let mut request: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json"))
            .unwrap(),
    )
    .unwrap();
    request["title"] = serde_json::json!("Rural\u{200B} roads\u{3164}");
    request["personnel"][0]["title"] = serde_json::json!("PIU\u{200B} director");
    let screened = post(&app, "/v1/screen", request.to_string()).await;
    assert_eq!(screened.status, StatusCode::OK, "{}", screened.text());
    let mut marked = 0;
    for uri in [
        "/cases",
        "/cases/KH-MRD-2025-031",
        "/history?request_id=KH-MRD-2025-031",
    ] {
        let answer = get(&app, uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text());
        let page = answer.text();
        let shown = shown_text(&page);
        assert!(
            !shown.contains('\u{200B}') && !shown.contains('\u{3164}'),
            "{uri}: an invisible character is shown raw"
        );
        marked += page.matches(">U+200B</mark>").count();
    }
    assert!(
        marked > 0,
        "the pages mark the characters where they show them"
    );
}
