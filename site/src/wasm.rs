//! The WASM half of the site: compile `frontend`, split it at the lazy routes, run wasm-bindgen,
//! and (release) `wasm-opt` every module and minify the JS glue.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{npm_bin, run, Options, Result, OUTPUT_NAME};

/// Where cargo writes the front end: a target dir of its own (`front/`), so that the WASM build's
/// feature set (`hydrate`) never invalidates the server's artifacts.
fn front_target(target_dir: &Path) -> PathBuf {
    target_dir.join("front")
}

/// `cargo build` of the `frontend` crate for the browser; returns the path of the module.
pub fn compile(options: &Options, target_dir: &Path) -> Result<PathBuf> {
    let front = front_target(target_dir);
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo.args(["build", "--lib", "--package=frontend", "--target=wasm32-unknown-unknown"]);
    cargo.args(["--no-default-features", "--features=hydrate"]).arg("--target-dir").arg(&front);
    if options.release {
        cargo.arg("--profile=wasm-release");
    }
    cargo.args(&options.cargo_args);
    // The splitter needs the linker's relocations to see which function calls which.
    let mut rustflags = std::env::var("RUSTFLAGS").unwrap_or_default();
    if !rustflags.contains("--emit-relocs") {
        rustflags = format!("{rustflags} -Clink-args=--emit-relocs").trim().to_string();
    }
    cargo.env("RUSTFLAGS", rustflags);
    run(&mut cargo)?;
    let profile_dir = if options.release { "wasm-release" } else { "debug" };
    Ok(front.join("wasm32-unknown-unknown").join(profile_dir).join("frontend.wasm"))
}

/// Everything after the compiler: writes `shop.js`, `shop.wasm`, the chunks and the split
/// manifest into `pkg`.
pub fn package(options: &Options, module: &Path, pkg: &Path) -> Result<()> {
    let input = std::fs::read(module).map_err(|e| format!("cannot read {}: {e}", module.display()))?;
    let main_module = module.with_file_name("frontend_split.wasm");
    let main_js = format!("./{OUTPUT_NAME}.js");
    let split = wasm_split_cli_support::transform({
        let mut split = wasm_split_cli_support::Options::new(&input);
        split.output_dir = pkg;
        split.main_out_path = &main_module;
        split.main_module = &main_js;
        // The name Leptos' lazy loader imports the chunks' loader from.
        split.link_name = "./__wasm_split.______________________.js";
        split
    })
    .map_err(|e| format!("splitting {} failed: {e:#}", module.display()))?;
    let manifest = serde_json::to_string_pretty(&split.prefetch_map).map_err(|e| e.to_string())?;
    write(&pkg.join("__wasm_split_manifest.json"), manifest.as_bytes())?;
    drop(input);

    let debug = !options.release;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&main_module)
        .out_name(OUTPUT_NAME)
        .web(true)
        .map_err(|e| e.to_string())?
        .typescript(false)
        // The chunks call into the main module through the linker's exports, by their
        // mangled names.
        .keep_lld_exports(true)
        .demangle(false)
        .debug(debug)
        .keep_debug(debug)
        .generate(pkg)
        .map_err(|e| format!("wasm-bindgen failed on {}: {e:#}", main_module.display()))?;
    // Leptos' hydration script loads `<name>.wasm`.
    let bindgen_out = pkg.join(format!("{OUTPUT_NAME}_bg.wasm"));
    let wasm = pkg.join(format!("{OUTPUT_NAME}.wasm"));
    std::fs::rename(&bindgen_out, &wasm).map_err(|e| format!("cannot rename {}: {e}", bindgen_out.display()))?;

    if options.release {
        let mut modules = split.split_modules;
        modules.push(wasm);
        optimise(&modules)?;
        minify_js(&pkg.join(format!("{OUTPUT_NAME}.js")))?;
    }
    Ok(())
}

/// `wasm-opt -Oz` on every module, as many at once as there are cores.
fn optimise(modules: &[PathBuf]) -> Result<()> {
    let wasm_opt = npm_bin("wasm-opt")?;
    let parallel = std::thread::available_parallelism().map_or(1, |n| n.get());
    for batch in modules.chunks(parallel) {
        std::thread::scope(|scope| {
            let runs: Vec<_> = batch
                .iter()
                .map(|module| {
                    let wasm_opt = &wasm_opt;
                    scope.spawn(move || {
                        run(Command::new(wasm_opt).args(["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int"]).arg(module).arg("-o").arg(module))
                    })
                })
                .collect();
            runs.into_iter().map(|run| run.join().unwrap_or_else(|_| Err("wasm-opt thread panicked".into()))).collect::<Result<Vec<()>>>()
        })?;
    }
    Ok(())
}

fn minify_js(file: &Path) -> Result<()> {
    run(Command::new(npm_bin("esbuild")?).arg(file).args(["--minify", "--log-level=warning", "--allow-overwrite"]).arg(format!("--outfile={}", file.display())))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
