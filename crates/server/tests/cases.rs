//! Cases through the API: `GET /v1/cases` (filters, search, sort, cursor paging), a case's
//! history a page at a time, and a human decision bound to the screening the person saw.
//! Every test ends by verifying the register it wrote.

mod common;

use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::StatusCode;
use common::*;
use tcscreen_server::router;

/// A server with a register in `dir`.
fn app_with_register(dir: &Path) -> (Router, PathBuf) {
    let mut with_register = config();
    let path = dir.join("register.jsonl");
    with_register.register = Some(path.clone());
    (router(state(&with_register)), path)
}

/// The register verifies, and holds `entries` entries.
fn verifies(path: &Path, entries: usize) {
    let read = tcscreen_service::register_scan::read(path, None)
        .unwrap_or_else(|(_, broken)| panic!("the register is damaged: {broken:?}"));
    assert_eq!(read.len(), entries);
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("fixtures/requests").join(name)).unwrap()
}

async fn screen(app: &Router, body: String) {
    let answer = post(app, "/v1/screen", body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
}

fn ids(answer: &Answer) -> Vec<String> {
    answer.json()["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

const PIU: &str = "kh/kh-mrd-2025-031-rural-roads-piu.json";
const POOLED: &str = "kh/kh-mef-2025-014-pfm-pooled.json";
const NEPAL: &str = "np/np-mof-2016-003-aid-information.json";
const AFGHAN: &str = "af/af-mof-2017-012-programme-budgeting-nta.json";

/// Four cases: PIU screened twice (the second time under its id in lower case), POOLED
/// decided, NEPAL and AFGHAN awaiting.
async fn four_cases(app: &Router) {
    for name in [PIU, POOLED, NEPAL, AFGHAN] {
        screen(app, fixture(name)).await;
    }
    let decided = post(
        app,
        "/v1/register/KH-MEF-2025-014/decision",
        r#"{"decision": "accept", "by": "A. Officer", "reason": "agreed", "screening_seq": 2}"#,
    )
    .await;
    assert_eq!(decided.status, StatusCode::CREATED, "{}", decided.text());
    let resubmitted = fixture(PIU).replace("\"KH-MRD-2025-031\"", "\"kh-mrd-2025-031\"");
    screen(app, resubmitted).await;
}

#[tokio::test]
async fn cases_are_listed_awaiting_first_and_filtered_searched_and_sorted() {
    let dir = tempfile::tempdir().unwrap();
    let (app, path) = app_with_register(dir.path());
    four_cases(&app).await;

    let all = get(&app, "/v1/cases").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text());
    let json = all.json();
    assert_eq!(
        (json["total"].as_u64(), json["awaiting"].as_u64()),
        (Some(4), Some(3))
    );
    // Awaiting first, the most recently screened first; the decided case last.
    assert_eq!(
        ids(&all),
        [
            "kh-mrd-2025-031",
            "AF-MOF-2017-012",
            "NP-MOF-2016-003",
            "KH-MEF-2025-014"
        ]
    );
    let piu = &json["cases"][0];
    assert_eq!(piu["rounds"], 2);
    assert_eq!(piu["state"], "awaiting");
    assert_eq!(piu["decision"], "reject");
    assert_eq!(piu["human_decision"], serde_json::Value::Null);
    assert_eq!(piu["latest_screening"], 6);
    assert_eq!(piu["country"], "KH");
    assert_eq!(piu["received"], "2025-05-12");
    assert_eq!(
        piu["provider"],
        "Regional development bank (rural roads loan)"
    );
    let pooled = &json["cases"][3];
    assert_eq!(pooled["state"], "decided");
    assert_eq!(pooled["human_decision"]["by"], "A. Officer");
    assert_eq!(pooled["decided"], pooled["human_decision"]["at"]);

    let query = |q: &'static str| {
        let app = app.clone();
        async move { get(&app, &format!("/v1/cases?{q}")).await }
    };
    assert_eq!(ids(&query("state=decided").await), ["KH-MEF-2025-014"]);
    assert_eq!(
        ids(&query("country=kh&sort=id").await),
        ["KH-MEF-2025-014", "kh-mrd-2025-031"]
    );
    assert_eq!(ids(&query("decision=reject").await), ["kh-mrd-2025-031"]);
    assert_eq!(
        ids(&query("provider=regional+development+bank+(rural+roads+loan)").await),
        ["kh-mrd-2025-031"]
    );
    assert_eq!(
        ids(&query("received_from=2017-01-01&received_to=2019-12-31").await),
        ["AF-MOF-2017-012"]
    );
    // Search in the id, the title, the requester and the provider, without regard to case.
    assert_eq!(ids(&query("q=MRD-2025").await), ["kh-mrd-2025-031"]);
    assert_eq!(ids(&query("q=trust+FUND&sort=id").await).len(), 2);
    let filtered = query("country=KH&state=awaiting").await;
    assert_eq!(filtered.json()["total"], 1);
    // Every column sorts, both ways.
    assert_eq!(
        ids(&query("sort=received&order=asc").await),
        [
            "NP-MOF-2016-003",
            "AF-MOF-2017-012",
            "KH-MEF-2025-014",
            "kh-mrd-2025-031"
        ]
    );
    assert_eq!(
        ids(&query("sort=received").await)[0],
        "kh-mrd-2025-031",
        "received sorts newest first unless asked"
    );
    assert_eq!(ids(&query("sort=rounds").await)[0], "kh-mrd-2025-031");
    assert_eq!(
        ids(&query("sort=human_decision&order=desc").await)[0],
        "KH-MEF-2025-014"
    );
    for column in [
        "attention",
        "id",
        "title",
        "country",
        "requester",
        "provider",
        "decision",
        "human_decision",
        "rounds",
        "received",
        "decided",
    ] {
        for order in ["asc", "desc"] {
            let answer = query_owned(&app, &format!("sort={column}&order={order}")).await;
            assert_eq!(answer.status, StatusCode::OK, "{column} {order}");
            assert_eq!(ids(&answer).len(), 4, "{column} {order}");
        }
    }
    drop(app);
    verifies(&path, 6);
}

async fn query_owned(app: &Router, q: &str) -> Answer {
    get(app, &format!("/v1/cases?{q}")).await
}

#[tokio::test]
async fn cases_are_paged_with_a_cursor_and_bad_parameters_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (app, path) = app_with_register(dir.path());
    four_cases(&app).await;
    let mut seen = Vec::new();
    let mut uri = "/v1/cases?limit=1&sort=id".to_string();
    loop {
        let page = get(&app, &uri).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        assert_eq!(page.json()["total"], 4);
        let mut ids = ids(&page);
        assert_eq!(ids.len(), 1);
        seen.append(&mut ids);
        match page.json()["next"].as_str() {
            Some(next) => uri = format!("/v1/cases?limit=1&sort=id&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "AF-MOF-2017-012",
            "KH-MEF-2025-014",
            "kh-mrd-2025-031",
            "NP-MOF-2016-003"
        ]
    );
    // A case that arrives while paging does not disturb the pages already given.
    let first = get(&app, "/v1/cases?limit=2&sort=id").await;
    let next = first.json()["next"].as_str().unwrap().to_string();
    screen(&app, fixture("kh/kh-btb-2025-033-district-twinning.json")).await;
    let second = get(&app, &format!("/v1/cases?limit=2&sort=id&cursor={next}")).await;
    assert_eq!(ids(&second), ["kh-mrd-2025-031", "NP-MOF-2016-003"]);

    for (q, name) in [
        ("state=pending", "state"),
        ("decision=maybe", "decision"),
        ("sort=colour", "sort"),
        ("order=up", "order"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("received_from=2025-13-01", "received_from"),
    ] {
        let answer = get(&app, &format!("/v1/cases?{q}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(answer.codes(), ["H004"], "{q}");
        assert!(
            answer.text().contains(&format!("`{name}`")),
            "{q}: {}",
            answer.text()
        );
    }
    // A cursor of another order, or not one the server gave, is refused.
    let wrong = get(&app, &format!("/v1/cases?limit=2&sort=title&cursor={next}")).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let forged = get(&app, "/v1/cases?cursor=id~a~zz~1&sort=id").await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    drop(app);
    verifies(&path, 7);
}

#[tokio::test]
async fn without_a_register_there_are_no_cases() {
    let app = router(state(&config()));
    let answer = get(&app, "/v1/cases").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.codes(), ["H006"]);
}

#[tokio::test]
async fn a_decision_on_a_screening_that_is_no_longer_the_latest_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (app, path) = app_with_register(dir.path());
    screen(&app, fixture(PIU)).await;
    // The officer reads entry 1; meanwhile the request is resubmitted (entry 2).
    screen(&app, fixture(PIU)).await;
    let stale = post(
        &app,
        "/v1/register/KH-MRD-2025-031/decision",
        r#"{"decision": "reject", "by": "A. Officer", "screening_seq": 1}"#,
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text());
    assert_eq!(stale.codes(), ["H007"]);
    let error = &stale.json()["errors"][0];
    assert_eq!(error["path"], "screening_seq");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("no longer the latest"), "{message}");
    assert!(
        error["help"].as_str().unwrap().contains("entry 2"),
        "{error}"
    );
    let not_a_screening = post(
        &app,
        "/v1/register/KH-MRD-2025-031/decision",
        r#"{"decision": "reject", "by": "A. Officer", "screening_seq": 9}"#,
    )
    .await;
    assert_eq!(not_a_screening.status, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong_type = post(
        &app,
        "/v1/register/KH-MRD-2025-031/decision",
        r#"{"decision": "reject", "by": "A. Officer", "screening_seq": "1"}"#,
    )
    .await;
    assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    verifies(&path, 2);

    // The page's decision form carries the screening shown, and is refused the same way.
    let token = csrf(&app).await;
    let page = post_form(
        &app,
        "/history/decision",
        &[
            ("_csrf", &token),
            ("request_id", "KH-MRD-2025-031"),
            ("screening_seq", "1"),
            ("decision", "reject"),
            ("by", "A. Officer"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(
        page.text().contains("no longer the latest"),
        "{}",
        page.text()
    );
    verifies(&path, 2);

    // The case page's form too: the page is shown again, saying which round is now the latest.
    let case_page = get(&app, "/cases/KH-MRD-2025-031").await.text();
    assert!(
        case_page.contains("name=\"screening_seq\" value=\"2\""),
        "the form carries the round shown"
    );
    let stale = post_form(
        &app,
        "/cases/KH-MRD-2025-031/decision",
        &[
            ("_csrf", &token),
            ("screening_seq", "1"),
            ("decision", "reject"),
            ("by", "A. Officer"),
        ],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let text = stale.text();
    assert!(text.contains("The decision was not recorded"), "{text}");
    assert!(text.contains("no longer the latest"), "{text}");
    assert!(
        text.contains("Read the latest screening (entry 2)"),
        "{text}"
    );
    verifies(&path, 2);

    // On the latest screening, shown: recorded; the case matched without regard to case.
    let decided = post(
        &app,
        "/v1/register/kh-mrd-2025-031/decision",
        r#"{"decision": "reject", "by": "A. Officer", "screening_seq": 2}"#,
    )
    .await;
    assert_eq!(decided.status, StatusCode::CREATED, "{}", decided.text());
    assert_eq!(decided.json()["screening_seq"], 2);
    assert_eq!(decided.json()["request_id"], "KH-MRD-2025-031");
    drop(app);
    verifies(&path, 3);
}

#[tokio::test]
async fn a_case_history_is_given_a_page_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let (app, path) = app_with_register(dir.path());
    for _ in 0..3 {
        screen(&app, fixture(PIU)).await;
    }
    screen(&app, fixture(POOLED)).await;
    let first = get(&app, "/v1/register/kh-mrd-2025-031?limit=2").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let seqs = |a: &Answer| -> Vec<u64> {
        a.json()["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(seqs(&first), [1, 2]);
    assert_eq!(first.json()["next"], 2);
    let second = get(&app, "/v1/register/KH-MRD-2025-031?limit=2&after=2").await;
    assert_eq!(seqs(&second), [3]);
    assert_eq!(second.json()["next"], serde_json::Value::Null);
    let too_many = get(&app, "/v1/register/KH-MRD-2025-031?limit=100000").await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    drop(app);
    verifies(&path, 4);
}

#[tokio::test]
async fn the_pages_of_cases_open_whatever_the_id_holds() {
    let dir = tempfile::tempdir().unwrap();
    let (app, path) = app_with_register(dir.path());
    let slashed = fixture(PIU).replace("\"KH-MRD-2025-031\"", "\"KH/MRD 2025/031\"");
    screen(&app, slashed).await;
    // The home page is the list of cases; its link to the case encodes the id as one segment.
    let list = get(&app, "/").await;
    assert_eq!(list.status, StatusCode::OK);
    let text = list.text();
    assert!(
        text.contains("href=\"/cases/KH%2FMRD%202025%2F031\""),
        "{text}"
    );
    let case = get(&app, "/cases/KH%2FMRD%202025%2F031").await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.text());
    let text = case.text();
    assert!(text.contains("<h1>Case KH/MRD 2025/031</h1>"), "{text}");
    // The round on its own, and Edit and resubmit, open too; reading appends nothing.
    let round = get(&app, "/cases/kh%2Fmrd%202025%2F031/rounds/1").await;
    assert_eq!(round.status, StatusCode::OK);
    assert!(round.text().contains("Case KH/MRD 2025/031, round 1 of 1"));
    let form = get(&app, "/form?case=KH%2FMRD%202025%2F031").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("name=\"_previous\" value=\"1\""));
    let missing = get(&app, "/cases/NOBODY").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    drop(app);
    verifies(&path, 1);
}
