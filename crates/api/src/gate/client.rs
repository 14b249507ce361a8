//! The client's address: the socket's peer, or, when the peer is a trusted proxy
//! (`GATEHOUSE_TRUSTED_PROXIES`), the address that proxy saw, read from `X-Forwarded-For`.
//!
//! `X-Forwarded-For` is read from the right: each trusted proxy appended the address it got
//! the request from, so the first address (from the right) that is not a trusted proxy is the
//! client. Everything to its left was written by the client itself and is ignored. A header
//! from a peer that is not trusted is ignored entirely.

use std::net::{IpAddr, SocketAddr};

use crate::apikey::record::canonical;

/// The client's address, given the peer, the `X-Forwarded-For` header values in order, and the
/// trusted proxies.
pub fn resolve<'a>(
    peer: Option<IpAddr>,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let peer = canonical(peer?);
    let is_trusted = |addr: &IpAddr| trusted.iter().any(|net| net.contains(addr));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(addr) = parse_hop(hop) else {
            // A trusted proxy wrote something we cannot read: the last address we could
            // trust is the best we know.
            break;
        };
        client = canonical(addr);
        if !is_trusted(&client) {
            break;
        }
    }
    Some(client)
}

/// `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]:443` or `203.0.113.7:5000`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    fn nets(list: &[&str]) -> Vec<ipnet::IpNet> {
        list.iter().map(|n| n.parse().expect("cidr")).collect()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let client = resolve(
            Some(ip("198.51.100.4")),
            ["10.0.0.1"],
            &nets(&["10.0.0.0/8"]),
        );
        assert_eq!(client, Some(ip("198.51.100.4")));
        assert_eq!(
            resolve(Some(ip("127.0.0.1")), ["10.0.0.1"], &[]),
            Some(ip("127.0.0.1"))
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8"]);
        // The client forged the first entry; the proxy appended the real address.
        let client = resolve(
            Some(ip("10.0.0.2")),
            ["1.2.3.4, 203.0.113.7", "10.0.0.9"],
            &trusted,
        );
        assert_eq!(client, Some(ip("203.0.113.7")));
        // No header: the proxy itself.
        let none: [&str; 0] = [];
        assert_eq!(
            resolve(Some(ip("10.0.0.2")), none, &trusted),
            Some(ip("10.0.0.2"))
        );
        // Every hop trusted: the leftmost.
        assert_eq!(
            resolve(Some(ip("10.0.0.2")), ["10.1.1.1, 10.2.2.2"], &trusted),
            Some(ip("10.1.1.1"))
        );
        // Garbage written by a trusted proxy: the last address we could read.
        assert_eq!(
            resolve(Some(ip("10.0.0.2")), ["203.0.113.7, junk"], &trusted),
            Some(ip("10.0.0.2"))
        );
        // Ports and brackets.
        assert_eq!(
            resolve(Some(ip("10.0.0.2")), ["[2001:db8::1]:443"], &trusted),
            Some(ip("2001:db8::1"))
        );
    }

    #[test]
    fn ipv4_mapped_peers_are_ipv4() {
        assert_eq!(
            resolve(
                Some(ip("::ffff:10.0.0.2")),
                ["203.0.113.7"],
                &nets(&["10.0.0.0/8"])
            ),
            Some(ip("203.0.113.7"))
        );
        assert_eq!(resolve(None, ["203.0.113.7"], &[]), None);
    }
}
