//! Issue 23, the API clients' rough edges: errors in the API's own words (`?as_of=`,
//! `?pack=`, `/v1/screen/batch`, never a flag or a server folder), "did you mean" for rules,
//! `/v1/validate`'s id, an empty `as_of` refused, and the OpenAPI description: its request
//! schema a component that a code generator resolves (openapi-python-client), and its
//! promises kept by the server under an OpenAPI-driven property test (schemathesis), both run
//! against a loopback server when the tools are installed (`just openapi-tools` installs the
//! pinned versions; with `TCSCREEN_REQUIRE_OPENAPI_TOOLS=1` a missing tool fails the test).
//!
//! Neither tool is a Debian package, so on CI both skip: the contract test CI runs is the
//! Rust one, `openapi_contract.rs` (proptest, the description's own schemas as the oracle).

mod common;

use std::path::Path;
use std::process::Command;

use axum::http::StatusCode;
use common::*;
use tcscreen_server::{Server, router};

/// No command-line words and no folder of the server in an API error.
#[track_caller]
fn in_api_words(answer: &Answer) {
    let text = answer.text();
    for cli in [
        "--as-of",
        "--pack",
        ".jsonl",
        "--rules",
        "tcscreen check",
        "tcscreen new",
    ] {
        assert!(!text.contains(cli), "`{cli}` in {text}");
    }
    let rules = root().join("rules");
    assert!(!text.contains(rules.to_str().unwrap()), "{text}");
    assert!(!text.contains("under `"), "{text}");
}

fn help(answer: &Answer) -> String {
    answer.json()["errors"][0]["help"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn api_errors_speak_of_the_apis_parameters_and_endpoints() {
    let app = router(state(&config()));
    // No pack for the country.
    let answer = post(
        &app,
        "/v1/screen",
        r#"{"id": "ZZ-1", "country": "ZZ", "title": "T", "received": "2025-03-04"}"#,
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text());
    in_api_words(&answer);
    assert!(help(&answer).contains("?pack="), "{}", answer.text());
    // No pack valid on the date.
    let np =
        std::fs::read(root().join("fixtures/requests/np/np-lmc-2018-007-municipal-revenue.json"))
            .unwrap();
    let answer = post(&app, "/v1/screen?as_of=2000-01-01", np).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text());
    in_api_words(&answer);
    assert!(help(&answer).contains("?as_of="), "{}", answer.text());
    // An unknown pack by name.
    let kh =
        std::fs::read(root().join("fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json"))
            .unwrap();
    let answer = post(&app, "/v1/screen?pack=khh", kh.clone()).await;
    in_api_words(&answer);
    // Two requests in one body.
    let mut two = kh.clone();
    two.extend_from_slice(b"\n");
    two.extend_from_slice(&kh);
    let answer = post(&app, "/v1/screen", two).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text());
    in_api_words(&answer);
    assert!(
        help(&answer).contains("POST /v1/screen/batch"),
        "{}",
        answer.text()
    );
    // No register.
    let answer = get(&app, "/v1/register/KH-1").await;
    in_api_words(&answer);
}

#[tokio::test]
async fn a_rule_id_gets_a_did_you_mean_and_is_found_without_its_pack() {
    let app = router(state(&config()));
    for (asked, meant) in [("DL-3", "base/DL-03"), ("base/DL-3", "base/DL-03")] {
        let answer = get(&app, &format!("/v1/rules/{asked}")).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        assert_eq!(help(&answer), format!("did you mean `{meant}`?"), "{asked}");
    }
    let answer = get(&app, "/v1/rules/DL-03").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["rule"]["id"], "base/DL-03");
}

#[tokio::test]
async fn validate_names_the_id_of_an_invalid_request_whose_id_is_valid() {
    let app = router(state(&config()));
    let answer = post(
        &app,
        "/v1/validate",
        r#"{"id": "KH-9", "country": "KH", "title": "T", "received": "2025-02-30"}"#,
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.json()["id"], "KH-9");
    let answer = post(
        &app,
        "/v1/validate",
        r#"{"id": "", "country": "KH", "title": "T", "received": "2025-02-30"}"#,
    )
    .await;
    assert_eq!(answer.json()["id"], serde_json::Value::Null);
    let answer = post_form(
        &app,
        "/v1/validate",
        &[
            ("id", "KH-8"),
            ("country", "KH"),
            ("title", "T"),
            ("received", "x"),
        ],
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text()
    );
    assert_eq!(answer.json()["id"], "KH-8");
}

