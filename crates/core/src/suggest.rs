//! "Did you mean …?" suggestions for misspelt names (request fields, enum values, front matter
//! keys, pack ids).

/// The candidate closest to `input`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lowered = input.to_lowercase();
    let limit = (input.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = if candidate.to_lowercase() == lowered {
            0
        } else {
            strsim::damerau_levenshtein(&lowered, &candidate.to_lowercase())
        };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn finds_close_names_only() {
        let fields = ["tor", "recruitment", "request_letter", "initiated_by"];
        assert_eq!(did_you_mean("torr", fields), Some("tor"));
        assert_eq!(did_you_mean("recruitmnet", fields), Some("recruitment"));
        assert_eq!(did_you_mean("Initiated_By", fields), Some("initiated_by"));
        assert_eq!(did_you_mean("budget", fields), None);
    }
}
