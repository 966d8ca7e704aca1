//! What the server's tests share: paths, a server's state over the shipped packs, and calls
//! to its router without a socket.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use tcscreen_server::{AppState, Config};
use tower::ServiceExt;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Every shipped fixture request, in path order.
pub fn fixture_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("fixtures/requests"), &mut files);
    files.sort();
    files
}

/// The recorded decisions of the fixtures (`screen fixtures/requests --format jsonl`), by
/// request id.
pub fn recorded() -> std::collections::BTreeMap<String, String> {
    let text = std::fs::read_to_string(root().join("fixtures/decisions/fixtures.jsonl")).unwrap();
    text.lines()
        .map(|line| {
            let json: serde_json::Value = serde_json::from_str(line).unwrap();
            let id = json["request"]["id"].as_str().unwrap().to_string();
            (id, line.to_string())
        })
        .collect()
}

/// The settings of a test server over the shipped packs: 2 threads, loopback.
pub fn config() -> Config {
    let mut config = Config::new(root().join("rules"));
    config.addr = "127.0.0.1:0".parse().unwrap();
    config.jobs = 2;
    config.queue = 8;
    config
}

pub fn state(config: &Config) -> AppState {
    tcscreen_server::run::prepare(config)
        .map_err(|e| format!("{}: {:?}", e.message, e.problems))
        .unwrap()
        .0
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The codes of `{"errors": [...]}`.
    pub fn codes(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors: {}", self.text()))
            .iter()
            .map(|e| e["code"].as_str().unwrap().to_string())
            .collect()
    }

    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A request to the server, as from a local client.
pub fn request(method: &str, uri: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "127.0.0.1:8080")
}

pub async fn call(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &Router, uri: &str) -> Answer {
    call(app, request("GET", uri).body(Body::empty()).unwrap()).await
}

pub async fn post(app: &Router, uri: &str, body: impl Into<Body>) -> Answer {
    call(
        app,
        request("POST", uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.into())
            .unwrap(),
    )
    .await
}

pub async fn post_form(app: &Router, uri: &str, form: &[(&str, &str)]) -> Answer {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    call(
        app,
        request("POST", uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// The CSRF token of the pages' forms, read from a page.
pub async fn csrf(app: &Router) -> String {
    let page = get(app, "/screen").await.text();
    let at = page.find("name=\"_csrf\" value=\"").expect("a CSRF field") + 20;
    page[at..at + 64].to_string()
}

/// A multipart body with text fields and files: (name, file name, content).
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "tcscreen-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file, content) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(file) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn post_multipart(
    app: &Router,
    uri: &str,
    parts: &[(&str, Option<&str>, &[u8])],
) -> Answer {
    let (content_type, body) = multipart(parts);
    call(
        app,
        request("POST", uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// Copy a folder tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
