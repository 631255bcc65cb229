//! The `pseudonymise` example, run as a data team would run it, checked token by token against an
//! independent implementation of the published construction in Python's standard library
//! (`hmac`, `hashlib`): HKDF-SHA256 written out by hand, then HMAC-SHA256.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The contract, in Python, with nothing shared with the Rust code.
/// argv: key hex, version, domain, normaliser ("" for none), input file, output file.
const PYTHON_REFERENCE: &str = r#"
import hashlib, hmac, sys
key_hex, version, domain, normaliser, src, dst = sys.argv[1:7]
ikm = bytes.fromhex(key_hex)
# RFC 5869 extract and expand, L = 32 (one block).
prk = hmac.new(b"zweck/v1", ikm, hashlib.sha256).digest()
k_d = hmac.new(prk, domain.encode("utf-8") + b"\x01", hashlib.sha256).digest()
def normalise(v):
    if normaliser == "email":
        return v.strip().lower()
    if normaliser == "phone":
        s = v.lstrip()
        head = "+" if s.startswith("+") else ""
        return head + "".join(c for c in s if c in "0123456789")
    if normaliser == "text":
        return v.strip()
    return v
data = open(src, "rb").read()
lines = data.split(b"\n")
if data.endswith(b"\n"):
    lines.pop()
if data == b"":
    lines = []
with open(dst, "w") as out:
    for raw in lines:
        value = normalise(raw.decode("utf-8")).encode("utf-8")
        digest = hmac.new(k_d, value, hashlib.sha256).hexdigest()
        out.write("k%s_%s\n" % (version, digest[:32]))
"#;

/// A scratch directory removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("zweck-tool-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the example through Cargo (so it is built if needed) with `args` and `stdin`.
fn run_tool(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--manifest-path"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .args(["--example", "pseudonymise", "--"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo runs");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    // Write from another thread so a full stdout pipe cannot deadlock the test.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

fn python_tokens(
    dir: &TempDir,
    key_hex: &str,
    version: &str,
    domain: &str,
    normaliser: &str,
    input: &[u8],
) -> String {
    let src = dir.path("values.txt");
    let dst = dir.path("expected.txt");
    std::fs::write(&src, input).unwrap();
    let status = Command::new("python3")
        .arg("-c")
        .arg(PYTHON_REFERENCE)
        .args([key_hex, version, domain, normaliser])
        .arg(&src)
        .arg(&dst)
        .status()
        .expect("python3 is installed");
    assert!(status.success(), "python reference failed");
    std::fs::read_to_string(dst).unwrap()
}

/// A small deterministic generator, so failures are reproducible.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `count` newline-free values: ASCII, Latin, Greek and CJK text, tabs, carriage returns and the
/// SHA-256 padding boundaries (55, 56, 63, 64, 119, 120 bytes).
fn values(count: usize, seed: u64) -> Vec<String> {
    const PIECES: &[&str] = &[
        "a", "Z", "7", " ", "\t", "\r", "@", ".", "+", "-", "é", "Ä", "ß", "Ω", "σ", "Σ", "İ", "語", "😀",
        "Jane", "DOE", "(0)",
    ];
    let mut rng = Lcg(seed);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let target = match i % 10 {
            0 => [0, 1, 55, 56, 63, 64, 119, 120, 200, 300][rng.below(10)],
            _ => rng.below(80),
        };
        let mut v = String::new();
        while v.len() < target {
            let piece = PIECES[rng.below(PIECES.len())];
            if v.len() + piece.len() > target {
                v.push('x');
            } else {
                v.push_str(piece);
            }
        }
        out.push(v);
    }
    out
}

fn check_against_python(
    key_hex: &str,
    version: &str,
    domain: &str,
    normaliser: &str,
    count: usize,
    seed: u64,
) {
    let dir = TempDir::new(&format!("{domain}-{normaliser}-{seed}"));
    let input = values(count, seed).join("\n") + "\n";
    let mut args = vec!["--key-hex", key_hex, "--key-version", version, "--domain", domain];
    if !normaliser.is_empty() {
        args.extend(["--normaliser", normaliser]);
    }
    let output = run_tool(&args, input.as_bytes());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let got = String::from_utf8(output.stdout).unwrap();
    let want = python_tokens(&dir, key_hex, version, domain, normaliser, input.as_bytes());
    assert_eq!(got.lines().count(), count);
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "line {} differs", i + 1);
    }
    assert_eq!(got, want);
}

