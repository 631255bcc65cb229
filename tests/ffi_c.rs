//! The C library as a C or C++ programmer meets it: exported symbols, SONAME, the header on its own,
//! programs linked dynamically and statically, a caught panic, and an installed copy found with
//! pkg-config.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use support::{Lang, Link};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `-DZWECK_EXPECTED_VERSION="x.y.z"` for the test programs.
fn version_define() -> String {
    format!("-DZWECK_EXPECTED_VERSION=\"{VERSION}\"")
}

fn c_source(name: &str) -> std::path::PathBuf {
    support::manifest_dir().join("tests/c").join(name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Names of the defined dynamic symbols of a shared library, from `nm -D --defined-only`.
fn exported_symbols(library: &Path) -> BTreeSet<String> {
    support::require_tool("nm", "install binutils (apt-get install -y binutils)");
    let output = support::run_command(Command::new("nm").args(["-D", "--defined-only"]).arg(library));
    support::assert_success(&output, "nm -D");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().last())
        .map(|name| name.split('@').next().unwrap_or(name).to_string())
        .collect()
}

/// `NEEDED` and `SONAME` entries of an ELF file, from `readelf -d`.
fn dynamic_section(file: &Path) -> String {
    support::require_tool("readelf", "install binutils (apt-get install -y binutils)");
    let output = support::run_command(Command::new("readelf").arg("-d").arg(file));
    support::assert_success(&output, "readelf -d");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn shared_library_exports_exactly_the_functions_the_header_declares() {
    let library = support::library();
    let declared: BTreeSet<String> =
        support::declared_functions(&read(&support::include_dir().join("zweck.h"))).into_iter().collect();
    assert!(declared.contains("zweck_version"), "header parse found {declared:?}");

    let exported = exported_symbols(&library.shared());
    // Symbols the toolchain itself may export from a shared object; none is expected today.
    let allowed_runtime: BTreeSet<String> = ["_init", "_fini"].iter().map(|s| s.to_string()).collect();
    let unexpected: Vec<_> =
        exported.difference(&declared).filter(|s| !allowed_runtime.contains(*s)).collect();
    let missing: Vec<_> = declared.difference(&exported).collect();
    assert!(unexpected.is_empty(), "libzweck.so exports symbols the header does not declare: {unexpected:?}");
    assert!(missing.is_empty(), "the header declares functions libzweck.so does not export: {missing:?}");
}

#[test]
fn php_header_declares_the_same_functions_as_the_c_header() {
    let c = support::declared_functions(&read(&support::include_dir().join("zweck.h")));
    let php = support::declared_functions(&read(&support::include_dir().join("zweck_php.h")));
    assert_eq!(c, php);
}

#[test]
fn shared_library_has_the_soname_libzweck_so_0() {
    let dynamic = dynamic_section(&support::library().shared());
    assert!(dynamic.contains("Library soname: [libzweck.so.0]"), "readelf -d says:\n{dynamic}");
}

#[test]
fn header_compiles_on_its_own_as_c11() {
    let header = support::include_dir().join("zweck.h");
    let output = support::run_command(
        Command::new(Lang::C.compiler())
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only", "-x", "c"])
            .arg(&header),
    );
    support::assert_success(&output, "compiling zweck.h as C11");
}

#[test]
fn header_compiles_on_its_own_as_cxx17() {
    let header = support::include_dir().join("zweck.h");
    let output = support::run_command(
        Command::new(Lang::Cxx.compiler())
            .args(["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only", "-x", "c++"])
            .arg(&header),
    );
    support::assert_success(&output, "compiling zweck.h as C++17");
}

const SANITIZED_C: &[&str] = &[
    "-std=c11",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-g",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
];

fn run_basics(link: Link, dir_name: &str) {
    let dir = support::scratch_dir(dir_name);
    let exe = dir.join("basics_test");
    let define = version_define();
    let mut flags = SANITIZED_C.to_vec();
    flags.push(&define);
    support::compile(Lang::C, &c_source("basics_test.c"), &exe, &flags, support::library(), link);
    let output = support::run(&exe);
    support::assert_success(&output, "basics_test");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(" passed, 0 failed"),
        "{}",
        support::describe(&output)
    );
}

#[test]
fn c_program_linked_dynamically_calls_the_basic_functions() {
    run_basics(Link::Dynamic, "basics-dynamic");
}

#[test]
fn c_program_linked_statically_calls_the_basic_functions() {
    run_basics(Link::Static, "basics-static");
}

#[test]
fn cxx_program_links_and_calls_the_basic_functions() {
    let dir = support::scratch_dir("cxx");
    let exe = dir.join("cxx_test");
    let define = version_define();
    let flags = ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic", define.as_str()];
    support::compile(Lang::Cxx, &c_source("cxx_test.cpp"), &exe, &flags, support::library(), Link::Dynamic);
    let output = support::run(&exe);
    support::assert_success(&output, "cxx_test");
}

#[test]
fn a_panic_inside_zweck_returns_status_panic_and_the_process_survives() {
    let library = support::panic_library();
    assert!(
        exported_symbols(&library.shared()).contains("zweck_test_panic"),
        "the --cfg zweck_test_panic build must export zweck_test_panic"
    );
    let dir = support::scratch_dir("panic");
    let define = version_define();
    let mut flags = SANITIZED_C.to_vec();
    flags.push(&define);
    for link in [Link::Dynamic, Link::Static] {
        let exe = dir.join(format!("panic_test_{link:?}"));
        support::compile(Lang::C, &c_source("panic_test.c"), &exe, &flags, library, link);
        let output = support::run(&exe);
        support::assert_success(&output, "panic_test");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains("round 2: internal panic: internal panic: zweck_test_panic was called"),
            "{stdout}"
        );
        assert!(stdout.contains(" passed, 0 failed"), "{}", support::describe(&output));
    }
}

