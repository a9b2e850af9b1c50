//! Reading request headers without copying them.
//!
//! The core reads headers through [`HeaderSource`], implemented for
//! `http::HeaderMap` (feature `http`), for slices and vectors of name / value pairs,
//! and by each adapter for its framework's map: verification reads them in place.
//!
//! ```
//! use webhook_gate::headers::{HeaderLookup, HeaderSource};
//!
//! let headers = [("X-Hub-Signature-256", "sha256=...")];
//! assert_eq!(headers[..].lookup("x-hub-signature-256"), HeaderLookup::Single(b"sha256=..."));
//! ```

use std::borrow::Cow;

use crate::error::ConfigError;

/// One of a scheme's header names, prepared for look-ups: as the provider writes
/// it, in lowercase, and (feature `http`) parsed as an `http::HeaderName` once, so
/// that an `http::HeaderMap` is searched without parsing the name for every request.
/// See [`HeaderSource::lookup_key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderKey {
    pub(crate) display: Cow<'static, str>,
    pub(crate) lookup: Cow<'static, str>,
    #[cfg(feature = "http")]
    parsed: Option<http::HeaderName>,
    /// Another name the provider may send the header under, looked up when this
    /// one is absent ([`SchemeBuilder::header_alias`](crate::scheme::SchemeBuilder::header_alias)).
    pub(crate) alias: Option<Box<HeaderKey>>,
    /// The lowercase name in words, to compare a map's names with.
    folded: Folded,
}

impl HeaderKey {
    pub(crate) fn new(name: impl Into<Cow<'static, str>>) -> Result<Self, ConfigError> {
        let display = name.into();
        let valid = !display.is_empty()
            && display
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !valid {
            return Err(ConfigError::InvalidHeaderName(display.into_owned()));
        }
        let lookup = if display.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(display.to_ascii_lowercase())
        } else {
            display.clone()
        };
        Ok(Self {
            #[cfg(feature = "http")]
            parsed: http::HeaderName::from_bytes(lookup.as_bytes()).ok(),
            folded: Folded::new(lookup.as_bytes()),
            display,
            lookup,
            alias: None,
        })
    }

    /// The header in `headers`: under this name, else (absent) under its alias.
    pub(crate) fn find_in<'h, H: HeaderSource + ?Sized>(&self, headers: &'h H) -> HeaderLookup<'h> {
        match (headers.lookup_key(self), &self.alias) {
            (HeaderLookup::Absent, Some(alias)) => headers.lookup_key(alias),
            (found, _) => found,
        }
    }

    /// The name in lowercase.
    pub fn as_str(&self) -> &str {
        &self.lookup
    }

    /// The name parsed as an `http::HeaderName` (every valid name parses).
    #[cfg(feature = "http")]
    pub fn as_http(&self) -> Option<&http::HeaderName> {
        self.parsed.as_ref()
    }
}

/// What a header map holds under one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderLookup<'a> {
    /// The header is not present.
    Absent,
    /// The header is present exactly once, with this value.
    Single(&'a [u8]),
    /// The header is present more than once.
    Repeated,
}

/// Read access to request headers, by name, matched ASCII case-insensitively.
///
/// Implemented for `http::HeaderMap` (feature `http`, on by default), for slices and
/// vectors of name / value pairs, and by the adapters for their framework's header map,
/// so that verification reads the headers in place.
///
/// Names passed to [`lookup`](Self::lookup) by this crate are always lowercase.
pub trait HeaderSource {
    /// Looks up the header `name` (lowercase).
    fn lookup(&self, name: &str) -> HeaderLookup<'_>;

    /// Looks up one of a scheme's headers, its name prepared once. The verifier
    /// calls this; the default looks up [`HeaderKey::as_str`]. Override it when the
    /// map can use a prepared name, as the `http::HeaderMap` implementation does.
    fn lookup_key(&self, key: &HeaderKey) -> HeaderLookup<'_> {
        self.lookup(key.as_str())
    }
}

impl<T: HeaderSource + ?Sized> HeaderSource for &T {
    fn lookup(&self, name: &str) -> HeaderLookup<'_> {
        (**self).lookup(name)
    }

    fn lookup_key(&self, key: &HeaderKey) -> HeaderLookup<'_> {
        (**self).lookup_key(key)
    }
}

