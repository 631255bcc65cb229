//! The PHP binding (`bindings/php/`) against the real library, through the `php` CLI with
//! the FFI extension.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use zweck::KeyRing;

const PHP_HINT: &str =
    "install PHP 8.1+ with FFI: `apt-get install -y php-cli` (Debian's PHP has FFI built in)";

/// Fails with an install hint unless `php` runs and has the FFI extension.
fn require_php_with_ffi() {
    support::require_tool("php", PHP_HINT);
    let has_ffi = support::run_command(Command::new("php").args([
        "-d",
        "ffi.enable=1",
        "-r",
        "exit(extension_loaded('ffi') ? 0 : 1);",
    ]));
    assert!(has_ffi.status.success(), "php has no FFI extension; {PHP_HINT}");
}

/// Runs `tests/php/basics_test.php` against `library`, with extra environment variables.
fn run_php_basics(library: &support::Library, env: &[(&str, &str)]) {
    require_php_with_ffi();
    let script = support::manifest_dir().join("tests/php/basics_test.php");
    let mut command = Command::new("php");
    command
        .args(["-d", "ffi.enable=1", "-d", "display_errors=stderr"])
        .arg(&script)
        .arg(env!("CARGO_PKG_VERSION"))
        .env("ZWECK_LIB", library.shared());
    for (key, value) in env {
        command.env(key, value);
    }
    let output = support::run_command(&mut command);
    support::assert_success(&output, "tests/php/basics_test.php");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(" passed, 0 failed"), "{}", support::describe(&output));
}

#[test]
fn php_binding_loads_the_library_and_reports_statuses() {
    run_php_basics(support::library(), &[]);
}

#[test]
fn a_panic_reaches_php_as_an_exception_and_the_worker_survives() {
    run_php_basics(support::panic_library(), &[("ZWECK_TEST_PANIC", "1")]);
}

/// The php-fpm deployment: `ffi.preload` reads zweck_php.h once, its `FFI_SCOPE` / `FFI_LIB` lines
/// name the scope and the library (found through the dynamic linker's path, as `libzweck.so`), and
/// `Zweck::preloaded()` uses that scope without parsing the header per request.
#[test]
fn php_header_preloads_by_its_ffi_scope_and_library_name() {
    require_php_with_ffi();
    let library = support::library();
    let header = support::include_dir().join("zweck_php.h");
    let binding = support::manifest_dir().join("bindings/php/autoload.php");
    let output = support::run_command(
        Command::new("php")
            .arg("-d")
            .arg(format!("ffi.preload={}", header.display()))
            .args(["-d", "ffi.enable=preload", "-d", "display_errors=stderr", "-r"])
            .arg(format!("require '{}'; echo \\Zweck\\Zweck::preloaded()->version();", binding.display()))
            .env("LD_LIBRARY_PATH", &library.link_dir),
    );
    support::assert_success(&output, "php with ffi.preload");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        env!("CARGO_PKG_VERSION"),
        "{}",
        support::describe(&output)
    );
}

/// A `php` command with FFI enabled and errors on stderr.
fn php() -> Command {
    require_php_with_ffi();
    let mut command = Command::new("php");
    command.args(["-d", "ffi.enable=1", "-d", "display_errors=stderr"]);
    command
}

/// Runs a PHP script that prints "N passed, M failed" and checks that nothing failed; returns stdout.
fn assert_php_checks_pass(mut command: Command, what: &str) -> String {
    let output = support::run_command(&mut command);
    support::assert_success(&output, what);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(stdout.contains(" passed, 0 failed"), "{}", support::describe(&output));
    stdout
}

/// Every method of `Zweck\Engine`, its failure paths, and the pseudonym contract across languages:
/// the Rust side computes the token for a key, domain and value with zweck itself and the PHP side
/// must get exactly that token through the C library.
#[test]
fn php_engine_api_passes_its_checks_and_matches_rust_tokens() {
    let key = *b"rust, C and PHP share this key!!";
    let (domain, value) = ("analytics", "J\u{fc}rgen M\u{fc}ller <jm@example.com>");
    let keys = KeyRing::new(1, &key).unwrap_or_else(|e| panic!("test key: {e}"));
    let token = keys.domain_key(domain).pseudonymise(value.as_bytes());
    let key_hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let dir = support::scratch_dir("php-api");

    let mut command = php();
    command
        .args(["-d", "zend.exception_ignore_args=0"])
        .arg(support::manifest_dir().join("tests/php/api_test.php"))
        .arg(env!("CARGO_PKG_VERSION"))
        .env("ZWECK_LIB", support::library().shared())
        .env("ZWECK_TEST_DIR", &dir)
        .env("ZWECK_TEST_KEY_HEX", key_hex)
        .env("ZWECK_TEST_DOMAIN", domain)
        .env("ZWECK_TEST_VALUE", value)
        .env("ZWECK_TEST_TOKEN", &token);
    let stdout = assert_php_checks_pass(command, "tests/php/api_test.php");
    let passed: usize = stdout.split(" passed").next().and_then(|n| n.trim().parse().ok()).unwrap_or(0);
    assert!(passed >= 180, "api_test.php ran only {passed} checks:\n{stdout}");
}

