//! End-to-end tests of the tcscreen binary.
