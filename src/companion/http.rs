//! Plain HTTP/1.1 over tokio, as much as the companion needs: GET and PUT of small JSON bodies to
//! rivven-schema and rivvend's `/health` (both plain HTTP in 0.0.22: neither has TLS), and a server
//! answering GETs for `/metrics`, `/healthz` and `/readyz`.
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The most a response may hold (registry answers are a few hundred bytes).
const MAX_RESPONSE: usize = 1 << 20;

/// A response: status code and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// e.g. 200.
    pub status: u16,
    /// The body (de-chunked).
    pub body: String,
}

/// One request to `http://{address}{path}` (`address` is `host:port`), with a deadline.
pub async fn request(method: &str, address: &str, path: &str, body: Option<&str>, timeout: Duration) -> Result<Response, String> {
    let exchange = async {
        let mut stream = TcpStream::connect(address).await.map_err(|e| format!("connecting to {address}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nAccept: application/json\r\n");
        if let Some(body) = body {
            head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        head.push_str(body.unwrap_or(""));
        stream.write_all(head.as_bytes()).await.map_err(|e| format!("writing to {address}: {e}"))?;
        let mut raw = Vec::new();
        stream.take(MAX_RESPONSE as u64 + 1).read_to_end(&mut raw).await.map_err(|e| format!("reading from {address}: {e}"))?;
        if raw.len() > MAX_RESPONSE {
            return Err(format!("{address}{path} answered more than {MAX_RESPONSE} bytes"));
        }
        parse(&raw).ok_or_else(|| format!("{address}{path} answered something that is not HTTP"))
    };
    tokio::time::timeout(timeout, exchange).await.map_err(|_| format!("{method} http://{address}{path} took longer than {}s", timeout.as_secs()))?
}

/// Reads a whole HTTP/1.1 response (fixed length, chunked, or up to the end).
fn parse(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned())).collect();
    let rest = &raw[split + 4..];
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        let mut body = Vec::new();
        let mut at = rest;
        loop {
            let end = at.windows(2).position(|w| w == b"\r\n")?;
            let size = usize::from_str_radix(std::str::from_utf8(&at[..end]).ok()?.split(';').next()?.trim(), 16).ok()?;
            at = &at[end + 2..];
            if size == 0 {
                break;
            }
            body.extend_from_slice(at.get(..size)?);
            at = at.get(size + 2..)?;
        }
        body
    } else {
        match headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse::<usize>().ok()) {
            Some(length) => rest.get(..length)?.to_vec(),
            None => rest.to_vec(),
        }
    };
    Some(Response { status, body: String::from_utf8_lossy(&body).into_owned() })
}

/// What a server answers for a path: (status, content type, body).
pub type Answer = std::sync::Arc<dyn Fn(&str) -> (u16, &'static str, String) + Send + Sync>;

/// Serves GETs with `answer(path)` until the process ends. One task per connection; requests
/// other than GET get 405.
pub async fn serve(listener: TcpListener, answer: Answer) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let answer = answer.clone();
        tokio::spawn(async move {
            let mut buffer = vec![0u8; 8192];
            let mut filled = 0;
            let read = tokio::time::timeout(Duration::from_secs(5), async {
                while filled < buffer.len() {
                    let n = stream.read(&mut buffer[filled..]).await.ok()?;
                    if n == 0 {
                        return None;
                    }
                    filled += n;
                    if buffer[..filled].windows(4).any(|w| w == b"\r\n\r\n") {
                        return Some(());
                    }
                }
                None
            });
            if read.await.ok().flatten().is_none() {
                return;
            }
            let request = String::from_utf8_lossy(&buffer[..filled]);
            let mut first = request.lines().next().unwrap_or("").split(' ');
            let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or("/"));
            let path = target.split('?').next().unwrap_or("/");
            let (status, content_type, body) = if method == "GET" { answer(path) } else { (405, "text/plain", "only GET\n".to_owned()) };
            let reason = match status {
                200 => "OK",
                404 => "Not Found",
                405 => "Method Not Allowed",
                _ => "Service Unavailable",
            };
            let response = format!("HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_are_read_whatever_their_framing() {
        type Row<'a> = (&'a [u8], Option<(u16, &'a str)>);
        let table: [Row; 5] = [
            (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}trailing", Some((200, "{}"))),
            (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n", Some((200, "{\"a\":1}"))),
            (b"HTTP/1.1 503 Service Unavailable\r\n\r\ndown", Some((503, "down"))),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", None),
            (b"garbage", None),
        ];
        for (raw, want) in table {
            let got = parse(raw).map(|r| (r.status, r.body));
            assert_eq!(got.as_ref().map(|(s, b)| (*s, b.as_str())), want, "{}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn the_server_answers_gets_and_refuses_the_rest() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap().to_string();
            tokio::spawn(serve(listener, std::sync::Arc::new(|path: &str| if path == "/healthz" { (200, "text/plain", "ok\n".to_owned()) } else { (404, "text/plain", String::new()) })));
            let get = request("GET", &address, "/healthz?verbose", None, Duration::from_secs(5)).await.unwrap();
            assert_eq!((get.status, get.body.as_str()), (200, "ok\n"));
            assert_eq!(request("GET", &address, "/nope", None, Duration::from_secs(5)).await.unwrap().status, 404);
            assert_eq!(request("PUT", &address, "/healthz", Some("{}"), Duration::from_secs(5)).await.unwrap().status, 405);
        });
    }
}
