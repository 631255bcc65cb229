//! Decodes TCF v2 consent strings (TC strings) and prints one compact JSON object per string.
//!
//! ```text
//! cargo run --example tcf_decode -- COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA
//! cat strings.txt | cargo run --example tcf_decode
//! ```
//!
//! With arguments, each argument is one string; without, each non-empty line of stdin is (surrounding
//! whitespace trimmed). A string that cannot be decoded prints `{"error": "..."}` and the run goes on;
//! the exit status is 1 if any string failed, else 0. The object's fields are those of
//! `TcString::to_json`.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use zweck::consent::tcf::TcString;

/// Refuse to expand strings that list more vendor ids than this in total: a few kilobytes of hostile
/// input can otherwise name millions of restricted vendors and produce gigabytes of JSON.
const MAX_LISTED_IDS: usize = 1 << 20;

/// The output line for one string, and whether it decoded.
fn render(input: &str) -> (serde_json::Value, bool) {
    match TcString::decode(input) {
        Ok(tc) if tc.listed_ids() > MAX_LISTED_IDS => {
            let message = format!(
                "the string lists {} vendor ids, more than this tool expands ({MAX_LISTED_IDS})",
                tc.listed_ids()
            );
            (serde_json::json!({ "error": message }), false)
        }
        Ok(tc) => (tc.to_json(), true),
        Err(e) => (serde_json::json!({ "error": e.to_string() }), false),
    }
}

fn run(inputs: impl Iterator<Item = io::Result<String>>) -> io::Result<bool> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut all_ok = true;
    for input in inputs {
        let input = input?;
        let (line, ok) = render(&input);
        all_ok &= ok;
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(all_ok)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.is_empty() {
        let lines = io::stdin().lock().lines().filter_map(|line| match line {
            Ok(l) if l.trim().is_empty() => None,
            Ok(l) => Some(Ok(l.trim().to_string())),
            Err(e) => Some(Err(e)),
        });
        run(lines)
    } else {
        run(args.into_iter().map(Ok))
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("tcf_decode: {e}");
            ExitCode::from(2)
        }
    }
}
