//! Reading a captured request's headers, as `curl -v`, a proxy log or a browser shows
//! them.

/// The `Name: value` lines of `text`.
///
/// Skipped: blank lines, the request line (`POST /hook HTTP/1.1`), curl's `*` lines
/// and `} [236 bytes data]` markers; curl's `> ` prefixes are removed. Reading stops at a status
/// line (`HTTP/1.1 200 OK`): what follows is the response. Values keep their bytes;
/// whitespace around them is removed.
pub fn parse_headers(text: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut headers = Vec::new();
    for (index, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = line
            .strip_prefix(b"> ")
            .or_else(|| line.strip_prefix(b"< "))
            .unwrap_or(line);
        let trimmed = line.trim_ascii();
        if trimmed.starts_with(b"HTTP/") {
            break;
        }
        if trimmed.is_empty()
            || trimmed == b">"
            || trimmed == b"<"
            || trimmed.starts_with(b"*")
            || trimmed.starts_with(b"{ [")
            || trimmed.starts_with(b"} [")
            || is_start_line(trimmed)
        {
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Err(format!(
                "line {} is not a `Name: value` header line",
                index + 1
            ));
        };
        let name = std::str::from_utf8(line[..colon].trim_ascii())
            .ok()
            .filter(|name| is_token(name))
            .ok_or_else(|| format!("line {} has no valid header name", index + 1))?;
        headers.push((name.to_owned(), line[colon + 1..].trim_ascii().to_vec()));
    }
    Ok(headers)
}

/// A request line: `METHOD target HTTP/x`.
fn is_start_line(line: &[u8]) -> bool {
    line.first().is_some_and(u8::is_ascii_uppercase)
        && line.windows(6).any(|window| window == b" HTTP/")
}

fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_verbose_output() {
        let text = b"* Connected to 127.0.0.1\r\n> POST /webhooks/github HTTP/1.1\r\n> Host: 127.0.0.1:3000\r\n> X-Hub-Signature-256: sha256=ab \r\n>\r\n< HTTP/1.1 401 Unauthorized\r\n< Content-Length: 0\r\n";
        let headers = parse_headers(text).unwrap();
        assert_eq!(
            headers,
            [
                ("Host".to_owned(), b"127.0.0.1:3000".to_vec()),
                ("X-Hub-Signature-256".to_owned(), b"sha256=ab".to_vec()),
            ]
        );
    }

    #[test]
    fn values_may_hold_colons_and_names_must_be_tokens() {
        let headers = parse_headers(b"Stripe-Signature: t=1,v1=a:b\n").unwrap();
        assert_eq!(headers[0].1, b"t=1,v1=a:b");
        assert_eq!(
            parse_headers(b"no colon here\n").unwrap_err(),
            "line 1 is not a `Name: value` header line"
        );
        assert_eq!(
            parse_headers(b"Bad Name: x\n").unwrap_err(),
            "line 1 has no valid header name"
        );
    }
}
