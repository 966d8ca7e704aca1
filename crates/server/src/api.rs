//! The JSON API (`/v1/…`, `/healthz`, `/readyz`): what each endpoint takes and answers is in
//! `docs/api.md` and `GET /v1/openapi.json`. Records are the bytes the command line writes;
//! errors are `{"errors": [...]}` with the command line's problems (see [`crate::problem`]).

use std::ops::ControlFlow;

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tcscreen_core::json::{self, JsonLimits, JsonValue};
use tcscreen_core::{Code, Diagnostic, Json, ValidRequest, canonical, request::schema};
use tcscreen_service::decisions::DecisionInput;
use tcscreen_service::register::{Body as EntryBody, Entry};
use tcscreen_service::{
    Inputs, Location, RecordFormat, RecordWriter, ScreenResult, listing, render,
};

use crate::body::{BODY, blocking_reader, read_limited, request_limits, request_text};
use crate::identity::Actor;
use crate::problem::{ApiError, ApiProblem, json_response, problem_json};
use crate::register::record_decision;
use crate::request_form::{self, EXAMPLE};
use crate::screening::{self, Register, ScreenQuery};
use crate::state::AppState;

/// `?format=` of `POST /v1/screen`, besides the screening's own query.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct FormatQuery {
    /// `json` (the default), `markdown` (the decision note) or `text`.
    pub format: Option<String>,
}

/// `?as_of=`, `?pack=` and `?fallback_pack=` of the screening endpoints: given but empty is a mistake of the
/// client (400), not a request for the default, which is to leave the parameter out.
fn screen_options(
    q: Result<Query<ScreenQuery>, QueryRejection>,
    state: &AppState,
) -> Result<tcscreen_service::ScreenOptions, ApiError> {
    let q = query(q)?;
    for (name, value, what) in [
        ("as_of", &q.as_of, "the screening date as ?as_of=YYYY-MM-DD"),
        (
            "pack",
            &q.pack,
            "a pack in force as ?pack=ID or ?pack=ID@VERSION",
        ),
        (
            "fallback_pack",
            &q.fallback_pack,
            "a pack in force as ?fallback_pack=ID or ?fallback_pack=ID@VERSION",
        ),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(ApiError::bad_request(
                format!("`{name}` is given but empty"),
                format!("give {what}, or leave `{name}` out for the default"),
            ));
        }
        if value.as_deref().is_some_and(|v| v.trim() != v) {
            return Err(ApiError::bad_request(
                format!("`{name}` has spaces around it"),
                format!("give {what}, without spaces"),
            ));
        }
    }
    q.options(state)
}

fn query<T: Default>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(q)| q).map_err(|e| {
        ApiError::bad_request(
            format!("the query string cannot be read: {}", e.body_text()),
            "see docs/api.md for the parameters of each endpoint",
        )
    })
}

/// `POST /v1/screen`: one request as the body; the record, byte for byte what
/// `tcscreen screen FILE --format json` prints.
pub async fn screen(
    State(state): State<AppState>,
    screen_query: Result<Query<ScreenQuery>, QueryRejection>,
    format_query: Result<Query<FormatQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let options = screen_options(screen_query, &state)?;
    let format = match query(format_query)?.format.as_deref() {
        None | Some("json") => RecordFormat::Json,
        Some("markdown") => RecordFormat::Markdown,
        Some("text") => RecordFormat::Text,
        Some(other) => {
            return Err(ApiError::bad_request(
                format!("format `{other}` is not one of json, markdown, text"),
                "leave format out for the record (JSON)",
            ));
        }
    };
    let bytes = read_limited(&headers, body, state.max_request_bytes()).await?;
    let screened = screening::screen(
        &state,
        Location::file(BODY),
        request_text(&bytes),
        options,
        Register::Append,
    )
    .await?;
    let mut out = Vec::new();
    let mut writer = RecordWriter::new(format);
    writer
        .record(
            &mut out,
            &screened.record,
            &screened.canonical,
            &screened.pack,
        )
        .and_then(|()| writer.finish(&mut out))
        .map_err(|e| ApiError::internal(format!("cannot write the record into the answer: {e}")))?;
    let content_type = match format {
        RecordFormat::Markdown => "text/markdown; charset=utf-8",
        RecordFormat::Text => "text/plain; charset=utf-8",
        RecordFormat::Json | RecordFormat::Jsonl => "application/json",
    };
    Ok(([(header::CONTENT_TYPE, content_type)], out).into_response())
}

