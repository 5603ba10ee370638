//! The client's address: the TCP peer, or — only when that peer is a
//! configured trusted proxy (`--trusted-proxy`) — the address the proxy
//! names in `--client-ip-header`. Without trusted proxies headers are
//! ignored: any client could write them.

use super::AppState;
use super::error::AppError;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;

/// A trusted proxy: an IP address or a CIDR block (`10.0.0.0/8`,
/// `fd00::/8`), read and matched by the `ipnet` crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet(ipnet::IpNet);

impl FromStr for IpNet {
    type Err = String;

    fn from_str(s: &str) -> Result<IpNet, String> {
        let s = s.trim();
        s.parse::<ipnet::IpNet>()
            .or_else(|_| s.parse::<IpAddr>().map(ipnet::IpNet::from))
            .map(IpNet)
            .map_err(|_| format!("{s:?} is not an IP address or CIDR block"))
    }
}

impl IpNet {
    /// Whether `ip` is in this block (an IPv4-mapped IPv6 address counts as
    /// its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip) || self.0.contains(&ip.to_canonical())
    }
}

/// How to find the client's address.
#[derive(Clone, Debug)]
pub struct ClientAddrConfig {
    /// Proxies whose header is believed.
    pub trusted: Vec<IpNet>,
    /// The header they put the client's address in.
    pub header: HeaderName,
}

impl ClientAddrConfig {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|n| n.contains(ip))
    }

    /// The client of a request from `peer` with these headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        // Every hop appends: read all lines of the header, left to right.
        let hops: Vec<&str> = headers
            .get_all(&self.header)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect();
        if self.header != "x-forwarded-for" {
            // A single-address header (X-Real-IP…): the last one set.
            return hops.last().and_then(|h| parse_hop(h)).unwrap_or(peer);
        }
        // The right-most address that is not itself a trusted proxy: what
        // is left of it the client may have written.
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse().ok())
        })
}

/// The client's address of a request (see the module docs).
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddr, AppError> {
        // Served without connect info (not by `http::serve`): one bucket.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        Ok(ClientAddr(state.client_addr.client(peer, &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(trusted: &[&str], header: &str) -> ClientAddrConfig {
        ClientAddrConfig {
            trusted: trusted.iter().map(|t| t.parse().unwrap()).collect(),
            header: HeaderName::from_str(header).unwrap(),
        }
    }

    fn headers(name: &str, values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(HeaderName::from_str(name).unwrap(), v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidr_blocks_contain_their_addresses() {
        let net: IpNet = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")));
        let one: IpNet = "127.0.0.1".parse().unwrap();
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")) && !all.contains(ip("2001:db8::1")));
        let v6: IpNet = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("proxy.lan".parse::<IpNet>().is_err());
    }

    #[test]
    fn headers_are_ignored_without_a_trusted_proxy() {
        let c = config(&[], "x-forwarded-for");
        let h = headers("x-forwarded-for", &["198.51.100.7"]);
        assert_eq!(c.client(ip("203.0.113.5"), &h), ip("203.0.113.5"));
        // Nor from a peer that is not the trusted proxy.
        let c = config(&["10.0.0.1"], "x-forwarded-for");
        assert_eq!(c.client(ip("203.0.113.5"), &h), ip("203.0.113.5"));
    }

    #[test]
    fn x_forwarded_for_gives_the_right_most_untrusted_address() {
        let c = config(&["127.0.0.1", "10.0.0.0/8"], "X-Forwarded-For");
        let peer = ip("127.0.0.1");
        // The client wrote a fake first entry; the proxies appended the rest.
        let h = headers(
            "x-forwarded-for",
            &["1.2.3.4, 203.0.113.5", "10.0.0.7:4431"],
        );
        assert_eq!(c.client(peer, &h), ip("203.0.113.5"));
        assert_eq!(c.client(peer, &HeaderMap::new()), peer);
        // Garbage stops the walk at the last trusted hop.
        let h = headers("x-forwarded-for", &["203.0.113.5, junk, 10.0.0.7"]);
        assert_eq!(c.client(peer, &h), ip("10.0.0.7"));
        let h = headers("x-forwarded-for", &["[2001:db8::5]:80"]);
        assert_eq!(c.client(peer, &h), ip("2001:db8::5"));
    }

    #[test]
    fn another_header_is_read_as_one_address() {
        let c = config(&["127.0.0.1"], "X-Real-IP");
        let h = headers("x-real-ip", &["198.51.100.7"]);
        assert_eq!(c.client(ip("127.0.0.1"), &h), ip("198.51.100.7"));
        let h = headers("x-real-ip", &["nonsense"]);
        assert_eq!(c.client(ip("127.0.0.1"), &h), ip("127.0.0.1"));
        // X-Forwarded-For is not read when another header is configured.
        let h = headers("x-forwarded-for", &["198.51.100.7"]);
        assert_eq!(c.client(ip("127.0.0.1"), &h), ip("127.0.0.1"));
    }
}
