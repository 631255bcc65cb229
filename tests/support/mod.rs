//! Shared helpers for the tests that build the C library and drive it from C, C++, PHP and make.
//!
//! Each test binary that includes this module (`mod support;`) builds the library at most once
//! (a `OnceLock`), with the cargo that runs the tests, into the same target directory and profile,
//! so after the first build it is a no-op. Every helper panics with a message that says what to
//! install or what failed, including the tool's output: these are test helpers, and a failed step
//! must fail the test loudly.
#![allow(dead_code)] // each test binary uses a different subset

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// A built copy of the library: the directory holding `libzweck.so` and `libzweck.a`.
#[derive(Debug)]
pub struct Library {
    /// `<target>/<profile>` of the cargo build that produced it.
    pub dir: PathBuf,
    /// A directory with `libzweck.so` and `libzweck.so.0` symlinked to the built library: programs
    /// link against the first and, through its SONAME, load the second at run time.
    pub link_dir: PathBuf,
}

impl Library {
    /// The shared library (`libzweck.so`).
    pub fn shared(&self) -> PathBuf {
        self.dir.join("libzweck.so")
    }

    /// Describes the build in `dir`, creating the scratch directory `link_name` with the symlinks.
    fn with_soname_links(dir: PathBuf, link_name: &str) -> Library {
        let link_dir = scratch_dir(link_name);
        for name in ["libzweck.so", "libzweck.so.0"] {
            let link = link_dir.join(name);
            std::os::unix::fs::symlink(dir.join("libzweck.so"), &link)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", link.display()));
        }
        Library { dir, link_dir }
    }

    /// The static library (`libzweck.a`).
    pub fn static_lib(&self) -> PathBuf {
        self.dir.join("libzweck.a")
    }
}

/// How a test program is linked against the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// `-L<dir> -lzweck` with an rpath, so the program runs without `LD_LIBRARY_PATH`.
    Dynamic,
    /// `libzweck.a` plus the system libraries a Rust static library needs.
    Static,
}

/// The source language of a test program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Compiled with `cc`.
    C,
    /// Compiled with `c++`.
    Cxx,
}

impl Lang {
    /// The compiler driver: `$CC` / `$CXX` if set, else `cc` / `c++`.
    pub fn compiler(self) -> String {
        let (var, default) = match self {
            Lang::C => ("CC", "cc"),
            Lang::Cxx => ("CXX", "c++"),
        };
        std::env::var(var).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_string())
    }
}

/// The libraries a Rust static library needs on Linux besides libc (also in `zweck.pc`'s
/// `Libs.private`).
pub const STATIC_SYSTEM_LIBS: &[&str] = &["-lpthread", "-ldl", "-lm"];

/// The crate root (where `Cargo.toml`, `include/` and `tests/` are).
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The checked-in headers' directory.
pub fn include_dir() -> PathBuf {
    manifest_dir().join("include")
}

/// `<target>/<profile>`, derived from this test executable (`<target>/<profile>/deps/<test>-<hash>`),
/// so it is right whatever `CARGO_TARGET_DIR`, `--target-dir` or `--release` the tests run with.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("cannot locate the test executable: {e}"));
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("unexpected test executable location {}", exe.display()))
}

/// The cargo target directory the tests were built in: the parent of [`profile_dir`].
pub fn target_dir() -> PathBuf {
    profile_dir().parent().map(Path::to_path_buf).unwrap_or_else(|| manifest_dir().join("target"))
}

/// The cargo profile name matching [`profile_dir`]: `release` or `dev`.
fn cargo_profile() -> &'static str {
    if profile_dir().file_name() == Some(OsStr::new("release")) {
        "release"
    } else {
        "dev"
    }
}

/// The library as built by `cargo build` (cdylib + staticlib) in the tests' own profile.
pub fn library() -> &'static Library {
    static LIBRARY: OnceLock<Library> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        cargo_build(&target_dir(), &[]);
        Library::with_soname_links(profile_dir(), "lib")
    })
}

/// A separate copy of the library built with `--cfg zweck_test_panic`, which adds the exported
/// `zweck_test_panic()` entry point. It lives in `<target>/panic-build` so that the flag never
/// reaches, or invalidates, the normal build.
pub fn panic_library() -> &'static Library {
    static LIBRARY: OnceLock<Library> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        let target = target_dir().join("panic-build");
        let mut flags = std::env::var("RUSTFLAGS").unwrap_or_default();
        flags.push_str(" --cfg zweck_test_panic");
        cargo_build(&target, &[("RUSTFLAGS", flags.trim())]);
        let profile = if cargo_profile() == "release" { "release" } else { "debug" };
        Library::with_soname_links(target.join(profile), "panic-lib")
    })
}

