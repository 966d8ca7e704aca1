//! Problems: the code of each with its title, severity and explanation (`codes.rs`), and a
//! problem located in a file with an excerpt of its line (`diagnostic.rs`).

pub mod codes;
pub(crate) mod diagnostic;
