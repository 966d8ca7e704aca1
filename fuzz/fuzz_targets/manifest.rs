//! Manifest parsing (`pack.toml`): any text ends in a manifest or diagnostics, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match tcscreen_packs::manifest::parse(text, "fuzz/pack.toml") {
        Ok(manifest) => {
            let _ = manifest.validity();
        }
        Err(diagnostics) => assert!(!diagnostics.is_empty()),
    }
});
