//! The JSON API, endpoint by endpoint, with every error status, through the router (no
//! socket); and the pages' forms without a browser.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{StatusCode, header};
use common::*;
use tcscreen_server::router;

#[tokio::test]
async fn the_screen_endpoint_gives_the_recorded_record_of_every_shipped_fixture() {
    let app = router(state(&config()));
    let recorded = recorded();
    let files = fixture_files();
    assert_eq!(
        files.len(),
        recorded.len(),
        "one recorded decision per fixture"
    );
    for file in files {
        let body = std::fs::read(&file).unwrap();
        // As the command line screens them: each as of its own `received` date.
        let answer = post(&app, "/v1/screen?as_of=received", body).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{}: {}",
            file.display(),
            answer.text()
        );
        assert_eq!(
            answer.header(header::CONTENT_TYPE),
            Some("application/json")
        );
        let id = answer.json()["request"]["id"].as_str().unwrap().to_string();
        // `--format json` for one request: the canonical record and a newline.
        assert_eq!(
            answer.text(),
            format!("{}\n", recorded[&id]),
            "{}",
            file.display()
        );
    }
}

#[tokio::test]
async fn screen_options_and_formats() {
    let app = router(state(&config()));
    let body =
        std::fs::read(root().join("fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json"))
            .unwrap();
    let answer = post(&app, "/v1/screen?as_of=2009-06-01", body.clone()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["as_of"], "2009-06-01");
    assert_eq!(
        answer.json()["pack"]["version"],
        "2009.2",
        "the kh version valid in 2009"
    );

    let answer = post(&app, "/v1/screen?pack=kh@2010.2", body.clone()).await;
    assert_eq!(answer.json()["pack"]["version"], "2010.2");

    let note = post(&app, "/v1/screen?format=markdown", body.clone()).await;
    assert_eq!(note.status, StatusCode::OK);
    assert!(
        note.text()
            .starts_with("# Screening of request KH-MRD-2025-031"),
        "{}",
        note.text()
    );

    let bad = post(&app, "/v1/screen?format=pdf", body.clone()).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.codes(), ["H004"]);

    let bad = post(&app, "/v1/screen?as_of=yesterday", body.clone()).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.codes(), ["H004"]);

    // A folder on the server is never a pack a client can name.
    let bad = post(&app, "/v1/screen?pack=../rules/kh", body.clone()).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.codes(), ["P021"]);

    let unknown = post(&app, "/v1/screen?pack=zz", body).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.codes(), ["P021"]);
}

#[tokio::test]
async fn screen_errors_have_the_cli_problems_and_the_status_a_client_expects() {
    let mut small = config();
    small.max_request_bytes = 2000;
    let app = router(state(&small));

    let not_json = post(&app, "/v1/screen", "{\"id\": \"R1\",\n  oops}").await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    let e = &not_json.json()["errors"][0];
    assert_eq!(e["code"], "I002");
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(e["file"], "request body");

    let binary = post(&app, "/v1/screen", vec![0xff, 0xfe, 0x00]).await;
    assert_eq!(binary.status, StatusCode::BAD_REQUEST);
    assert_eq!(binary.codes(), ["I001"]);

    let invalid = post(
        &app,
        "/v1/screen",
        r#"{"id": "R1", "country": "KH", "title": "T", "received": "2025-01-01", "orgin": {}}"#,
    )
    .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.codes(), ["I011"]);
    let e = &invalid.json()["errors"][0];
    assert!(e["help"].as_str().unwrap().contains("origin"), "{e}");
    assert_eq!(e["column"].as_u64(), Some(71), "the place of `orgin`");

    let large = post(&app, "/v1/screen", vec![b' '; 5000]).await;
    assert_eq!(large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(large.codes(), ["I005"]);
    assert!(large.text().contains("limit of 2000"), "{}", large.text());

    let no_pack = post(
        &app,
        "/v1/screen",
        r#"{"id": "R1", "country": "ZZ", "title": "T", "received": "2025-01-01"}"#,
    )
    .await;
    assert_eq!(no_pack.status, StatusCode::NOT_FOUND);
    assert_eq!(no_pack.codes(), ["P021"]);
}

