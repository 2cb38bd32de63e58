//! The client address a request counts against: the TCP peer, or, behind
//! a reverse proxy, the address the proxy reports in the configured
//! header — taken only when the peer is one of the trusted proxies.
//!
//! Which hop of `X-Forwarded-For`: each proxy appends the address it
//! received the request from, so the list reads `client, proxy1, proxy2`
//! and only the entries appended by proxies we trust are true; anything to
//! their left may have been written by the client. We therefore walk the
//! list from the right, past every entry that is itself a trusted proxy,
//! and take the first entry that is not: the address that connected to
//! our outermost trusted proxy. Never the leftmost entry (the client's own
//! claim, spoofable); if every entry is a trusted proxy, the leftmost of
//! them. An entry that is not an address (a misconfigured proxy) stops the
//! walk at the trusted hop to its right, so a request can never pick its
//! own key. Several header lines are read as one list, in order; the
//! standard `Forwarded` header's `for=` parameters are understood too.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;
use ipnet::IpNet;

/// How to find a request's client address.
#[derive(Clone, Debug, Default)]
pub struct ClientAddresses {
    header: Option<HeaderName>,
    proxies: Vec<IpNet>,
}

impl ClientAddresses {
    pub fn new(header: Option<HeaderName>, proxies: Vec<IpNet>) -> Self {
        ClientAddresses { header, proxies }
    }

    /// The address `request` counts against.
    pub fn of(&self, request: &HttpRequest) -> IpAddr {
        let peer = request
            .peer_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
        let Some(header) = &self.header else {
            return peer.to_canonical();
        };
        let values = request
            .headers()
            .get_all(header)
            .filter_map(|v| v.to_str().ok());
        self.resolve(peer, values)
    }

    fn trusted(&self, address: IpAddr) -> bool {
        self.proxies.iter().any(|net| net.contains(&address))
    }

    /// The client address of a request from `peer` carrying these values
    /// of the proxy header.
    fn resolve<'a>(&self, peer: IpAddr, values: impl Iterator<Item = &'a str>) -> IpAddr {
        let mut client = peer.to_canonical();
        if self.header.is_none() || !self.trusted(client) {
            return client;
        }
        let hops: Vec<&str> = values
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect();
        for hop in hops.iter().rev() {
            let Some(address) = parse_hop(hop) else {
                break;
            };
            client = address;
            if !self.trusted(address) {
                break;
            }
        }
        client
    }
}

/// One hop: `192.0.2.7`, `192.0.2.7:4711`, `2001:db8::7`, `[2001:db8::7]:4711`,
/// or a `Forwarded` element (`for=192.0.2.7;proto=https`,
/// `for="[2001:db8::7]:4711"`). `None` for anything else (`unknown`,
/// obfuscated identifiers, garbage).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let value = if hop.contains('=') {
        hop.split(';').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("for")
                .then(|| value.trim().trim_matches('"'))
        })?
    } else {
        hop
    };
    let address = value
        .parse::<IpAddr>()
        .ok()
        .or_else(|| value.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            value
                .strip_prefix('[')
                .and_then(|v| v.strip_suffix(']'))
                .and_then(|v| v.parse::<IpAddr>().ok())
        })?;
    Some(address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_proxy;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn behind(header: &str, proxies: &[&str]) -> ClientAddresses {
        ClientAddresses::new(
            Some(HeaderName::from_bytes(header.as_bytes()).unwrap()),
            proxies.iter().map(|p| parse_proxy(p).unwrap()).collect(),
        )
    }

    #[test]
    fn hop_table() {
        let cases = [
            ("192.0.2.7", Some("192.0.2.7")),
            ("192.0.2.7:4711", Some("192.0.2.7")),
            ("2001:db8::7", Some("2001:db8::7")),
            ("[2001:db8::7]:4711", Some("2001:db8::7")),
            ("[2001:db8::7]", Some("2001:db8::7")),
            ("::ffff:192.0.2.7", Some("192.0.2.7")),
            ("for=192.0.2.7;proto=https", Some("192.0.2.7")),
            (
                "proto=https;For=\"[2001:db8::7]:4711\"",
                Some("2001:db8::7"),
            ),
            ("for=unknown", None),
            ("for=_hidden", None),
            ("proto=https", None),
            ("unknown", None),
            ("example.org", None),
            ("192.0.2.999", None),
        ];
        for (hop, expected) in cases {
            assert_eq!(parse_hop(hop), expected.map(ip), "{hop}");
        }
    }

    /// (peer, header values, client address taken)
    #[test]
    fn forwarded_for_table() {
        let proxies = behind("x-forwarded-for", &["10.0.0.0/24", "10.9.9.9"]);
        let cases: &[(&str, &[&str], &str)] = &[
            // From a trusted proxy: the address it saw.
            ("10.0.0.5", &["203.0.113.9"], "203.0.113.9"),
            // The client's own claim on the left is never taken.
            ("10.0.0.5", &["6.6.6.6, 203.0.113.9"], "203.0.113.9"),
            // A chain of trusted proxies is walked past.
            (
                "10.0.0.5",
                &["6.6.6.6, 203.0.113.9, 10.9.9.9"],
                "203.0.113.9",
            ),
            // Several header lines are one list, in order.
            (
                "10.0.0.5",
                &["6.6.6.6", "203.0.113.9, 10.9.9.9"],
                "203.0.113.9",
            ),
            // Every hop a trusted proxy: the leftmost.
            ("10.0.0.5", &["10.0.0.7, 10.9.9.9"], "10.0.0.7"),
            // No header from a trusted proxy: the proxy itself.
            ("10.0.0.5", &[], "10.0.0.5"),
            // Garbage stops the walk at the last trusted hop.
            ("10.0.0.5", &["203.0.113.9, garbage"], "10.0.0.5"),
            ("10.0.0.5", &["garbage, 10.9.9.9"], "10.9.9.9"),
            // From an untrusted peer the header is ignored.
            ("198.51.100.4", &["203.0.113.9"], "198.51.100.4"),
            ("198.51.100.4", &["10.0.0.7"], "198.51.100.4"),
            // IPv4-mapped IPv6 peers are their IPv4 address.
            ("::ffff:10.0.0.5", &["203.0.113.9"], "203.0.113.9"),
        ];
        for (peer, values, expected) in cases {
            assert_eq!(
                proxies.resolve(ip(peer), values.iter().copied()),
                ip(expected),
                "{peer} {values:?}"
            );
        }
    }

    #[test]
    fn without_a_header_the_peer_counts() {
        let direct = ClientAddresses::default();
        assert_eq!(
            direct.resolve(ip("10.0.0.5"), ["203.0.113.9"].into_iter()),
            ip("10.0.0.5")
        );
    }
}