/// A name without ASCII capital letters (a prepared [`HeaderKey`]'s) in 8-byte
/// words, each with the bit (`0x20`) that lowercases a capital at each of its
/// lowercase letters: another name is the same, ASCII case aside, when each of its
/// words with those bits set is the word. (Setting `0x20` in a byte makes an ASCII
/// capital letter lowercase and leaves a lowercase one; where the name has no
/// letter, the bytes must be equal.) The words are those [`same_ignoring_case`]
/// reads: the last eight bytes, overlapping the word before, then the whole words
/// in order; a name shorter than a word is one zero-padded word.
#[derive(Clone, PartialEq, Eq)]
struct Folded {
    len: usize,
    /// Each word and its letters' bits, the last word first.
    words: Box<[(u64, u64)]>,
}

/// The words say nothing the name does not.
impl std::fmt::Debug for Folded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Folded").finish_non_exhaustive()
    }
}

impl Folded {
    fn new(lower: &[u8]) -> Self {
        let word = |bytes: &[u8]| {
            let mut value = [0u8; 8];
            value[..bytes.len()].copy_from_slice(bytes);
            let letters = value.map(|byte| if byte.is_ascii_lowercase() { 0x20 } else { 0 });
            (u64::from_le_bytes(value), u64::from_le_bytes(letters))
        };
        let words = match lower.last_chunk::<8>() {
            Some(last) => std::iter::once(word(last))
                .chain(lower.as_chunks::<8>().0.iter().map(|whole| word(whole)))
                .collect(),
            None => Box::new([word(lower)]) as Box<[_]>,
        };
        Self {
            len: lower.len(),
            words,
        }
    }

    /// Whether `name` is this name, ASCII case aside.
    #[inline]
    fn matches(&self, name: &[u8]) -> bool {
        let same = |bytes: [u8; 8], (word, letters): (u64, u64)| {
            u64::from_le_bytes(bytes) | letters == word
        };
        if name.len() != self.len {
            return false;
        }
        let Some((&last_word, words)) = self.words.split_first() else {
            return false;
        };
        // Names are not secret: the first word that differs ends the comparison.
        // Last first: names of one sender share their beginning (`webhook-`).
        if let Some(last) = name.last_chunk::<8>() {
            same(*last, last_word)
                && name
                    .as_chunks::<8>()
                    .0
                    .iter()
                    .zip(words)
                    .all(|(bytes, &word)| same(*bytes, word))
        } else {
            let mut padded = [0u8; 8];
            padded[..name.len()].copy_from_slice(name);
            same(padded, last_word)
        }
    }
}

/// `<[u8]>::eq_ignore_ascii_case`, eight bytes at a time (the byte-by-byte
/// comparison was most of a look-up's cost).
#[inline]
fn same_ignoring_case(a: &[u8], b: &[u8]) -> bool {
    /// Eight bytes, each ASCII capital letter among them in lowercase: a byte's
    /// high bit is set by adding to its low seven bits when it is at least `A`,
    /// and again when it is past `Z` (neither sum carries into the next byte).
    fn lower(word: u64) -> u64 {
        const ONES: u64 = u64::from_ne_bytes([1; 8]);
        let ascii = word & (ONES * 0x7f);
        let from_a = ascii + ONES * u64::from(0x80 - b'A');
        let past_z = ascii + ONES * u64::from(0x7f - b'Z');
        let capital = (from_a ^ past_z) & !word & (ONES * 0x80);
        word | (capital >> 2)
    }
    let same = |a: [u8; 8], b: [u8; 8]| {
        let (a, b) = (u64::from_le_bytes(a), u64::from_le_bytes(b));
        a == b || lower(a) == lower(b)
    };
    if a.len() != b.len() {
        return false;
    }
    // Names are not secret: the first word that differs ends the comparison.
    // The last eight bytes are a word of their own, overlapping the one before;
    // a name shorter than a word is zero-padded.
    if let (Some(a_last), Some(b_last)) = (a.last_chunk::<8>(), b.last_chunk::<8>()) {
        let (a_words, _) = a.as_chunks::<8>();
        let (b_words, _) = b.as_chunks::<8>();
        // Last first: names of one sender share their beginning (`webhook-`).
        same(*a_last, *b_last) && a_words.iter().zip(b_words).all(|(a, b)| same(*a, *b))
    } else {
        let padded = |name: &[u8]| {
            let mut word = [0u8; 8];
            word[..name.len()].copy_from_slice(name);
            word
        };
        same(padded(a), padded(b))
    }
}

