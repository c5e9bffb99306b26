//! `site`: builds the browser half of the shop into `target/site`, the directory the server
//! serves `/pkg/…` and the static files from.
//!
//! It does the work of `cargo leptos build --split` without a build tool to install first (on a
//! fresh machine, installing one costs more than building the site): compile the `frontend`
//! crate to WASM, cut it into lazily loaded chunks, generate the JS glue with wasm-bindgen, and,
//! for a release, shrink the WASM with `wasm-opt`, minify the JS with esbuild and precompress
//! every file (gzip and brotli) for `ServeDir`. Tailwind writes the CSS; `public/` is copied.
//! A site built from the same inputs as the one in place is kept (`stamp`).
//!
//! Usage (from the workspace root): `site [--release] [--precompress] [-- CARGO_ARGS…]`; the
//! cargo arguments go to the WASM build (`-Zbuild-std=…` with Debian's toolchain).

mod assets;
mod stamp;
mod wasm;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// The names the server expects (its `LEPTOS_*` defaults in `server/src/config.rs`).
pub const OUTPUT_NAME: &str = "shop";
pub const SITE_ROOT: &str = "target/site";
pub const PKG_DIR: &str = "pkg";

pub type Result<T, E = String> = std::result::Result<T, E>;

/// What to build, from the command line.
#[derive(Debug, Default, PartialEq)]
pub struct Options {
    pub release: bool,
    pub precompress: bool,
    pub cargo_args: Vec<String>,
}

impl Options {
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options> {
        let mut options = Options::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--release" => options.release = true,
                "--precompress" => options.precompress = true,
                "--" => options.cargo_args.extend(args.by_ref()),
                other => return Err(format!("unknown argument {other:?} (usage: site [--release] [--precompress] [-- CARGO_ARGS…])")),
            }
        }
        if options.precompress && !options.release {
            return Err("--precompress goes with --release (debug builds are served as they are)".into());
        }
        Ok(options)
    }
}

fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("site: {message}");
            return ExitCode::from(2);
        }
    };
    match build(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("site: {message}");
            ExitCode::FAILURE
        }
    }
}

fn build(options: &Options) -> Result<()> {
    if !Path::new("Cargo.toml").is_file() || !Path::new("frontend").is_dir() {
        return Err("run me from the workspace root (where Cargo.toml and frontend/ are)".into());
    }
    let started = Instant::now();
    let target_dir = PathBuf::from(std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into()));
    let wasm = wasm::compile(options, &target_dir)?;
    let site_root = Path::new(SITE_ROOT);
    let builder = std::env::current_exe().map_err(|e| format!("cannot find the builder's own binary: {e}"))?;
    let stamp = stamp::fingerprint(Path::new("."), options, &wasm, &builder)?;
    if stamp::is_current(site_root, &stamp) {
        eprintln!("site: {SITE_ROOT} is up to date ({:.1} s)", started.elapsed().as_secs_f64());
        return Ok(());
    }

    // Everything is written to a fresh directory that replaces the old site at the end, so a
    // failed build leaves the last good site in place and no stale chunk survives a good one.
    let staging = PathBuf::from(format!("{SITE_ROOT}.building"));
    remove_dir(&staging)?;
    let pkg = staging.join(PKG_DIR);
    std::fs::create_dir_all(&pkg).map_err(|e| format!("cannot create {}: {e}", pkg.display()))?;
    // Tailwind runs while the WASM is split, bound and optimised.
    std::thread::scope(|scope| {
        let css = scope.spawn(|| assets::tailwind(options.release, &pkg.join(format!("{OUTPUT_NAME}.css"))));
        let front = wasm::package(options, &wasm, &pkg);
        let css = css.join().unwrap_or_else(|_| Err("the Tailwind step panicked".into()));
        front.and(css)
    })?;
    assets::copy_dir(Path::new("public"), &staging)?;
    if options.precompress {
        assets::precompress(&staging)?;
    }
    stamp::clear(site_root)?;
    remove_dir(site_root)?;
    std::fs::rename(&staging, site_root).map_err(|e| format!("cannot move {} to {SITE_ROOT}: {e}", staging.display()))?;
    stamp::write(site_root, &stamp)?;
    eprintln!("site: {SITE_ROOT} built in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("cannot remove {}: {e}", dir.display())),
        _ => Ok(()),
    }
}

/// Runs a command to its end; its output goes to ours, a failure names the command.
pub fn run(command: &mut Command) -> Result<()> {
    let status = command.status().map_err(|e| format!("cannot start {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

/// A program from npm (`node_modules/.bin`: Tailwind, wasm-opt, esbuild), whatever PATH says.
pub fn npm_bin(name: &str) -> Result<PathBuf> {
    let path = Path::new("node_modules/.bin").join(name);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} is missing: run `npm ci` in the workspace root (the scripts do)", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options> {
        Options::parse(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn parses_flags_and_cargo_arguments() {
        let options = parse(&["--release", "--precompress", "--", "-Zbuild-std=std,panic_abort"]).unwrap();
        assert!(options.release && options.precompress);
        assert_eq!(options.cargo_args, ["-Zbuild-std=std,panic_abort"]);
        assert_eq!(parse(&[]).unwrap(), Options::default());
    }

    #[test]
    fn refuses_unknown_arguments_and_debug_precompression() {
        assert!(parse(&["--relase"]).unwrap_err().contains("--relase"));
        assert!(parse(&["--precompress"]).is_err());
    }
}
