//! A screened portfolio: one row per request (its provider, requester, pack, decision, the
//! decision of each criterion and the findings), counted by decision, criterion, rule and
//! provider, and written as CSV. The page that uploads and shows it is [`crate::web::portfolio`].

use std::collections::BTreeMap;

use tcscreen_core::{Criterion, Decision, Diagnostic, Outcome};
use tcscreen_service::ScreenResult;

/// One request of a portfolio.
#[derive(Clone, Debug)]
pub struct Row {
    /// File, or file and line.
    pub location: String,
    /// Request id (empty when it could not be read).
    pub request_id: String,
    /// The request's title.
    pub title: String,
    /// The request's country (its code).
    pub country: String,
    /// The provider's name, as the request states it.
    pub provider: String,
    /// The provider's kind.
    pub provider_kind: String,
    /// The requesting institution.
    pub requester: String,
    /// `id version` of the pack.
    pub pack: String,
    /// Screening date.
    pub as_of: String,
    /// The decision (`None`: a rule failed, or not screened).
    pub decision: Option<Decision>,
    /// Per criterion.
    pub criteria: BTreeMap<Criterion, Decision>,
    /// Rule, criterion, outcome of each finding.
    pub findings: Vec<(String, Criterion, Outcome)>,
    /// Why it was not screened (first problem), if it was not.
    pub not_screened: Option<String>,
}

/// A screened portfolio.
#[derive(Clone, Debug, Default)]
pub struct Portfolio {
    /// Every request, in upload order.
    pub rows: Vec<Row>,
    /// The problems of the requests not screened, by source.
    pub problems: Vec<(String, Vec<Diagnostic>)>,
    /// The providers' published files (IATI) uploaded: their counts and what they left out.
    pub imports: Vec<tcscreen_service::iati::inputs::FileImport>,
    /// The title of each rule of the packs that screened it, by full id.
    pub rule_titles: BTreeMap<String, String>,
}

const NOT_STATED: &str = "(not stated)";

fn text_at<'a>(json: &'a tcscreen_core::Json, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(json, |j, key| j.get(key))
        .and_then(tcscreen_core::Json::as_str)
}

impl Portfolio {
    /// Add a request's screening, or why it was not screened, as the next row.
    pub fn add(&mut self, result: ScreenResult, catalog: &tcscreen_packs::Catalog) {
        match result {
            ScreenResult::Screened(s) => {
                let r = &s.record;
                let input = &r.input;
                self.rows.push(Row {
                    location: s.location.display(),
                    request_id: r.request_id.clone(),
                    title: text_at(input, &["title"]).unwrap_or("").to_string(),
                    country: text_at(input, &["country"]).unwrap_or("").to_string(),
                    provider: text_at(input, &["provider", "name"])
                        .unwrap_or(NOT_STATED)
                        .to_string(),
                    provider_kind: text_at(input, &["provider", "kind"])
                        .unwrap_or("")
                        .to_string(),
                    requester: text_at(input, &["requester", "name"])
                        .unwrap_or(NOT_STATED)
                        .to_string(),
                    pack: format!("{} {}", r.pack.id, r.pack.version),
                    as_of: r.as_of.to_string(),
                    decision: r.decision,
                    criteria: r.criteria.clone().unwrap_or_default(),
                    findings: r
                        .findings
                        .iter()
                        .map(|f| (f.rule.clone(), f.criterion, f.outcome))
                        .collect(),
                    not_screened: None,
                });
            }
            ScreenResult::NotScreened(not) => {
                let problems = not.diagnostics(catalog, &mut Default::default());
                let first = problems
                    .first()
                    .map_or_else(String::new, |d| format!("{}: {}", d.code, d.message));
                self.rows.push(Row {
                    location: not.location.display(),
                    request_id: not.request_id.clone().unwrap_or_default(),
                    title: String::new(),
                    country: String::new(),
                    provider: String::new(),
                    provider_kind: String::new(),
                    requester: String::new(),
                    pack: String::new(),
                    as_of: String::new(),
                    decision: None,
                    criteria: BTreeMap::new(),
                    findings: Vec::new(),
                    not_screened: Some(first),
                });
                self.problems.push((not.location.display(), problems));
            }
        }
    }