/// The pairs' header whose name `same` accepts.
#[inline]
fn lookup_pairs<K, V>(pairs: &[(K, V)], same: impl Fn(&[u8]) -> bool) -> HeaderLookup<'_>
where
    K: AsRef<str>,
    V: AsRef<[u8]>,
{
    let mut found = HeaderLookup::Absent;
    for (key, value) in pairs {
        if same(key.as_ref().as_bytes()) {
            if found != HeaderLookup::Absent {
                return HeaderLookup::Repeated;
            }
            found = HeaderLookup::Single(value.as_ref());
        }
    }
    found
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderSource for [(K, V)] {
    fn lookup(&self, name: &str) -> HeaderLookup<'_> {
        lookup_pairs(self, |key| same_ignoring_case(key, name.as_bytes()))
    }

    fn lookup_key(&self, key: &HeaderKey) -> HeaderLookup<'_> {
        lookup_pairs(self, |name| key.folded.matches(name))
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderSource for Vec<(K, V)> {
    fn lookup(&self, name: &str) -> HeaderLookup<'_> {
        self.as_slice().lookup(name)
    }

    fn lookup_key(&self, key: &HeaderKey) -> HeaderLookup<'_> {
        self.as_slice().lookup_key(key)
    }
}

#[cfg(feature = "http")]
impl HeaderSource for http::HeaderMap {
    fn lookup(&self, name: &str) -> HeaderLookup<'_> {
        http_lookup(&self.get_all(name))
    }

    fn lookup_key(&self, key: &HeaderKey) -> HeaderLookup<'_> {
        match key.as_http() {
            Some(name) => http_lookup(&self.get_all(name)),
            None => self.lookup(key.as_str()),
        }
    }
}