#[tokio::test]
async fn a_full_queue_answers_503_with_retry_after() {
    let mut one = config();
    one.jobs = 1;
    one.queue = 1;
    let state = state(&one);
    let app = router(state.clone());
    // Hold the only screening thread (the reply runs on it), then fill the queue.
    let (release, held) = std::sync::mpsc::channel::<()>();
    let (started, running) = std::sync::mpsc::channel::<()>();
    let body = std::fs::read_to_string(&fixture_files()[0]).unwrap();
    let item = |text: &str| tcscreen_service::Item {
        location: tcscreen_service::Location::file("held"),
        text: Ok(text.to_string()),
    };
    let options = Arc::new(tcscreen_service::ScreenOptions::default());
    state
        .screener()
        .submit(item(&body), options.clone(), move |_| {
            started.send(()).unwrap();
            held.recv().unwrap();
        })
        .unwrap();
    running.recv().unwrap();
    state
        .screener()
        .submit(item(&body), options, |_| {})
        .unwrap();
    let busy = post(&app, "/v1/screen", body.clone()).await;
    assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(busy.codes(), ["H001"]);
    assert_eq!(busy.header(header::RETRY_AFTER), Some("1"));
    release.send(()).unwrap();
    // Room again: the next request is screened.
    let mut answer = post(&app, "/v1/screen", body.clone()).await;
    for _ in 0..100 {
        if answer.status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        answer = post(&app, "/v1/screen", body.clone()).await;
    }
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn a_batch_streams_records_and_error_lines_in_input_order() {
    let app = router(state(&config()));
    let recorded = recorded();
    let files = fixture_files();
    let line = |i: usize| {
        let text = std::fs::read_to_string(&files[i]).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        (
            serde_json::to_string(&json).unwrap(),
            json["id"].as_str().unwrap().to_string(),
        )
    };
    let (a, a_id) = line(0);
    let (b, b_id) = line(5);
    let body = format!("{a}\n\n{{\"id\": \"X\"}}\nnot json\n{b}\n");
    let answer = post(&app, "/v1/screen/batch?as_of=received", body).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.header(header::CONTENT_TYPE),
        Some("application/x-ndjson")
    );
    let text = answer.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(lines[0], recorded[&a_id]);
    let invalid: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(invalid["line"], 3);
    assert_eq!(invalid["errors"][0]["code"], "I010");
    assert_eq!(invalid["errors"][0]["line"], 3);
    let not_json: serde_json::Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(not_json["line"], 4);
    assert_eq!(not_json["errors"][0]["code"], "I002");
    assert_eq!(lines[3], recorded[&b_id]);
}

#[tokio::test]
async fn validate_takes_json_or_the_request_form_and_names_the_field() {
    let app = router(state(&config()));
    let valid = post(
        &app,
        "/v1/validate",
        std::fs::read(&fixture_files()[0]).unwrap(),
    )
    .await;
    assert_eq!(valid.status, StatusCode::OK);
    assert_eq!(valid.json()["valid"], true);

    let invalid = post(
        &app,
        "/v1/validate",
        r#"{"id": "R1", "country": "kh", "title": "T", "received": "2025-02-30"}"#,
    )
    .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let json = invalid.json();
    assert_eq!(json["valid"], false);
    let paths: Vec<&str> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["country", "received"]);

    // The form's fields: a problem in a list row is put back on the row it came from.
    let form = post_form(
        &app,
        "/v1/validate",
        &[
            ("id", "R1"),
            ("country", "KH"),
            ("title", "Advisers"),
            ("received", "2025-01-01"),
            ("personnel[0].title", ""),
            ("personnel[2].months", "six"),
        ],
    )
    .await;
    assert_eq!(
        form.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        form.text()
    );
    let errors = form.json()["errors"].clone();
    assert!(
        errors
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == "personnel[2].months" && e["code"] == "I012"),
        "{errors}"
    );
}

