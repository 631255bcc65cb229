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

// --- every entry point, threads, the shop examples, valgrind ------------------------------------------

/// The flags of the shop examples: what a careful C or C++ user compiles with.
const STRICT_C: &[&str] = &["-std=c11", "-Wall", "-Wextra", "-Werror", "-g"];
const STRICT_CXX: &[&str] = &["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"];

fn example_source(path: &str) -> std::path::PathBuf {
    support::manifest_dir().join("examples").join(path)
}

/// Runs `exe` with `args` and returns its stdout, failing the test with the whole output otherwise.
fn run_with_args(exe: &Path, args: &[&std::ffi::OsStr], what: &str) -> String {
    let output = support::run_command(Command::new(exe).args(args));
    support::assert_success(&output, what);
    String::from_utf8(output.stdout).unwrap_or_else(|e| panic!("{what} printed invalid UTF-8: {e}"))
}

/// The number of passed checks in a "N passed, 0 failed" line, failing the test on any failure.
fn passed_checks(stdout: &str, what: &str) -> usize {
    let line = stdout.lines().find(|l| l.ends_with(" passed, 0 failed"));
    let passed = line.and_then(|l| l.split(' ').next()).and_then(|n| n.parse().ok());
    passed.unwrap_or_else(|| panic!("{what} did not report \"N passed, 0 failed\":\n{stdout}"))
}

#[test]
fn api_test_calls_every_function_the_header_declares() {
    let header = read(&support::include_dir().join("zweck.h"));
    let test = read(&c_source("api_test.c"));
    let untested: Vec<String> = support::declared_functions(&header)
        .into_iter()
        .filter(|name| !test.contains(&format!("{name}(")))
        .collect();
    assert!(untested.is_empty(), "tests/c/api_test.c never calls {untested:?}");
}

#[test]
fn every_entry_point_handles_success_and_failure_under_asan_and_ubsan() {
    for link in [Link::Dynamic, Link::Static] {
        let dir = support::scratch_dir(&format!("api-{link:?}"));
        let scratch = support::scratch_dir(&format!("api-{link:?}-journals"));
        let exe = dir.join("api_test");
        support::compile(Lang::C, &c_source("api_test.c"), &exe, SANITIZED_C, support::library(), link);
        let stdout = run_with_args(&exe, &[scratch.as_os_str()], "api_test");
        let passed = passed_checks(&stdout, "api_test");
        assert!(passed >= 500, "api_test ran only {passed} checks");
    }
}

/// Under AddressSanitizer and UndefinedBehaviorSanitizer. ThreadSanitizer is not used: the Rust side
/// is not instrumented (that needs a nightly `-Zsanitizer=thread` build of std), so TSan cannot see
/// its locks and atomics and reports races inside std that are not there.
#[test]
fn eight_threads_share_one_engine_and_every_result_is_right() {
    let dir = support::scratch_dir("threads");
    let exe = dir.join("threads_test");
    let mut flags = SANITIZED_C.to_vec();
    flags.push("-pthread");
    support::compile(Lang::C, &c_source("threads_test.c"), &exe, &flags, support::library(), Link::Static);
    let stdout = run_with_args(&exe, &[], "threads_test");
    assert!(stdout.starts_with("8 threads, ") && stdout.contains(" operations checked"), "{stdout}");
    passed_checks(&stdout, "threads_test");
}

