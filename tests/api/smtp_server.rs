//! A tiny in-process SMTP server, so tests see mail really travel over a socket through lettre's
//! SMTP transport (`smtp_security = "none"`, `smtp_host = "127.0.0.1"`, `smtp_port = port`)
//! instead of trusting a mock.
//!
//! It speaks just enough RFC 5321 for lettre: no STARTTLS or AUTH is advertised, so lettre
//! neither upgrades nor authenticates; every sender and recipient is accepted, except
//! recipients at [`NO_SUCH_MAILBOX`]'s domain, refused for good (`550`) as a real relay refuses
//! an unknown mailbox. It runs as tasks on
//! the test's own runtime (`#[actix_web::test]` is a current-thread tokio runtime, where
//! `tokio::spawn` works) and disappears with it.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Recipients in this domain are refused with `550 5.1.1` (permanently).
pub const NO_SUCH_MAILBOX: &str = "@nowhere.example.kz";

/// A mailer sending to `127.0.0.1:port` over plain SMTP, as the worker's would.
pub fn smtp_mailer(port: u16) -> qorgau_api::mail::Mailer {
    let mut config = crate::common::test_config("unused");
    config.smtp_host = "127.0.0.1".into();
    config.smtp_port = port;
    config.smtp_security = qorgau_api::config::SmtpSecurity::None;
    qorgau_api::mail::Mailer::from_config(&config).expect("a plain SMTP mailer")
}

/// A running server; point the mailer at `127.0.0.1:port`.
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
}

/// One accepted message, as it came over the wire.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`), without angle brackets.
    pub from: String,
    /// The envelope recipients (`RCPT TO`), without angle brackets.
    pub to: Vec<String>,
    /// The raw message (headers and encoded body), CRLF line endings, dot-stuffing undone, without
    /// the terminating `.` line. Non-ASCII headers are RFC 2047-encoded and lettre's bodies are
    /// quoted-printable, so assert on [`ReceivedMail::subject`] and [`ReceivedMail::text`]
    /// rather than searching this for Kazakh or Russian words.
    pub data: String,
}

/// Binds 127.0.0.1 on a free port and serves until the test's runtime shuts down.
pub async fn start() -> SmtpServer {
    listen(|stream, store| async move { serve(stream, store).await }).await
}

/// Binds 127.0.0.1 on a free port and hands each connection, with the store of what arrived,
/// to `session` on a task of its own.
async fn listen<F, Fut>(session: F) -> SmtpServer
where
    F: Fn(tokio::net::TcpStream, Arc<Mutex<Vec<ReceivedMail>>>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the test SMTP server");
    let port = listener.local_addr().expect("local address").port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = Arc::clone(&received);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(session(stream, Arc::clone(&store)));
        }
    });
    SmtpServer { port, received }
}

/// [`start`] over implicit TLS (`smtp_security = "tls"`), with the certificate of `localhost`
/// in `tests/api/fixtures/smtp-tls/` (`server.pem`, its key `server.key`), issued by the
/// private test CA `ca.pem`, which no public trust store holds.
pub async fn start_tls() -> SmtpServer {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/fixtures/smtp-tls");
    let certs = CertificateDer::pem_file_iter(format!("{dir}/server.pem"))
        .expect("server.pem")
        .collect::<Result<Vec<_>, _>>()
        .expect("certificates");
    let key = PrivateKeyDer::from_pem_file(format!("{dir}/server.key")).expect("server.key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("the server's certificate");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    listen(move |stream, store| {
        let acceptor = acceptor.clone();
        async move {
            // A client that does not trust the certificate ends the handshake: no session.
            if let Ok(tls) = acceptor.accept(stream).await {
                serve(tls, store).await;
            }
        }
    })
    .await
}

impl SmtpServer {
    /// Everything accepted so far, in order of arrival.
    pub fn received(&self) -> Vec<ReceivedMail> {
        lock(&self.received).clone()
    }