/// `POST /v1/screen/batch`: JSON Lines in, JSON Lines out, streamed in input order: the
/// record of each request screened (what `--format jsonl` writes), or a line saying why a
/// request was not screened (`{"line": N, "request_id": …, "errors": [...]}`). With an XML
/// content type the body is IATI activity data, imported as `tcscreen screen FILE.xml` does,
/// and the answer ends with a line `{"import": …}`: the counts and what was left out.
pub async fn screen_batch(
    State(state): State<AppState>,
    screen_query: Result<Query<ScreenQuery>, QueryRejection>,
    headers: axum::http::HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let xml = crate::iati::is_xml(&headers);
    let options = screen_options(screen_query, &state)?;
    if axum::body::HttpBody::size_hint(&body).exact() == Some(0) {
        let help = if xml {
            "send IATI activity data (an `iati-activities` document) as the body"
        } else {
            "send the requests as JSON Lines: one request (a JSON object) a line"
        };
        return Err(ApiError::bad_request("the body is empty", help));
    }
    let Some(slot) = state.batch_slot() else {
        return Err(ApiError::busy());
    };
    let reader = blocking_reader(body);
    let (lines, received) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    let batch_state = state.clone();
    // The batch runs on a blocking thread, outside the request's identity scope.
    let account = crate::identity::current().account;
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let max = options.request_limits.max_bytes;
        let imports = tcscreen_service::iati::inputs::ImportLog::default();
        let inputs = if xml {
            Inputs::iati_xml(
                BODY,
                Box::new(reader),
                tcscreen_service::inputs::screening_import_options(),
                &imports,
            )
        } else {
            Inputs::json_lines(BODY, reader)
        }
        .with_max_bytes(max);
        let screener = batch_state.screener().clone();
        let catalog_packs = screener.packs();
        let gone = || lines.is_closed();
        let mut register_failure: Option<String> = None;
        let (appended, last_append) = std::sync::mpsc::channel::<Result<u64, String>>();
        let mut pending = 0usize;
        tcscreen_service::screen_batch(&screener, inputs, &options, &gone, |result| {
            let line = match result {
                ScreenResult::Screened(s) => {
                    if let Some(writer) = batch_state.register() {
                        let appended = appended.clone();
                        pending += 1;
                        writer.append_screening(screening::entry(&s, account.clone()), move |r| {
                            let _ = appended.send(r);
                        });
                    }
                    format!("{}\n", s.canonical)
                }
                ScreenResult::NotScreened(not) => {
                    let error = ApiError::not_screened(&not, catalog_packs.catalog());
                    let line = Json::number(not.location.line.unwrap_or(0) as u64);
                    let request_id = Json::opt_string(not.request_id.as_deref());
                    batch_error_line(line, request_id, &error)
                }
            };
            match lines.blocking_send(Ok(Bytes::from(line))) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            }
        });
        // Every record of the batch is in the register before the answer ends.
        for _ in 0..pending {
            match last_append.recv() {
                Ok(Err(why)) => {
                    register_failure.get_or_insert(why);
                }
                Ok(Ok(_)) => {}
                Err(_) => break,
            }
        }
        if let Some(why) = register_failure {
            let error = ApiError::register(why);
            let line = batch_error_line(Json::null(), Json::null(), &error);
            let _ = lines.blocking_send(Ok(Bytes::from(line)));
        }
        if xml {
            let line = crate::iati::import_line(&imports);
            let _ = lines.blocking_send(Ok(Bytes::from(line)));
        }
    });
    let body = Body::from_stream(futures_util::stream::unfold(
        received,
        |mut received| async move { received.recv().await.map(|line| (line, received)) },
    ));
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