#[tokio::test]
async fn an_empty_as_of_or_pack_or_fallback_pack_or_one_with_spaces_is_refused() {
    let app = router(state(&config()));
    let kh =
        std::fs::read(root().join("fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json"))
            .unwrap();
    for uri in [
        "/v1/screen?as_of=",
        "/v1/screen/batch?as_of=",
        "/v1/screen?pack=",
        "/v1/screen/batch?pack=%20",
        "/v1/screen?as_of=2025-06-01%20",
        "/v1/screen?pack=kh%20",
        "/v1/screen/batch?fallback_pack=",
        "/v1/screen/batch?fallback_pack=base%20",
    ] {
        let answer = post(&app, uri, kh.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            answer.text()
        );
        assert_eq!(answer.json()["errors"][0]["code"], "H004", "{uri}");
    }
}

#[tokio::test]
async fn the_description_declares_the_servers_bounds() {
    let app = router(state(&config()));
    let doc = get(&app, "/v1/openapi.json").await.json();
    let request = &doc["components"]["schemas"]["Request"];
    let cost = &request["properties"]["personnel"]["items"]["properties"]["cost"];
    assert_eq!(cost["maximum"], serde_json::json!(1_000_000_000_000_000u64));
    assert_eq!(cost["minimum"], 0);
    let screen = &doc["paths"]["/v1/screen"]["post"];
    assert_eq!(
        screen["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Request"
    );
    // The server refuses what the description says is out of bounds, and takes the bound.
    let at = |total: &str| {
        format!(
            r#"{{"id": "KH-7", "country": "KH", "title": "T", "received": "2025-03-04", "finance": {{"total": {total}}}}}"#
        )
    };
    assert_eq!(
        post(&app, "/v1/validate", at("1000000000000000"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        post(&app, "/v1/validate", at("1000000000000000.01"))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

/// Whether a tool is installed; with `TCSCREEN_REQUIRE_OPENAPI_TOOLS` set, its absence fails.
fn tool(program: &str, args: &[&str], test: &str) -> bool {
    let found = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("TCSCREEN_REQUIRE_OPENAPI_TOOLS").is_none(),
            "{test}: `{program}` is not installed, and TCSCREEN_REQUIRE_OPENAPI_TOOLS is set (`just openapi-tools` installs it)"
        );
        eprintln!("{test}: skipped, `{program}` is not installed");
    }
    found
}

/// A loopback server over the shipped packs, on a free port.
fn server() -> Server {
    let mut config = config();
    config.addr = "127.0.0.1:0".parse().unwrap();
    Server::start(config).unwrap_or_else(|e| panic!("{}", e.message))
}

#[test]
fn a_code_generator_resolves_the_description() {
    if !tool("openapi-python-client", &["--version"], "code generator") {
        return;
    }
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let description = dir.path().join("openapi.json");
    let text = reqwest_free_get(&server, "/v1/openapi.json");
    std::fs::write(&description, text).unwrap();
    let output = Command::new("openapi-python-client")
        .current_dir(dir.path())
        .args(["generate", "--path", description.to_str().unwrap()])
        .output()
        .unwrap();
    let said = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{said}");
    // It warns only of the JSON Lines bodies it has no support for; a reference it cannot
    // resolve (the request schema was `/v1/schema`) would be a warning too.
    for warning in said.split("WARNING").skip(1) {
        assert!(
            warning.contains("Unsupported content type application/x-ndjson"),
            "{warning}"
        );
    }
    // The request became a model of its own, with its fields.
    let models = find_file(dir.path(), "request.py").unwrap_or_else(|| panic!("{said}"));
    let model = std::fs::read_to_string(models).unwrap();
    assert!(model.contains("received"), "{model}");
    server.stop().unwrap();
}

#[test]
fn the_server_keeps_the_descriptions_promises_under_schemathesis() {
    if !tool("schemathesis", &["--version"], "schemathesis") {
        return;
    }
    let server = server();
    let settings = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis");
    // Its example database and reports go to a folder of its own.
    let scratch = tempfile::tempdir().unwrap();
    let output = Command::new("schemathesis")
        .current_dir(scratch.path())
        .env("SCHEMATHESIS_HOOKS", settings.join("hooks.py"))
        .args([
            "--config-file",
            settings.join("schemathesis.toml").to_str().unwrap(),
            "run",
            &format!("{}/v1/openapi.json", server.url()),
            "--url",
            &server.url(),
            "--max-examples",
            "25",
            "--seed",
            "1",
            "--checks",
            "all",
            // The coverage phase walks every combination of the request schema's keywords: on
            // this schema it outgrows the machine. Fuzzing generates from the same schema.
            "--phases",
            "examples,fuzzing",
            "--no-color",
        ])
        .output()
        .unwrap();
    let said = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    server.stop().unwrap();
    assert!(output.status.success(), "{said}");
}

/// GET a path of the server with a plain HTTP/1.1 request.
fn reqwest_free_get(server: &Server, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let body = answer.split_once("\r\n\r\n").unwrap().1;
    body.to_string()
}

fn find_file(dir: &Path, name: &str) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(dir).ok()? {
        let path = entry.ok()?.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name) {
                return Some(found);
            }
        } else if path.file_name().is_some_and(|n| n == name) {
            return Some(path);
        }
    }
    None
}
