//! Timestamps as providers write them: unix seconds, unix milliseconds, RFC 3339.

use crate::scheme::TimestampFormat;

/// Parses `text` as `format`, to unix seconds (milliseconds and fractions of a
/// second are truncated toward the past). Strict: digits only for unix times, the
/// full `date-time` of RFC 3339 (`T` or `t` or a space between date and time, `Z`
/// or an offset).
pub(crate) fn parse(text: &[u8], format: TimestampFormat) -> Option<i64> {
    match format {
        TimestampFormat::UnixSeconds => parse_digits(text),
        TimestampFormat::UnixMillis => parse_digits(text).map(|millis| millis.div_euclid(1000)),
        TimestampFormat::Rfc3339 => parse_rfc3339(text),
    }
}

/// 1 to 18 ASCII digits, nothing else (18 digits stay below `i64::MAX`).
pub(crate) fn parse_digits(text: &[u8]) -> Option<i64> {
    if text.is_empty() || text.len() > 18 {
        return None;
    }
    text.iter().try_fold(0i64, |value, &byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + i64::from(byte - b'0'))
    })
}

/// The two ASCII digits at `at` and `at + 1` (which `text` has).
#[allow(
    clippy::inline_always,
    reason = "nine calls of a few instructions each: called, they cost more than they do"
)]
#[inline(always)]
fn two_digits(text: &[u8], at: usize) -> Option<i64> {
    let (tens, ones) = (text[at].wrapping_sub(b'0'), text[at + 1].wrapping_sub(b'0'));
    (tens < 10 && ones < 10).then(|| i64::from(tens * 10 + ones))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
pub(crate) fn parse_rfc3339(text: &[u8]) -> Option<i64> {
    if text.len() < 20 || text.len() > 64 {
        return None;
    }
    if text[4] != b'-' || text[7] != b'-' || !matches!(text[10], b'T' | b't' | b' ') {
        return None;
    }
    if text[13] != b':' || text[16] != b':' {
        return None;
    }
    let year = two_digits(text, 0)? * 100 + two_digits(text, 2)?;
    let month = two_digits(text, 5)?;
    let day = two_digits(text, 8)?;
    let hour = two_digits(text, 11)?;
    let minute = two_digits(text, 14)?;
    let second = two_digits(text, 17)?;
    let days = days_from_civil(year, month, day)?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // A leap second (60) is read as the last second of its minute.
    let second = second.min(59);
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = two_digits(&[*h1, *h2], 0)?;
            let minutes = two_digits(&[*m1, *m2], 0)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'+' { seconds } else { -seconds }
        }
        _ => return None,
    };
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// `unix` seconds as an RFC 3339 UTC date-time (`2024-01-15T10:30:00Z`).
pub(crate) fn format_rfc3339(unix: i64) -> String {
    let (days, seconds) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

/// Days from 1970-01-01 to `year`-`month`-`day` (proleptic Gregorian, `year` 0 to
/// 9 999), or `None` when there is no such day.
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    /// The days of a common year before each month.
    const BEFORE: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    /// From 0000-01-01 to 1970-01-01.
    const EPOCH: i64 = 719_528;
    let index = usize::try_from(month - 1)
        .ok()
        .filter(|&index| index < 12)?;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let length = match month {
        2 => 28 + i64::from(leap),
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > length {
        return None;
    }
    // The leap days of the years before `year`: every fourth, but not every
    // hundredth, but every four-hundredth (year 0 among them).
    let leap_days = (year + 3) / 4 - (year + 99) / 100 + (year + 399) / 400;
    let days = 365 * year + leap_days + BEFORE[index] + i64::from(leap && month > 2) + day - 1;
    Some(days - EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates_and_offsets() {
        // Values from `date -u -d ... +%s`.
        assert_eq!(parse_rfc3339(b"1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339(b"2024-01-15T10:30:00Z"), Some(1_705_314_600));
        assert_eq!(parse_rfc3339(b"2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(
            parse_rfc3339(b"2023-11-14T22:13:20.123456789Z"),
            Some(1_700_000_000)
        );
        assert_eq!(
            parse_rfc3339(b"2023-11-15T00:13:20+02:00"),
            Some(1_700_000_000)
        );
        assert_eq!(
            parse_rfc3339(b"2023-11-14T21:13:20-01:00"),
            Some(1_700_000_000)
        );
        assert_eq!(parse_rfc3339(b"1969-12-31T23:59:59Z"), Some(-1));
    }

    /// Every day of every third year from 0 to 9 999 (every leap-year rule among
    /// them: 1200 and 2400, 300 and 1500, every remainder of 4) and every 29th to
    /// 31st (valid or not), at several times of day and offsets, against the `time`
    /// crate's RFC 3339 reader.
    #[test]
    fn rfc3339_dates_agree_with_the_time_crate() {
        use time::format_description::well_known::Rfc3339;
        let theirs = |text: &str| {
            time::OffsetDateTime::parse(text, &Rfc3339)
                .ok()
                .map(time::OffsetDateTime::unix_timestamp)
        };
        let times = [
            "00:00:00Z",
            "23:59:59Z",
            "12:34:56.789+05:30",
            "01:02:03-11:59",
        ];
        let mut checked = 0;
        for year in (0..=9999).step_by(3) {
            for month in 1..=12 {
                for day in 1..=31 {
                    let time = times[(year + month + day) % times.len()];
                    let text = format!("{year:04}-{month:02}-{day:02}T{time}");
                    assert_eq!(parse_rfc3339(text.as_bytes()), theirs(&text), "{text}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 3_334 * 12 * 31);
    }

    #[test]
    fn rfc3339_rejections() {
        for bad in [
            &b"2023-02-29T00:00:00Z"[..],
            b"2023-13-01T00:00:00Z",
            b"2023-11-14T24:00:00Z",
            b"2023-11-14T22:13:20",
            b"2023-11-14T22:13:20.Z",
            b"2023-11-14T22:13:20+0200",
            b"2023-11-14X22:13:20Z",
            b"+023-11-14T22:13:20Z",
            b"2023-11-14T22:13:20Zjunk",
            b"2023-11-14T22:13:61Z",
            b"2023-11-14T22:13:99Z",
            b"",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn every_digit_position_takes_digits_only() {
        let valid = *b"2024-01-15T10:30:00+01:00";
        let digits = [
            0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24,
        ];
        for at in digits {
            for byte in 0..=u8::MAX {
                let mut text = valid;
                text[at] = byte;
                if !byte.is_ascii_digit() {
                    assert_eq!(parse_rfc3339(&text), None, "{}", text.escape_ascii());
                }
            }
            // Each digit counts with its place's weight: one more there is one unit
            // more of that place (the ones of the year, the tens of the minutes...).
            let mut text = valid;
            text[at] = b'0';
            let zero = parse_rfc3339(&text);
            text[at] = b'1';
            let one = parse_rfc3339(&text);
            if let (Some(zero), Some(one)) = (zero, one) {
                assert_ne!(zero, one, "position {at}");
            }
        }
    }

    #[test]
    fn formatted_dates_parse_back() {
        for unix in [
            0,
            1_705_314_600,
            951_782_400,
            1_614_265_330,
            -1,
            4_102_444_800,
        ] {
            assert_eq!(parse_rfc3339(format_rfc3339(unix).as_bytes()), Some(unix));
        }
        assert_eq!(format_rfc3339(1_705_314_600), "2024-01-15T10:30:00Z");
    }

    #[test]
    fn unix_times() {
        assert_eq!(
            parse(b"1700000000", TimestampFormat::UnixSeconds),
            Some(1_700_000_000)
        );
        assert_eq!(
            parse(b"1700000000999", TimestampFormat::UnixMillis),
            Some(1_700_000_000)
        );
        assert_eq!(parse(b"17e8", TimestampFormat::UnixSeconds), None);
        assert_eq!(parse(b"-1", TimestampFormat::UnixMillis), None);
    }
}
