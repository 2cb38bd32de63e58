//! The rate-limit flags and variables: defaults as documented, values
//! parsed, bad ones refused (kept here so `config.rs` holds the flags only).

use clap::Parser;

use crate::config::RateLimitSettings;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    limits: RateLimitSettings,
}

#[test]
fn the_flags_default_to_the_documented_budgets() {
    let parsed = Cli::try_parse_from(["redress"]).unwrap().limits;
    assert_eq!(parsed, RateLimitSettings::default());
    assert!(parsed.rate_limits, "on by default in `serve`");
}

#[test]
fn flags_parse_and_bad_values_are_refused() {
    let parsed = Cli::try_parse_from([
        "redress",
        "--rate-limits=false",
        "--rate-limit-reads-per-minute=0",
        "--trusted-proxy-header=X-Forwarded-For",
        "--trusted-proxies=10.0.0.0/8, 192.0.2.7,::1",
    ])
    .unwrap()
    .limits;
    assert!(!parsed.rate_limits);
    assert_eq!(parsed.rate_limit_reads_per_minute, 0);
    assert_eq!(
        parsed.trusted_proxy_header,
        Some(actix_web::http::header::X_FORWARDED_FOR)
    );
    let proxies: Vec<String> = parsed
        .trusted_proxies
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(proxies, ["10.0.0.0/8", "192.0.2.7/32", "::1/128"]);
    for bad in [
        "--trusted-proxies=10.0.0.0/33",
        "--trusted-proxies=proxy.example.org",
        "--trusted-proxy-header=X Forwarded",
        "--rate-limit-writes-per-minute=-1",
    ] {
        assert!(Cli::try_parse_from(["redress", bad]).is_err(), "{bad}");
    }
}
