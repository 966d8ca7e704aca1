//! Validation never panics: random bytes, random edits of a valid request, and deep nesting
//! all end in a request or a list of errors. (Seeded, so a failure reproduces.)

use tcscreen_core::{RequestLimits, ValidRequest, decode_text};

const VALID: &str = r#"{"id": "KH-1", "country": "KH", "title": "Advisers", "received": "2025-03-04",
  "origin": {"initiated_by": "partner_government", "tor": {"drafted_by": "partner", "partner_approved": true}},
  "personnel": [{"id": "p1", "months": 12.5, "counterparts": ["c1"]}],
  "counterparts": [{"id": "c1", "on_establishment": true, "assigned": true, "salary_supplement": false}],
  "finance": {"currency": "USD", "total": 250000, "tied": "untied"},
  "extensions": {"note": "é中\u00e9", "n": [1, 2.5, -3e2, null, true]}}"#;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn check(bytes: &[u8]) {
    let limits = RequestLimits::default();
    if let Ok(text) = decode_text(bytes) {
        match ValidRequest::from_text(text, &limits) {
            Ok(request) => assert_eq!(request.sha256().len(), 64),
            Err(errors) => assert!(!errors.is_empty()),
        }
    }
}

#[test]
fn the_valid_request_is_valid() {
    assert!(ValidRequest::from_text(VALID, &RequestLimits::default()).is_ok());
}

#[test]
fn random_edits_never_panic() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let alphabet = b"{}[]:,\"\\ -+.eE0123456789truefalsnl\n\t\xff\x00\xc3\xa9u";
    for _ in 0..20_000 {
        let mut bytes = VALID.as_bytes().to_vec();
        for _ in 0..=rng.below(4) {
            let at = rng.below(bytes.len());
            match rng.below(3) {
                0 => bytes[at] = alphabet[rng.below(alphabet.len())],
                1 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, alphabet[rng.below(alphabet.len())]),
            }
        }
        check(&bytes);
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0xfeed_0000_0000_0042);
    for _ in 0..20_000 {
        let len = rng.below(64);
        let bytes: Vec<u8> = (0..len).map(|_| (rng.next() & 0xff) as u8).collect();
        check(&bytes);
    }
}

#[test]
fn deep_nesting_is_refused_without_exhausting_the_stack() {
    for open in ["[", "{\"a\":"] {
        let text = open.repeat(200_000);
        check(text.as_bytes());
    }
}