#[tokio::test]
async fn schema_example_packs_and_rules() {
    let app = router(state(&config()));
    let schema = get(&app, "/v1/schema").await;
    assert_eq!(schema.status, StatusCode::OK);
    assert_eq!(
        schema.json()["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );

    let example = get(&app, "/v1/schema/example").await;
    assert_eq!(example.status, StatusCode::OK);
    let valid = post(&app, "/v1/validate", example.body.clone()).await;
    assert_eq!(valid.json()["valid"], true, "{}", valid.text());
    // The example is a request the shipped packs screen as it is (issue 20 §4), with a
    // decision: not a country without a pack.
    let screened = post(&app, "/v1/screen", example.body.clone()).await;
    assert_eq!(screened.status, StatusCode::OK, "{}", screened.text());
    assert!(
        screened.json()["decision"].is_string(),
        "{}",
        screened.text()
    );
    assert_eq!(screened.json()["pack"]["id"], "kh");
    // Enumerations carry their labels for people (JSON Schema `oneOf` with `const` and
    // `title`), which the request form shows.
    let kind = &schema.json()["properties"]["provider"]["properties"]["kind"]["oneOf"];
    assert!(
        kind.as_array()
            .unwrap()
            .iter()
            .any(|v| v["const"] == "south_south"
                && v["title"] == "South-South (another developing country)"),
        "{kind}"
    );

    let packs = get(&app, "/v1/packs").await;
    assert_eq!(packs.status, StatusCode::OK);
    let ids: Vec<String> = packs
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}@{}",
                p["id"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect();
    assert!(ids.contains(&"kh@2010.2".to_string()), "{ids:?}");
    assert_eq!(ids.len(), 6);

    let rule = get(&app, "/v1/rules/base/DL-03").await;
    assert_eq!(rule.status, StatusCode::OK, "{}", rule.text());
    let json = rule.json();
    assert_eq!(json["rule"]["id"], "base/DL-03");
    assert_eq!(json["rule"]["criterion"], "demand_led");
    assert!(!json["rule"]["citations"].as_array().unwrap().is_empty());
    let base = json["packs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["pack"] == "base")
        .unwrap()
        .clone();
    assert!(
        !base["fires_in_tests"].as_array().unwrap().is_empty(),
        "{base}"
    );

    let short = get(&app, "/v1/rules/DL-03").await;
    assert_eq!(short.json()["rule"]["id"], "base/DL-03");

    let missing = get(&app, "/v1/rules/base/DL-3").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.codes(), ["H005"]);
    assert!(
        missing.text().contains("did you mean"),
        "{}",
        missing.text()
    );
}

#[tokio::test]
async fn replay_reports_match_and_divergence() {
    let app = router(state(&config()));
    let records =
        std::fs::read_to_string(root().join("fixtures/decisions/fixtures.jsonl")).unwrap();
    let answer = post(&app, "/v1/replay", records.clone()).await;
    assert_eq!(answer.status, StatusCode::OK);
    let reports = answer.json();
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), records.lines().count());
    assert!(
        reports.iter().all(|r| r["verdict"] == "match"),
        "{reports:?}"
    );
    assert_eq!(reports[1]["source"], "request body:2");

    let first = records.lines().next().unwrap();
    let altered = first.replacen("\"rules_run\":", "\"rules_run\":1", 1);
    let answer = post(&app, "/v1/replay", altered).await;
    assert_eq!(answer.json()[0]["verdict"], "diverged", "{}", answer.text());

    let not_text = post(&app, "/v1/replay", vec![0u8, 1, 2]).await;
    assert_eq!(not_text.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_register_history_and_human_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let mut with_register = config();
    let path = dir.path().join("register.jsonl");
    with_register.register = Some(path.clone());
    let app = router(state(&with_register));
    let id = "KH-MRD-2025-031";

    let none = get(&app, &format!("/v1/register/{id}")).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert_eq!(none.codes(), ["H005"]);
    let undecidable = post(
        &app,
        &format!("/v1/register/{id}/decision"),
        r#"{"decision": "reject", "by": "A"}"#,
    )
    .await;
    assert_eq!(undecidable.status, StatusCode::NOT_FOUND);

    let body =
        std::fs::read(root().join("fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json"))
            .unwrap();
    assert_eq!(
        post(&app, "/v1/screen?as_of=2025-05-12", body).await.status,
        StatusCode::OK
    );
    let history = get(&app, &format!("/v1/register/{id}")).await;
    assert_eq!(history.status, StatusCode::OK);
    let entries = history.json()["entries"].clone();
    assert_eq!(entries.as_array().unwrap().len(), 1);
    assert_eq!(entries[0]["kind"], "screening");
    assert_eq!(entries[0]["record"]["decision"], "reject");

    let decide = |body: &'static str| {
        let app = app.clone();
        async move { post(&app, &format!("/v1/register/{id}/decision"), body).await }
    };
    let no_reason = decide(r#"{"decision": "accept", "by": "A. Officer"}"#).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.codes(), ["H007"]);
    let not_a_finding =
        decide(r#"{"decision": "reject", "by": "A", "reason": "r", "waived": ["base/DL-01"]}"#)
            .await;
    assert_eq!(not_a_finding.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        not_a_finding.text().contains("recorded no finding"),
        "{}",
        not_a_finding.text()
    );
    let too_early = decide(r#"{"decision": "reject", "by": "A", "at": "2025-05-11"}"#).await;
    assert_eq!(too_early.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown_field = decide(r#"{"decision": "reject", "by": "A", "reson": "typo"}"#).await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown_field.json()["errors"][0]["path"], "reson");
    let not_json = decide("{").await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);

    let decided = decide(r#"{"decision": "revise", "by": "A. Officer", "reason": "the ministry will fold the unit into its department", "waived": ["base/MG-01"], "at": "2025-06-01"}"#).await;
    assert_eq!(decided.status, StatusCode::CREATED, "{}", decided.text());
    assert_eq!(decided.json()["seq"], 2);
    assert_eq!(decided.json()["screened_decision"], "reject");
    let history = get(&app, &format!("/v1/register/{id}")).await;
    assert_eq!(history.json()["entries"][1]["waived"][0], "base/MG-01");
    drop(app);
    assert_eq!(
        tcscreen_service::register_scan::read(&path, None)
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn without_a_register_history_and_decisions_say_so() {
    let app = router(state(&config()));
    let history = get(&app, "/v1/register/X").await;
    assert_eq!(history.status, StatusCode::NOT_FOUND);
    assert_eq!(history.codes(), ["H006"]);
    let decision = post(
        &app,
        "/v1/register/X/decision",
        r#"{"decision": "accept", "by": "A"}"#,
    )
    .await;
    assert_eq!(decision.codes(), ["H006"]);
}

#[tokio::test]
async fn concurrent_human_decisions_on_one_register_are_all_recorded_and_the_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let mut with_register = config();
    let path = dir.path().join("register.jsonl");
    with_register.register = Some(path.clone());
    let app = router(state(&with_register));
    let mut ids = Vec::new();
    for file in fixture_files().iter().take(4) {
        let answer = post(&app, "/v1/screen", std::fs::read(file).unwrap()).await;
        let json = answer.json();
        ids.push((
            json["request"]["id"].as_str().unwrap().to_string(),
            json["decision"].as_str().unwrap().to_string(),
        ));
    }
    let tasks: Vec<_> = (0..40)
        .map(|n| {
            let app = app.clone();
            let (id, decision) = ids[n % ids.len()].clone();
            tokio::spawn(async move {
                let body = format!(r#"{{"decision": "{decision}", "by": "officer {n}"}}"#);
                post(&app, &format!("/v1/register/{id}/decision"), body).await
            })
        })
        .collect();
    for task in tasks {
        let answer = task.await.unwrap();
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    }
    drop(app);
    let entries = tcscreen_service::register_scan::read(&path, None).expect("the chain verifies");
    assert_eq!(entries.len(), 44);
    let mut deciders: Vec<String> = entries
        .iter()
        .filter_map(|e| match &e.body {
            tcscreen_service::register::Body::Decision(d) => Some(d.by.clone()),
            tcscreen_service::register::Body::Screening { .. } => None,
        })
        .collect();
    deciders.sort();
    deciders.dedup();
    assert_eq!(deciders.len(), 40);
}

#[tokio::test]
async fn a_reload_swaps_packs_only_when_they_pass() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    copy_dir(&root().join("rules"), &rules);
    let mut config = config();
    config.rules = rules.clone();
    let state = state(&config);
    let app = router(state.clone());
    let before = state.screener().packs();

    std::fs::write(
        rules.join("kh/rules/ZZ-01.rhai"),
        "//! title: x\n//! criterion: exit\nif {\n",
    )
    .unwrap();
    let refused = post(&app, "/v1/reload", "").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.codes().contains(&"R020".to_string()),
        "{}",
        refused.text()
    );
    assert!(Arc::ptr_eq(&before, &state.screener().packs()));
    let still = post(
        &app,
        "/v1/screen",
        std::fs::read(&fixture_files()[0]).unwrap(),
    )
    .await;
    assert_eq!(still.status, StatusCode::OK);

    std::fs::remove_file(rules.join("kh/rules/ZZ-01.rhai")).unwrap();
    let reloaded = post(&app, "/v1/reload", "").await;
    assert_eq!(reloaded.status, StatusCode::OK, "{}", reloaded.text());
    assert_eq!(reloaded.json()["packs"], 6);
    assert!(!Arc::ptr_eq(&before, &state.screener().packs()));
}

/// Every path the router serves under /v1 and the health checks, as written in the router.
const API_PATHS: [&str; 15] = [
    "/v1/screen",
    "/v1/screen/batch",
    "/v1/validate",
    "/v1/schema",
    "/v1/schema/example",
    "/v1/packs",
    "/v1/rules/{id}",
    "/v1/replay",
    "/v1/cases",
    "/v1/register/{request_id}",
    "/v1/register/{request_id}/decision",
    "/v1/reload",
    "/v1/openapi.json",
    "/healthz",
    "/readyz",
];

#[tokio::test]
async fn the_openapi_description_covers_every_endpoint_and_health_checks_answer() {
    let app = router(state(&config()));
    let openapi = get(&app, "/v1/openapi.json").await;
    assert_eq!(openapi.status, StatusCode::OK);
    let json = openapi.json();
    assert_eq!(json["openapi"], "3.1.0");
    let paths: Vec<&str> = json["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = API_PATHS.to_vec();
    want.sort_unstable();
    let mut have = paths.clone();
    have.sort_unstable();
    assert_eq!(have, want);
    // And the router serves each (a GET on a POST endpoint is 405, not 404).
    for path in API_PATHS {
        let concrete = path
            .replace("{id}", "base/DL-03")
            .replace("{request_id}", "X");
        let answer = get(&app, &concrete).await;
        let no_route = answer.status == StatusCode::NOT_FOUND && answer.codes() == ["H005"];
        assert!(!no_route, "{path}: {}", answer.text());
    }
    let health = get(&app, "/healthz").await;
    assert_eq!(health.json()["status"], "ok");
    let ready = get(&app, "/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json()["packs"], 6);

    let wrong_method = get(&app, "/v1/screen").await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.codes(), ["H004"]);

    let nothing = get(&app, "/v1/nothing").await;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND);
    assert_eq!(nothing.codes(), ["H005"]);
    let page = get(&app, "/nothing").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.text().contains("<!DOCTYPE html>"));
}

#[tokio::test]
async fn readyz_says_why_the_packs_cannot_be_chosen_from() {
    let dir = tempfile::tempdir().unwrap();
    let mut empty = config();
    empty.rules = dir.path().to_path_buf();
    let app = router(state(&empty));
    let ready = get(&app, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!ready.codes().is_empty());
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = router(state(&config()));
    for answer in [
        get(&app, "/").await,
        get(&app, "/v1/packs").await,
        post(&app, "/v1/screen", "x").await,
    ] {
        let csp = answer.header(header::CONTENT_SECURITY_POLICY).unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(
            answer.header(header::X_CONTENT_TYPE_OPTIONS),
            Some("nosniff")
        );
        assert_eq!(answer.header(header::X_FRAME_OPTIONS), Some("DENY"));
    }
}

#[tokio::test]
async fn cross_site_requests_and_foreign_host_names_are_refused() {
    let app = router(state(&config()));
    let body = std::fs::read(&fixture_files()[0]).unwrap();
    let from_elsewhere = call(
        &app,
        request("POST", "/v1/screen")
            .header(header::ORIGIN, "http://evil.example")
            .body(Body::from(body.clone()))
            .unwrap(),
    )
    .await;
    assert_eq!(from_elsewhere.status, StatusCode::FORBIDDEN);
    assert_eq!(from_elsewhere.codes(), ["H003"]);
    let same_site = call(
        &app,
        request("POST", "/v1/screen")
            .header(header::ORIGIN, "http://127.0.0.1:8080")
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(same_site.status, StatusCode::OK);
    let rebound = call(
        &app,
        axum::http::Request::builder()
            .uri("/v1/packs")
            .header(header::HOST, "attacker.example:8080")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(rebound.status, StatusCode::FORBIDDEN);
    for host in ["localhost:8080", "[::1]:8080", "127.0.0.2"] {
        let local = call(
            &app,
            axum::http::Request::builder()
                .uri("/healthz")
                .header(header::HOST, host)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(local.status, StatusCode::OK, "{host}");
    }
    // A page's form is bounded in size.
    let huge = post_form(&app, "/form", &[("title", &"x".repeat(17 * 1024 * 1024))]).await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    // A page's form without its CSRF token changes nothing.
    let forged = post_form(
        &app,
        "/history/decision",
        &[("request_id", "X"), ("decision", "accept"), ("by", "x")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn with_the_shared_token_alone_every_request_needs_it_and_there_are_no_pages() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cret-token-for-tests-0123\n").unwrap();
    let mut guarded = config();
    guarded.token_file = Some(token_file);
    let app = router(state(&guarded));

    let anonymous = get(&app, "/v1/packs").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.codes(), ["H002"]);
    assert!(
        anonymous
            .header(header::WWW_AUTHENTICATE)
            .unwrap()
            .starts_with("Bearer")
    );
    let wrong = call(
        &app,
        request("GET", "/v1/packs")
            .header(header::AUTHORIZATION, "Bearer s3cret-token-for-tests-0124")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let bearer = call(
        &app,
        request("GET", "/v1/packs")
            .header(header::AUTHORIZATION, "Bearer s3cret-token-for-tests-0123")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(bearer.status, StatusCode::OK);

    // The shared token alone serves other systems: there are no pages for people, and no
    // sign-in with the token (whose session never ended, and whose form token was shown to
    // anyone on the public sign-in page).
    let page = get(&app, "/packs").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(
        page.text().contains("other systems only"),
        "{}",
        page.text()
    );
    assert_eq!(get(&app, "/assets/style.css").await.status, StatusCode::OK);
    let login = get(&app, "/login").await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let token_login = post_form(
        &app,
        "/login",
        &[("token", "s3cret-token-for-tests-0123"), ("next", "/")],
    )
    .await;
    assert!(
        token_login.header(header::SET_COOKIE).is_none(),
        "no session from the shared token"
    );
}

#[test]
fn a_non_loopback_address_needs_a_token_file() {
    let mut open = config();
    open.addr = "0.0.0.0:8080".parse().unwrap();
    let refused = tcscreen_server::run::prepare(&open).err().expect("refused");
    assert!(refused.usage);
    assert!(
        refused.message.contains("--token-file"),
        "{}",
        refused.message
    );

    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short");
    std::fs::write(&short, "abc").unwrap();
    open.token_file = Some(short);
    let refused = tcscreen_server::run::prepare(&open)
        .err()
        .expect("a short token");
    assert!(
        refused.message.contains("at least 16"),
        "{}",
        refused.message
    );
    // Long, but one letter repeated (issue 18, item 11): refused for its lack of entropy.
    let weak = dir.path().join("weak");
    std::fs::write(&weak, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n").unwrap();
    open.token_file = Some(weak);
    let refused = tcscreen_server::run::prepare(&open)
        .err()
        .expect("a weak token");
    assert!(
        refused.message.contains("too easy to guess"),
        "{}",
        refused.message
    );
}

#[tokio::test]
async fn the_screen_page_shows_the_decision_the_note_and_the_findings() {
    let app = router(state(&config()));
    let csrf = csrf(&app).await;
    let body =
        std::fs::read(root().join("fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json"))
            .unwrap();
    let page = post_multipart(
        &app,
        "/screen",
        &[
            ("_csrf", None, csrf.as_bytes()),
            ("request", None, &body),
            ("pack", None, b""),
            ("as_of", None, b""),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("Decision: Reject"), "{html}");
    assert!(
        html.contains("<h2>Screening of request KH-MRD-2025-031"),
        "the note, rendered"
    );
    assert!(html.contains("Fit with national policy"));
    assert!(html.contains("kh</code> version 2010.2"));

    // Uploaded, not pasted: the same.
    let uploaded = post_multipart(
        &app,
        "/screen",
        &[
            ("_csrf", None, csrf.as_bytes()),
            ("request", None, b""),
            ("file", Some("r.json"), &body),
        ],
    )
    .await;
    assert!(uploaded.text().contains("Decision: Reject"));

    // Downloads are the CLI's bytes.
    let record = post_form(
        &app,
        "/screen/download",
        &[
            ("_csrf", &csrf),
            ("request", std::str::from_utf8(&body).unwrap()),
            ("pack", ""),
            ("as_of", "2025-05-12"),
            ("what", "record"),
        ],
    )
    .await;
    assert_eq!(record.status, StatusCode::OK);
    assert_eq!(
        record.text(),
        format!("{}\n", recorded()["KH-MRD-2025-031"])
    );
    assert!(
        record
            .header(header::CONTENT_DISPOSITION)
            .unwrap()
            .contains("KH-MRD-2025-031.record.json")
    );
}

/// The coordination unit's own follow-up is shown beside the result, and not in the note.
#[tokio::test]
async fn the_screen_page_shows_the_units_follow_up_beside_the_result() {
    let app = router(state(&config()));
    let csrf = csrf(&app).await;
    // A budget in rupees: the steering-body threshold (in dollars) is the unit's to compare.
    let body = br#"{"id": "NP-U-1", "country": "NP", "title": "Advisers", "received": "2025-03-04",
        "requester": {"name": "Ministry", "kind": "line_ministry"},
        "finance": {"currency": "NPR", "total": 500000000}}"#
        .to_vec();
    let page = post_multipart(
        &app,
        "/screen",
        &[
            ("_csrf", None, csrf.as_bytes()),
            ("request", None, &body),
            ("pack", None, b""),
            ("as_of", None, b""),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    let (before_note, note) = html
        .split_once("The decision note")
        .expect("the page shows the note");
    assert!(
        before_note.contains("Follow-up for the coordination unit")
            && before_note.contains("Compare the amounts by hand."),
        "{html}"
    );
    let note = note
        .split("Findings by criterion")
        .next()
        .unwrap_or_default();
    assert!(!note.contains("Compare the amounts by hand."), "{note}");
}

#[tokio::test]
async fn request_text_never_reaches_a_page_unescaped() {
    let app = router(state(&config()));
    let csrf = csrf(&app).await;
    let hostile = r#"{"id": "KH-<script>alert(1)</script>", "country": "KH", "title": "<img src=x onerror=alert(1)>", "received": "2025-03-04", "provider": {"name": "<b>P</b>", "kind": "bilateral"}}"#;
    let page = post_multipart(
        &app,
        "/screen",
        &[
            ("_csrf", None, csrf.as_bytes()),
            ("request", None, hostile.as_bytes()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(!html.contains("<b>P</b>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
}

#[tokio::test]
async fn a_broken_upload_is_shown_with_its_line_and_column() {
    let app = router(state(&config()));
    let csrf = csrf(&app).await;
    let page = post_multipart(
        &app,
        "/screen",
        &[
            ("_csrf", None, csrf.as_bytes()),
            (
                "file",
                Some("broken.json"),
                b"{\n  \"id\": \"R1\",\n  \"country\" \"KH\"\n}\n",
            ),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let html = page.text();
    // In words, without the engine's code (the API keeps it).
    assert!(html.contains("expected “:” after the key"), "{html}");
    assert!(!html.contains("I002"), "{html}");
    assert!(html.contains("broken.json, line 3, column 13"), "{html}");
}

#[tokio::test]
async fn the_request_form_builds_a_request_adds_rows_and_puts_problems_on_their_fields() {
    let app = router(state(&config()));
    let csrf = csrf(&app).await;
    let form = get(&app, "/form").await.text();
    assert!(
        form.contains("name=\"origin.tor.drafted_by\""),
        "every field of the schema"
    );
    assert!(form.contains("name=\"personnel[0].months\""));
    let example = get(&app, "/form?example=1").await.text();
    assert!(example.contains("value=\"KH-EXAMPLE-001\""));

    let more = post_form(
        &app,
        "/form",
        &[
            ("_csrf", &csrf),
            ("personnel[0].title", "Adviser"),
            ("_add", "personnel"),
        ],
    )
    .await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(more.text().contains("name=\"personnel[1].months\""));
    assert!(more.text().contains("value=\"Adviser\""));

    let invalid = post_form(
        &app,
        "/form",
        &[
            ("_csrf", &csrf),
            ("id", "R1"),
            ("country", "KH"),
            ("title", "T"),
            ("personnel[1].months", "-3"),
        ],
    )
    .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = invalid.text();
    assert!(html.contains("href=\"#f-received\""), "{html}");
    assert!(html.contains("href=\"#f-personnel-1--months\""), "{html}");

    let screened = post_form(
        &app,
        "/form",
        &[
            ("_csrf", &csrf),
            ("id", "R1"),
            ("country", "KH"),
            ("title", "Advisers"),
            ("received", "2025-03-04"),
            ("provider.kind", "bilateral"),
        ],
    )
    .await;
    assert_eq!(screened.status, StatusCode::OK, "{}", screened.text());
    assert!(screened.text().contains("Decision: "));
}

#[tokio::test]
async fn pages_history_portfolio_and_packs() {
    let dir = tempfile::tempdir().unwrap();
    let mut with_register = config();
    with_register.register = Some(dir.path().join("register.jsonl"));
    let app = router(state(&with_register));
    let csrf = csrf(&app).await;
    let body =
        std::fs::read(root().join("fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json"))
            .unwrap();
    post(&app, "/v1/screen", body).await;

    let history = get(&app, "/history?request_id=KH-MRD-2025-031").await;
    assert!(history.text().contains("Record the human decision"));
    let refused = post_form(
        &app,
        "/history/decision",
        &[
            ("_csrf", &csrf),
            ("request_id", "KH-MRD-2025-031"),
            ("decision", "accept"),
            ("by", "A"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("needs a reason"));
    let recorded = post_form(
        &app,
        "/history/decision",
        &[
            ("_csrf", &csrf),
            ("request_id", "KH-MRD-2025-031"),
            ("decision", "accept"),
            ("by", "A"),
            ("reason", "agreed with the ministry"),
            ("waived", "base/MG-01"),
        ],
    )
    .await;
    assert_eq!(
        recorded.status,
        StatusCode::SEE_OTHER,
        "{}",
        recorded.text()
    );
    let shown = get(&app, recorded.header(header::LOCATION).unwrap())
        .await
        .text();
    assert!(shown.contains("recorded as entry 2"), "{shown}");
    assert!(shown.contains("agreed with the ministry"));

    let files: Vec<(String, Vec<u8>)> = fixture_files()
        .iter()
        .map(|f| {
            (
                f.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(f).unwrap(),
            )
        })
        .collect();
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("_csrf", None, csrf.as_bytes())];
    for (name, bytes) in &files {
        parts.push(("files", Some(name), bytes));
    }
    parts.push(("files", Some("broken.jsonl"), b"{\"id\": 1}\n"));
    let portfolio = post_multipart(&app, "/portfolio", &parts).await;
    assert_eq!(portfolio.status, StatusCode::OK);
    let html = portfolio.text();
    let n = files.len();
    assert!(
        html.contains(&format!("{} requests, {n} screened", n + 1)),
        "{html}"
    );
    assert!(html.contains("<svg"), "charts drawn on the server");
    let at = html.find("/portfolio/").unwrap();
    let link = &html[at..html[at..].find('"').unwrap() + at];
    let csv = get(&app, link).await;
    assert_eq!(
        csv.header(header::CONTENT_TYPE),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        csv.text().lines().count(),
        n + 2,
        "a header and a line per request"
    );

    let packs = get(&app, "/packs").await.text();
    assert!(packs.contains("/packs/kh/2010.2"));
    let kh = get(&app, "/packs/kh/2010.2").await;
    assert_eq!(kh.status, StatusCode::OK);
    assert!(kh.text().contains("base/DL-03"));
    assert!(kh.text().contains("Fires in"));
}
