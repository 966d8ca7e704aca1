//! Request parsing and normalisation: any bytes end in a valid request or a list of errors,
//! never a panic; a valid request's canonical form is valid, canonical and hashes the same.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tcscreen_core::{RequestLimits, ValidRequest, decode_text, screening::normalize};

fuzz_target!(|data: &[u8]| {
    let limits = RequestLimits::default();
    let Ok(text) = decode_text(data) else {
        return;
    };
    match ValidRequest::from_text(text, &limits) {
        Ok(request) => {
            let _ = normalize::normalize(&request);
            let again = ValidRequest::from_text(request.canonical(), &limits)
                .expect("the canonical form of a valid request is valid");
            assert_eq!(again.canonical(), request.canonical());
            assert_eq!(again.sha256(), request.sha256());
            assert_eq!(again.id(), request.id());
        }
        Err(errors) => assert!(!errors.is_empty()),
    }
});