fn cargo_build(target: &Path, env: &[(&str, &str)]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command
        .current_dir(manifest_dir())
        .args(["build", "--lib", "--profile", cargo_profile(), "--target-dir"])
        .arg(target)
        .env_remove("ZWECK_UPDATE_HEADERS");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = run_command(&mut command);
    assert_success(&output, "cargo build of the C library");
}

/// A fresh, empty directory for one test's files: `<target>/ffi-tests/<test binary>/<name>`.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = target_dir().join("ffi-tests").join(env!("CARGO_CRATE_NAME")).join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("cannot clear {}: {e}", dir.display()));
    }
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// Fails the test with an install hint unless `tool` can be run (`tool --version` starts).
pub fn require_tool(tool: &str, install_hint: &str) {
    if let Err(err) = Command::new(tool).arg("--version").output() {
        panic!("`{tool}` is needed by this test but cannot be run ({err}); {install_hint}");
    }
}

/// Compiles one C or C++ source file against `include/` (and `tests/c/` for `check.h`) into `exe`, linked with `library`.
///
/// `flags` go before the source (warnings, sanitizers, standards). Returns the compiler's output on
/// success and panics with it on failure.
pub fn compile(
    lang: Lang,
    source: &Path,
    exe: &Path,
    flags: &[&str],
    library: &Library,
    link: Link,
) -> Output {
    let mut command = Command::new(lang.compiler());
    command.args(flags).arg("-I").arg(include_dir()).arg("-I").arg(manifest_dir().join("tests/c"));
    command.arg(source).arg("-o").arg(exe);
    match link {
        Link::Dynamic => {
            command.arg(format!("-L{}", library.link_dir.display()));
            command.arg(format!("-Wl,-rpath,{}", library.link_dir.display()));
            command.arg("-lzweck");
        }
        Link::Static => {
            command.arg(library.static_lib());
            command.args(STATIC_SYSTEM_LIBS);
        }
    }
    let output = run_command(&mut command);
    assert_success(&output, &format!("compiling {}", source.display()));
    output
}

/// Runs a command and returns its output, panicking only if it cannot be started at all.
pub fn run_command(command: &mut Command) -> Output {
    command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

/// Runs a built program with no arguments.
pub fn run(exe: &Path) -> Output {
    run_command(&mut Command::new(exe))
}

/// The captured stdout and stderr, for assertions and failure messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Panics with the full output unless the process exited with status 0.
pub fn assert_success(output: &Output, what: &str) {
    assert!(output.status.success(), "{what} failed\n{}", describe(output));
}

/// The names of the functions `header` declares (every `zweck_…(` that follows a return type, i.e. is
/// not inside a comment).
pub fn declared_functions(header: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_comment = false;
    for line in header.lines() {
        let code = strip_comments(line, &mut in_comment);
        let mut rest = code.as_str();
        while let Some(at) = rest.find("zweck_") {
            let tail = &rest[at..];
            let len = tail.find(|c: char| c != '_' && !c.is_ascii_alphanumeric()).unwrap_or(tail.len());
            let preceded_by_ident =
                rest[..at].chars().next_back().is_some_and(|c| c == '_' || c.is_alphanumeric());
            if tail[len..].starts_with('(') && !preceded_by_ident {
                names.push(tail[..len].to_string());
            }
            rest = &tail[len..];
        }
    }
    names.sort();
    names.dedup();
    names
}

/// `line` without `/* … */` and `// …` comments; `in_comment` carries an open block comment across
/// lines.
fn strip_comments(line: &str, in_comment: &mut bool) -> String {
    let mut code = String::new();
    let mut rest = line;
    loop {
        if *in_comment {
            match rest.find("*/") {
                Some(end) => {
                    *in_comment = false;
                    rest = &rest[end + 2..];
                }
                None => return code,
            }
        }
        match (rest.find("/*"), rest.find("//")) {
            (Some(block), line_comment) if line_comment.is_none_or(|l| block < l) => {
                code.push_str(&rest[..block]);
                *in_comment = true;
                rest = &rest[block + 2..];
            }
            (_, Some(line_comment)) => {
                code.push_str(&rest[..line_comment]);
                return code;
            }
            _ => {
                code.push_str(rest);
                return code;
            }
        }
    }
}
