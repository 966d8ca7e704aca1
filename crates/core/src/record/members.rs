//! A record type's JSON members described once ([`Members::members`]) and used three ways:
//! written as a [`Json`] value, written directly as canonical text (what is hashed and stored),
//! and read back from JSON with a message naming the first member that is wrong. A new member
//! is one line in the type's description; the three directions cannot disagree.
//!
//! A description visits its members in canonical order (their keys' byte order, which is
//! RFC 8785's order for ASCII keys), so the canonical text is written as the members are
//! visited, with no tree built and nothing sorted: as fast as writing it by hand.

use crate::canonical;
use crate::date::Date;
use crate::json::{Json, JsonValue};

/// A type whose JSON members are described once.
pub(crate) trait Members: Sized {
    /// A value to read into: every member is set before it is used.
    fn blank() -> Self;

    /// Visit every member, in canonical order (checked when testing).
    fn members<V: Visitor<Self>>(v: &mut V);
}

/// A member's name, and its canonical text before the value (`,"name":`, the comma left out
/// for an object's first member), made when compiling.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Key {
    pub(crate) name: &'static str,
    /// `"name":`
    pub(crate) first: &'static str,
    /// `,"name":`
    pub(crate) next: &'static str,
}

/// The [`Key`] of a member named `$name` (a plain ASCII literal).
macro_rules! key {
    ($name:literal) => {
        $crate::record::members::Key {
            name: $name,
            first: concat!("\"", $name, "\":"),
            next: concat!(",\"", $name, "\":"),
        }
    };
}
pub(crate) use key;

/// A name written in records (`note`, `accept`, `exit`), and read back.
pub(crate) trait Word: Copy {
    fn as_str(self) -> &'static str;
    fn parse(text: &str) -> Option<Self>;
}

/// One way to go through a description of members. `get` reads a member of a `T` (writing), `set` stores it
/// (reading): each visitor uses one of the two.
pub(crate) trait Visitor<T> {
    /// A string.
    fn text(&mut self, key: Key, get: impl Fn(&T) -> &str, set: impl FnOnce(&mut T, String));
    /// A string or `null`.
    fn opt_text(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> Option<&str>,
        set: impl FnOnce(&mut T, Option<String>),
    );
    /// A name (`what` it must be, for messages: `a criterion`), never `null`.
    fn word<W: Word>(
        &mut self,
        key: Key,
        what: &str,
        get: impl Fn(&T) -> W,
        set: impl FnOnce(&mut T, W),
    );
    /// A name or `null`.
    fn opt_word<W: Word>(
        &mut self,
        key: Key,
        what: &str,
        get: impl Fn(&T) -> Option<W>,
        set: impl FnOnce(&mut T, Option<W>),
    );
    /// A name where `null` is written for a missing value but refused on reading.
    fn present_word<W: Word>(
        &mut self,
        key: Key,
        what: &str,
        get: impl Fn(&T) -> W,
        set: impl FnOnce(&mut T, W),
    );
    /// A name added to the format after records were written without it: left out when
    /// `None` (a record read from before it), `None` when absent on reading, never `null`.
    fn added_word<W: Word>(
        &mut self,
        key: Key,
        what: &str,
        get: impl Fn(&T) -> Option<W>,
        set: impl FnOnce(&mut T, Option<W>),
    );
    /// A whole number, never `null`.
    fn number(&mut self, key: Key, get: impl Fn(&T) -> u64, set: impl FnOnce(&mut T, u64));
    /// A whole number or `null`.
    fn opt_number(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> Option<u64>,
        set: impl FnOnce(&mut T, Option<u64>),
    );
    /// A `YYYY-MM-DD` date.
    fn date(&mut self, key: Key, get: impl Fn(&T) -> Date, set: impl FnOnce(&mut T, Date));
    /// A fixed string: written as `value`, and refused on reading unless equal when `checked`.
    fn constant(&mut self, key: Key, value: &'static str, checked: bool);
    /// Any JSON value, with its canonical text when already known.
    fn json(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> (&Json, Option<&str>),
        set: impl FnOnce(&mut T, Json),
    );
    /// An object whose members `inner` visits.
    fn object(&mut self, key: Key, inner: impl FnOnce(&mut Self));
    /// The members of an `F`, in this object.
    fn include<F: Members>(&mut self, get: impl Fn(&T) -> &F, set: impl FnOnce(&mut T, F));
    /// An array of `F`s.
    fn list<F: Members>(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> &[F],
        set: impl FnOnce(&mut T, Vec<F>),
    );
    /// An array of `F`s left out when empty (and read as empty when absent): a member added
    /// after records were first written, so that records without it keep their bytes.
    fn sparse_list<F: Members>(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> &[F],
        set: impl FnOnce(&mut T, Vec<F>),
    );
}

/// `value` as a JSON value.
pub(crate) fn to_json<T: Members>(value: &T) -> Json {
    let mut writer = JsonWriter {
        value,
        members: vec![Vec::new()],
    };
    T::members(&mut writer);
    Json::object(writer.members.pop().unwrap_or_default())
}

/// `value` as canonical text; `capacity` is a guess of its length.
pub(crate) fn to_canonical<T: Members>(value: &T, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    write_canonical(value, &mut out);
    out
}

fn write_canonical<T: Members>(value: &T, out: &mut String) {
    out.push('{');
    let mut writer = CanonicalWriter {
        value,
        out,
        depth: 0,
        last: [None; MAX_DEPTH],
    };
    T::members(&mut writer);
    writer.out.push('}');
}

/// Objects a description may nest inside its own (a list's items have descriptions of their
/// own).
const MAX_DEPTH: usize = 4;

/// Read a `T` from `json`; the error names the first member that is missing or wrong, with
/// its path under `prefix` (`findings[2].`).
pub(crate) fn from_json<T: Members>(json: &Json, prefix: &str) -> Result<T, String> {
    let mut reader = Reader {
        value: T::blank(),
        at: vec![(json, prefix.to_string())],
        error: None,
    };
    T::members(&mut reader);
    match reader.error {
        Some(e) => Err(e),
        None => Ok(reader.value),
    }
}

struct JsonWriter<'a, T> {
    value: &'a T,
    members: Vec<Vec<(&'static str, Json)>>,
}

impl<T> JsonWriter<'_, T> {
    fn push(&mut self, key: Key, json: Json) {
        if let Some(members) = self.members.last_mut() {
            members.push((key.name, json));
        }
    }
}

