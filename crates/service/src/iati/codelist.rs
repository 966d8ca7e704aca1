//! The IATI codes the importer reads, and the 1.0x spellings of them (text codes such as
//! transaction type `C`, date type `start-planned`, role `Funding`), turned into the 2.03 codes
//! (IATI Standard 2.03 codelists: TransactionType, ActivityDateType, OrganisationRole,
//! BudgetType, Sector and PolicyMarker vocabularies).

/// The 2.03 TransactionType code of a 1.0x or 2.0x transaction type.
pub fn transaction_type(code: &str) -> String {
    let two = match code.to_ascii_uppercase().as_str() {
        "IF" => "1",
        "C" => "2",
        "D" => "3",
        "E" => "4",
        "IR" => "5",
        "LR" => "6",
        "R" => "7",
        "QP" => "8",
        "QS" => "9",
        "CG" => "10",
        _ => return code.to_string(),
    };
    two.to_string()
}

/// The 2.03 ActivityDateType code of a 1.0x or 2.0x date type.
pub fn date_type(code: &str) -> String {
    let two = match code.to_ascii_lowercase().as_str() {
        "start-planned" => "1",
        "start-actual" => "2",
        "end-planned" => "3",
        "end-actual" => "4",
        _ => return code.to_string(),
    };
    two.to_string()
}

/// The 2.03 OrganisationRole code of a 1.0x or 2.0x role.
pub fn organisation_role(code: &str) -> String {
    let two = match code.to_ascii_lowercase().as_str() {
        "funding" => "1",
        "accountable" => "2",
        "extending" => "3",
        "implementing" => "4",
        _ => return code.to_string(),
    };
    two.to_string()
}

/// Whether a BudgetType (or 1.0x budget type) is "revised".
pub fn budget_is_revised(code: Option<&str>) -> bool {
    matches!(
        code.map(str::to_ascii_lowercase).as_deref(),
        Some("2" | "revised")
    )
}

/// The 2.03 code of a sector vocabulary (`DAC` is 1, `DAC-3` is 2; absent means 1).
pub fn sector_vocabulary(code: Option<&str>) -> String {
    match code.map(str::to_ascii_uppercase).as_deref() {
        None | Some("DAC" | "") => "1".into(),
        Some("DAC-3") => "2".into(),
        Some(other) => other.to_string(),
    }
}

/// The 2.03 code of a policy-marker or aid-type vocabulary (`DAC`, or absent, is 1).
pub fn dac_vocabulary(code: Option<&str>) -> String {
    match code.map(str::to_ascii_uppercase).as_deref() {
        None | Some("DAC" | "") => "1".into(),
        Some(other) => other.to_string(),
    }
}

/// The DAC aid types of technical co-operation: D01 donor country personnel, D02 other
/// technical assistance, E01 scholarships/training in the donor country, E02 imputed student
/// costs.
pub const TC_AID_TYPES: [&str; 4] = ["D01", "D02", "E01", "E02"];

/// ActivityStatus: 4 closed, 5 cancelled.
pub fn status_is_over(code: &str) -> Option<&'static str> {
    match code {
        "4" => Some("closed"),
        "5" => Some("cancelled"),
        _ => None,
    }
}

/// The request's `provider.kind` of an OrganisationType code; `None` when the type does not
/// say (public private partnership, other, unknown).
pub fn provider_kind(organisation_type: &str) -> Option<&'static str> {
    Some(match organisation_type {
        // A government publishing its own aid: a bilateral provider. Other public bodies (15,
        // the European Commission among them) are left unsaid.
        "10" | "11" => "bilateral",
        "21" | "22" | "23" | "24" => "ngo",
        "40" => "multilateral",
        "60" => "foundation",
        "70" | "71" | "72" | "73" => "private_firm",
        "80" => "academic",
        _ => return None,
    })
}

/// The request's `finance.tied` of a TiedStatus code.
pub fn tied(code: &str) -> Option<&'static str> {
    Some(match code {
        "3" => "partially_tied",
        "4" => "tied",
        "5" => "untied",
        _ => return None,
    })
}

/// DisbursementChannel: 1 and 2 are money the partner (or the implementer) receives; 3 and
/// 4 are aid in kind.
pub fn in_kind(channel: &str) -> Option<bool> {
    match channel {
        "1" | "2" => Some(false),
        "3" | "4" => Some(true),
        _ => None,
    }
}