#[test]
fn raw_values_match_python_hmac_for_six_thousand_lines() {
    let key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    check_against_python(key, "1", "analytics", "", 6000, 1);
}

#[test]
fn email_normalised_values_match_python_with_a_64_byte_key() {
    let key: String = (0..64).map(|i| format!("{:02X}", 255 - i)).collect();
    check_against_python(&key, "7", "marketing.email", "email", 5000, 2);
}

#[test]
fn phone_and_text_normalisers_match_python() {
    let key = "42".repeat(40);
    check_against_python(&key, "3", "support", "phone", 1000, 3);
    check_against_python(&key, "4294967295", "Kundenkonto/ü", "text", 1000, 4);
}

#[test]
fn last_line_without_newline_and_empty_lines_are_values() {
    let key = "11".repeat(32);
    let dir = TempDir::new("edges");
    let input = b"a\n\n\nlast";
    let output = run_tool(&["--key-hex", &key, "--domain", "d"], input);
    assert!(output.status.success());
    let got = String::from_utf8(output.stdout).unwrap();
    assert_eq!(got.lines().count(), 4);
    assert_eq!(got, python_tokens(&dir, &key, "1", "d", "", input));
    let empty = run_tool(&["--key-hex", &key, "--domain", "d"], b"");
    assert!(empty.status.success());
    assert!(empty.stdout.is_empty());
}

#[test]
fn invalid_utf8_names_the_line_and_exits_1_after_earlier_tokens() {
    let key = "11".repeat(32);
    let output = run_tool(&["--key-hex", &key, "--domain", "d"], b"ok\nfine\nbad \xff byte\nlater\n");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 3 is not valid UTF-8"), "{stderr}");
    assert_eq!(String::from_utf8(output.stdout).unwrap().lines().count(), 2);
}

#[test]
fn bad_arguments_exit_2_with_a_message_that_never_shows_the_key() {
    let good = "ab".repeat(32);
    let short = "cd".repeat(31);
    let long = "ef".repeat(65);
    let not_hex = format!("{}zz", "12".repeat(31));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--domain", "d"], "--key-hex is required"),
        (vec!["--key-hex", &good], "--domain is required"),
        (vec!["--key-hex", &short, "--domain", "d"], "got 62 characters"),
        (vec!["--key-hex", &long, "--domain", "d"], "got 130 characters"),
        (vec!["--key-hex", &not_hex, "--domain", "d"], "only the hex digits"),
        (
            vec!["--key-hex", &good, "--domain", "d", "--key-version", "-1"],
            "--key-version must be a whole number",
        ),
        (vec!["--key-hex", &good, "--domain", "d", "--normaliser", "emial"], "did you mean \"email\""),
        (vec!["--key-hex", &good, "--domain", "d", "--colour"], "unknown argument \"--colour\""),
        (vec!["--key-hex", &good, "--domain"], "--domain needs a value"),
        (vec![&good, "--domain", "d"], "unknown argument \"a long argument\""),
    ];
    for (args, want) in cases {
        let output = run_tool(&args, b"x\n");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        for secret in [&good, &short, &long, &not_hex] {
            assert!(!stderr.contains(&secret[..16]), "key material in: {stderr}");
        }
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn equals_form_and_help_are_accepted() {
    let key = "ab".repeat(32);
    let a = run_tool(&[&format!("--key-hex={key}"), "--domain=d", "--key-version=2"], b"x\n");
    let b = run_tool(&["--key-hex", &key, "--domain", "d", "--key-version", "2"], b"x\n");
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert!(String::from_utf8_lossy(&a.stdout).starts_with("k2_"));
    let help = run_tool(&["--help"], b"");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("usage: pseudonymise"));
}

#[test]
fn input_larger_than_the_read_buffer_and_a_line_longer_than_it_stream_correctly() {
    // The tool reads 1 MiB at a time: 3 MB of lines cross several chunk boundaries, and one 1.5 MB
    // line forces the buffer to grow.
    let key = "5a".repeat(48);
    let dir = TempDir::new("large");
    let mut lines = values(30_000, 5);
    lines.insert(12_345, "L".repeat(1_500_000));
    let input = lines.join("\n");
    let output = run_tool(&["--key-hex", &key, "--domain", "bulk"], input.as_bytes());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let got = String::from_utf8(output.stdout).unwrap();
    assert_eq!(got.lines().count(), 30_001);
    assert!(got == python_tokens(&dir, &key, "1", "bulk", "", input.as_bytes()), "tokens differ from Python");
}
