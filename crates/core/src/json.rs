//! A strict JSON (RFC 8259) reader that keeps what decision records need.
//!
//! `serde_json` would lose three things the record depends on: the position of every value (so
//! a schema error can name its line and column), numbers as exact decimals read from their text
//! (never through `f64`), and duplicate keys (reported, not silently merged). This reader keeps
//! all three and bounds nesting depth and value count, so hostile input cannot exhaust the stack.

use rust_decimal::Decimal;

use crate::number;

/// A 1-based line and column in a text; columns count characters, not bytes.
/// `Pos::NONE` (0, 0) marks values that were built, not read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column in characters, 0 when unknown.
    pub column: u32,
}

impl Pos {
    /// No position: the value was built by the program.
    pub const NONE: Pos = Pos { line: 0, column: 0 };

    /// A position from a 1-based line and column.
    pub const fn new(line: u32, column: u32) -> Self {
        Pos { line, column }
    }

    /// Whether this is a real position.
    pub const fn is_known(self) -> bool {
        self.line > 0
    }
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A JSON value with the position where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Json {
    /// What it holds.
    pub value: JsonValue,
    /// Where the value starts in the text it was read from.
    pub pos: Pos,
}

/// The kinds of JSON value. Numbers are exact decimals; objects keep their members in input
/// order and never hold a key twice.
#[derive(Clone, Debug, PartialEq)]
pub enum JsonValue {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, exact and normalised (no trailing fractional zeros, no negative zero).
    Number(Decimal),
    /// A string, unescaped.
    String(String),
    /// An array, in input order.
    Array(Vec<Json>),
    /// An object; keys are unique.
    Object(Vec<Member>),
}

/// One member of a JSON object.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The key, unescaped.
    pub key: String,
    /// Where the key starts.
    pub key_pos: Pos,
    /// The member's value, with its own position.
    pub value: Json,
}

impl Json {
    /// A value without a position.
    pub fn new(value: JsonValue) -> Self {
        Json {
            value,
            pos: Pos::NONE,
        }
    }

    /// `null`
    pub fn null() -> Self {
        Json::new(JsonValue::Null)
    }

    /// A string value.
    pub fn string(s: impl Into<String>) -> Self {
        Json::new(JsonValue::String(s.into()))
    }

    /// A string value, or `null` for `None`.
    pub fn opt_string(s: Option<impl Into<String>>) -> Self {
        s.map_or_else(Json::null, Json::string)
    }

    /// A number value.
    pub fn number(n: impl Into<Decimal>) -> Self {
        Json::new(JsonValue::Number(number::normalize(n.into())))
    }

    /// An array value.
    pub fn array(items: Vec<Json>) -> Self {
        Json::new(JsonValue::Array(items))
    }

    /// An object from keys and values, in the given order (canonical output sorts them).
    pub fn object<K: Into<String>>(members: impl IntoIterator<Item = (K, Json)>) -> Self {
        Json::new(JsonValue::Object(
            members
                .into_iter()
                .map(|(key, value)| Member {
                    key: key.into(),
                    key_pos: Pos::NONE,
                    value,
                })
                .collect(),
        ))
    }

    /// The member `key` of an object, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match &self.value {
            JsonValue::Object(members) => members.iter().find(|m| m.key == key).map(|m| &m.value),
            _ => None,
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            JsonValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, JsonValue::Null)
    }

    /// A short name of the value's kind, for messages ("a string", "an array").
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            JsonValue::Null => "null",
            JsonValue::Bool(_) => "a boolean",
            JsonValue::Number(_) => "a number",
            JsonValue::String(_) => "a string",
            JsonValue::Array(_) => "an array",
            JsonValue::Object(_) => "an object",
        }
    }
}

/// Bounds on what one JSON document may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonLimits {
    /// Deepest nesting of arrays and objects (the top-level value is depth 1).
    pub max_depth: usize,
    /// Most values (of any kind, containers included) in the document.
    pub max_values: usize,
}

impl Default for JsonLimits {
    fn default() -> Self {
        JsonLimits {
            max_depth: 32,
            max_values: 100_000,
        }
    }
}

/// What went wrong reading JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// Where.
    pub pos: Pos,
    /// What, in a short lowercase phrase.
    pub message: String,
    /// How to fix it, when that is not obvious.
    pub help: Option<String>,
    /// The kind, for callers that react to particular errors.
    pub kind: JsonErrorKind,
}

/// Kinds of JSON error that callers treat differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// The text is not JSON.
    Syntax,
    /// A complete value was followed by more text (maybe JSON Lines).
    TrailingContent,
    /// The text holds nothing but whitespace.
    Empty,
    /// A key appears twice in one object.
    DuplicateKey,
    /// A number cannot be held exactly.
    NumberRange,
    /// Nesting or size beyond the limits.
    Limit,
}