/// What the shop examples must print, line by line, computed here with zweck's Rust API from the
/// same policy, customer record, key and times.
fn expected_shop_output() -> Vec<String> {
    use zweck::access::Effect;
    use zweck::consent::Consent;
    use zweck::policy::Policy;
    use zweck::{Engine, Error, KeyRing, Timestamp};

    let at = |text: &str| text.parse::<Timestamp>().unwrap_or_else(|e| panic!("{text}: {e}"));
    let (banner, preferences, now) =
        (at("2026-03-02T09:15:00Z"), at("2026-03-05T18:40:00Z"), at("2026-06-01T12:00:00Z"));
    let (unsubscribe, later) = (at("2026-06-10T07:30:00Z"), at("2026-06-15T12:00:00Z"));
    let customer = "c-1042";
    let record_text = read(&example_source("shop_customer.json"));
    let record: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&record_text).unwrap_or_else(|e| panic!("shop_customer.json: {e}"));

    let policy = Policy::from_file(example_source("shop_policy.json")).unwrap_or_else(|e| panic!("{e}"));
    let keys =
        KeyRing::new(1, b"zweck demo key - never use in production!").unwrap_or_else(|e| panic!("{e}"));
    let engine = Engine::new(policy, keys);
    let ok = |result: Result<(), Error>| result.unwrap_or_else(|e| panic!("{e}"));
    let decide = |purpose: &str, field: &str, when: Timestamp| {
        let d = engine.decide(customer, purpose, field, when);
        let effect = if d.effect == Effect::Allow { "allow" } else { "deny" };
        format!("decide {purpose} {field}: {effect} {} {}", d.treatment.as_str(), d.reason.as_str())
    };
    let json = |value: &dyn erased::Json| value.json();

    let mut lines = vec![format!("zweck {VERSION}, key version 1")];
    ok(engine.grant(customer, "marketing", Consent::at(banner).source("cookie banner v3").notice_version(3)));
    ok(engine.grant(
        customer,
        "marketing.personalisation",
        Consent::at(preferences)
            .source("preferences page: dietary needs for recommendations")
            .notice_version(3)
            .explicit(),
    ));
    for purpose in ["order.fulfilment", "support", "marketing.email", "analytics"] {
        let view = engine.view(&record, customer, purpose, now).unwrap_or_else(|e| panic!("{e}"));
        lines.push(format!("view {purpose}: {}", view.to_json()));
    }
    lines.push(decide("marketing.email", "email", now));
    lines.push(decide("marketing.personalisation", "dietary_needs", now));
    lines.push(decide("analytics", "email", now));
    let token =
        |value: &str| engine.pseudonymise("analytics", value.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    lines.push(format!("token analytics jane.doe@example.com: {}", token("jane.doe@example.com")));
    for value in ["jane.doe@example.com", "max@example.com", "erika@example.com"] {
        lines.push(format!("batch analytics {value}: {}", token(value)));
    }
    ok(engine.withdraw(
        customer,
        "marketing.email",
        Consent::at(unsubscribe).source("unsubscribe link in newsletter"),
    ));
    lines.push(decide("marketing.email", "email", later));
    let history = engine.consent_history(customer).unwrap_or_else(|e| panic!("{e}"));
    lines.push(format!("history: {}", json(&history)));
    let export = engine.export_subject(customer, Some(&record), later).unwrap_or_else(|e| panic!("{e}"));
    lines.push(format!("export: {}", json(&export)));
    let receipt = engine
        .forget_subject(customer, "customer request via account page", later)
        .unwrap_or_else(|e| panic!("{e}"));
    lines.push(format!("forget: {}", json(&receipt)));
    lines.push(decide("order", "email", later));
    lines.push("grant after forget: subject erased".to_string());
    lines
}

/// `serde_json::to_string` behind a trait object, so one closure serves every result type.
mod erased {
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_else(|e| panic!("{e}"))
        }
    }
}

