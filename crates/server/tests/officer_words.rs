//! An officer's words on every page (issue 20 §4): labels for the schema's values and fields,
//! the countries with packs as a choice, problems that name the form's labels, no engine codes,
//! code marks, command-line options or JSON paths on a page (the API keeps them); a pack chosen
//! by hand for another country refused; the portfolio with full provider names, a legend, a
//! breakdown by country, rule titles, and title and country in the CSV.

mod common;

use axum::http::StatusCode;
use common::*;
use tcscreen_server::router;

const KH: &str = "fixtures/requests/kh/kh-mrd-2025-031-rural-roads-piu.json";

/// What a person reads on a page: the text outside tags and attribute values.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// No engine words in what a page shows.
#[track_caller]
fn assert_officer_words(page: &str, what: &str) {
    let text = visible(page);
    for developer in [
        "`",
        "--",
        "tcscreen explain",
        "snake_case",
        "finance.currency",
    ] {
        assert!(
            !text.contains(developer),
            "{what} shows {developer:?}:\n{text}"
        );
    }
    for code in ["I002", "I012", "H003", "H005", "P021"] {
        assert!(
            !text.contains(code),
            "{what} shows the code {code}:\n{text}"
        );
    }
    // No snake_case value shown as such (`south_south`, `gap_filling`, …).
    let snake = text.split_whitespace().find(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
        w.contains('_') && w.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    });
    assert!(snake.is_none(), "{what} shows {snake:?}:\n{text}");
}

#[tokio::test]
async fn the_form_speaks_in_labels_and_offers_the_countries_with_packs() {
    let app = router(state(&config()));
    let form = get(&app, "/form").await.text();
    assert_officer_words(&form, "the request form");
    assert!(
        form.contains(">South-South (another developing country)<"),
        "{form}"
    );
    assert!(form.contains(">Terms of reference<"), "{form}");
    assert!(form.contains(">IATI aid type"), "{form}");
    // The country is a choice of the countries that have a pack.
    let at = form.find("id=\"f-country\"").expect("the country field");
    let select = &form[form[..at].rfind('<').unwrap()..];
    let select = &select[..select.find("</select>").expect("a choice")];
    for country in ["Cambodia (KH)", "Nepal (NP)", "Afghanistan (AF)"] {
        assert!(select.contains(country), "{select}");
    }
    let example = get(&app, "/form?example=1").await.text();
    assert_officer_words(&example, "the example in the form");
}