impl<T> Visitor<T> for JsonWriter<'_, T> {
    fn text(&mut self, key: Key, get: impl Fn(&T) -> &str, _: impl FnOnce(&mut T, String)) {
        self.push(key, Json::string(get(self.value)));
    }

    fn opt_text(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> Option<&str>,
        _: impl FnOnce(&mut T, Option<String>),
    ) {
        self.push(key, Json::opt_string(get(self.value)));
    }

    fn word<W: Word>(
        &mut self,
        key: Key,
        _: &str,
        get: impl Fn(&T) -> W,
        _: impl FnOnce(&mut T, W),
    ) {
        self.push(key, Json::string(get(self.value).as_str()));
    }

    fn opt_word<W: Word>(
        &mut self,
        key: Key,
        _: &str,
        get: impl Fn(&T) -> Option<W>,
        _: impl FnOnce(&mut T, Option<W>),
    ) {
        self.push(key, Json::opt_string(get(self.value).map(W::as_str)));
    }

    fn present_word<W: Word>(
        &mut self,
        key: Key,
        _: &str,
        get: impl Fn(&T) -> W,
        _: impl FnOnce(&mut T, W),
    ) {
        self.push(key, Json::string(get(self.value).as_str()));
    }

    fn added_word<W: Word>(
        &mut self,
        key: Key,
        _: &str,
        get: impl Fn(&T) -> Option<W>,
        _: impl FnOnce(&mut T, Option<W>),
    ) {
        if let Some(word) = get(self.value) {
            self.push(key, Json::string(word.as_str()));
        }
    }

    fn number(&mut self, key: Key, get: impl Fn(&T) -> u64, _: impl FnOnce(&mut T, u64)) {
        self.push(key, Json::number(get(self.value)));
    }

    fn opt_number(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> Option<u64>,
        _: impl FnOnce(&mut T, Option<u64>),
    ) {
        self.push(key, get(self.value).map_or_else(Json::null, Json::number));
    }

    fn date(&mut self, key: Key, get: impl Fn(&T) -> Date, _: impl FnOnce(&mut T, Date)) {
        self.push(key, Json::string(get(self.value).to_string()));
    }

    fn constant(&mut self, key: Key, value: &'static str, _: bool) {
        self.push(key, Json::string(value));
    }

    fn json(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> (&Json, Option<&str>),
        _: impl FnOnce(&mut T, Json),
    ) {
        self.push(key, get(self.value).0.clone());
    }

    fn object(&mut self, key: Key, inner: impl FnOnce(&mut Self)) {
        self.members.push(Vec::new());
        inner(self);
        let members = self.members.pop().unwrap_or_default();
        self.push(key, Json::object(members));
    }

    fn include<F: Members>(&mut self, get: impl Fn(&T) -> &F, _: impl FnOnce(&mut T, F)) {
        let mut inner = JsonWriter {
            value: get(self.value),
            members: vec![Vec::new()],
        };
        F::members(&mut inner);
        let members = inner.members.pop().unwrap_or_default();
        if let Some(ours) = self.members.last_mut() {
            ours.extend(members);
        }
    }

    fn list<F: Members>(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> &[F],
        _: impl FnOnce(&mut T, Vec<F>),
    ) {
        let items = get(self.value).iter().map(to_json).collect();
        self.push(key, Json::array(items));
    }

    fn sparse_list<F: Members>(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> &[F],
        set: impl FnOnce(&mut T, Vec<F>),
    ) {
        if !get(self.value).is_empty() {
            self.list(key, get, set);
        }
    }
}