/// `examples/php/shop.php` tells the same story as `examples/shop.rs`, with the same tokens.
#[test]
fn php_shop_example_shows_each_purpose_side_by_side_then_exports_and_forgets() {
    let mut command = php();
    command
        .arg(support::manifest_dir().join("examples/php/shop.php"))
        .env("ZWECK_LIB", support::library().shared());
    let output = support::run_command(&mut command);
    support::assert_success(&output, "examples/php/shop.php");
    let out = String::from_utf8_lossy(&output.stdout);
    let row = |section: &str, field: &str| -> String {
        let start = out.find(section).unwrap_or_else(|| panic!("section {section:?} missing:\n{out}"));
        out[start..]
            .lines()
            .find(|l| l.trim_start().starts_with(field))
            .unwrap_or_else(|| panic!("row {field} missing in {section}:\n{out}"))
            .to_string()
    };
    let (before, after) = ("What each purpose sees", "After the customer unsubscribed");
    assert!(row(before, "street").contains("Oranienstraße 12"), "{out}");
    assert!(row(before, "ip_address").contains("203.0.113.0/24"));
    assert!(row(before, "card_number").contains("****4242"));
    assert_eq!(row(before, "loyalty_notes").matches("unknown_field").count(), 6);
    assert_eq!(row(before, "name").matches("Jane Doe").count(), 3);
    assert!(row(after, "email").contains("consent_withdrawn"));
    assert!(row(after, "dietary_needs").contains("lactose-free"));
    let keys =
        KeyRing::new(1, b"zweck demo key - never use in production!").unwrap_or_else(|e| panic!("{e}"));
    let token = keys.domain_key("analytics").pseudonymise(b"c-1042");
    assert!(row(before, "customer_id").contains(&token[..20]), "{token}\n{out}");
    assert!(out.contains("withdraw marketing.email") && out.contains("(explicit)"), "{out}");
    assert!(out.contains("Export for c-1042:") && out.contains("done: true"), "{out}");
    assert!(out.contains("retained street") && out.contains("deny (subject_erased)"), "{out}");
    assert!(out.contains("a new consent for c-1042: SUBJECT_ERASED"), "{out}");
}

/// The `-d` settings of `examples/php/fpm/php.ini`, with this checkout's paths.
fn preload_settings(command: &mut Command) {
    let preload = support::manifest_dir().join("examples/php/fpm/preload.php");
    let user = std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "root".to_string());
    command
        .args(["-d", "ffi.enable=preload", "-d", "opcache.enable=1", "-d", "opcache.enable_cli=1"])
        .arg("-d")
        .arg(format!("ffi.preload={}", support::include_dir().join("zweck_php.h").display()))
        .arg("-d")
        .arg(format!("opcache.preload={}", preload.display()))
        .arg("-d")
        .arg(format!("opcache.preload_user={user}"))
        .args(["-d", "display_errors=stderr"])
        .env("LD_LIBRARY_PATH", &support::library().link_dir);
}

/// The php-fpm example on the CLI: preload.php compiles the classes, ffi.preload the header, and
/// request.php uses them without a require.
#[test]
fn php_fpm_preload_example_runs_with_preloaded_classes_and_header() {
    require_php_with_ffi();
    let mut command = Command::new("php");
    preload_settings(&mut command);
    command.arg(support::manifest_dir().join("examples/php/fpm/request.php"));
    let output = support::run_command(&mut command);
    support::assert_success(&output, "examples/php/fpm/request.php");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("classes preloaded: yes"), "{}", support::describe(&output));
    assert!(out.contains("marketing.email: []"), "{out}");
    assert!(out.contains(r#""postcode":"109**""#), "{out}");
}

/// A running `php -S` server, stopped when dropped.
struct PhpServer {
    child: Child,
    port: u16,
}

impl Drop for PhpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl PhpServer {
    /// Starts `php -S` with the preload settings and `router`, and waits until it says it listens.
    fn start(router: &Path) -> PhpServer {
        // A free port: bind, read it, release it for php.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        let mut command = Command::new("php");
        preload_settings(&mut command);
        command.arg("-S").arg(format!("127.0.0.1:{port}")).arg(router);
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start php -S: {e}"));
        let stderr = child.stderr.take().unwrap_or_else(|| panic!("php -S has no stderr"));
        let mut server = PhpServer { child, port };
        let mut lines = BufReader::new(stderr).lines();
        let mut seen = String::new();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.contains("started") => break,
                Some(Ok(line)) => seen.push_str(&line),
                _ => {
                    let _ = server.child.wait();
                    panic!("php -S exited before it listened:\n{seen}");
                }
            }
        }
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        server
    }

    /// GETs `path` and returns the whole response.
    fn get(&self, path: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))
            .unwrap_or_else(|e| panic!("cannot connect to php -S: {e}"));
        // One write: the built-in server can drop a request whose head arrives in several pieces.
        let request = format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap_or_else(|e| panic!("{e}"));
        response
    }
}

/// Under a SAPI other than the CLI, `ffi.enable=preload` allows FFI only in preloaded code, as
/// under php-fpm. The built-in server (`php -S`, SAPI cli-server) enforces it too: request code
/// that calls FFI itself is refused, and the preloaded zweck classes still work.
#[test]
fn php_fpm_preload_example_works_where_ffi_is_restricted_to_preloaded_code() {
    require_php_with_ffi();
    let server = PhpServer::start(&support::manifest_dir().join("tests/php/fpm_router.php"));
    let restricted = server.get("/restricted");
    assert!(restricted.contains("restricted: FFI API is restricted"), "{restricted}");
    let response = server.get("/request");
    assert!(response.contains("classes preloaded: yes"), "{response}");
    assert!(response.contains(r#""postcode":"109**""#), "{response}");
}
