//! RFC 3339 timestamps (`metav1.Time`, `metav1.MicroTime`) to Unix seconds, without a
//! calendar crate: the API server only ever writes `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.

/// Unix seconds of an RFC 3339 timestamp, or `None` if it is not one.
pub fn unix_seconds(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    // Digits by hand: `str::parse` checks for signs, overflow and char boundaries, which
    // took more of a table's time than the rest of the timestamp (and twice that in a component).
    let (year, month, day) = (num2(b[0], b[1])? * 100 + num2(b[2], b[3])?, num2(b[5], b[6])?, num2(b[8], b[9])?);
    let (hour, minute, second) = (num2(b[11], b[12])?, num2(b[14], b[15])?, num2(b[17], b[18])?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &b[19..];
    if let [b'.', frac @ ..] = rest {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hh = num2(*h1, *h2)?;
            let mm = num2(*m1, *m2)?;
            let secs = hh * 3600 + mm * 60;
            if *sign == b'+' { secs } else { -secs }
        }
        _ => return None,
    };
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

fn num2(a: u8, b: u8) -> Option<i64> {
    (a.is_ascii_digit() && b.is_ascii_digit()).then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::unix_seconds;

    #[test]
    fn parses_api_server_timestamps() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2021-01-21T01:08:25Z"), Some(1_611_191_305));
        assert_eq!(unix_seconds("2021-01-21T01:08:25.123456Z"), Some(1_611_191_305));
        assert_eq!(unix_seconds("2021-01-21T02:08:25+01:00"), Some(1_611_191_305));
        assert_eq!(unix_seconds("2000-02-29T12:00:00Z"), Some(951_825_600));
    }

    #[test]
    fn rejects_other_text() {
        assert_eq!(unix_seconds(""), None);
        assert_eq!(unix_seconds("2021-01-21"), None);
        assert_eq!(unix_seconds("2021-13-21T01:08:25Z"), None);
        assert_eq!(unix_seconds("2021-01-21T01:08:25"), None);
        assert_eq!(unix_seconds("2021-01-21T01:08:25."), None);
        assert_eq!(unix_seconds("+021-01-21T01:08:25Z"), None);
        assert_eq!(unix_seconds("2021-01-21T01:08:2€Z"), None);
        assert_eq!(unix_seconds("2021-01-21T01:08:25.5€"), None);
    }
}