struct CanonicalWriter<'a, T> {
    value: &'a T,
    out: &'a mut String,
    /// How deep inside the description's own objects the writer is.
    depth: usize,
    /// The last key written in each object being written, to `depth`.
    last: [Option<&'static str>; MAX_DEPTH],
}

impl<T> CanonicalWriter<'_, T> {
    /// Start the member `key`: the value follows.
    #[inline]
    fn member(&mut self, key: Key) -> &mut String {
        let last = &mut self.last[self.depth];
        debug_assert!(
            last.is_none_or(|previous| previous.as_bytes() < key.name.as_bytes()),
            "`{}` is visited after `{}`: members must be in canonical order",
            key.name,
            last.unwrap_or_default()
        );
        let prefix = if last.is_some() { key.next } else { key.first };
        *last = Some(key.name);
        self.out.push_str(prefix);
        self.out
    }
}

impl<T> Visitor<T> for CanonicalWriter<'_, T> {
    fn text(&mut self, key: Key, get: impl Fn(&T) -> &str, _: impl FnOnce(&mut T, String)) {
        let text = get(self.value);
        canonical::write_string(text, self.member(key));
    }

    fn opt_text(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> Option<&str>,
        _: impl FnOnce(&mut T, Option<String>),
    ) {
        let text = get(self.value);
        canonical::write_opt_string(text, self.member(key));
    }

    fn word<W: Word>(
        &mut self,
        key: Key,
        _: &str,
        get: impl Fn(&T) -> W,
        _: impl FnOnce(&mut T, W),
    ) {
        let word = get(self.value).as_str();
        canonical::write_string(word, self.member(key));
    }

    fn opt_word<W: Word>(
        &mut self,
        key: Key,
        _: &str,
        get: impl Fn(&T) -> Option<W>,
        _: impl FnOnce(&mut T, Option<W>),
    ) {
        let word = get(self.value).map(W::as_str);
        canonical::write_opt_string(word, self.member(key));
    }

    fn present_word<W: Word>(
        &mut self,
        key: Key,
        _: &str,
        get: impl Fn(&T) -> W,
        _: impl FnOnce(&mut T, W),
    ) {
        let word = get(self.value).as_str();
        canonical::write_string(word, self.member(key));
    }

    fn added_word<W: Word>(
        &mut self,
        key: Key,
        _: &str,
        get: impl Fn(&T) -> Option<W>,
        _: impl FnOnce(&mut T, Option<W>),
    ) {
        if let Some(word) = get(self.value) {
            canonical::write_string(word.as_str(), self.member(key));
        }
    }

    fn number(&mut self, key: Key, get: impl Fn(&T) -> u64, _: impl FnOnce(&mut T, u64)) {
        let n = get(self.value);
        canonical::write_whole(Some(n), self.member(key));
    }

    fn opt_number(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> Option<u64>,
        _: impl FnOnce(&mut T, Option<u64>),
    ) {
        let n = get(self.value);
        canonical::write_whole(n, self.member(key));
    }

    fn date(&mut self, key: Key, get: impl Fn(&T) -> Date, _: impl FnOnce(&mut T, Date)) {
        use std::fmt::Write as _;
        let date = get(self.value);
        let _ = write!(self.member(key), "\"{date}\"");
    }

    fn constant(&mut self, key: Key, value: &'static str, _: bool) {
        canonical::write_string(value, self.member(key));
    }

    fn json(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> (&Json, Option<&str>),
        _: impl FnOnce(&mut T, Json),
    ) {
        let (json, text) = get(self.value);
        let out = self.member(key);
        match text {
            Some(text) => out.push_str(text),
            None => canonical::write_value(json, out),
        }
    }

    fn object(&mut self, key: Key, inner: impl FnOnce(&mut Self)) {
        self.member(key).push('{');
        self.depth += 1;
        self.last[self.depth] = None;
        inner(self);
        self.depth -= 1;
        self.out.push('}');
    }

    fn include<F: Members>(&mut self, get: impl Fn(&T) -> &F, _: impl FnOnce(&mut T, F)) {
        let mut inner = CanonicalWriter {
            value: get(self.value),
            out: &mut *self.out,
            depth: 0,
            last: [self.last[self.depth], None, None, None],
        };
        F::members(&mut inner);
        self.last[self.depth] = inner.last[0];
    }

    fn list<F: Members>(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> &[F],
        _: impl FnOnce(&mut T, Vec<F>),
    ) {
        let items = get(self.value);
        let out = self.member(key);
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_canonical(item, out);
        }
        out.push(']');
    }

    fn sparse_list<F: Members>(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> &[F],
        set: impl FnOnce(&mut T, Vec<F>),
    ) {
        if !get(self.value).is_empty() {
            self.list(key, get, set);
        }
    }
}

