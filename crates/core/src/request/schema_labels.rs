//! The labels of the request schema's enumerated values, in words for people: what the request
//! form shows in its choices, what `tcscreen schema` writes as each value's `title` (JSON Schema
//! `oneOf` with `const` and `title`), and so what API clients and the docs show too. One table
//! for every value, whatever the field: a value means the same wherever it appears.

/// (value, label), sorted by value.
const LABELS: &[(&str, &str)] = &[
    ("academia", "Academia (university, research institute)"),
    ("academic", "Academic institution"),
    ("aid_coordination_unit", "Aid coordination unit"),
    ("annual_joint", "Annual joint review"),
    ("backstopping", "Backstopping (remote expert support)"),
    ("bilateral", "Bilateral (another country's agency)"),
    ("board", "Board of the requesting body"),
    ("budget", "Budget"),
    ("capacity_assessment", "Capacity assessment"),
    ("capacity_development", "Capacity development"),
    (
        "cd_plan_extract",
        "Extract of the capacity-development plan",
    ),
    ("central_government", "Central government"),
    ("civil_society", "Civil society"),
    ("co_chaired", "Co-chaired by partner and provider"),
    (
        "contracted_firm",
        "A firm or consultant the provider contracts",
    ),
    (
        "country_systems",
        "The partner's own structures (country systems)",
    ),
    ("cso_platform", "Civil-society platform"),
    ("diaspora", "Diaspora"),
    ("election_period", "Election period"),
    ("embedded_expert", "Embedded expert"),
    (
        "enabling_environment",
        "Enabling environment (laws, policies, systems)",
    ),
    ("evaluation", "Evaluation"),
    ("ex_post", "Ex-post review"),
    ("final", "Final review"),
    ("follow_on", "Follow-on support"),
    ("foundation", "Foundation"),
    (
        "fragile_or_conflict",
        "Fragile or conflict-affected situation",
    ),
    ("gap_filling", "Gap filling (doing a civil servant's job)"),
    ("handover_plan", "Handover plan"),
    ("humanitarian", "Humanitarian situation"),
    ("implementation_support", "Implementation support"),
    ("inception", "Inception review"),
    ("independent", "Independent"),
    ("individual", "Individuals"),
    ("institutional", "Institutional"),
    (
        "integrated_piu",
        "A unit inside the partner institution, staffed and managed by it",
    ),
    ("integration_plan", "Integration plan"),
    ("international", "International"),
    ("joint", "Jointly, partner and provider"),
    ("judiciary", "Judiciary"),
    ("knowledge_product", "Knowledge product"),
    ("line_ministry", "Line ministry"),
    ("local_council", "Local council"),
    ("local_government", "Local government"),
    ("long_term_advisory", "Long-term advisory services"),
    ("mid_term", "Mid-term review"),
    ("mixed", "Mixed"),
    ("mou", "Memorandum of understanding"),
    ("multilateral", "Multilateral"),
    ("national", "National"),
    ("ngo", "Non-governmental organisation"),
    ("non_state", "Non-state"),
    ("none", "None"),
    ("organisational", "Organisation"),
    ("other", "Other"),
    ("other_donor", "Another donor"),
    (
        "parallel_piu",
        "A separate project implementation unit (parallel)",
    ),
    ("parliament", "Parliament"),
    ("partially_tied", "Partially tied"),
    ("partner", "The partner (requesting side)"),
    ("partner_budget", "The partner's budget"),
    ("partner_government", "The partner government"),
    ("partner_non_state", "A non-state partner body"),
    ("peer_exchange", "Peer exchange"),
    (
        "peer_institution",
        "A peer institution of a partner country (or a twin)",
    ),
    ("peer_network", "Peer network"),
    ("phase_out_plan", "Phase-out plan"),
    ("policy_advice", "Policy advice"),
    ("post_disaster", "After a disaster"),
    ("private_firm", "Private firm"),
    ("private_sector", "Private sector"),
    ("project_management", "Project management"),
    ("provider", "The provider"),
    ("provider_managed", "Managed by the provider"),
    ("regional", "Regional"),
    ("request_letter", "Request letter"),
    ("requesting_institution", "The requesting institution"),
    ("research_collaboration", "Research collaboration"),
    ("return_placement_plan", "Return and placement plan"),
    ("scholarship", "Scholarship"),
    ("sector", "Sector"),
    ("sector_forum_minutes", "Minutes of the sector forum"),
    ("sector_working_group", "Sector working group"),
    ("self_employed", "Self-employed"),
    ("short_term_advisory", "Short-term advisory services"),
    ("south_south", "South-South (another developing country)"),
    ("state_agency", "State agency"),
    ("steering_committee", "The steering committee"),
    ("study_visit", "Study visit"),
    ("subnational", "Subnational"),
    ("tied", "Tied (to the provider's country)"),
    ("tor", "Terms of reference"),
    ("training_abroad", "Training abroad"),
    ("training_in_country", "Training in the country"),
    (
        "triangular",
        "Triangular (a developing country with a third partner)",
    ),
    ("twinning", "Twinning"),
    ("unfunded", "Not funded"),
    ("untied", "Untied (from any country)"),
    ("volunteer", "Volunteer"),
];

/// The label of an enumerated value (the value itself, spaced, for one the table lacks).
pub fn enum_label(value: &str) -> String {
    match LABELS.binary_search_by(|(v, _)| v.cmp(&value)) {
        Ok(i) => LABELS[i].1.to_string(),
        Err(_) => {
            let spaced = value.replace('_', " ");
            let mut chars = spaced.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => spaced,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::schema::{self, Shape};

    #[test]
    fn every_enumerated_value_of_the_schema_has_a_label_and_the_table_is_sorted() {
        assert!(
            LABELS.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, no repeats"
        );
        for (path, field) in schema::fields() {
            let values = match field.shape {
                Shape::Enum(values) | Shape::List(Shape::Enum(values)) => *values,
                _ => continue,
            };
            for v in values {
                assert!(
                    LABELS.iter().any(|(value, _)| value == v),
                    "{path}: no label for {v}"
                );
            }
        }
        assert_eq!(
            enum_label("south_south"),
            "South-South (another developing country)"
        );
        assert_eq!(enum_label("not_in_the_table"), "Not in the table");
    }
}
