//! GraphiQL, served from the binary: the page on `GET /graphql` (for
//! browsers, when enabled) and its files under `/graphiql/…`.
//!
//! The files are GraphiQL 3.9.0 and React 18.3.1 from their npm packages,
//! vendored in `api/assets/graphiql/` with their licences, checksums and
//! the script that fetched them; nothing is loaded from another host. The
//! page starts GraphiQL from a served file of its own, so its
//! Content-Security-Policy allows scripts and styles from this origin only.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// The GraphiQL page's policy, with a fresh style nonce per response.
/// GraphiQL's stylesheet embeds its fonts and a few images as `data:` URLs
/// (hence `font-src`/`img-src data:`); its editors set styles through the
/// DOM (`element.style`), which `style-src` does not restrict; its dialogs
/// add a `<style>` element while open, which carries the nonce (set by the
/// page's script from the page). Nothing else is loosened.
pub fn page_csp(style_nonce: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{style_nonce}'; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// Every other response: it is data, never a document to render.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// One served file: its path under `/graphiql/`, media type and bytes.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    /// Vendored at a version named in its path: cached for a year.
    /// Redress's own files change with Redress and are revalidated.
    immutable: bool,
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

macro_rules! vendored {
    ($path:literal, $content_type:expr) => {
        Asset {
            path: $path,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../assets/graphiql/", $path)),
            immutable: true,
        }
    };
}

const ASSETS: &[Asset] = &[
    vendored!("graphiql-3.9.0/graphiql.min.js", JS),
    vendored!("graphiql-3.9.0/graphiql.min.css", CSS),
    vendored!("react-18.3.1/react.production.min.js", JS),
    vendored!("react-dom-18.3.1/react-dom.production.min.js", JS),
    Asset {
        path: "redress-graphiql.js",
        content_type: JS,
        bytes: include_bytes!("../../assets/graphiql/redress-graphiql.js"),
        immutable: false,
    },
    Asset {
        path: "redress-graphiql.css",
        content_type: CSS,
        bytes: include_bytes!("../../assets/graphiql/redress-graphiql.css"),
        immutable: false,
    },
];

/// The page, with its own policy (the default headers leave it in place).
pub fn page() -> HttpResponse {
    use base64::Engine as _;
    let nonce = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 16]>());
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, page_csp(&nonce)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(PAGE.replace("STYLE_NONCE", &nonce))
}

/// `GET /graphiql/{file}`: a vendored file or the page's own script and
/// stylesheet; anything else 404.
pub async fn asset(file: web::Path<String>) -> HttpResponse {
    let Some(asset) = ASSETS.iter().find(|a| a.path == file.as_str()) else {
        return crate::http::not_found();
    };
    let cache = if asset.immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, cache))
        .body(asset.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page names exactly the files that are served.
    #[test]
    fn the_page_loads_only_served_files() {
        let referenced: Vec<&str> = PAGE
            .split(['"', '\''])
            .filter_map(|part| part.strip_prefix("/graphiql/"))
            .collect();
        assert_eq!(referenced.len(), ASSETS.len(), "{referenced:?}");
        for path in referenced {
            assert!(ASSETS.iter().any(|a| a.path == path), "{path}");
        }
    }
}
