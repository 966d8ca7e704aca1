//! The coordination unit's own follow-up beside a screening's result: the findings a rule
//! addressed to the unit (a check by hand, a list to consult). They are in the record and on
//! this page, never in the note sent to the requester.

use maud::{Markup, html};
use tcscreen_core::Finding;
use tcscreen_service::render::markdown::field_in_words;

/// The section, or nothing when the unit has nothing to follow up.
pub fn section(follow_up: &[&Finding]) -> Markup {
    html! {
        @if !follow_up.is_empty() {
            section.follow-up aria-labelledby="follow-up-title" {
                h2 #follow-up-title { "Follow-up for the coordination unit" }
                p.hint { "For your unit only: these points are not in the note sent to the requester." }
                ul {
                    @for f in follow_up {
                        li {
                            (f.message)
                            @if let Some(field) = &f.field {
                                " " span.hint { "(" (field_in_words(field)) ")" }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcscreen_core::{Actor, Criterion, Outcome};

    #[test]
    fn the_units_follow_up_is_shown_escaped_and_nothing_when_there_is_none() {
        assert_eq!(section(&[]).into_string(), "");
        let finding = Finding {
            rule: "np/NP-02".into(),
            criterion: Criterion::PolicyFit,
            outcome: Outcome::Note,
            message: "Check the sector <script> against the list.".into(),
            field: Some("alignment.sectors[0].code".into()),
            policy: None,
            overridden_from: None,
            actor: Some(Actor::CoordinationUnit),
        };
        let html = section(&[&finding]).into_string();
        assert!(
            html.contains("Follow-up for the coordination unit"),
            "{html}"
        );
        assert!(
            html.contains("not in the note sent to the requester"),
            "{html}"
        );
        assert!(
            html.contains("Check the sector &lt;script&gt; against the list."),
            "{html}"
        );
        assert!(html.contains("(sector 1: code)"), "{html}");
    }
}