    /// Waits, polling every 20 ms, until at least `count` messages have arrived or `timeout`
    /// has passed, and returns what is there (so the caller's assertion shows what did arrive).
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let mails = self.received();
            if mails.len() >= count || Instant::now() >= deadline {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl ReceivedMail {
    /// The first header called `name` (case-insensitive), continuation lines unfolded, still
    /// encoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let mut value: Option<String> = None;
        for line in self.data.split("\r\n") {
            if line.is_empty() {
                break; // end of the header section
            }
            if let Some(v) = &mut value {
                if line.starts_with([' ', '\t']) {
                    v.push_str(line);
                    continue;
                }
                break;
            }
            match line.split_once(':') {
                Some((field, rest)) if field.eq_ignore_ascii_case(name) => {
                    value = Some(rest.trim_start().to_string());
                }
                _ => {}
            }
        }
        value
    }

    /// The `Subject` header decoded from RFC 2047 (`=?utf-8?b?…?=` / `=?utf-8?q?…?=` words).
    pub fn subject(&self) -> Option<String> {
        self.header("Subject").map(|s| decode_words(&s))
    }

    /// The body decoded according to its `Content-Transfer-Encoding` (quoted-printable, base64
    /// or none), with CRLF turned back into `\n`.
    pub fn text(&self) -> String {
        let body = self
            .data
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body);
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = match encoding.trim() {
            "quoted-printable" => decode_quoted_printable(body),
            "base64" => decode_base64(body),
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
    }
}

fn lock(received: &Mutex<Vec<ReceivedMail>>) -> MutexGuard<'_, Vec<ReceivedMail>> {
    // A panicking test thread must not hide the mail from the others.
    received
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One SMTP session. Any I/O error simply ends it: the client sees a dropped connection, which
/// is what a test about failures wants anyway.
async fn serve<S: AsyncRead + AsyncWrite>(stream: S, store: Arc<Mutex<Vec<ReceivedMail>>>) {
    let (read, mut write) = tokio::io::split(stream);
    let mut reader = BufReader::new(read);
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    if write
        .write_all(b"220 localhost Qorgau test SMTP ready\r\n")
        .await
        .is_err()
    {
        return;
    }
    loop {
        let Some(line) = read_line(&mut reader).await else {
            return;
        };
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-localhost greets you\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n",
            "HELO" => b"250 localhost\r\n",
            "MAIL" => match address_after(&line, "MAIL FROM:") {
                Some(address) => {
                    from = Some(address);
                    to.clear();
                    b"250 OK\r\n"
                }
                None => b"501 Syntax: MAIL FROM:<address>\r\n",
            },
            "RCPT" => match (&from, address_after(&line, "RCPT TO:")) {
                (None, _) => b"503 MAIL first\r\n",
                (Some(_), Some(address)) if address.ends_with(NO_SUCH_MAILBOX) => {
                    b"550 5.1.1 No such mailbox\r\n"
                }
                (Some(_), Some(address)) => {
                    to.push(address);
                    b"250 OK\r\n"
                }
                (Some(_), None) => b"501 Syntax: RCPT TO:<address>\r\n",
            },
            "DATA" if from.is_none() || to.is_empty() => b"503 MAIL and RCPT first\r\n",
            "DATA" => {
                if write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let Some(data) = read_data(&mut reader).await else {
                    return;
                };
                lock(&store).push(ReceivedMail {
                    from: from.take().unwrap_or_default(),
                    to: std::mem::take(&mut to),
                    data,
                });
                b"250 OK queued\r\n"
            }
            "RSET" => {
                from = None;
                to.clear();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                let _ = write.write_all(b"221 Bye\r\n").await;
                let _ = write.shutdown().await;
                return;
            }
            _ => b"502 Command not implemented\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// One line without its CRLF (or bare LF); `None` at end of stream or on error.
async fn read_line<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> Option<String> {
    let mut buf = Vec::new();
    match reader.read_until(b'\n', &mut buf).await {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                buf.pop();
            }
            Some(String::from_utf8_lossy(&buf).into_owned())
        }
    }
}

/// The message after `DATA`, up to the lone `.` line, with the leading dot of dot-stuffed lines
/// removed (RFC 5321 §4.5.2).
async fn read_data<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> Option<String> {
    let mut data = String::new();
    loop {
        let line = read_line(reader).await?;
        if line == "." {
            return Some(data);
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
        data.push_str("\r\n");
    }
}

/// `MAIL FROM:<a@b> SIZE=…` → `a@b` (prefix matched case-insensitively; `<>` allowed).
fn address_after(line: &str, prefix: &str) -> Option<String> {
    let head = line.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = line[prefix.len()..].trim_start();
    let address = match rest.strip_prefix('<') {
        Some(inner) => inner.split_once('>')?.0,
        None => rest.split_whitespace().next()?,
    };
    Some(address.to_string())
}

/// Decodes RFC 2047 encoded words. Whitespace between two encoded words is dropped, as the RFC
/// says, other words are kept; bytes are joined before UTF-8 decoding because an encoder may
/// split a character across two words.
fn decode_words(value: &str) -> String {
    let mut out: Vec<u8> = Vec::new();
    let mut previous_encoded = false;
    for (i, word) in value.split_whitespace().enumerate() {
        let decoded = word
            .strip_prefix("=?")
            .and_then(|w| w.strip_suffix("?="))
            .and_then(|w| {
                let mut parts = w.splitn(3, '?');
                let _charset = parts.next()?;
                let encoding = parts.next()?.to_ascii_lowercase();
                let text = parts.next()?;
                match encoding.as_str() {
                    "b" => Some(decode_base64(text)),
                    "q" => Some(decode_quoted_printable(&text.replace('_', " "))),
                    _ => None,
                }
            });
        let encoded = decoded.is_some();
        if i > 0 && !(encoded && previous_encoded) {
            out.push(b' ');
        }
        match decoded {
            Some(bytes) => out.extend_from_slice(&bytes),
            None => out.extend_from_slice(word.as_bytes()),
        }
        previous_encoded = encoded;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Quoted-printable (RFC 2045 §6.7): `=XX` bytes and `=` soft line breaks.
fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if bytes[i + 1..].starts_with(b"\n") {
                i += 2;
                continue;
            }
            let hex = text
                .get(i + 1..i + 3)
                .map(|hex| u8::from_str_radix(hex, 16));
            if let Some(Ok(byte)) = hex {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Standard base64, ignoring whitespace and padding (the root package has no base64 crate).
fn decode_base64(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}