/// `POST /v1/validate`: check one request against the schema without screening it. The body
/// is the request (JSON), or the fields of the page's request form
/// (`application/x-www-form-urlencoded`). 200 `{"valid": true, "id": …, "errors": []}`, or 422
/// with `"valid": false` and the problems, each with the field `path` when it has one.
pub async fn validate(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let limit = state.max_request_bytes();
    let bytes = read_limited(&headers, body, limit).await?;
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let checked = tokio::task::spawn_blocking(move || {
        if is_form {
            let fields = request_form::Fields::parse(&bytes);
            let built = request_form::build_request(&fields);
            request_form::validate(&built, limit).map_err(|problems| {
                let id = valid_id(&built.text, &problems);
                (problems, id)
            })
        } else {
            let location = Location::file(BODY);
            match request_text(&bytes) {
                Ok(text) => match ValidRequest::from_text(&text, &request_limits(limit)) {
                    Ok(request) => Ok(request.id().to_string()),
                    Err(errors) => {
                        let problems: Vec<_> = errors
                            .iter()
                            .map(|e| {
                                let d = tcscreen_service::problems::from_input(
                                    &location,
                                    e,
                                    Some(&text),
                                );
                                (d, (!e.path.is_empty()).then(|| e.path.clone()))
                            })
                            .collect();
                        let id = valid_id(&text, &problems);
                        Err((problems, id))
                    }
                },
                Err(e) => Err((
                    vec![(
                        tcscreen_service::problems::from_input(&location, &e, None),
                        None,
                    )],
                    None,
                )),
            }
        }
    })
    .await
    .map_err(|_| ApiError::internal("the validation stopped"))?;
    let valid = |v: bool| Json::new(JsonValue::Bool(v));
    Ok(match checked {
        Ok(id) => json_response(
            StatusCode::OK,
            &Json::object([
                ("valid", valid(true)),
                ("id", Json::string(id)),
                ("errors", Json::array(vec![])),
            ]),
        ),
        Err((problems, id)) => json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &Json::object([
                ("valid", valid(false)),
                ("id", Json::opt_string(id.as_deref())),
                (
                    "errors",
                    Json::array(
                        problems
                            .iter()
                            .map(|(d, path)| {
                                with_words(problem_json(d, path.as_deref()), d, path.as_deref())
                            })
                            .collect(),
                    ),
                ),
            ]),
        ),
    })
}

/// The request's `id` when it is there and valid although other fields are not (no problem is
/// about `id`): a client can tell which request the problems are about.
fn valid_id(text: &str, problems: &[(Diagnostic, Option<String>)]) -> Option<String> {
    if problems
        .iter()
        .any(|(_, path)| path.as_deref() == Some("id"))
    {
        return None;
    }
    let json = json::parse(text, JsonLimits::default()).ok()?;
    json.get("id").and_then(Json::as_str).map(str::to_string)
}

/// A problem of `POST /v1/validate` with `text`: the problem in an officer's words, naming the
/// field by the form's labels, for the page that checks the form as it is typed.
fn with_words(json: Json, d: &Diagnostic, path: Option<&str>) -> Json {
    match json.value {
        JsonValue::Object(members) => {
            Json::object(members.into_iter().map(|m| (m.key, m.value)).chain([(
                "text".to_string(),
                Json::string(crate::words::problem_in_words(d, path)),
            )]))
        }
        value => Json::new(value),
    }
}

/// `GET /v1/schema`: the JSON Schema of a request (`tcscreen schema`).
pub async fn schema() -> Response {
    json_response(StatusCode::OK, &schema::json_schema())
}

/// `GET /v1/schema/example`: a complete example request (`tcscreen schema --example`).
pub async fn example() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], EXAMPLE).into_response()
}

/// `GET /v1/packs`: the packs in force, as `tcscreen packs --format json` lists them.
pub async fn packs(State(state): State<AppState>) -> Response {
    let rows = state.pack_rows().await;
    json_response(
        StatusCode::OK,
        &Json::array(rows.iter().map(listing::PackRow::to_json).collect()),
    )
}

/// `GET /v1/rules/{id}`: a rule as written, and how each pack uses it, with the tests that
/// exercise it (`tcscreen rule ID`).
pub async fn rule(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let packs = state.screener().packs();
    let wanted = id.clone();
    let info = tokio::task::spawn_blocking(move || {
        tcscreen_core::on_eval_stack(|| listing::rule(&packs, &wanted))
    })
    .await
    .map_err(|_| ApiError::internal("the rule listing stopped"))?;
    if info.is_unknown() {
        Err(ApiError::not_found(
            format!("no rule `{id}` in the packs in force"),
            info.suggestion(&id).map_or_else(
                || {
                    "GET /v1/packs lists the packs; a rule's id is `PACK/ID`, such as base/DL-03"
                        .to_string()
                },
                |close| format!("did you mean `{close}`?"),
            ),
        ))
    } else if !info.ambiguous(&id).is_empty() {
        let all = info.ambiguous(&id);
        Err(ApiError::not_found(
            format!("several packs have a rule `{id}`: {}", all.join(", ")),
            format!("give the full id, such as GET /v1/rules/{}", all[0]),
        ))
    } else {
        Ok(json_response(StatusCode::OK, &info.to_json()))
    }
}