struct Reader<'a, T> {
    value: T,
    /// The object being read and its path prefix (`pack.`), innermost last.
    at: Vec<(&'a Json, String)>,
    error: Option<String>,
}

impl<'a, T> Reader<'a, T> {
    /// The member `key` of the current object, unless an error was found already.
    fn get(&mut self, key: Key) -> Option<(&'a Json, String)> {
        if self.error.is_some() {
            return None;
        }
        let (object, prefix) = self.at.last()?;
        let path = format!("{prefix}{}", key.name);
        match object.get(key.name) {
            Some(value) => Some((value, path)),
            None => self.fail(format!("`{path}` is missing")),
        }
    }

    fn fail<R>(&mut self, message: String) -> Option<R> {
        self.error.get_or_insert(message);
        None
    }

    fn string(&mut self, key: Key) -> Option<(&'a str, String)> {
        let (value, path) = self.get(key)?;
        match value.as_str() {
            Some(text) => Some((text, path)),
            None => self.fail(format!("`{path}` must be a string")),
        }
    }

    /// `Some(None)` for `null`.
    fn opt_string(&mut self, key: Key) -> Option<(Option<&'a str>, String)> {
        let (value, path) = self.get(key)?;
        match value.as_str() {
            Some(text) => Some((Some(text), path)),
            None if value.is_null() => Some((None, path)),
            None => self.fail(format!("`{path}` must be a string or null")),
        }
    }

    fn parse<W: Word>(&mut self, text: &str, path: &str, what: &str) -> Option<W> {
        match W::parse(text) {
            Some(word) => Some(word),
            None => self.fail(format!("`{path}` \"{text}\" is not {what}")),
        }
    }

    /// `Some(None)` for `null`.
    fn whole(&mut self, key: Key) -> Option<(Option<u64>, String)> {
        let (value, path) = self.get(key)?;
        match &value.value {
            JsonValue::Null => Some((None, path)),
            JsonValue::Number(d) => match u64::try_from(*d) {
                Ok(n) => Some((Some(n), path)),
                Err(_) => self.fail(format!("`{path}` must be a whole number")),
            },
            _ => self.fail(format!("`{path}` must be a number")),
        }
    }
}

