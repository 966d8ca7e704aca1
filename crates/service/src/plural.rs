//! The one way a count chooses between the singular and the plural of a word, for every
//! message people read (the command line, the pages, the summaries). A module of its own, with
//! no dependencies, so that every other module may use it.

/// `one` when `n` is 1, `many` otherwise: `plural(n, "entry", "entries")`.
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(plural(1, "entry", "entries"), "entry");
        assert_eq!(plural(0, "entry", "entries"), "entries");
        assert_eq!(plural(2, "request is", "requests are"), "requests are");
    }
}
