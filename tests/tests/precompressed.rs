//! The built client as the server sends it: every `.gz` and `.br` file next to
//! a served file decodes to that file byte for byte (the `.gz` files come from
//! zopfli, a tool outside Rust's and the browser's own code), is chosen by
//! `Accept-Encoding`, and hashed files may be cached for a year.
//!
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.

use baocao_tests::TestServer;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Files of `dir` and its subfolders that have a precompressed `.gz` copy.
fn compressed_originals(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read client/dist") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(compressed_originals(&path));
        } else if path.extension().is_some_and(|e| e == "gz") {
            out.push(path.with_extension(""));
        }
    }
    out
}

/// `name-<16 hex>.ext`: the build put the content's hash in the name.
fn content_hashed(file: &Path) -> bool {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default();
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        hash.len() == 16
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

async fn get(url: &str, encoding: &str) -> (Option<String>, Option<String>, Vec<u8>) {
    let resp = reqwest::Client::new()
        .get(url)
        .header("accept-encoding", encoding)
        .send()
        .await
        .expect("request");
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().expect("ascii header").to_string())
    };
    let (content_encoding, cache) = (header("content-encoding"), header("cache-control"));
    (
        content_encoding,
        cache,
        resp.bytes().await.expect("body").to_vec(),
    )
}

#[tokio::test]
async fn compressed_copies_decode_to_the_files_they_stand_for() {
    baocao_tests::browser::require_built_client();
    let dist = baocao_tests::repo_root().join("client/dist");
    let files = compressed_originals(&dist);
    assert!(
        files
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "wasm")),
        "no precompressed wasm in {}",
        dist.display()
    );
    let server = TestServer::start().await;
    for file in files {
        let original = std::fs::read(&file).expect("original");
        let rel = file.strip_prefix(&dist).expect("under dist");
        let url = format!("{}/{}", server.url(), rel.to_str().expect("utf-8 path"));

        let (encoding, cache, body) = get(&url, "gzip").await;
        assert_eq!(encoding.as_deref(), Some("gzip"), "{url}");
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut plain)
            .expect("valid gzip");
        assert!(plain == original, "{url}: gzip copy differs from the file");
        let immutable = cache.as_deref().is_some_and(|c| c.contains("immutable"));
        assert_eq!(immutable, content_hashed(&file), "{url}: {cache:?}");

        if file
            .with_extension(format!(
                "{}.br",
                file.extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or_default()
            ))
            .exists()
        {
            let (encoding, _, body) = get(&url, "br").await;
            assert_eq!(encoding.as_deref(), Some("br"), "{url}");
            let mut plain = Vec::new();
            brotli_decompressor::Decompressor::new(&body[..], 4096)
                .read_to_end(&mut plain)
                .expect("valid brotli");
            assert!(
                plain == original,
                "{url}: brotli copy differs from the file"
            );
        }

        let (encoding, _, body) = get(&url, "identity").await;
        assert_eq!(encoding, None, "{url}");
        assert!(
            body == original,
            "{url}: plain answer differs from the file"
        );
    }
}
