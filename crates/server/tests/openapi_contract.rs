//! The server keeps the promises of its OpenAPI description (issue 23 item 12), under a
//! property test that runs everywhere, CI included, with nothing to install: for every
//! operation of `GET /v1/openapi.json`, calls generated from its declared parameters and
//! bodies (values the description takes, values just outside its bounds, values of the wrong
//! type; `contract/generate.rs`), sent to a server over the shipped packs with a register, and
//! each answer checked against the description (`contract/mod.rs`): no 5xx, a declared status
//! and content type, a JSON answer that matches the schema declared for its status, a call the
//! description takes never refused as invalid, and one it refuses never answered 2xx.
//!
//! Deterministic and bounded: a fixed seed, [`CASES`] calls per operation. The schemathesis
//! run in `api_contract.rs` does the same from Python where the tools are installed.

mod common;
mod contract;

use axum::body::Body;
use common::*;
use proptest::test_runner::{
    Config as RunnerConfig, RngAlgorithm, TestCaseError, TestRng, TestRunner,
};
use serde_json::{Value, json};
use tcscreen_server::router;

use contract::{Case, Oracle, Reply, Samples};

/// Calls per operation.
const CASES: u32 = 48;
/// Fewer for the operations that compile every pack on each call (about 0.3 s each in a
/// debug build): a rule's page, and a reload.
const RULE_CASES: u32 = 12;
const RELOAD_CASES: u32 = 3;
const SEED: [u8; 32] = *b"tcscreen openapi contract seed 1";

