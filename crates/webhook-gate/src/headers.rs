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

/// ASCII case-insensitive equality of two names, eight bytes at a time (the
/// byte-by-byte `eq_ignore_ascii_case` was most of a look-up's cost).
#[inline]
fn same_name(a: &str, b: &str) -> bool {
    same_ignoring_case(a.as_bytes(), b.as_bytes())
}

/// `<[u8]>::eq_ignore_ascii_case`, eight bytes at a time.
#[inline]
fn same_ignoring_case(a: &[u8], b: &[u8]) -> bool {
    compare::<false>(a, b)
}

/// [`same_ignoring_case`] for a `b` without ASCII capital letters (a prepared
/// [`HeaderKey`]): only `a` is lowercased.
#[inline]
fn same_as_lowercase(a: &[u8], b: &[u8]) -> bool {
    compare::<true>(a, b)
}

/// ASCII case-insensitive equality, eight bytes at a time; `LOWER_B`: `b` has no
/// ASCII capital letter.
#[inline]
fn compare<const LOWER_B: bool>(a: &[u8], b: &[u8]) -> bool {
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
        if LOWER_B {
            a == b || lower(a) == b
        } else {
            a == b || lower(a) == lower(b)
        }
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

/// The pairs' header `name`; `LOWER`: `name` has no ASCII capital letter.
fn lookup_pairs<'a, K, V, const LOWER: bool>(pairs: &'a [(K, V)], name: &str) -> HeaderLookup<'a>
where
    K: AsRef<str>,
    V: AsRef<[u8]>,
{
    let mut found = HeaderLookup::Absent;
    for (key, value) in pairs {
        let same = if LOWER {
            same_as_lowercase(key.as_ref().as_bytes(), name.as_bytes())
        } else {
            same_name(key.as_ref(), name)
        };
        if same {
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
        lookup_pairs::<K, V, false>(self, name)
    }

    fn lookup_key(&self, key: &HeaderKey) -> HeaderLookup<'_> {
        // A prepared name is in lowercase.
        lookup_pairs::<K, V, true>(self, key.as_str())
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
                                same_as_lowercase(&x, &y),
                                x.eq_ignore_ascii_case(&y),
                                "{x:?} {y:?}"
                            );
                        }
                    }
                }
            }
        }
        assert!(!same_name("x-hub-signature", "x-hub-signature-256"));
        assert!(same_name("X-Hub-Signature-256", "x-hub-signature-256"));
        // Only ASCII letters fold: `Ü` and `ü` are other bytes.
        assert!(same_name("ü-Name", "ü-name"));
        assert!(!same_name("Ü-name", "ü-name"));
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
