//! Issue 23, item 11: a batch whose records are rendered and made lean on the screening
//! threads writes the same bytes as one rendered on the ordering thread, and hands that thread
//! nothing left to render or to free.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use tcscreen_service::{
    Inputs, Packs, PoolSize, Prepare, RecordFormat, RecordWriter, ScreenOptions, ScreenResult,
    Screener, screen_batch, screen_batch_prepared,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The bytes of a batch of every kh fixture in `format`, and how many records reached the
/// ordering thread with findings or an embedded request still in them.
fn batch(format: RecordFormat, prepare: Option<Prepare>) -> (Vec<u8>, usize) {
    let packs = Packs::discover(&root().join("rules")).expect("the shipped packs");
    let screener = Screener::start(packs, PoolSize::threads(2)).expect("threads");
    let inputs = Inputs::new(&[root()
        .join("fixtures/requests/kh")
        .to_string_lossy()
        .to_string()]);
    let options = ScreenOptions::default();
    let mut writer = RecordWriter::new(format);
    let mut out = Vec::new();
    let mut heavy = 0;
    let deliver = |result: ScreenResult| {
        if let ScreenResult::Screened(s) = result {
            if !s.record.findings.is_empty() || !s.record.input.is_null() {
                heavy += 1;
            }
            match &s.rendered {
                Some(text) => writer.write(&mut out, Some(text), &s.canonical),
                None => writer.record(&mut out, &s.record, &s.canonical, &s.pack),
            }
            .unwrap();
        }
        ControlFlow::Continue(())
    };
    let never = || false;
    match prepare {
        Some(prepare) => {
            screen_batch_prepared(&screener, inputs, &options, prepare, &never, deliver)
        }
        None => screen_batch(&screener, inputs, &options, &never, deliver),
    };
    writer.finish(&mut out).unwrap();
    (out, heavy)
}

#[test]
fn records_prepared_on_the_screening_threads_write_the_same_bytes() {
    for format in [
        RecordFormat::Text,
        RecordFormat::Markdown,
        RecordFormat::Jsonl,
    ] {
        let (plain, heavy) = batch(format, None);
        assert!(heavy > 5, "{format:?}: the plain batch keeps whole records");
        let prepare = Prepare {
            render: Some(format),
            lean_records: true,
        };
        let (prepared, heavy) = batch(format, Some(prepare));
        assert_eq!(
            heavy, 0,
            "{format:?}: nothing left to free on the ordering thread"
        );
        assert_eq!(
            String::from_utf8_lossy(&prepared),
            String::from_utf8_lossy(&plain),
            "{format:?}"
        );
    }
}
