//! A generated IATI 2.03 file of any size, for the import benchmark: activities of realistic
//! shape (narratives in two languages, participating organisations, several recipient
//! countries with percentages, sectors, budgets with revisions, transactions with aid types),
//! some technical co-operation and some not, seeded so every run writes the same bytes.

use std::io::{self, Write};

const COUNTRIES: [&str; 8] = ["KH", "NP", "AF", "LR", "BF", "VN", "ET", "BJ"];
const AID_TYPES: [&str; 6] = ["D01", "D02", "C01", "E01", "B04", "A02"];
const CURRENCIES: [&str; 4] = ["EUR", "GBP", "CAD", "USD"];

/// A small deterministic generator (xorshift).
struct Seq(u64);

impl Seq {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Write activities to `out` until at least `bytes` are written; the number of activities.
pub fn write(out: &mut impl Write, bytes: u64, seed: u64) -> io::Result<u64> {
    let mut seq = Seq(seed.max(1));
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" generated-datetime=\"2024-01-01T00:00:00\">\n";
    out.write_all(head.as_bytes())?;
    let mut written = head.len() as u64;
    let mut n = 0u64;
    let mut activity = String::with_capacity(8 * 1024);
    while written < bytes {
        n += 1;
        activity.clear();
        one(&mut activity, n, &mut seq);
        out.write_all(activity.as_bytes())?;
        written += activity.len() as u64;
    }
    out.write_all(b"</iati-activities>\n")?;
    Ok(n)
}

fn one(out: &mut String, n: u64, seq: &mut Seq) {
    use std::fmt::Write as _;
    let currency = CURRENCIES[seq.below(CURRENCIES.len())];
    let aid = AID_TYPES[seq.below(AID_TYPES.len())];
    let tc_words = seq.below(3) == 0;
    let title = if tc_words {
        "Technical assistance to the ministry of finance for programme budgeting"
    } else {
        "Rehabilitation of rural feeder roads and bridges in three provinces"
    };
    let _ = write!(
        out,
        "  <iati-activity xml:lang=\"en\" default-currency=\"{currency}\" hierarchy=\"1\">\n\
    <iati-identifier>XX-BENCH-{n:08}</iati-identifier>\n\
    <reporting-org ref=\"XX-BENCH\" type=\"10\"><narrative>Benchmark Development Agency</narrative><narrative xml:lang=\"fr\">Agence de développement</narrative></reporting-org>\n\
    <title><narrative>{title} ({n})</narrative><narrative xml:lang=\"fr\">Activité {n} &amp; appui</narrative></title>\n\
    <description type=\"1\"><narrative>The activity supports the institution with advisers, training and equipment; it is part of a sector programme agreed with the government and reviewed every year with the sector working group. Activity number {n}.</narrative></description>\n\
    <participating-org ref=\"XX-BENCH\" role=\"1\" type=\"10\"><narrative>Benchmark Development Agency</narrative></participating-org>\n\
    <participating-org role=\"4\" type=\"21\"><narrative>Implementing Partner {}</narrative></participating-org>\n\
    <activity-status code=\"{}\"/>\n\
    <activity-date iso-date=\"2023-01-01\" type=\"1\"/>\n\
    <activity-date iso-date=\"2025-12-31\" type=\"3\"/>\n",
        seq.below(50),
        1 + seq.below(5),
    );
    let countries = 1 + seq.below(3);
    let first = seq.below(COUNTRIES.len());
    for i in 0..countries {
        let pct = if countries == 1 {
            100
        } else if i == 0 {
            100 - 30 * (countries - 1)
        } else {
            30
        };
        let _ = writeln!(
            out,
            "    <recipient-country code=\"{}\" percentage=\"{pct}\"/>",
            COUNTRIES[(first + i) % COUNTRIES.len()]
        );
    }
    let _ = write!(
        out,
        "    <sector vocabulary=\"1\" code=\"15111\" percentage=\"60\"/>\n\
    <sector vocabulary=\"1\" code=\"21020\" percentage=\"40\"/>\n\
    <default-aid-type code=\"{aid}\"/>\n\
    <default-tied-status code=\"5\"/>\n"
    );
    for year in 2023..2026 {
        let amount = 10_000 + seq.below(2_000_000);
        let _ = writeln!(
            out,
            "    <budget type=\"1\" status=\"1\"><period-start iso-date=\"{year}-01-01\"/><period-end iso-date=\"{year}-12-31\"/><value currency=\"{currency}\" value-date=\"{year}-01-01\">{amount}</value></budget>"
        );
        if seq.below(4) == 0 {
            let _ = writeln!(
                out,
                "    <budget type=\"2\" status=\"1\"><period-start iso-date=\"{year}-01-01\"/><period-end iso-date=\"{year}-12-31\"/><value currency=\"{currency}\" value-date=\"{year}-06-30\">{}.50</value></budget>",
                amount + 1000
            );
        }
    }
    for t in 0..4 {
        let _ = writeln!(
            out,
            "    <transaction><transaction-type code=\"{}\"/><transaction-date iso-date=\"2024-0{}-15\"/><value value-date=\"2024-01-15\">{}</value><disbursement-channel code=\"{}\"/><aid-type code=\"{aid}\"/></transaction>",
            if t == 0 { 2 } else { 3 },
            1 + t,
            5_000 + seq.below(500_000),
            1 + seq.below(4),
        );
    }
    out.push_str("    <conditions attached=\"0\"/>\n  </iati-activity>\n");
}
