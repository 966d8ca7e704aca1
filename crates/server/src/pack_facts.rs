//! What a page needs to show a recorded screening again without screening it: the deciding
//! pack's name and whether it is illustrative (for the note), who acts on each rule, and each
//! rule's title (for waivers and findings). The pages take them from the packs in force by the
//! record's pack id and version ([`crate::web::recorded`]), and the state keeps them per set of
//! packs in force.

use std::collections::BTreeMap;
use std::sync::Arc;

use tcscreen_service::PackNote;

/// The facts about one pack version.
#[derive(Debug)]
pub struct PackFacts {
    /// For the decision note.
    pub note: Arc<PackNote>,
    /// Rule titles by full rule id.
    pub titles: BTreeMap<String, String>,
    /// Whether the pack version is still in the rules folder (when not, the note names the pack
    /// by its id and says nothing of whether it was illustrative).
    pub found: bool,
}

impl PackFacts {
    /// A rule's title, or its id when the pack is gone.
    pub fn title<'a>(&'a self, rule: &'a str) -> &'a str {
        self.titles.get(rule).map_or(rule, String::as_str)
    }
}
