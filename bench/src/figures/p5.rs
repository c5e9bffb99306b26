//! P5: first-load transfer of /products, compressed as a browser would receive it.

use crate::server::Server;
use crate::Row;

pub async fn first_load(http: &reqwest::Client, srv: &Server) -> Row {
    // reqwest is built without decompression: byte counts are what went over the wire.
    let get = |path: String| async move {
        let r = http.get(format!("{}{path}", srv.base)).header("accept-encoding", "br, gzip").send().await.map_err(|e| e.to_string())?;
        let encoding = r.headers().get("content-encoding").and_then(|v| v.to_str().ok()).unwrap_or("identity").to_owned();
        let bytes = r.bytes().await.map_err(|e| e.to_string())?;
        Ok::<_, String>((bytes, encoding))
    };
    let (html, enc) = match get("/products".into()).await {
        Ok(v) => v,
        Err(e) => return Row { figure: "P5 first load of /products", goal: "≤ 200 KB", measured: format!("failed: {e}"), met: Some(false) },
    };
    // The page's own assets: every bundle file it links (JS, WASM, CSS: `/assets/<hash>/pkg/…`,
    // or `/pkg/…` from a server that does not hash them). The HTML is
    // compressed, so ask for it plain to find the links.
    let plain = http.get(format!("{}/products", srv.base)).send().await.ok();
    let plain = match plain {
        Some(r) => r.text().await.unwrap_or_default(),
        None => String::new(),
    };
    let mut assets: Vec<String> = Vec::new();
    for piece in plain.split(['"', '\'']) {
        // A file, not the directory itself (the retry script names "/pkg/").
        let bundle =
            piece.starts_with("/pkg/") || piece.strip_prefix("/assets/").is_some_and(|rest| rest.split_once('/').is_some_and(|(_, p)| p.starts_with("pkg/")));
        if bundle && !piece.ends_with('/') && !assets.iter().any(|a| a == piece) {
            assets.push(piece.to_owned());
        }
    }
    let mut parts = vec![format!("html {} B ({enc})", html.len())];
    let mut total = html.len();
    // Walks the list as it grows: a JS module's static imports (with `--split`, the main JS
    // imports the chunk loader `__wasm_split.*.js`) load with the page, so they count too.
    let mut i = 0;
    while i < assets.len() {
        let a = assets[i].clone();
        i += 1;
        match get(a.clone()).await {
            Ok((b, e)) => {
                total += b.len();
                let kind = a.rsplit('.').next().unwrap_or("?");
                parts.push(format!("{kind} {} B ({e})", b.len()));
                if kind == "js" {
                    let dir = &a[..a.rfind('/').map_or(0, |i| i + 1)];
                    let source = http.get(format!("{}{a}", srv.base)).send().await.ok();
                    let source = match source {
                        Some(r) => r.text().await.unwrap_or_default(),
                        None => String::new(),
                    };
                    for import in static_imports(&source) {
                        let path = format!("{dir}{}", import.trim_start_matches("./"));
                        if !assets.contains(&path) {
                            assets.push(path);
                        }
                    }
                }
            }
            Err(e) => parts.push(format!("{a}: {e}")),
        }
    }
    let has_wasm = assets.iter().any(|a| a.ends_with(".wasm")) || assets.iter().any(|a| a.ends_with(".js"));
    Row {
        figure: "P5 first-load transfer of /products (html+js+wasm+css, compressed)",
        goal: "≤ 200 KB",
        measured: format!("{:.1} KB: {}", total as f64 / 1000.0, parts.join(", ")),
        met: Some(has_wasm && total <= 200_000),
    }
}

/// The relative modules a JS file imports statically (`import … from './x.js'`, `export … from`,
/// minified or not), not its dynamic `import()`s, which load only when called.
fn static_imports(js: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    for (at, _) in js.match_indices("from") {
        // `from` as a keyword: not part of a longer name such as `fromCharCode` or `Array.from`.
        if js[..at].chars().next_back().is_some_and(|c| is_ident(c) || c == '.') {
            continue;
        }
        let rest = js[at + 4..].trim_start();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else { continue };
        let Some(end) = rest[1..].find(quote) else { continue };
        let spec = &rest[1..1 + end];
        if spec.starts_with("./") && !found.iter().any(|f| f == spec) {
            found.push(spec.to_owned());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    #[test]
    fn static_imports_are_the_relative_import_and_export_from_lines() {
        let js = "/* a */\nimport * as split from './__wasm_split.abc.js';\nimport { x } from \"./x.js\"\nexport { y } from './y.js';\nconst m = await import('./lazy.js');\nimport a from 'https://example.com/a.js';\nlet s = Array.from('./z.js');\n";
        assert_eq!(super::static_imports(js), vec!["./__wasm_split.abc.js", "./x.js", "./y.js"]);
        // wasm-bindgen's output after minification: one line, no spaces, the loader imported twice.
        let min = "let e,_;import*as n from\"./__wasm_split.___.js\";import*as t from\"./__wasm_split.___.js\";export{W as initSync};";
        assert_eq!(super::static_imports(min), vec!["./__wasm_split.___.js"]);
    }
}