#[test]
fn shop_examples_in_c_and_cpp_print_exactly_what_the_rust_api_computes() {
    let expected = expected_shop_output();
    let policy = example_source("shop_policy.json");
    let customer = example_source("shop_customer.json");
    let args = [policy.as_os_str(), customer.as_os_str()];
    let dir = support::scratch_dir("shop");
    let cxx_flags: Vec<String> = STRICT_CXX
        .iter()
        .map(|f| f.to_string())
        .chain([format!("-I{}", example_source("cpp").display())])
        .collect();
    let cxx_flags: Vec<&str> = cxx_flags.iter().map(String::as_str).collect();

    for link in [Link::Dynamic, Link::Static] {
        let builds = [
            (Lang::C, example_source("c/shop.c"), STRICT_C, format!("shop_c_{link:?}")),
            (Lang::Cxx, example_source("cpp/shop.cpp"), &cxx_flags[..], format!("shop_cpp_{link:?}")),
        ];
        for (lang, source, flags, name) in builds {
            let exe = dir.join(&name);
            support::compile(lang, &source, &exe, flags, support::library(), link);
            let stdout = run_with_args(&exe, &args, &name);
            let lines: Vec<&str> = stdout.lines().collect();
            assert_eq!(lines.len(), expected.len(), "{name} printed:\n{stdout}");
            for (got, want) in lines.iter().zip(&expected) {
                assert_eq!(got, want, "{name}: line differs from the Rust API's result");
            }
        }
    }

    // The pseudonym printed by C and C++ is the one Rust gives for the same key, domain and value.
    let token_line = expected.iter().find(|l| l.starts_with("token analytics jane.doe@example.com: k1_"));
    assert!(token_line.is_some_and(|l| l.len() == "token analytics jane.doe@example.com: ".len() + 35));
}

/// Runs `exe` under valgrind's memcheck, failing on any error or leak (the suppressions file covers
/// only the process-lifetime static vocabulary).
fn assert_valgrind_clean(exe: &Path, args: &[&std::ffi::OsStr], what: &str) {
    let suppressions = support::manifest_dir().join("tests/c/valgrind.supp");
    let output = support::run_command(
        Command::new("valgrind")
            .args(["--quiet", "--leak-check=full", "--error-exitcode=1"])
            .arg(format!("--suppressions={}", suppressions.display()))
            .arg(exe)
            .args(args),
    );
    support::assert_success(&output, &format!("valgrind {what}"));
}

#[test]
fn valgrind_finds_no_memory_errors_or_leaks_in_the_shop_example_and_the_api_test() {
    support::require_tool("valgrind", "install it with `apt-get install -y valgrind` (.ci/run does this)");
    let library = support::library();
    let dir = support::scratch_dir("valgrind");
    let policy = example_source("shop_policy.json");
    let customer = example_source("shop_customer.json");

    let shop = dir.join("shop");
    support::compile(Lang::C, &example_source("c/shop.c"), &shop, STRICT_C, library, Link::Dynamic);
    assert_valgrind_clean(&shop, &[policy.as_os_str(), customer.as_os_str()], "shop");

    let api = dir.join("api_test");
    let journals = support::scratch_dir("valgrind-journals");
    support::compile(Lang::C, &c_source("api_test.c"), &api, STRICT_C, library, Link::Dynamic);
    assert_valgrind_clean(&api, &[journals.as_os_str()], "api_test");
}

#[test]
fn the_c_quick_start_in_the_readme_compiles_and_runs() {
    let readme = read(&support::manifest_dir().join("README.md"));
    let section = readme.split("### Quick start (C)").nth(1).unwrap_or_default();
    let code = section.split("```c\n").nth(1).and_then(|rest| rest.split("```").next()).unwrap_or_default();
    assert!(code.contains("zweck_engine_new"), "no C code block in the quick start");
    let dir = support::scratch_dir("quick-start");
    let source = dir.join("quick_start.c");
    std::fs::write(&source, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", source.display()));
    let exe = dir.join("quick_start");
    support::compile(Lang::C, &source, &exe, STRICT_C, support::library(), Link::Dynamic);
    let stdout = run_with_args(&exe, &[], "the README's quick start");
    assert!(stdout.starts_with("consent_given\n"), "{stdout}");
    assert!(stdout.contains("\"record\":{\"email\":\"jane@example.com\"}"), "{stdout}");
}