    /// The rows of the requests that were screened.
    pub fn screened(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.not_screened.is_none())
    }

    /// Counts by decision: accept, revise, reject, no decision (a rule failed), not screened.
    pub fn by_decision(&self) -> [(&'static str, usize, &'static str); 5] {
        let count = |d: Option<Decision>| self.screened().filter(|r| r.decision == d).count();
        [
            ("Accept", count(Some(Decision::Accept)), "accept"),
            ("Revise", count(Some(Decision::Revise)), "revise"),
            ("Reject", count(Some(Decision::Reject)), "reject"),
            ("No decision (a rule failed)", count(None), "none"),
            (
                "Not screened (invalid request)",
                self.rows.len() - self.screened().count(),
                "invalid",
            ),
        ]
    }

    /// Per criterion: how many requests it accepts, revises, rejects.
    pub fn by_criterion(&self) -> Vec<(Criterion, [usize; 3])> {
        Criterion::ALL
            .into_iter()
            .map(|c| {
                let mut counts = [0; 3];
                for r in self.screened() {
                    match r.criteria.get(&c) {
                        Some(Decision::Accept) => counts[0] += 1,
                        Some(Decision::Revise) => counts[1] += 1,
                        Some(Decision::Reject) => counts[2] += 1,
                        None => {}
                    }
                }
                (c, counts)
            })
            .collect()
    }

    /// Per rule that recorded something: criterion, and the requests where it recorded a
    /// reject, a revise, a note; most decisive first.
    pub fn by_rule(&self) -> Vec<(String, Criterion, [usize; 3])> {
        let mut rules: BTreeMap<String, (Criterion, [usize; 3])> = BTreeMap::new();
        for r in self.screened() {
            let mut seen = std::collections::BTreeSet::new();
            for (rule, criterion, outcome) in &r.findings {
                if !seen.insert((rule, *outcome)) {
                    continue;
                }
                let entry = rules.entry(rule.clone()).or_insert((*criterion, [0; 3]));
                match outcome {
                    Outcome::Reject => entry.1[0] += 1,
                    Outcome::Revise => entry.1[1] += 1,
                    Outcome::Note => entry.1[2] += 1,
                }
            }
        }
        let mut out: Vec<_> = rules.into_iter().map(|(r, (c, n))| (r, c, n)).collect();
        out.sort_by(|a, b| {
            (b.2[0] + b.2[1])
                .cmp(&(a.2[0] + a.2[1]))
                .then(a.0.cmp(&b.0))
        });
        out
    }

    /// Per provider: requests, accept, revise, reject, no decision, and how many were found
    /// not demand-led (the demand-led criterion revises or rejects them); most such first.
    pub fn by_provider(&self) -> Vec<(String, [usize; 6])> {
        let mut providers: BTreeMap<String, [usize; 6]> = BTreeMap::new();
        for r in self.screened() {
            let counts = providers.entry(r.provider.clone()).or_default();
            counts[0] += 1;
            match r.decision {
                Some(Decision::Accept) => counts[1] += 1,
                Some(Decision::Revise) => counts[2] += 1,
                Some(Decision::Reject) => counts[3] += 1,
                None => counts[4] += 1,
            }
            if matches!(
                r.criteria.get(&Criterion::DemandLed),
                Some(Decision::Revise | Decision::Reject)
            ) {
                counts[5] += 1;
            }
        }
        let mut out: Vec<_> = providers.into_iter().collect();
        out.sort_by(|a, b| {
            b.1[5]
                .cmp(&a.1[5])
                .then(b.1[0].cmp(&a.1[0]))
                .then(a.0.cmp(&b.0))
        });
        out
    }

    /// Per country: requests, accept, revise, reject, no decision; by country code.
    pub fn by_country(&self) -> Vec<(String, [usize; 5])> {
        let mut countries: BTreeMap<String, [usize; 5]> = BTreeMap::new();
        for r in self.screened() {
            let counts = countries.entry(r.country.clone()).or_default();
            counts[0] += 1;
            match r.decision {
                Some(Decision::Accept) => counts[1] += 1,
                Some(Decision::Revise) => counts[2] += 1,
                Some(Decision::Reject) => counts[3] += 1,
                None => counts[4] += 1,
            }
        }
        countries.into_iter().collect()
    }

    /// The portfolio as CSV: one line per request.
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "source,request_id,title,country,provider,provider_kind,requester,pack,as_of,decision,policy_fit,demand_led,exit,data,findings,not_screened\r\n",
        );
        for r in &self.rows {
            let criterion = |c: Criterion| r.criteria.get(&c).map_or("", |d| d.as_str());
            let findings: Vec<String> = r
                .findings
                .iter()
                .map(|(rule, _, outcome)| format!("{rule}:{}", outcome.as_str()))
                .collect();
            let cells = [
                r.location.as_str(),
                &r.request_id,
                &r.title,
                &r.country,
                &r.provider,
                &r.provider_kind,
                &r.requester,
                &r.pack,
                &r.as_of,
                r.decision.map_or("", Decision::as_str),
                criterion(Criterion::PolicyFit),
                criterion(Criterion::DemandLed),
                criterion(Criterion::Exit),
                criterion(Criterion::Data),
                &findings.join(" "),
                r.not_screened.as_deref().unwrap_or(""),
            ];
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

/// A CSV cell: quoted when needed, and a leading `=`, `+`, `-` or `@` defused so that a
/// spreadsheet never runs request text as a formula.
fn csv_cell(text: &str) -> String {
    // Control and invisible characters shown escaped, as in every human output.
    let text = &*tcscreen_service::escape::controls(text);
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("KH\u{200B}-1"), "KH\\u{200b}-1");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
    }
}