/// Read one JSON document. Syntax errors stop reading; duplicate keys and numbers out of range
/// are collected so that every such problem is reported at once.
pub fn parse(text: &str, limits: JsonLimits) -> Result<Json, Vec<JsonError>> {
    let mut reader = Reader::new(text, limits);
    reader.skip_whitespace();
    if reader.at_end() {
        return Err(vec![JsonError {
            pos: Pos::new(1, 1),
            message: "no JSON value: the text is empty".into(),
            help: Some("a request is one JSON object, like {\"id\": \"…\", …}".into()),
            kind: JsonErrorKind::Empty,
        }]);
    }
    let result = reader.value(1);
    match result {
        Ok(value) => {
            reader.skip_whitespace();
            if !reader.at_end() {
                let pos = reader.pos();
                reader.errors.push(JsonError {
                    pos,
                    message: "unexpected text after the JSON value".into(),
                    help: Some(
                        crate::advice::Advice::OneRequestPerLine
                            .words(crate::advice::Surface::CommandLine),
                    ),
                    kind: JsonErrorKind::TrailingContent,
                });
            }
            if reader.errors.is_empty() {
                Ok(value)
            } else {
                Err(reader.errors)
            }
        }
        Err(fatal) => {
            reader.errors.push(fatal);
            Err(reader.errors)
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
    line: u32,
    column: u32,
    values: usize,
    limits: JsonLimits,
    errors: Vec<JsonError>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, limits: JsonLimits) -> Self {
        Reader {
            bytes: text.as_bytes(),
            text,
            at: 0,
            line: 1,
            column: 1,
            values: 0,
            limits,
            errors: Vec::new(),
        }
    }

    fn pos(&self) -> Pos {
        Pos::new(self.line, self.column)
    }

    fn at_end(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Move past one byte, keeping line and character column.
    fn bump(&mut self) {
        if let Some(&b) = self.bytes.get(self.at) {
            self.at += 1;
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                // Count a character at its first byte only.
                self.column += 1;
            }
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b' ' | b'\t' | b'\r' => {
                    self.at += 1;
                    self.column += 1;
                }
                b'\n' => {
                    self.at += 1;
                    self.line += 1;
                    self.column = 1;
                }
                _ => return,
            }
        }
    }

    fn error(&self, pos: Pos, message: impl Into<String>) -> JsonError {
        JsonError {
            pos,
            message: message.into(),
            help: None,
            kind: JsonErrorKind::Syntax,
        }
    }

    fn unexpected(&self, expected: &str) -> JsonError {
        let pos = self.pos();
        match self.text[self.at..].chars().next() {
            None => self.error(pos, format!("unexpected end of text: expected {expected}")),
            Some(c) => self.error(
                pos,
                format!("unexpected {}: expected {expected}", describe(c)),
            ),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.values += 1;
        if self.values > self.limits.max_values {
            return Err(JsonError {
                pos: self.pos(),
                message: format!(
                    "more than {} values in one document",
                    self.limits.max_values
                ),
                help: Some("split the data, or move bulky material out of the request".into()),
                kind: JsonErrorKind::Limit,
            });
        }
        let pos = self.pos();
        let value = match self.peek() {
            Some(b'{') => self.object(depth, pos)?,
            Some(b'[') => self.array(depth, pos)?,
            Some(b'"') => JsonValue::String(self.string()?),
            Some(b't') => self.literal("true", JsonValue::Bool(true))?,
            Some(b'f') => self.literal("false", JsonValue::Bool(false))?,
            Some(b'n') => self.literal("null", JsonValue::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number(pos)?,
            _ => return Err(self.unexpected("a JSON value")),
        };
        Ok(Json { value, pos })
    }

    fn enter(&self, depth: usize, pos: Pos) -> Result<(), JsonError> {
        if depth > self.limits.max_depth {
            return Err(JsonError {
                pos,
                message: format!("nesting deeper than {} levels", self.limits.max_depth),
                help: Some("flatten the nested arrays or objects".into()),
                kind: JsonErrorKind::Limit,
            });
        }
        Ok(())
    }

    fn object(&mut self, depth: usize, pos: Pos) -> Result<JsonValue, JsonError> {
        self.enter(depth, pos)?;
        self.bump(); // {
        let mut members: Vec<Member> = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(JsonValue::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a key in double quotes"));
            }
            let key_pos = self.pos();
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.unexpected("`:` after the key"));
            }
            self.bump();
            self.skip_whitespace();
            let value = self.value(depth + 1)?;
            if let Some(first) = members.iter().find(|m| m.key == key) {
                self.errors.push(JsonError {
                    pos: key_pos,
                    message: format!("duplicate key `{key}` (first at {})", first.key_pos),
                    help: Some("keep one of the two; JSON readers disagree on which wins".into()),
                    kind: JsonErrorKind::DuplicateKey,
                });
            } else {
                members.push(Member {
                    key,
                    key_pos,
                    value,
                });
            }
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b'}') => {
                    self.bump();
                    return Ok(JsonValue::Object(members));
                }
                _ => return Err(self.unexpected("`,` or `}`")),
            }
        }
    }

    fn array(&mut self, depth: usize, pos: Pos) -> Result<JsonValue, JsonError> {
        self.enter(depth, pos)?;
        self.bump(); // [
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(JsonValue::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    return Ok(JsonValue::Array(items));
                }
                _ => return Err(self.unexpected("`,` or `]`")),
            }
        }
    }

    fn literal(&mut self, word: &str, value: JsonValue) -> Result<JsonValue, JsonError> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            for _ in 0..word.len() {
                self.bump();
            }
            Ok(value)
        } else {
            Err(self.unexpected("a JSON value (strings need double quotes)"))
        }
    }

    fn string(&mut self) -> Result<String, JsonError> {
        let start = self.pos();
        self.bump(); // opening quote
        let mut out = String::new();
        loop {
            // Copy the longest run of plain characters in one go; a run holds no newline, so
            // only the column moves, by the number of characters in it.
            let run_start = self.at;
            let run = self.bytes[run_start..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(self.bytes.len() - run_start);
            self.at += run;
            self.column += self.bytes[run_start..self.at]
                .iter()
                .filter(|&&b| b & 0xC0 != 0x80)
                .count() as u32;
            out.push_str(&self.text[run_start..self.at]);
            match self.peek() {
                None => return Err(self.error(start, "unterminated string")),
                Some(b'"') => {
                    self.bump();
                    return Ok(out);
                }
                Some(b'\\') => {
                    let escape_pos = self.pos();
                    self.bump();
                    let Some(code) = self.peek() else {
                        return Err(self.error(start, "unterminated string"));
                    };
                    self.bump();
                    match code {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape(escape_pos)?),
                        _ => {
                            return Err(self.error(
                                escape_pos,
                                "invalid escape: use one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX",
                            ));
                        }
                    }
                }
                Some(_) => {
                    return Err(self.error(
                        self.pos(),
                        "control character inside a string: write it as an escape such as \\n",
                    ));
                }
            }
        }
    }

    fn hex4(&mut self, escape_pos: Pos) -> Result<u32, JsonError> {
        let mut value = 0u32;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|b| (b as char).to_digit(16))
                .ok_or_else(|| {
                    self.error(
                        escape_pos,
                        "invalid \\u escape: expected four hexadecimal digits",
                    )
                })?;
            value = value * 16 + digit;
            self.bump();
        }
        Ok(value)
    }

    fn unicode_escape(&mut self, escape_pos: Pos) -> Result<char, JsonError> {
        let first = self.hex4(escape_pos)?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if !self.bytes[self.at..].starts_with(b"\\u") {
                return Err(self.error(escape_pos, "lone surrogate in \\u escape"));
            }
            self.bump();
            self.bump();
            let second = self.hex4(escape_pos)?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error(escape_pos, "lone surrogate in \\u escape"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else if (0xDC00..0xE000).contains(&first) {
            return Err(self.error(escape_pos, "lone surrogate in \\u escape"));
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error(escape_pos, "invalid \\u escape"))
    }

    fn digits(&mut self) -> usize {
        let mut n = 0;
        while let Some(b'0'..=b'9') = self.peek() {
            self.bump();
            n += 1;
        }
        n
    }

    fn number(&mut self, pos: Pos) -> Result<JsonValue, JsonError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.bump();
        }
        match self.peek() {
            Some(b'0') => {
                self.bump();
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.error(pos, "numbers must not have leading zeros"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.unexpected("a digit")),
        }
        if self.peek() == Some(b'.') {
            self.bump();
            if self.digits() == 0 {
                return Err(self.unexpected("a digit after the decimal point"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.bump();
            if let Some(b'+' | b'-') = self.peek() {
                self.bump();
            }
            if self.digits() == 0 {
                return Err(self.unexpected("a digit in the exponent"));
            }
        }
        let text = &self.text[start..self.at];
        match number::parse_exact(text) {
            Ok(d) => Ok(JsonValue::Number(d)),
            Err(why) => {
                self.errors.push(JsonError {
                    pos,
                    message: format!("number `{text}` cannot be held exactly: {why}"),
                    help: Some(
                        "numbers are exact decimals of at most 28 digits after the point and \
                         less than 79228162514264337593543950336 in size"
                            .into(),
                    ),
                    kind: JsonErrorKind::NumberRange,
                });
                Ok(JsonValue::Number(Decimal::ZERO))
            }
        }
    }
}

fn describe(c: char) -> String {
    match c {
        '\'' => "`'` (JSON strings need double quotes)".into(),
        c if c.is_control() => format!("control character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Json {
        parse(text, JsonLimits::default()).expect("valid JSON")
    }

    fn err(text: &str) -> Vec<JsonError> {
        parse(text, JsonLimits::default()).expect_err("invalid JSON")
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let v = ok("{\"a\": \"中文\", \"b\": 1,\n  \"c\": [true]}");
        let JsonValue::Object(m) = &v.value else {
            panic!()
        };
        assert_eq!(m[1].key_pos, Pos::new(1, 13));
        assert_eq!(m[2].value.pos, Pos::new(2, 8));
    }

    #[test]
    fn numbers_are_exact_and_normalised() {
        let v = ok("[1.50, 6e5, -0, 0.1, 1E-3, 12345678901234567890.123456789]");
        let JsonValue::Array(items) = v.value else {
            panic!()
        };
        let texts: Vec<String> = items
            .iter()
            .map(|j| match &j.value {
                JsonValue::Number(d) => d.to_string(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            texts,
            [
                "1.5",
                "600000",
                "0",
                "0.1",
                "0.001",
                "12345678901234567890.123456789"
            ]
        );
    }

    #[test]
    fn duplicate_keys_are_all_reported() {
        let errors = err("{\"a\": 1, \"b\": 2, \"a\": 3, \"b\": 4}");
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].message, "duplicate key `a` (first at 1:2)");
        assert_eq!(errors[0].pos, Pos::new(1, 18));
    }

    #[test]
    fn syntax_errors_name_the_place() {
        let e = &err("{\"a\": 1,\n \"b\" 2}")[0];
        assert_eq!(e.pos, Pos::new(2, 6));
        assert_eq!(e.message, "unexpected `2`: expected `:` after the key");
        assert!(err("{'a': 1}")[0].message.contains("double quotes"));
        assert_eq!(err("   ")[0].kind, JsonErrorKind::Empty);
        assert_eq!(err("{} {}")[0].kind, JsonErrorKind::TrailingContent);
        assert_eq!(
            err("[01]")[0].message,
            "numbers must not have leading zeros"
        );
    }

    #[test]
    fn nesting_and_size_are_bounded() {
        let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
        let e = &err(&deep)[0];
        assert_eq!(e.kind, JsonErrorKind::Limit);
        assert_eq!(e.pos, Pos::new(1, 33));
        let many = format!("[{}0]", "0,".repeat(100_000));
        assert_eq!(err(&many)[0].kind, JsonErrorKind::Limit);
    }

    #[test]
    fn numbers_out_of_range_are_errors() {
        let errors = err("[1e30, 0.00000000000000000000000000001, 1e-400, 0e999999999999]");
        assert_eq!(errors.len(), 3);
        assert!(errors.iter().all(|e| e.kind == JsonErrorKind::NumberRange));
    }

    #[test]
    fn escapes_and_surrogates() {
        let v = ok(r#""a\u00e9\ud83d\ude00\n\/""#);
        assert_eq!(v.as_str(), Some("aé😀\n/"));
        assert!(err(r#""\ud83d""#)[0].message.contains("lone surrogate"));
        assert!(err("\"a\u{1}\"")[0].message.contains("control character"));
    }

    #[test]
    fn agrees_with_serde_json_on_what_is_valid() {
        let samples = [
            "{}",
            "[]",
            "1",
            "-1.5e3",
            "\"x\"",
            "[1,]",
            "{\"a\":}",
            "tru",
            "nul",
            "[1 2]",
            "{\"a\" 1}",
            "\"\\x\"",
            "01",
            "1.",
            ".5",
            "-",
            "[[[]]]",
            "{\"a\":[{\"b\":null}]}",
            "\u{feff}{}",
            "1e5",
            "-0.0",
            "[\"\\u0000\"]",
            "{\"\":\"\"}",
        ];
        for s in samples {
            let ours = parse(s, JsonLimits::default()).is_ok();
            let theirs = serde_json::from_str::<serde_json::Value>(s).is_ok();
            assert_eq!(ours, theirs, "disagree on {s:?}");
        }
    }
}