#[tokio::test]
async fn problems_on_the_form_name_its_labels() {
    let app = router(state(&config()));
    let csrf = csrf(&app).await;
    let page = post_form(
        &app,
        "/form",
        &[
            ("_csrf", &csrf),
            ("id", "KH-T-1"),
            ("country", "KH"),
            ("title", "T"),
            ("received", "2025-01-01"),
            ("personnel[0].title", "Adviser"),
            ("personnel[0].months", "six"),
            ("origin.tor.drafted_by", "somebody"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text();
    assert!(
        html.contains("Personnel, row 1: months must be a number, zero or more"),
        "{html}"
    );
    assert!(
        html.contains("Origin: terms of reference: drafted by must be one of: The partner (requesting side); Jointly, partner and provider; The provider"),
        "{html}"
    );
    assert_officer_words(&html, "the form's problems");
    // The API keeps codes and paths.
    let api = post(
        &app,
        "/v1/validate",
        r#"{"id": "KH-T-1", "country": "KH", "title": "T", "received": "2025-01-01", "personnel": [{"months": "six"}]}"#,
    )
    .await;
    assert_eq!(api.json()["errors"][0]["code"], "I012");
    assert_eq!(api.json()["errors"][0]["path"], "personnel[0].months");
}

#[tokio::test]
async fn a_pack_chosen_by_hand_for_another_country_is_refused() {
    let app = router(state(&config()));
    let body = std::fs::read(root().join(KH)).unwrap();
    let refused = post(&app, "/v1/screen?pack=np", body.clone()).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text());
    assert_eq!(refused.codes(), ["P021"]);
    let message = refused.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("is for NP"), "{message}");
    assert!(message.contains("is from KH"), "{message}");
    // The country's own pack, chosen by hand, is fine; so is the base pack, which is no
    // country's.
    assert_eq!(
        post(&app, "/v1/screen?pack=kh", body.clone()).await.status,
        StatusCode::OK
    );
    assert_eq!(
        post(&app, "/v1/screen?pack=base", body.clone())
            .await
            .status,
        StatusCode::OK
    );
    // On the page, in words.
    let csrf = csrf(&app).await;
    let page = post_multipart(
        &app,
        "/screen",
        &[
            ("_csrf", None, csrf.as_bytes()),
            ("request", None, &body),
            ("pack", None, b"np@2019.2"),
            ("as_of", None, b""),
        ],
    )
    .await;
    let html = page.text();
    assert!(
        html.contains("is for NP, but request KH-MRD-2025-031 is from KH"),
        "{html}"
    );
    assert_officer_words(&html, "the refusal of another country's pack");
}

#[tokio::test]
async fn the_result_history_and_error_pages_speak_an_officers_words() {
    let dir = tempfile::tempdir().unwrap();
    let mut with_register = config();
    with_register.register = Some(dir.path().join("register.jsonl"));
    let app = router(state(&with_register));
    let csrf = csrf(&app).await;
    let body = std::fs::read(root().join(KH)).unwrap();
    let result = post_multipart(
        &app,
        "/screen",
        &[("_csrf", None, csrf.as_bytes()), ("request", None, &body)],
    )
    .await;
    assert_eq!(result.status, StatusCode::OK);
    assert_officer_words(&result.text(), "the result page");
    let history = get(&app, "/history?request_id=KH-MRD-2025-031")
        .await
        .text();
    assert_officer_words(&history, "the history page");
    // The case, a round on its own, and a decision refused on the case page.
    let case = get(&app, "/cases/KH-MRD-2025-031").await;
    assert_eq!(case.status, StatusCode::OK);
    let text = case.text();
    assert_officer_words(&text, "the case page");
    assert!(
        text.contains("<dd>Cambodia (KH)</dd>"),
        "the country by name: {text}"
    );
    let round = get(&app, "/cases/KH-MRD-2025-031/rounds/1").await.text();
    assert_officer_words(&round, "a round on its own");
    let refused = post_form(
        &app,
        "/cases/KH-MRD-2025-031/decision",
        &[
            ("_csrf", &csrf),
            ("screening_seq", "1"),
            ("decision", "accept"),
            ("by", "A. Officer"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(html.contains("The decision was not recorded"), "{html}");
    assert_officer_words(&html, "a decision refused on the case page");
    let filtered = get(
        &app,
        "/cases?state=awaiting&country=KH&q=rural&sort=received",
    )
    .await
    .text();
    assert_officer_words(&filtered, "the cases, filtered");
    assert!(filtered.contains("<td>Cambodia (KH)</td>"), "{filtered}");
    assert!(
        filtered.contains(">Cambodia (KH): 1</option>"),
        "{filtered}"
    );
    let missing = get(&app, "/history?request_id=NOPE").await.text();
    assert_officer_words(&missing, "a history with no entry");
    let not_found = get(&app, "/nowhere").await.text();
    assert_officer_words(&not_found, "the page for no page");
    let invalid = post_multipart(
        &app,
        "/screen",
        &[
            ("_csrf", None, csrf.as_bytes()),
            ("request", None, br#"{"id": "R1", "country": "kh", "title": "T", "received": "2025-02-30", "orgin": {}}"#),
        ],
    )
    .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = invalid.text();
    assert!(
        html.contains("Received must be a date that exists in the calendar"),
        "{html}"
    );
    assert!(html.contains("Orgin is not a field of a request"), "{html}");
    assert_officer_words(&html, "the problems of a pasted request");
    // (A pack's own page shows its rules as their authors wrote them, for policy staff who
    // write packs: their descriptions may name request fields, and are left as written.)
    for page in ["/", "/portfolio", "/packs", "/form?example=1"] {
        assert_officer_words(&get(&app, page).await.text(), page);
    }
    // Print holds the decision and the note only.
    let style = get(&app, "/assets/style.css").await.text();
    let print = &style[style.find("@media print").unwrap()..];
    assert!(print.contains("section.findings"), "{print}");
}

#[tokio::test]
async fn the_portfolio_names_providers_in_full_with_a_legend_countries_and_rule_titles() {
    let app = router(state(&config()));
    let csrf = csrf(&app).await;
    let long = "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH, regional office for South-East Asia";
    let text = std::fs::read_to_string(root().join(KH)).unwrap();
    let mut request: serde_json::Value = serde_json::from_str(&text).unwrap();
    request["provider"]["name"] = serde_json::json!(long);
    let mut jsonl = serde_json::to_string(&request).unwrap();
    jsonl.push('\n');
    for file in fixture_files() {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        jsonl.push_str(&serde_json::to_string(&json).unwrap());
        jsonl.push('\n');
    }
    let page = post_multipart(
        &app,
        "/portfolio",
        &[
            ("_csrf", None, csrf.as_bytes()),
            ("files", Some("portfolio.jsonl"), jsonl.as_bytes()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    // The long name in full, over several lines, never cut.
    let svg = &html[html.find("providers-chart-title").unwrap()..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    assert!(!svg.contains('…'), "{svg}");
    let lines: Vec<&str> = svg
        .split("<tspan")
        .skip(1)
        .map(|t| &t[t.find('>').unwrap() + 1..t.find("</tspan>").unwrap()])
        .collect();
    assert!(
        lines.join(" ").contains(long),
        "the name in full across lines: {lines:?}"
    );
    assert!(html.contains("<ul class=\"legend\""), "a legend");
    assert!(html.contains(">By country<"), "{html}");
    assert!(html.contains("Cambodia (KH)"), "{html}");
    assert!(
        html.contains("A parallel project implementation unit")
            || html.contains("parallel project implementation unit"),
        "rule titles beside ids: {html}"
    );
    let at = html.find("/portfolio/").unwrap();
    let link = &html[at..html[at..].find('"').unwrap() + at];
    let csv = get(&app, link).await.text();
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with("source,request_id,title,country,"),
        "{header}"
    );
    assert!(
        csv.contains("Project implementation unit for the rural roads improvement loan,KH"),
        "{csv}"
    );
}
