//! Packs: the packs in force by country and date, and for each its rules with their title,
//! criterion, adjustments, citations (with the date each source applies from and whether it
//! was verified) and the pack's tests in which each rule fires or must stay silent.

use axum::extract::{Path, State};
use axum::response::Response;
use maud::html;
use tcscreen_service::listing::{self, PackRow};
use tcscreen_service::render::markdown::criterion_name;

use crate::problem::ApiError;
use crate::security::percent_encode;
use crate::state::AppState;
use crate::web::{Section, error_page, html_page, layout, problems};

fn detail_href(row: &PackRow) -> String {
    format!(
        "/packs/{}/{}",
        percent_encode(&row.id),
        percent_encode(&row.version)
    )
}

/// `GET /packs`: every pack, by country, then id and validity.
pub async fn list(State(state): State<AppState>) -> Response {
    let rows = state.pack_rows().await;
    let mut sorted: Vec<&PackRow> = rows.iter().collect();
    sorted.sort_by(|a, b| {
        (a.country.as_deref().unwrap_or(""), &a.id, a.valid_from).cmp(&(
            b.country.as_deref().unwrap_or(""),
            &b.id,
            b.valid_from,
        ))
    });
    let packs = state.screener().packs();
    let catalog_problems = packs.catalog().problems().to_vec();
    let body = html! {
        p.lead { "The packs the server screens with. A request is screened by the pack of its country valid on the screening date; packs without a country are extended by the country packs." }
        table.packs {
            caption { "Packs in force" }
            thead {
                tr {
                    th scope="col" { "Country" } th scope="col" { "Pack" } th scope="col" { "Version" }
                    th scope="col" { "Valid" } th scope="col" { "Extends" } th scope="col" { "Rules" }
                    th scope="col" { "Status" }
                }
            }
            tbody {
                @for row in &sorted {
                    tr {
                        td { (row.country.as_deref().unwrap_or("—")) }
                        th scope="row" { a href=(detail_href(row)) { (row.name) } " " code { (row.id) } }
                        td { (row.version) }
                        td { (row.validity) }
                        td { @if row.extends.is_empty() { "—" } @else { (row.extends.join(", ")) } }
                        td { (row.rules) }
                        td { @if row.illustrative { "illustrative, not official policy" } @else { "—" } }
                    }
                }
            }
        }
        @if !catalog_problems.is_empty() {
            section.error aria-labelledby="catalog-problems" {
                h2 #catalog-problems { "Problems in the rules folder" }
                (problems(&catalog_problems))
            }
        }
    };
    html_page(layout(&state, Section::Packs, "Packs", body))
}

/// `GET /packs/{id}/{version}`: one pack's rules, citations and tests.
pub async fn detail(
    State(state): State<AppState>,
    Path((id, version)): Path<(String, String)>,
) -> Response {
    let rows = state.pack_rows().await;
    let Some(row) = rows
        .iter()
        .find(|r| r.id == id && r.version == version)
        .cloned()
    else {
        return error_page(
            &state,
            &ApiError::not_found(
                format!("no pack `{id}` version {version} in force"),
                "the Packs page lists the packs and their versions",
            ),
        );
    };
    let packs = state.screener().packs();
    let index = row.index;
    let detail = tokio::task::spawn_blocking(move || listing::pack_detail(&packs, index)).await;
    let detail = match detail {
        Ok(Ok(detail)) => detail,
        Ok(Err(list)) => {
            return error_page(
                &state,
                &ApiError::many(axum::http::StatusCode::SERVICE_UNAVAILABLE, list),
            );
        }
        Err(_) => return error_page(&state, &ApiError::internal("the pack listing stopped")),
    };
    let title = format!("{} {} {}", row.name, row.id, row.version);
    let body = html! {
        dl.facts {
            dt { "Country" } dd { (row.country.as_deref().unwrap_or("— (extended by country packs)")) }
            dt { "Valid" } dd { (row.validity) }
            dt { "Extends" } dd { @if row.extends.is_empty() { "—" } @else { (row.extends.join(", ")) } }
            dt { "Digest" } dd { code { (row.digest) } }
            dt { "Tests" } dd { (detail.tests.1) " of " (detail.tests.0) " pass" }
        }
        @if row.illustrative {
            p.notice { "This pack is illustrative: it shows how a country could write its policy, and is not any country's official policy." }
        }
        @if !detail.test_errors.is_empty() {
            section.error { h2 { "Problems with the pack's tests" } (problems(&detail.test_errors)) }
        }
        table.rules {
            caption { (detail.rules.len()) " rules, in the order they run" }
            thead {
                tr {
                    th scope="col" { "Rule" } th scope="col" { "Criterion" } th scope="col" { "As the pack uses it" }
                    th scope="col" { "Citations" } th scope="col" { "Tests" }
                }
            }
            tbody {
                @for rule in &detail.rules {
                    tr {
                        th scope="row" {
                            code { (rule.id) } br; (rule.title)
                            @if let Some(d) = &rule.description { p.hint { (d) } }
                        }
                        td { (criterion_name(rule.criterion)) br; span.hint { "acts: " (rule.actor.to_string()) } }
                        td { (rule.adjusted) }
                        td {
                            @if rule.citations.is_empty() { "—" }
                            ul.citations {
                                @for c in &rule.citations {
                                    li {
                                        (c.text)
                                        span.hint { " (source " code { (c.id) } ", applies from " (c.from.to_string()) ")" }
                                        @if !c.verified { " " strong.unverified { "not verified" } }
                                    }
                                }
                            }
                        }
                        td {
                            @if rule.fires_in.is_empty() && rule.silent_in.is_empty() { "no test of this pack" }
                            @if !rule.fires_in.is_empty() {
                                p { "Fires in: " } ul { @for t in &rule.fires_in { li { (t) } } }
                            }
                            @if !rule.silent_in.is_empty() {
                                p { "Silent in: " } ul { @for t in &rule.silent_in { li { (t) } } }
                            }
                        }
                    }
                }
            }
        }
        @if !detail.disabled.is_empty() {
            p { "Disabled by the pack: " @for (i, r) in detail.disabled.iter().enumerate() { @if i > 0 { ", " } code { (r) } } }
        }
    };
    html_page(layout(&state, Section::Packs, &title, body))
}
