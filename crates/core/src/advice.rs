//! Help that names how a user sets an option is worded for where the user is: a flag of the
//! command line (`--as-of`, `--pack`, a `.jsonl` file), or a query parameter and an endpoint
//! of the HTTP API (`?as_of=`, `?pack=`, `POST /v1/screen/batch`), which never names a folder
//! of the server. Each piece of such advice is worded here once for each; a problem carries
//! the [`Advice`], its help is the command line's words, and the server asks for its own with
//! [`crate::Diagnostic::worded_for`].

/// Where the person reading a problem gives tcscreen its options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    /// `tcscreen` on the command line.
    CommandLine,
    /// The HTTP API of `tcscreen serve`.
    Http,
}

/// Advice whose words depend on the [`Surface`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Advice {
    /// A text holds more than one request.
    OneRequestPerLine,
    /// No pack has the request's country (`root`: the rules folder, for the command line).
    AddOrNamePack {
        /// The request's country (checked: two upper-case letters).
        country: String,
        /// The rules folder, as the command line shows it.
        root: String,
    },
    /// Packs for the country exist, but none is valid on the screening date.
    ScreenInsideValidity,
    /// Several versions of a pack are valid on the date: name one.
    NameOneVersion {
        /// The pack's id, when one pack has several versions; `None` for several packs.
        id: Option<String>,
    },
    /// Some packs are broken, so none is chosen automatically.
    FixPacksOrNameOne {
        /// The rules folder, as the command line shows it.
        root: String,
    },
    /// The chosen pack cannot be used.
    FixPackOrNameAnother,
    /// A parent pack has several versions and none is valid on the date.
    ParentVersionForDate,
    /// Where the packs and their versions are listed.
    ListPacks,
    /// No pack by that name.
    UnknownPack {
        /// A close name, if any.
        close: Option<String>,
        /// Every pack id.
        known: Vec<String>,
        /// The rules folder, as the command line shows it.
        root: String,
    },
}

impl Advice {
    /// The rules folder the problem's message names (` under `rules``), which the API leaves
    /// out: its clients have the packs in force, not the server's folders.
    pub fn folder(&self) -> Option<&str> {
        match self {
            Advice::AddOrNamePack { root, .. }
            | Advice::FixPacksOrNameOne { root }
            | Advice::UnknownPack { root, .. } => Some(root),
            _ => None,
        }
    }

    /// The help line, in the words of `surface`.
    pub fn words(&self, surface: Surface) -> String {
        let cli = surface == Surface::CommandLine;
        match self {
            Advice::OneRequestPerLine if cli => {
                "a .json file holds one request; put one request a line in a .jsonl file".into()
            }
            Advice::OneRequestPerLine => {
                "the body holds one request; send several to POST /v1/screen/batch, one JSON object a line".into()
            }
            Advice::AddOrNamePack { country, .. } if cli => format!(
                "add a pack with `country = \"{country}\"` in its manifest (`tcscreen new DIR --country {country}` scaffolds one), or name one with --pack"
            ),
            Advice::AddOrNamePack { country, .. } => format!(
                "no pack in force is for {country}: name one with ?pack=ID (GET /v1/packs lists the packs in force), or ask the server's operator to add a pack for {country}"
            ),
            Advice::ScreenInsideValidity if cli => {
                "screen with --as-of inside a pack's validity, or name a pack with --pack".into()
            }
            Advice::ScreenInsideValidity => {
                "give ?as_of=YYYY-MM-DD inside a pack's validity, or name a pack with ?pack=ID (GET /v1/packs lists each pack's validity)".into()
            }
            Advice::NameOneVersion { id: Some(id) } if cli => {
                format!("name one with --pack {id}@VERSION")
            }
            Advice::NameOneVersion { id: Some(id) } => {
                format!("name one with ?pack={id}@VERSION")
            }
            Advice::NameOneVersion { id: None } if cli => {
                "make their validity ranges not overlap, or name one with --pack ID@VERSION".into()
            }
            Advice::NameOneVersion { id: None } => {
                "name one with ?pack=ID@VERSION (GET /v1/packs lists them)".into()
            }
            Advice::FixPacksOrNameOne { .. } if cli => {
                "fix the problems reported above (`tcscreen check`), or name the pack with --pack".into()
            }
            Advice::FixPacksOrNameOne { .. } => {
                "name the pack with ?pack=ID; GET /readyz shows the problems of the packs in force, for the server's operator to fix".into()
            }
            Advice::FixPackOrNameAnother if cli => {
                "fix the pack (`tcscreen check`), or name another with --pack".into()
            }
            Advice::FixPackOrNameAnother => {
                "name another pack with ?pack=ID, or ask the server's operator to fix this one".into()
            }
            Advice::ParentVersionForDate if cli => {
                "screen with an --as-of date inside one version's validity".into()
            }
            Advice::ParentVersionForDate => {
                "give ?as_of=YYYY-MM-DD inside one version's validity".into()
            }
            Advice::ListPacks if cli => "`tcscreen packs` lists the packs and their versions".into(),
            Advice::ListPacks => "GET /v1/packs lists the packs in force and their versions".into(),
            Advice::UnknownPack { close: Some(close), .. } => format!("did you mean `{close}`?"),
            Advice::UnknownPack { known, root, .. } if cli => {
                format!("the packs under `{root}` are: {}", known.join(", "))
            }
            Advice::UnknownPack { known, .. } => {
                format!("the packs in force are: {} (GET /v1/packs)", known.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every piece of advice, in each of its forms.
    fn all() -> Vec<Advice> {
        vec![
            Advice::OneRequestPerLine,
            Advice::AddOrNamePack {
                country: "NP".into(),
                root: "rules".into(),
            },
            Advice::ScreenInsideValidity,
            Advice::NameOneVersion {
                id: Some("kh".into()),
            },
            Advice::NameOneVersion { id: None },
            Advice::FixPacksOrNameOne {
                root: "rules".into(),
            },
            Advice::FixPackOrNameAnother,
            Advice::ParentVersionForDate,
            Advice::ListPacks,
            Advice::UnknownPack {
                close: None,
                known: vec!["kh".into()],
                root: "rules".into(),
            },
        ]
    }

    #[test]
    fn the_api_is_told_of_its_parameters_and_never_of_flags_or_folders() {
        for advice in all() {
            let http = advice.words(Surface::Http);
            for cli_word in ["--", ".jsonl", "`rules`", "tcscreen check", "tcscreen new"] {
                assert!(!http.contains(cli_word), "{advice:?}: {http}");
            }
            let cli = advice.words(Surface::CommandLine);
            assert!(!cli.contains("?as_of") && !cli.contains("?pack"), "{cli}");
        }
        assert!(
            Advice::ScreenInsideValidity
                .words(Surface::Http)
                .contains("?as_of=")
        );
        assert!(
            Advice::OneRequestPerLine
                .words(Surface::Http)
                .contains("POST /v1/screen/batch")
        );
    }
}
