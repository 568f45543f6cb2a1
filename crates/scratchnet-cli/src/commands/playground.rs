//! `scratchnet playground`: serves the playground (the static site in `docs/playground/`,
//! embedded in the binary, so it runs from anywhere) on 127.0.0.1 with a small HTTP server:
//! GET and HEAD of the embedded files, each with its content type, nothing else.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::cli::PlaygroundArgs;

/// The site: path, content type, bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "/index.html",
        "text/html; charset=utf-8",
        include_bytes!("../../../../docs/playground/index.html"),
    ),
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../../docs/playground/app.js"),
    ),
    (
        "/worker.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../../docs/playground/worker.js"),
    ),
    (
        "/engine.mjs",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../../docs/playground/engine.mjs"),
    ),
    (
        "/style.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../../docs/playground/style.css"),
    ),
    (
        "/planar_flower.csv",
        "text/csv; charset=utf-8",
        include_bytes!("../../../../docs/playground/planar_flower.csv"),
    ),
    (
        "/scratchnet.wasm",
        "application/wasm",
        include_bytes!("../../../../docs/playground/scratchnet.wasm"),
    ),
];

/// Longest request head read (a browser's is well under 2 KB).
const MAX_HEAD: usize = 16 * 1024;

/// `scratchnet playground`.
pub fn playground(args: &PlaygroundArgs) -> Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    let port = listener.local_addr()?.port();
    let url = format!("http://127.0.0.1:{port}/");
    println!("scratchnet playground: {url}  (Ctrl-C stops it)");
    std::io::stdout().flush()?;
    if args.open {
        open_browser(&url);
    }
    for stream in listener.incoming() {
        match stream {
            Ok(s) => {
                std::thread::spawn(move || {
                    // a client that goes away mid-request is its own business
                    let _ = serve(s);
                });
            }
            Err(e) => eprintln!("warning: a connection failed: {e}"),
        }
    }
    Ok(())
}

/// Answers one request and closes the connection.
fn serve(stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?).take(MAX_HEAD as u64);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // the rest of the head, up to the blank line
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, kind, body) = respond(method, target);
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        out.write_all(body)?;
    }
    out.flush()
}

/// The status line's code and text, the content type and the body for one request.
pub fn respond(method: &str, target: &str) -> (&'static str, &'static str, &'static [u8]) {
    const TEXT: &str = "text/plain; charset=utf-8";
    if method != "GET" && method != "HEAD" {
        return ("405 Method Not Allowed", TEXT, b"only GET and HEAD\n");
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    let path = if path == "/" { "/index.html" } else { path };
    match FILES.iter().find(|(p, _, _)| *p == path) {
        Some((_, kind, body)) => ("200 OK", kind, body),
        None => ("404 Not Found", TEXT, b"not found\n"),
    }
}

/// Starts the system's browser on `url`; a warning when there is none.
fn open_browser(url: &str) {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let started = std::process::Command::new(program)
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = started {
        eprintln!("warning: --open: cannot start {program} ({e}); open {url} yourself");
    }
}