impl<T> Visitor<T> for Reader<'_, T> {
    fn text(&mut self, key: Key, _: impl Fn(&T) -> &str, set: impl FnOnce(&mut T, String)) {
        if let Some((text, _)) = self.string(key) {
            set(&mut self.value, text.to_string());
        }
    }

    fn opt_text(
        &mut self,
        key: Key,
        _: impl Fn(&T) -> Option<&str>,
        set: impl FnOnce(&mut T, Option<String>),
    ) {
        if let Some((text, _)) = self.opt_string(key) {
            set(&mut self.value, text.map(str::to_string));
        }
    }

    fn word<W: Word>(
        &mut self,
        key: Key,
        what: &str,
        _: impl Fn(&T) -> W,
        set: impl FnOnce(&mut T, W),
    ) {
        if let Some((text, path)) = self.string(key)
            && let Some(word) = self.parse(text, &path, what)
        {
            set(&mut self.value, word);
        }
    }

    fn opt_word<W: Word>(
        &mut self,
        key: Key,
        what: &str,
        _: impl Fn(&T) -> Option<W>,
        set: impl FnOnce(&mut T, Option<W>),
    ) {
        match self.opt_string(key) {
            Some((None, _)) => set(&mut self.value, None),
            Some((Some(text), path)) => {
                if let Some(word) = self.parse(text, &path, what) {
                    set(&mut self.value, Some(word));
                }
            }
            None => {}
        }
    }

    fn present_word<W: Word>(
        &mut self,
        key: Key,
        what: &str,
        _: impl Fn(&T) -> W,
        set: impl FnOnce(&mut T, W),
    ) {
        match self.opt_string(key) {
            Some((None, path)) => {
                self.fail::<()>(format!("`{path}` must not be null"));
            }
            Some((Some(text), path)) => {
                if let Some(word) = self.parse(text, &path, what) {
                    set(&mut self.value, word);
                }
            }
            None => {}
        }
    }

    fn added_word<W: Word>(
        &mut self,
        key: Key,
        what: &str,
        _: impl Fn(&T) -> Option<W>,
        set: impl FnOnce(&mut T, Option<W>),
    ) {
        let present = self.error.is_none()
            && self
                .at
                .last()
                .is_some_and(|(object, _)| object.get(key.name).is_some());
        if !present {
            set(&mut self.value, None);
            return;
        }
        if let Some((text, path)) = self.string(key)
            && let Some(word) = self.parse(text, &path, what)
        {
            set(&mut self.value, Some(word));
        }
    }

    fn number(&mut self, key: Key, _: impl Fn(&T) -> u64, set: impl FnOnce(&mut T, u64)) {
        match self.whole(key) {
            Some((Some(n), _)) => set(&mut self.value, n),
            Some((None, path)) => {
                self.fail::<()>(format!("`{path}` must not be null"));
            }
            None => {}
        }
    }

    fn opt_number(
        &mut self,
        key: Key,
        _: impl Fn(&T) -> Option<u64>,
        set: impl FnOnce(&mut T, Option<u64>),
    ) {
        if let Some((n, _)) = self.whole(key) {
            set(&mut self.value, n);
        }
    }

    fn date(&mut self, key: Key, _: impl Fn(&T) -> Date, set: impl FnOnce(&mut T, Date)) {
        if let Some((text, path)) = self.string(key) {
            match Date::parse(text) {
                Some(date) => set(&mut self.value, date),
                None => {
                    self.fail::<()>(format!("`{path}` \"{text}\" is not a date"));
                }
            }
        }
    }

    fn constant(&mut self, key: Key, value: &'static str, checked: bool) {
        if checked
            && let Some((text, path)) = self.string(key)
            && text != value
        {
            self.fail::<()>(format!("`{path}` is \"{text}\", not \"{value}\""));
        }
    }

    fn json(
        &mut self,
        key: Key,
        _: impl Fn(&T) -> (&Json, Option<&str>),
        set: impl FnOnce(&mut T, Json),
    ) {
        if let Some((json, _)) = self.get(key) {
            set(&mut self.value, json.clone());
        }
    }

    fn object(&mut self, key: Key, inner: impl FnOnce(&mut Self)) {
        if let Some((json, path)) = self.get(key) {
            self.at.push((json, format!("{path}.")));
            inner(self);
            self.at.pop();
        }
    }

    fn include<F: Members>(&mut self, _: impl Fn(&T) -> &F, set: impl FnOnce(&mut T, F)) {
        let Some((json, prefix)) = self.at.last().cloned() else {
            return;
        };
        if self.error.is_some() {
            return;
        }
        match from_json::<F>(json, &prefix) {
            Ok(value) => set(&mut self.value, value),
            Err(e) => {
                self.fail::<()>(e);
            }
        }
    }

    fn list<F: Members>(
        &mut self,
        key: Key,
        _: impl Fn(&T) -> &[F],
        set: impl FnOnce(&mut T, Vec<F>),
    ) {
        let Some((json, path)) = self.get(key) else {
            return;
        };
        let JsonValue::Array(items) = &json.value else {
            self.fail::<()>(format!("`{path}` must be an array"));
            return;
        };
        let read: Result<Vec<F>, String> = items
            .iter()
            .enumerate()
            .map(|(i, item)| from_json(item, &format!("{path}[{i}].")))
            .collect();
        match read {
            Ok(items) => set(&mut self.value, items),
            Err(e) => {
                self.fail::<()>(e);
            }
        }
    }

    fn sparse_list<F: Members>(
        &mut self,
        key: Key,
        get: impl Fn(&T) -> &[F],
        set: impl FnOnce(&mut T, Vec<F>),
    ) {
        let absent = self
            .at
            .last()
            .is_some_and(|(object, _)| object.get(key.name).is_none());
        if absent {
            set(&mut self.value, Vec::new());
        } else {
            self.list(key, get, set);
        }
    }
}
