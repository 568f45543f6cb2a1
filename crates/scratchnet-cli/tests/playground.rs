//! `scratchnet playground`: the real binary serves the embedded site on 127.0.0.1 (`--port 0`
//! picks a port and prints it), each file with its content type; a busy port is one line and
//! exit 2. (The page itself is tested in a browser: playground/tests/browser.mjs.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};

/// The server, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scratchnet"))
        .args(["playground", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let port = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    Server { child, port }
}

/// (status line, headers, body) of one request.
fn get(port: u16, request: &str) -> (String, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let (status, headers) = head.split_once("\r\n").unwrap();
    (status.into(), headers.into(), raw[split + 4..].to_vec())
}

fn site(name: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/playground/").to_string() + name)
        .unwrap()
}

#[test]
fn serves_the_site_with_content_types() {
    let server = start();
    let cases = [
        ("/", "index.html", "text/html; charset=utf-8"),
        (
            "/index.html?data=moons&epoch=5",
            "index.html",
            "text/html; charset=utf-8",
        ),
        ("/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/worker.js", "worker.js", "text/javascript; charset=utf-8"),
        (
            "/engine.mjs",
            "engine.mjs",
            "text/javascript; charset=utf-8",
        ),
        ("/style.css", "style.css", "text/css; charset=utf-8"),
        ("/scratchnet.wasm", "scratchnet.wasm", "application/wasm"),
        (
            "/planar_flower.csv",
            "planar_flower.csv",
            "text/csv; charset=utf-8",
        ),
    ];
    for (path, file, kind) in cases {
        let (status, headers, body) = get(
            server.port,
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"),
        );
        assert_eq!(status, "HTTP/1.1 200 OK", "{path}");
        assert!(
            headers.contains(&format!("Content-Type: {kind}")),
            "{path}: {headers}"
        );
        assert_eq!(body, site(file), "{path}");
    }
    let (status, headers, body) = get(server.port, "HEAD /scratchnet.wasm HTTP/1.1\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(headers.contains(&format!(
        "Content-Length: {}",
        site("scratchnet.wasm").len()
    )));
    assert!(body.is_empty());
    let (status, _, _) = get(server.port, "GET /../Cargo.toml HTTP/1.1\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    let (status, _, _) = get(server.port, "POST / HTTP/1.1\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
    let (status, _, _) = get(server.port, "garbage\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
}

#[test]
fn a_busy_port_is_one_line_and_exit_2() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = Command::new(env!("CARGO_BIN_EXE_scratchnet"))
        .args(["playground", "--port", &port.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!("error: cannot listen on 127.0.0.1:{port}: ")),
        "{err}"
    );
}