/// `POST /v1/replay`: replay recorded decisions (a record, an array of records, or JSON Lines
/// of records or register entries) with the packs in force; the reports of
/// `tcscreen replay --format json`, bounded and streamed ([`crate::replay`]).
pub async fn replay(State(state): State<AppState>, body: Body) -> Result<Response, ApiError> {
    crate::replay::replay_body(&state, body).await
}

/// A line of a batch answer that stands for a request not screened (or for the register
/// failing under the batch): `{"line", "request_id", "errors"}`.
fn batch_error_line(line: Json, request_id: Json, error: &ApiError) -> String {
    let errors = error.diagnostics().map(|d| problem_json(d, None));
    let json = Json::object([
        ("line", line),
        ("request_id", request_id),
        ("errors", Json::array(errors.collect())),
    ]);
    format!("{}\n", canonical::to_canonical_string(&json))
}

/// `?after=SEQ&limit=N` of `GET /v1/register/{request_id}`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct HistoryQuery {
    /// Only entries after this one.
    pub after: Option<u64>,
    /// At most this many entries (1 to [`MAX_HISTORY_PAGE`], default [`HISTORY_PAGE`]).
    pub limit: Option<usize>,
}

/// Entries in a history answer unless `limit` says otherwise.
pub const HISTORY_PAGE: usize = 100;
/// The most entries one history answer holds.
pub const MAX_HISTORY_PAGE: usize = 1000;

/// `GET /v1/register/{request_id}`: the case's screenings and human decisions (its id matched
/// without regard to case), oldest first, a page at a time (`after`, `limit`; `next` continues).
pub async fn history(
    State(state): State<AppState>,
    Path(request_id): Path<String>,
    page: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let page = query(page)?;
    let limit = page.limit.unwrap_or(HISTORY_PAGE);
    if !(1..=MAX_HISTORY_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(
            format!("limit {limit} is out of range"),
            format!("ask for 1 to {MAX_HISTORY_PAGE} entries at a time"),
        ));
    }
    let case = crate::register::open_case(&state, &request_id).await?;
    let Some(case) = case else {
        return Err(ApiError::not_found(
            format!("no entries for request `{request_id}` in the register"),
            "screen the request first (POST /v1/screen): the server appends every screening to its register",
        ));
    };
    let after = page.after.unwrap_or(0);
    let mut entries = case
        .entries
        .iter()
        .map(|(e, _)| e)
        .filter(|e| e.seq > after);
    let shown: Vec<&Entry> = entries.by_ref().take(limit).collect();
    let next = if entries.next().is_some() {
        shown
            .last()
            .map_or_else(Json::null, |e| Json::number(e.seq))
    } else {
        Json::null()
    };
    Ok(json_response(
        StatusCode::OK,
        &Json::object([
            ("request_id", Json::string(&request_id)),
            (
                "entries",
                Json::array(shown.iter().map(|e| e.to_json()).collect()),
            ),
            ("next", next),
        ]),
    ))
}

