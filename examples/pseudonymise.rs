//! Pseudonymise values in bulk: one value per line on stdin, one token per line on stdout.
//!
//! ```text
//! cargo run --release --example pseudonymise -- \
//!     --key-hex "$(cat master.hex)" --key-version 1 --domain analytics --normaliser email \
//!     < emails.txt > tokens.txt
//! ```
//!
//! Line `n` of the output is the token of line `n` of the input, so the two files can be pasted side
//! by side. Lines are split on `\n` only; a `\r` before it is part of the value unless a normaliser
//! trims it. Exit status: 0 on success, 1 if the input cannot be read or is not UTF-8 (tokens for the
//! lines before the bad one have been written), 2 for bad arguments.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::process::ExitCode;

use zeroize::Zeroizing;
use zweck::pseudo::{DomainKey, KeyRing, Normaliser};

const USAGE: &str =
    "usage: pseudonymise --key-hex HEX --domain NAME [--key-version N] [--normaliser email|phone|text]

Reads one value per line from stdin and writes one token per line to stdout.

  --key-hex HEX        master secret as 64 to 128 hex digits (32 to 64 bytes)
  --key-version N      key version written into the tokens (default 1)
  --domain NAME        pseudonymisation domain, e.g. analytics
  --normaliser NAME    canonicalise each value first: email, phone or text";

/// Bytes read from stdin per round; a longer line grows the buffer.
const CHUNK: usize = 1 << 20;

struct Args {
    key: DomainKey,
    normaliser: Option<Normaliser>,
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("pseudonymise: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args, io::stdin().lock(), io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pseudonymise: {message}");
            ExitCode::from(1)
        }
    }
}

/// The parsed arguments, `None` for `--help`, or a message saying what is wrong (never the key).
fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut key_hex: Option<Zeroizing<String>> = None;
    let mut version: u32 = 1;
    let mut domain: Option<String> = None;
    let mut normaliser: Option<Normaliser> = None;
    while let Some(arg) = argv.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if name == "--help" || name == "-h" {
            return Ok(None);
        }
        if !matches!(name.as_str(), "--key-hex" | "--key-version" | "--domain" | "--normaliser") {
            // The key might be passed by mistake as a positional argument: do not echo long values.
            let shown = if name.len() > 40 { "a long argument" } else { name.as_str() };
            return Err(format!("unknown argument {shown:?}"));
        }
        let value = match inline.or_else(|| argv.next()) {
            Some(v) => v,
            None => return Err(format!("{name} needs a value")),
        };
        match name.as_str() {
            "--key-hex" => key_hex = Some(Zeroizing::new(value)),
            "--key-version" => {
                version = value.parse().map_err(|_| {
                    format!("--key-version must be a whole number from 0 to {}, got {value:?}", u32::MAX)
                })?
            }
            "--domain" => domain = Some(value),
            _ => normaliser = Some(value.parse().map_err(|e: zweck::Error| e.to_string())?),
        }
    }
    let key_hex = key_hex.ok_or("--key-hex is required")?;
    let domain = domain.ok_or("--domain is required")?;
    if domain.is_empty() {
        return Err("--domain must not be empty".into());
    }
    let secret = decode_hex(key_hex.trim())?;
    let ring = KeyRing::new(version, &secret).map_err(|e| e.to_string())?;
    Ok(Some(Args { key: ring.domain_key(&domain), normaliser }))
}

/// Decodes the master secret; the message says what is wrong without quoting any of it.
fn decode_hex(hex: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    if !(64..=128).contains(&hex.len()) || !hex.len().is_multiple_of(2) {
        return Err(format!(
            "--key-hex must be an even number of 64 to 128 hex digits (32 to 64 bytes), got {} characters",
            hex.chars().count()
        ));
    }
    let digit = |c: u8| -> Result<u8, String> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err("--key-hex may contain only the hex digits 0-9 and a-f".to_string()),
        }
    };
    let mut out = Zeroizing::new(Vec::with_capacity(hex.len() / 2));
    for pair in hex.as_bytes().chunks_exact(2) {
        out.push(digit(pair[0])? << 4 | digit(pair[1])?);
    }
    Ok(out)
}

/// Streams stdin to stdout in chunks of whole lines.
fn run(args: &Args, mut input: impl Read, mut output: impl Write) -> Result<(), String> {
    let mut buf = vec![0u8; CHUNK];
    let mut filled = 0;
    let mut out = Vec::new();
    let mut lines_done: u64 = 0;
    loop {
        let n = read_some(&mut input, &mut buf[filled..]).map_err(|e| format!("reading stdin: {e}"))?;
        filled += n;
        let at_end = n == 0;
        // Whole lines in the buffer; at the end, the last line may lack its newline.
        let complete = match buf[..filled].iter().rposition(|&b| b == b'\n') {
            Some(last) if !at_end => last + 1,
            _ if at_end => filled,
            _ => {
                if filled == buf.len() {
                    buf.resize(buf.len() * 2, 0);
                }
                continue;
            }
        };
        let chunk = &buf[..complete];
        let (text, bad_line) = match std::str::from_utf8(chunk) {
            Ok(text) => (text, None),
            Err(e) => {
                // Tokenise the lines before the bad one, then report it.
                let valid = &chunk[..e.valid_up_to()];
                let start_of_bad = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                let line = lines_done + valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
                // Everything before `start_of_bad` is valid UTF-8.
                (std::str::from_utf8(&chunk[..start_of_bad]).unwrap_or_default(), Some(line))
            }
        };
        let count = tokenise(args, text, &mut out)?;
        output.write_all(&out).map_err(|e| format!("writing stdout: {e}"))?;
        lines_done += count as u64;
        if let Some(line) = bad_line {
            output.flush().map_err(|e| format!("writing stdout: {e}"))?;
            return Err(format!("line {line} is not valid UTF-8; convert the input to UTF-8 first"));
        }
        if at_end {
            break;
        }
        buf.copy_within(complete..filled, 0);
        filled -= complete;
    }
    output.flush().map_err(|e| format!("writing stdout: {e}"))
}

/// Tokens for the lines of `text` (ending with `\n`, or the last line of input) into `out`;
/// returns the number of lines.
fn tokenise(args: &Args, text: &str, out: &mut Vec<u8>) -> Result<usize, String> {
    let stride = args.key.token_len() + 1;
    let count =
        text.bytes().filter(|&b| b == b'\n').count() + usize::from(!text.is_empty() && !text.ends_with('\n'));
    out.resize(count * stride, 0);
    let written = match args.normaliser {
        None => args.key.pseudonymise_packed(text.as_bytes(), out),
        Some(normaliser) => {
            let body = text.strip_suffix('\n').unwrap_or(text);
            let lines: Vec<Cow<'_, str>> = if count == 0 {
                Vec::new()
            } else {
                body.split('\n').map(|line| normaliser.apply(line)).collect()
            };
            let values: Vec<&[u8]> = lines.iter().map(|v| v.as_bytes()).collect();
            args.key.pseudonymise_batch(&values, out)
        }
    }
    .map_err(|e| e.to_string())?;
    out.truncate(written);
    Ok(count)
}

/// One `read`, retried on interruption.
fn read_some(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}
