//! Screening a request with a compiled pack: the request as rules see it (`normalize.rs`),
//! running every rule in force (`screen.rs`), and the policy in force during the TC, from the
//! packs that come into force after the screening date (`period.rs`).

pub mod normalize;
pub mod period;
pub(crate) mod screen;
