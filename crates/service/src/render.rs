//! Records and problems for people: the `text` format, the decision note (Markdown), and
//! problems in their human, plain and JSON forms. The command line prints these; a web page
//! shows the same text.

pub mod markdown;
pub mod problem;
pub mod text;
