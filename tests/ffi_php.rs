//! The PHP binding (`bindings/php/`) against the real library, through the `php` CLI with
//! the FFI extension.

mod support;

use std::process::Command;

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