#[test]
fn normal_builds_do_not_export_the_panic_trigger() {
    assert!(!exported_symbols(&support::library().shared()).contains("zweck_test_panic"));
}

/// `pkg-config` output split into arguments (zweck's paths contain no spaces).
fn pkg_config(destdir: &Path, args: &[&str]) -> Vec<String> {
    support::require_tool(
        "pkg-config",
        "install it with `apt-get install -y pkg-config` (.ci/run does this)",
    );
    let output = support::run_command(
        Command::new("pkg-config")
            .args(args)
            .arg("zweck")
            .env("PKG_CONFIG_LIBDIR", destdir.join("usr/lib/pkgconfig"))
            .env_remove("PKG_CONFIG_PATH")
            .env("PKG_CONFIG_SYSROOT_DIR", destdir),
    );
    support::assert_success(&output, &format!("pkg-config {args:?} zweck"));
    String::from_utf8_lossy(&output.stdout).split_whitespace().map(str::to_string).collect()
}

#[test]
fn make_install_gives_a_library_that_pkg_config_users_can_link_both_ways() {
    support::require_tool("make", "install it with `apt-get install -y make`");
    let library = support::library();
    let destdir = support::scratch_dir("install");
    let profile = library.dir.file_name().and_then(|n| n.to_str()).unwrap_or("debug").to_string();
    let target = support::target_dir();
    let output = support::run_command(
        Command::new("make")
            .current_dir(support::manifest_dir())
            .arg("--no-print-directory")
            .arg("install")
            .arg(format!("DESTDIR={}", destdir.display()))
            .arg("PREFIX=/usr")
            .arg(format!("PROFILE={profile}"))
            .arg(format!("TARGET_DIR={}", target.display())),
    );
    support::assert_success(&output, "make install");

    let libdir = destdir.join("usr/lib");
    for file in [
        format!("libzweck.so.{VERSION}"),
        "libzweck.so.0".into(),
        "libzweck.so".into(),
        "libzweck.a".into(),
        "pkgconfig/zweck.pc".into(),
    ] {
        assert!(libdir.join(&file).exists(), "make install did not create {file}");
    }
    for header in ["zweck.h", "zweck_php.h"] {
        assert!(destdir.join("usr/include").join(header).exists(), "make install did not install {header}");
    }
    assert_eq!(pkg_config(&destdir, &["--modversion"]), [VERSION]);

    let cflags = pkg_config(&destdir, &["--cflags"]);
    let define = version_define();
    let checks = format!("-I{}", support::manifest_dir().join("tests/c").display());
    let source = c_source("basics_test.c");

    // Dynamic: the program records the SONAME and finds libzweck.so.0 through the installed symlink.
    let dynamic_exe = destdir.join("app_dynamic");
    let mut command = Command::new(Lang::C.compiler());
    command.args(["-std=c11", "-Wall", "-Wextra", "-Werror", &define, &checks]).args(&cflags).arg(&source);
    command.arg("-o").arg(&dynamic_exe).args(pkg_config(&destdir, &["--libs"]));
    command.arg(format!("-Wl,-rpath,{}", libdir.display()));
    support::assert_success(&support::run_command(&mut command), "compiling against the installed library");
    assert!(dynamic_section(&dynamic_exe).contains("Shared library: [libzweck.so.0]"));
    let output = support::run(&dynamic_exe);
    support::assert_success(&output, "dynamically linked app");

    // Static: the archive plus pkg-config's Libs.private; the program needs no libzweck.so at all.
    let static_exe = destdir.join("app_static");
    let libs: Vec<String> = pkg_config(&destdir, &["--libs", "--static"])
        .into_iter()
        .map(|arg| if arg == "-lzweck" { "-l:libzweck.a".to_string() } else { arg })
        .collect();
    let mut command = Command::new(Lang::C.compiler());
    command.args(["-std=c11", "-Wall", "-Wextra", "-Werror", &define, &checks]).args(&cflags).arg(&source);
    command.arg("-o").arg(&static_exe).args(&libs);
    support::assert_success(
        &support::run_command(&mut command),
        "compiling statically against the installed library",
    );
    assert!(!dynamic_section(&static_exe).contains("libzweck"), "the static app must not need libzweck.so");
    let output = support::run(&static_exe);
    support::assert_success(&output, "statically linked app");

    let output = support::run_command(
        Command::new("make")
            .current_dir(support::manifest_dir())
            .arg("--no-print-directory")
            .arg("uninstall")
            .arg(format!("DESTDIR={}", destdir.display()))
            .arg("PREFIX=/usr"),
    );
    support::assert_success(&output, "make uninstall");
    assert!(!libdir.join("libzweck.so.0").exists() && !libdir.join("pkgconfig/zweck.pc").exists());
    assert!(!destdir.join("usr/include/zweck.h").exists());
}
