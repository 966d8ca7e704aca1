//! IATI XML through the server: the batch endpoint with an XML body, and the Portfolio page's
//! upload of a provider's published file.

mod common;

use axum::body::Body;
use axum::http::{StatusCode, header};
use common::*;
use tcscreen_server::router;

const NL: &str = "fixtures/iati/real/iati-cloud_example_203_file.xml";

#[tokio::test]
async fn an_xml_batch_is_imported_screened_and_ends_with_the_import_counts() {
    let app = router(state(&config()));
    let body = std::fs::read(root().join(NL)).unwrap();
    let answer = call(
        &app,
        request("POST", "/v1/screen/batch?fallback_pack=base")
            .header(header::CONTENT_TYPE, "application/xml")
            .body(Body::from(body.clone()))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let lines: Vec<serde_json::Value> = answer
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The Egyptian D02 activity, screened with the fallback pack; the regional one, an error.
    let record = lines
        .iter()
        .find(|l| l["request"]["id"] == "NL-1-PPR-28383")
        .unwrap();
    assert_eq!(record["pack"]["id"], "base");
    assert!(lines.iter().any(|l| l["errors"][0]["code"] == "I035"));
    let import = &lines.last().unwrap()["import"];
    assert_eq!(import["activities"], 13);
    assert_eq!(import["tc"], 3);
    assert_eq!(import["not_tc"], 10);
    assert_eq!(import["left_out"].as_array().unwrap().len(), 10);
    // Without the fallback, Egypt's request is not screened, and says why.
    let answer = call(
        &app,
        request("POST", "/v1/screen/batch")
            .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert!(
        answer.text().contains("\"code\":\"P021\""),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn the_portfolio_page_takes_a_published_file_and_says_what_was_left_out() {
    let app = router(state(&config()));
    let csrf = csrf(&app).await;
    let body = std::fs::read(root().join(NL)).unwrap();
    // The page's second button asks for countries without a pack to be screened too.
    let page = post_multipart(
        &app,
        "/portfolio?fallback_pack=base",
        &[
            ("_csrf", None, csrf.as_bytes()),
            ("files", Some("netherlands.xml"), &body),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("Published activity data"), "{html}");
    assert!(
        html.contains("13 activities published, 3 of them technical co-operation"),
        "{html}"
    );
    assert!(html.contains("Activities left out of netherlands.xml"));
    assert!(html.contains("NL-1-PPR-24706"));
    // Egypt and Ukraine have no pack: screened with the base pack, since the button asked.
    assert!(html.contains("3 requests, 2 screened."), "{html}");
    assert!(html.contains("Not technical co-operation"));
    // An officer's words: no flags, codes or paths.
    assert!(
        !html.contains("--fallback") && !html.contains("not_tc"),
        "{html}"
    );
}
