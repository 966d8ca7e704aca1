//! A pack given as text, and compiling it: the pack with its ancestors as layers
//! (`resolved.rs`), each rule's front matter (`frontmatter.rs`), per-rule settings
//! (`rule_settings.rs`), the sources rules cite (`citation.rs`), the compiler (`compile.rs`) with
//! its check that no rule can change a shared global (`isolation.rs`), and the cache that
//! compiles each ancestor once (`layer_cache.rs`).

pub mod citation;
pub(crate) mod compile;
pub mod frontmatter;
pub(crate) mod isolation;
pub(crate) mod layer_cache;
pub(crate) mod resolved;
pub mod rule_settings;