/// `POST /v1/register/{request_id}/decision`: record a person's decision on the latest
/// screening of the request. Body: `{"decision", "by", "reason"?, "waived"?, "at"?}`. 201 with
/// the entry; 422 when the decision departs from the screening without a reason, waives a
/// rule that recorded nothing, or is dated before the screening; 404 when the request was
/// never screened.
pub async fn decide(
    State(state): State<AppState>,
    actor: Actor,
    Path(request_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    if state.register().is_none() {
        return Err(ApiError::no_register());
    }
    let bytes = read_limited(&headers, body, 64 * 1024).await?;
    let mut input = decision_input(&bytes)?;
    input.by = actor.decided_by(Some(&input.by))?;
    let (seq, decision) = record_decision(&state, &request_id, input).await?;
    // Recorded under the id its screening gave (the case is matched without regard to case).
    let recorded_as = state
        .register()
        .and_then(|w| {
            w.index()
                .case(&request_id)
                .map(|c| c.facts.request_id.clone())
        })
        .unwrap_or(request_id);
    let entry = Entry {
        seq,
        prev: String::new(),
        hash: String::new(),
        request_id: recorded_as,
        body: EntryBody::Decision(decision),
    };
    let mut json = entry.to_json();
    if let JsonValue::Object(members) = json.value {
        json = Json::object(
            members
                .into_iter()
                .filter(|m| m.key != "hash")
                .map(|m| (m.key, m.value)),
        );
    }
    Ok(json_response(StatusCode::CREATED, &json))
}

/// The body of a decision, read exactly (duplicate keys and unknown fields refused): text, then
/// JSON (400 when it is neither), then a decision ([`DecisionInput::from_json`]: 422 with the
/// member at fault as the problem's path).
fn decision_input(bytes: &[u8]) -> Result<DecisionInput, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request("the body is not UTF-8 text", "send a JSON object"))?;
    let json = json::parse(text, JsonLimits::default()).map_err(|errors| {
        let e = &errors[0];
        ApiError::new(
            StatusCode::BAD_REQUEST,
            Diagnostic::error(Code::I002, e.message.clone())
                .at(BODY, e.pos)
                .help("send a JSON object: {\"decision\": \"accept\", \"by\": \"NAME\", \"reason\": \"…\", \"waived\": [], \"at\": \"YYYY-MM-DD\"}"),
        )
    })?;
    DecisionInput::from_json(&json).map_err(|bad| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ApiProblem::at(
                Diagnostic::error(Code::H007, bad.message()).help(bad.help()),
                bad.path(),
            ),
        )
    })
}

/// Reload the packs: load, check and compile them, and put them in force only if they pass.
/// Returns the warnings of the packs now in force, or the problems that kept the old ones.
pub async fn reload_packs(state: &AppState) -> Result<(usize, Vec<Diagnostic>), Vec<Diagnostic>> {
    let _one_at_a_time = state.reload_guard().await;
    let reloading = state.clone();
    tokio::task::spawn_blocking(move || {
        let packs = reloading.discover_packs()?;
        let count = packs.catalog().entries().len();
        reloading
            .screener()
            .reload(packs)
            .map(|warnings| (count, warnings))
    })
    .await
    .unwrap_or_else(|_| {
        Err(vec![Diagnostic::error(
            Code::H010,
            "the reload stopped before it finished; the packs in force are unchanged",
        )])
    })
}

/// `POST /v1/reload`: reload the packs from the rules folder. 200 with the number of packs
/// and the warnings; 422 with the problems when they do not pass (the old packs keep serving).
pub async fn reload(State(state): State<AppState>) -> Response {
    match reload_packs(&state).await {
        Ok((count, warnings)) => json_response(
            StatusCode::OK,
            &Json::object([
                ("reloaded", Json::new(JsonValue::Bool(true))),
                ("packs", Json::number(count as u64)),
                (
                    "warnings",
                    Json::array(warnings.iter().map(render::problem::to_json).collect()),
                ),
            ]),
        ),
        Err(errors) => ApiError::many(StatusCode::UNPROCESSABLE_ENTITY, errors).into_response(),
    }
}

/// `GET /v1/openapi.json`.
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::description(),
    )
        .into_response()
}

/// `GET /healthz`: the process answers.
pub async fn healthz() -> Response {
    json_response(
        StatusCode::OK,
        &Json::object([("status", Json::string("ok"))]),
    )
}

/// `GET /readyz`: the packs in force can be chosen from (200), or why not (503).
pub async fn readyz(State(state): State<AppState>) -> Response {
    let packs = state.screener().packs();
    let catalog = packs.catalog();
    if catalog.entries().is_empty() || !catalog.problems().is_empty() {
        let mut problems = catalog.problems().to_vec();
        if problems.is_empty() {
            problems.push(Diagnostic::error(
                Code::P020,
                "no packs under the rules folder",
            ));
        }
        return ApiError::many(StatusCode::SERVICE_UNAVAILABLE, problems).into_response();
    }
    json_response(
        StatusCode::OK,
        &Json::object([
            ("status", Json::string("ready")),
            ("packs", Json::number(catalog.entries().len() as u64)),
            ("threads", Json::number(state.screener().threads() as u64)),
        ]),
    )
}
