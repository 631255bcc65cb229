//! Build script: generates the C and PHP headers from `src/ffi/` and names the shared library.
//!
//! The headers are always generated into `OUT_DIR` (where `tests/header_drift.rs` compares them with
//! the checked-in `include/`). They are written into `include/` only when `ZWECK_UPDATE_HEADERS=1`
//! (what `make headers` does), because a build must not silently change files under version control.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// The first lines of the PHP header: `FFI::load()` reads them, and `FFI::cdef()` users strip them.
const PHP_PREAMBLE: &str = "#define FFI_SCOPE \"zweck\"\n#define FFI_LIB \"libzweck.so\"\n";

fn main() {
    if let Err(message) = run() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=ZWECK_UPDATE_HEADERS");

    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);

    link_shared_library();

    let headers = generate_headers(&manifest_dir)?;
    for (name, text) in &headers {
        write_if_changed(&out_dir.join(name), text)?;
    }
    if env::var("ZWECK_UPDATE_HEADERS").is_ok_and(|v| v == "1") {
        for (name, text) in &headers {
            write_if_changed(&manifest_dir.join("include").join(name), text)?;
        }
    }
    Ok(())
}

/// On ELF platforms the shared library gets the SONAME `libzweck.so.<major>`, so that programs linked
/// against `libzweck.so` keep loading the ABI-compatible `libzweck.so.0` after an upgrade.
///
/// No version script is needed: rustc already exports only the `#[no_mangle]` functions from a
/// cdylib, and `tests/ffi_c.rs` checks that with `nm -D`.
fn link_shared_library() {
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(os.as_str(), "linux" | "freebsd" | "netbsd" | "openbsd" | "dragonfly" | "android") {
        let major = env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".to_string());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzweck.so.{major}");
    }
}

/// Runs cbindgen over `src/ffi/` only (no dependencies, no `cargo metadata`) and returns
/// `[("zweck.h", c_header), ("zweck_php.h", php_header)]`.
fn generate_headers(manifest_dir: &Path) -> Result<[(&'static str, String); 2], String> {
    let config_path = manifest_dir.join("cbindgen.toml");
    let config = cbindgen::Config::from_file(&config_path)
        .map_err(|e| format!("reading {}: {e}", config_path.display()))?;

    let mut php = config.clone();
    php.cpp_compat = false;
    php.include_guard = None;
    php.pragma_once = false;
    php.no_includes = true;
    php.sys_includes = Vec::new();
    php.includes = Vec::new();
    php.header = Some(format!(
        "{PHP_PREAMBLE}\n/*\n * PHP FFI declarations for zweck, generated from the same source as zweck.h; load with\n * FFI::load() or pass the text without the #define lines to FFI::cdef().\n */\n\n{}",
        config.header.as_deref().unwrap_or_default()
    ));

    let c_header = render(manifest_dir, config)?;
    let php_header = render(manifest_dir, php)?;
    Ok([("zweck.h", c_header), ("zweck_php.h", php_header)])
}

fn render(manifest_dir: &Path, config: cbindgen::Config) -> Result<String, String> {
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(manifest_dir.join("src/ffi/mod.rs"))
        .generate()
        .map_err(|e| format!("generating the C header from src/ffi: {e}"))?;
    let mut text = Vec::new();
    bindings.write(&mut text);
    String::from_utf8(text).map_err(|e| format!("generated header is not UTF-8: {e}"))
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}