/// The seed and the number of calls, which a person hunting for mismatches may change:
/// `TCSCREEN_CONTRACT_SEED` (any text) and `TCSCREEN_CONTRACT_SCALE` (calls × N). The test as
/// committed and as CI runs it uses neither.
fn exploration() -> ([u8; 32], u32) {
    let mut seed = SEED;
    if let Ok(text) = std::env::var("TCSCREEN_CONTRACT_SEED") {
        for (i, b) in text.bytes().enumerate() {
            seed[i % 32] ^= b;
        }
    }
    let scale = std::env::var("TCSCREEN_CONTRACT_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    (seed, scale)
}

struct Harness {
    app: axum::Router,
    runtime: tokio::runtime::Runtime,
    doc: Value,
    oracle: Oracle,
    /// Answers by status and by what the description says of the call, for the log.
    tally: std::cell::RefCell<std::collections::BTreeMap<String, u32>>,
}

impl Harness {
    fn new(register: &std::path::Path) -> Self {
        let mut config = config();
        config.register = Some(register.to_path_buf());
        let app = router(state(&config));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let doc = runtime.block_on(get(&app, "/v1/openapi.json")).json();
        let oracle = Oracle::new(&doc);
        Harness {
            app,
            runtime,
            doc,
            oracle,
            tally: Default::default(),
        }
    }

    fn send(&self, method: &str, uri: &str, body: Option<(&str, Vec<u8>)>) -> Reply {
        let mut builder = request(&method.to_uppercase(), uri);
        let body = match body {
            Some((content_type, bytes)) => {
                builder = builder.header("content-type", content_type);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let answer = self
            .runtime
            .block_on(call(&self.app, builder.body(body).unwrap()));
        Reply {
            status: answer.status.as_u16(),
            content_type: answer
                .header(axum::http::header::CONTENT_TYPE)
                .map(String::from),
            body: answer.body,
        }
    }

    /// Ids the server holds, and bodies of the kinds it takes: a request screened into the
    /// register, a rule, a recorded decision record.
    fn samples(&self) -> Samples {
        let example = self
            .runtime
            .block_on(get(&self.app, "/v1/schema/example"))
            .json();
        let id = example["id"].as_str().unwrap().to_string();
        let screened = self.send(
            "post",
            "/v1/screen?as_of=received",
            Some(("application/json", example.to_string().into_bytes())),
        );
        assert_eq!(
            screened.status,
            200,
            "{}",
            String::from_utf8_lossy(&screened.body)
        );
        let record: Value = serde_json::from_slice(&screened.body).unwrap();
        let mut path_values = std::collections::BTreeMap::new();
        path_values.insert("request_id".to_string(), vec![id]);
        path_values.insert("id".to_string(), vec!["base/DL-03".into(), "DL-03".into()]);
        // A request of each country with a pack, as recorded in the fixtures.
        let mut requests = vec![example];
        for file in fixture_files() {
            let request: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
            if !requests.iter().any(|r| r["country"] == request["country"]) {
                requests.push(request);
            }
        }
        // A second case in the register, so that a page of one case has a `next`.
        let second = self.send(
            "post",
            "/v1/screen?as_of=received",
            Some(("application/json", requests[1].to_string().into_bytes())),
        );
        assert_eq!(
            second.status,
            200,
            "{}",
            String::from_utf8_lossy(&second.body)
        );
        let page = self.send("get", "/v1/cases?limit=1", None);
        let page: Value = serde_json::from_slice(&page.body).unwrap();
        let cursor = page["next"].as_str().expect("a next page").to_string();
        let mut opaque_query = std::collections::BTreeMap::new();
        opaque_query.insert("cursor".to_string(), vec![cursor]);
        let mut texts: Vec<String> = requests.iter().map(Value::to_string).collect();
        texts.extend([record.to_string(), "{}".into(), "not json".into()]);
        let mut json = requests;
        json.extend([record.clone(), json!([record])]);
        Samples {
            path_values,
            opaque_query,
            texts,
            json,
        }
    }

    /// Send one case; `Err` says which promise the answer broke.
    fn run_case(&self, op: &contract::Operation, case: &Case) -> Result<(), String> {
        let mut path = op.path.clone();
        let mut query = form_urlencoded::Serializer::new(String::new());
        let mut invalid = Vec::new();
        for p in &op.params {
            let given = case
                .params
                .iter()
                .find(|(n, _)| *n == p.name)
                .map(|(_, v)| v);
            match (given, p.location.as_str()) {
                (Some(v), "path") => {
                    let encoded: String = form_urlencoded::byte_serialize(v.as_bytes()).collect();
                    path = path.replace(&format!("{{{}}}", p.name), &encoded);
                }
                (Some(v), _) => {
                    query.append_pair(&p.name, v);
                }
                (None, _) if p.required => invalid.push(format!("{} is required", p.name)),
                (None, _) => {}
            }
            // Where the description says the server trims the query, the oracle does too.
            let read = given
                .map(|v| {
                    if op.trimmed_query && p.location == "query" {
                        v.trim()
                    } else {
                        v
                    }
                })
                .filter(|v| !(op.trimmed_query && v.is_empty()));
            if let Some(v) = read {
                let value = contract::parameter_value(&p.schema, v);
                let refusals = self.oracle.refusals(&p.schema, &value);
                invalid.extend(refusals.into_iter().map(|r| format!("{}: {r}", p.name)));
            }
        }
        invalid.extend(cursor_of_another_order(case));
        let query = query.finish();
        let uri = if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        };
        let mut body = None;
        if let Some((content_type, value)) = &case.body {
            let schema = &op.bodies.iter().find(|(t, _)| t == content_type).unwrap().1;
            let (bytes, seen) = contract::encode(content_type, value);
            let refusals = self.oracle.refusals(schema, &seen);
            invalid.extend(refusals.into_iter().map(|r| format!("body: {r}")));
            body = Some((content_type.as_str(), bytes));
        }
        let shown = body
            .as_ref()
            .map(|(t, b)| format!("{t} {}", String::from_utf8_lossy(&b[..b.len().min(400)])));
        let reply = self.send(&op.method, &uri, body);
        let tally = format!(
            "{} {}",
            reply.status,
            if invalid.is_empty() {
                "valid"
            } else {
                "invalid"
            }
        );
        *self.tally.borrow_mut().entry(tally).or_insert(0) += 1;
        let kind = case.body.as_ref().map(|(t, _)| t.as_str());
        self.oracle.check(op, &invalid, kind, &reply).map_err(|e| {
            format!(
                "{} {uri} {}: {e}",
                op.method.to_uppercase(),
                shown.unwrap_or_default()
            )
        })
    }
}

/// The description's words on `cursor`: one given for another `sort` or `order` is refused.
/// The sample cursor comes from a page in the default order (`attention`, ascending).
fn cursor_of_another_order(case: &Case) -> Option<String> {
    let given = |name: &str| {
        case.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    given("cursor")?;
    let other = given("sort").is_some_and(|s| s != "attention")
        || given("order").is_some_and(|o| o != "asc");
    other.then(|| "cursor: given for another sort or order".to_string())
}

#[test]
fn every_operation_keeps_the_descriptions_promises() {
    let dir = tempfile::tempdir().unwrap();
    let harness = Harness::new(&dir.path().join("register.jsonl"));
    let samples = harness.samples();
    let operations = contract::operations(&harness.doc);
    assert!(operations.len() >= 14, "{} operations", operations.len());
    let (seed, scale) = exploration();
    let mut broken = Vec::new();
    for op in &operations {
        let cases = scale
            * match op.path.as_str() {
                "/v1/reload" => RELOAD_CASES,
                "/v1/rules/{id}" => RULE_CASES,
                _ => CASES,
            };
        let config = RunnerConfig {
            cases,
            failure_persistence: None,
            max_shrink_iters: 64,
            ..RunnerConfig::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
        let strategy = contract::cases(&harness.doc, op, &samples);
        let started = std::time::Instant::now();
        let result = runner.run(&strategy, |case| {
            harness.run_case(op, &case).map_err(TestCaseError::fail)
        });
        let tally = std::mem::take(&mut *harness.tally.borrow_mut());
        eprintln!(
            "{}: {cases} cases in {:?}, answers {tally:?}",
            op.name(),
            started.elapsed()
        );
        if let Err(e) = result {
            broken.push(format!("{}: {e}", op.name()));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n\n"));
}

/// The oracle itself: each promise it checks can fail.
#[test]
fn the_oracle_catches_each_kind_of_broken_promise() {
    let doc: Value = serde_json::from_str(tcscreen_server::openapi::description()).unwrap();
    let oracle = Oracle::new(&doc);
    let operations = contract::operations(&doc);
    let screen = operations.iter().find(|o| o.path == "/v1/screen").unwrap();
    let reply = |status: u16, content_type: &str, body: &str| Reply {
        status,
        content_type: Some(content_type.to_string()),
        body: body.as_bytes().to_vec(),
    };
    let problems = r#"{"errors":[{"code":"I011","severity":"error","message":"m","file":null,"line":1,"column":2,"help":null,"notes":[]}]}"#;
    let json = "application/json";
    assert!(
        oracle
            .check(screen, &[], None, &reply(422, json, problems))
            .is_err(),
        "valid refused"
    );
    let invalid = ["body: wrong".to_string()];
    assert!(
        oracle
            .check(screen, &invalid, None, &reply(422, json, problems))
            .is_ok()
    );
    assert!(
        oracle
            .check(screen, &invalid, None, &reply(200, json, "{}"))
            .is_err(),
        "invalid taken"
    );
    assert!(
        oracle
            .check(screen, &[], None, &reply(500, json, problems))
            .is_err(),
        "5xx"
    );
    assert!(
        oracle
            .check(screen, &[], None, &reply(418, json, problems))
            .is_err(),
        "undeclared"
    );
    assert!(
        oracle
            .check(screen, &[], None, &reply(200, "text/csv", "a,b"))
            .is_err(),
        "content type"
    );
    // A problem without its required `code`.
    let no_code = r#"{"errors":[{"severity":"error","message":"m","file":null,"line":1,"column":2,"help":null,"notes":[]}]}"#;
    assert!(
        oracle
            .check(screen, &invalid, None, &reply(422, json, no_code))
            .is_err(),
        "schema"
    );
    assert!(
        oracle
            .check(screen, &[], None, &reply(404, json, problems))
            .is_ok()
    );
}

fn operation<'a>(
    ops: &'a [contract::Operation],
    method: &str,
    path: &str,
) -> &'a contract::Operation {
    ops.iter()
        .find(|o| o.method == method && o.path == path)
        .unwrap()
}

/// Found by the contract test: a decision's `by` left blank is refused (422, H007), and the
/// description now says it must not be blank.
#[tokio::test]
async fn a_blank_decider_is_refused_as_the_description_says() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config();
    config.register = Some(dir.path().join("register.jsonl"));
    let app = router(state(&config));
    let doc = get(&app, "/v1/openapi.json").await.json();
    let oracle = Oracle::new(&doc);
    let operations = contract::operations(&doc);
    let decide = operation(&operations, "post", "/v1/register/{request_id}/decision");
    let schema = &decide.bodies[0].1;
    let example = get(&app, "/v1/schema/example").await.json();
    assert_eq!(
        post(&app, "/v1/screen?as_of=received", example.to_string())
            .await
            .status,
        200
    );
    let uri = format!("/v1/register/{}/decision", example["id"].as_str().unwrap());
    for by in ["", "  "] {
        let body = json!({"decision": "accept", "by": by});
        assert!(
            !oracle.refusals(schema, &body).is_empty(),
            "the description takes {by:?}"
        );
        let answer = post(&app, &uri, body.to_string()).await;
        assert_eq!(answer.status, 422, "{}", answer.text());
        assert_eq!(answer.json()["errors"][0]["path"], "by");
    }
    let body = json!({"decision": "accept", "by": "a.officer"});
    assert!(oracle.refusals(schema, &body).is_empty());
    assert_eq!(post(&app, &uri, body.to_string()).await.status, 201);
}

/// Found by the contract test: `?format=markdown` and `?format=text` answer the note and the
/// text form, which the description now declares beside the record.
#[tokio::test]
async fn each_format_of_a_screening_answers_a_declared_content_type() {
    let app = router(state(&config()));
    let doc = get(&app, "/v1/openapi.json").await.json();
    let operations = contract::operations(&doc);
    let screen = operation(&operations, "post", "/v1/screen");
    let declared = &screen.responses["200"];
    let example = get(&app, "/v1/schema/example").await.json().to_string();
    for format in ["json", "markdown", "text"] {
        let answer = post(
            &app,
            &format!("/v1/screen?as_of=received&format={format}"),
            example.clone(),
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.text());
        let content_type = answer.header(axum::http::header::CONTENT_TYPE).unwrap();
        let content_type = content_type.split(';').next().unwrap();
        assert!(
            declared.contains_key(content_type),
            "{format}: {content_type} not in {:?}",
            declared.keys()
        );
    }
}

/// Found by the contract test: a replay body of blank lines only is refused as empty (400),
/// which the description now says; a batch of blank lines only is a batch of no requests
/// (200, an empty answer), which it takes.
#[tokio::test]
async fn a_body_of_blank_lines_is_answered_as_the_description_says() {
    let app = router(state(&config()));
    let doc = get(&app, "/v1/openapi.json").await.json();
    let oracle = Oracle::new(&doc);
    let operations = contract::operations(&doc);
    let ndjson = |op: &contract::Operation| {
        op.bodies
            .iter()
            .find(|(t, _)| t == "application/x-ndjson")
            .unwrap()
            .1
            .clone()
    };
    let blank = json!("\n \n");
    let send = |uri: &'static str| {
        call(
            &app,
            request("POST", uri)
                .header("content-type", "application/x-ndjson")
                .body(Body::from("\n \n"))
                .unwrap(),
        )
    };
    let replay = operation(&operations, "post", "/v1/replay");
    assert!(!oracle.refusals(&ndjson(replay), &blank).is_empty());
    let answer = send("/v1/replay").await;
    assert_eq!(answer.status, 400, "{}", answer.text());
    let batch = operation(&operations, "post", "/v1/screen/batch");
    assert!(oracle.refusals(&ndjson(batch), &blank).is_empty());
    let answer = send("/v1/screen/batch").await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(answer.body.is_empty(), "{}", answer.text());
    // No bytes at all: both refuse it, and so does the description.
    assert!(!oracle.refusals(&ndjson(batch), &json!("")).is_empty());
    assert_eq!(post(&app, "/v1/screen/batch", "").await.status, 400);
}

/// Found by the contract test: the pack's pattern said "no space around it" with `\s`, which
/// regular expression dialects read differently (ECMAScript's takes U+FEFF and leaves out
/// U+0085); it now lists the characters the server trims, and both agree on each.
#[tokio::test]
async fn the_pack_pattern_and_the_server_agree_on_what_pads_a_pack() {
    let app = router(state(&config()));
    let doc = get(&app, "/v1/openapi.json").await.json();
    let oracle = Oracle::new(&doc);
    let operations = contract::operations(&doc);
    let screen = operation(&operations, "post", "/v1/screen");
    let pack = &screen
        .params
        .iter()
        .find(|p| p.name == "pack")
        .unwrap()
        .schema;
    let example = get(&app, "/v1/schema/example").await.json().to_string();
    for (value, padded) in [
        ("\u{feff}", false),
        ("kh\u{feff}", false),
        ("kh\u{85}", true),
        ("\u{3000}kh", true),
        ("kh\u{2009}", true),
        ("kh\t", true),
    ] {
        let refused = !oracle.refusals(pack, &json!(value)).is_empty();
        assert_eq!(refused, padded, "the description on {value:?}");
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("pack", value)
            .finish();
        let answer = post(&app, &format!("/v1/screen?{query}"), example.clone()).await;
        assert_eq!(answer.status == 400, padded, "{value:?}: {}", answer.text());
    }
}

/// Found by the contract test: an empty XML body is refused (400), which the description now
/// says (`minLength`).
#[tokio::test]
async fn an_empty_xml_batch_is_refused_as_the_description_says() {
    let app = router(state(&config()));
    let doc = get(&app, "/v1/openapi.json").await.json();
    let oracle = Oracle::new(&doc);
    let operations = contract::operations(&doc);
    let batch = operation(&operations, "post", "/v1/screen/batch");
    let xml = &batch
        .bodies
        .iter()
        .find(|(t, _)| t == "application/xml")
        .unwrap()
        .1;
    assert!(!oracle.refusals(xml, &json!("")).is_empty());
    let answer = call(
        &app,
        request("POST", "/v1/screen/batch")
            .header("content-type", "application/xml")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 400, "{}", answer.text());
}

/// Found by the contract test: a request received before one of its own dates is refused
/// (I025), which the request's schema cannot say; its description now says it in words.
#[tokio::test]
async fn the_request_description_names_the_received_date_rule() {
    let app = router(state(&config()));
    let doc = get(&app, "/v1/openapi.json").await.json();
    let described = doc["components"]["schemas"]["Request"]["description"]
        .as_str()
        .unwrap();
    assert!(described.contains("I025"), "{described}");
    let mut example = get(&app, "/v1/schema/example").await.json();
    example["documents"] = json!([{"date": "2099-01-01"}]);
    let answer = post(&app, "/v1/validate", example.to_string()).await;
    assert_eq!(answer.status, 422, "{}", answer.text());
    assert_eq!(answer.json()["errors"][0]["code"], "I025");
}

/// Found by the contract test after `/v1/cases` arrived: the server reads its parameters
/// trimmed and an empty one as absent (what the page's filter form sends), and refuses a
/// cursor it did not give; the description now says both (`x-trimmed-query`, the cursor's
/// words), and the oracle reads the query as the description says.
#[tokio::test]
async fn the_cases_parameters_are_read_as_the_description_says() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config();
    config.register = Some(dir.path().join("register.jsonl"));
    let app = router(state(&config));
    let doc = get(&app, "/v1/openapi.json").await.json();
    let cases = &doc["paths"]["/v1/cases"]["get"];
    assert_eq!(cases["x-trimmed-query"], true);
    for uri in [
        "/v1/cases?received_from=",
        "/v1/cases?received_from=%20",
        "/v1/cases?received_from=%202025-01-01%20&state=%20awaiting",
    ] {
        let answer = get(&app, uri).await;
        assert_eq!(answer.status, 200, "{uri}: {}", answer.text());
    }
    let cursor = cases["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cursor")
        .unwrap();
    assert!(
        cursor["description"]
            .as_str()
            .unwrap()
            .contains("did not give"),
        "{cursor}"
    );
    let answer = get(&app, "/v1/cases?cursor=a").await;
    assert_eq!(answer.status, 400, "{}", answer.text());
    assert_eq!(answer.codes(), ["H004"]);
}

/// Found by the contract test: a decision naming an entry that is not a screening of the
/// request is refused with 422 (path `screening_seq`), which the description now says.
#[tokio::test]
async fn a_decision_on_an_entry_that_is_no_screening_is_refused_as_described() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config();
    config.register = Some(dir.path().join("register.jsonl"));
    let app = router(state(&config));
    let doc = get(&app, "/v1/openapi.json").await.json();
    let described =
        doc["components"]["schemas"]["DecisionInput"]["properties"]["screening_seq"]["description"]
            .as_str()
            .unwrap()
            .to_string();
    assert!(described.contains("(422)"), "{described}");
    let example = get(&app, "/v1/schema/example").await.json();
    assert_eq!(
        post(&app, "/v1/screen?as_of=received", example.to_string())
            .await
            .status,
        200
    );
    let uri = format!("/v1/register/{}/decision", example["id"].as_str().unwrap());
    let body = json!({"decision": "accept", "by": "a.officer", "screening_seq": 1_000_000});
    let answer = post(&app, &uri, body.to_string()).await;
    assert_eq!(answer.status, 422, "{}", answer.text());
    assert_eq!(answer.json()["errors"][0]["path"], "screening_seq");
}