#[cfg(feature = "http")]
fn http_lookup<'a>(values: &http::header::GetAll<'a, http::HeaderValue>) -> HeaderLookup<'a> {
    let mut values = values.iter();
    match (values.next(), values.next()) {
        (None, _) => HeaderLookup::Absent,
        (Some(value), None) => HeaderLookup::Single(value.as_bytes()),
        (Some(_), Some(_)) => HeaderLookup::Repeated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair of ASCII characters, at every place of names that fill whole
    /// words, a word and a rest, or a rest only, against the standard library's
    /// comparison (`^` and `~`, `_` and DEL, `@` and `` ` `` differ only in the bit
    /// that lowercasing sets); then names of other lengths and non-ASCII text.
    #[test]
    fn same_name_is_ascii_case_insensitive_equality() {
        for length in [1, 7, 8, 9, 15, 16, 17] {
            for at in [0, length / 2, length - 1] {
                for a in 0..=u8::MAX {
                    for b in 0..=u8::MAX {
                        let mut x = vec![b'k'; length];
                        let mut y = x.clone();
                        x[at] = a;
                        y[at] = b;
                        assert_eq!(
                            same_ignoring_case(&x, &y),
                            x.eq_ignore_ascii_case(&y),
                            "{x:?} {y:?}"
                        );
                        if !b.is_ascii_uppercase() {
                            assert_eq!(
                                Folded::new(&y).matches(&x),
                                x.eq_ignore_ascii_case(&y),
                                "{x:?} {y:?}"
                            );
                        }
                    }
                }
            }
        }
        let same = |a: &str, b: &str| {
            let by_words = same_ignoring_case(a.as_bytes(), b.as_bytes());
            assert_eq!(Folded::new(b.as_bytes()).matches(a.as_bytes()), by_words);
            by_words
        };
        assert!(!same("x-hub-signature", "x-hub-signature-256"));
        assert!(!same("x-hub-signature-256", "x-hub-signature"));
        assert!(same("X-Hub-Signature-256", "x-hub-signature-256"));
        // Only ASCII letters fold: `Ü` and `ü` are other bytes.
        assert!(same("ü-Name", "ü-name"));
        assert!(!same("Ü-name", "ü-name"));
    }

    #[test]
    fn pairs_match_case_insensitively_and_report_repeats() {
        let headers = vec![("X-Hub-Signature-256", "a"), ("Other", "b")];
        assert_eq!(
            headers.lookup("x-hub-signature-256"),
            HeaderLookup::Single(b"a")
        );
        assert_eq!(headers.lookup("missing"), HeaderLookup::Absent);
        let repeated = [("a", "1"), ("A", "2")];
        assert_eq!(repeated.lookup("a"), HeaderLookup::Repeated);
    }

    #[cfg(feature = "http")]
    #[test]
    fn http_header_map() {
        let mut map = http::HeaderMap::new();
        map.insert("X-Slack-Signature", "v0=00".parse().unwrap());
        assert_eq!(
            map.lookup("x-slack-signature"),
            HeaderLookup::Single(b"v0=00")
        );
        map.append("x-slack-signature", "v0=11".parse().unwrap());
        assert_eq!(map.lookup("x-slack-signature"), HeaderLookup::Repeated);
        assert_eq!(map.lookup("x-missing"), HeaderLookup::Absent);
    }

    #[test]
    fn pairs_find_a_prepared_name_as_its_name() {
        let pairs = vec![
            ("X-Hub-Signature-256", "sha256=00"),
            ("content-type", "application/json"),
            ("X-Slack-Signature", "v0=00"),
            ("x-slack-signature", "v0=11"),
            ("Id", "1"),
        ];
        for name in [
            "X-Hub-Signature-256",
            "Content-Type",
            "X-SLACK-SIGNATURE",
            "id",
            "X-Missing",
            "I",
        ] {
            let key = HeaderKey::new(name).unwrap();
            let by_name = pairs.lookup(&name.to_ascii_lowercase());
            assert_eq!(pairs.lookup_key(&key), by_name, "{name}");
            assert_eq!(pairs[..].lookup_key(&key), by_name, "{name}");
        }
        assert_eq!(
            pairs.lookup_key(&HeaderKey::new("X-Hub-Signature-256").unwrap()),
            HeaderLookup::Single(b"sha256=00")
        );
        assert_eq!(
            pairs.lookup_key(&HeaderKey::new("x-slack-signature").unwrap()),
            HeaderLookup::Repeated
        );
    }

    #[cfg(feature = "http")]
    #[test]
    fn prepared_names_find_what_names_find() {
        let mut map = http::HeaderMap::new();
        map.insert("X-Hub-Signature-256", "sha256=00".parse().unwrap());
        map.insert("content-type", "application/json".parse().unwrap());
        map.append("X-Slack-Signature", "v0=00".parse().unwrap());
        map.append("x-slack-signature", "v0=11".parse().unwrap());
        let pairs = vec![
            ("X-Hub-Signature-256", "sha256=00"),
            ("Content-Type", "application/json"),
        ];
        for name in [
            "X-Hub-Signature-256",
            "Content-Type",
            "x-slack-signature",
            "X-Missing",
        ] {
            let key = HeaderKey::new(name).unwrap();
            assert!(key.as_http().is_some(), "{name}");
            assert_eq!(map.lookup_key(&key), map.lookup(key.as_str()), "{name}");
            let by_reference: &http::HeaderMap = &map;
            assert_eq!(
                HeaderSource::lookup_key(&by_reference, &key),
                map.lookup(key.as_str()),
                "{name}"
            );
            assert_eq!(pairs.lookup_key(&key), pairs.lookup(key.as_str()), "{name}");
        }
        let key = HeaderKey::new("X-Hub-Signature-256").unwrap();
        assert_eq!(map.lookup_key(&key), HeaderLookup::Single(b"sha256=00"));
        let key = HeaderKey::new("X-Slack-Signature").unwrap();
        assert_eq!(map.lookup_key(&key), HeaderLookup::Repeated);
    }
}
