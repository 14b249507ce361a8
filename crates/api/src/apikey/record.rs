//! A verified key: what a request with it may do, and until when.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::SystemTime;

/// A key's row, without its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The public id.
    pub id: String,
    /// The policy role.
    pub role: String,
    /// One tenant, every tenant (a cross-tenant key), or none.
    pub tenant: policy::Tenant,
    /// Client addresses the key may be used from; empty means any.
    pub allowed: Vec<ipnet::IpNet>,
    /// The earlier of `expires_at` and `overlap_until`: the key does not work from then on.
    pub not_after: Option<SystemTime>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<SystemTime>,
}

impl KeyRecord {
    /// Whether the key works at `now`: not revoked, not expired, not past its rotation overlap.
    pub fn usable_at(&self, now: SystemTime) -> bool {
        self.revoked_at.is_none_or(|at| at > now) && self.not_after.is_none_or(|end| now < end)
    }

    /// Whether a request from `client` may use the key (`None`, an unknown address, may use
    /// only a key without restrictions).
    pub fn allows(&self, client: Option<IpAddr>) -> bool {
        self.allowed.is_empty()
            || client.is_some_and(|addr| {
                let addr = canonical(addr);
                self.allowed.iter().any(|net| net.contains(&addr))
            })
    }

    /// The principal of a request made with this key: its role and tenant, the id as subject,
    /// no claims.
    pub fn principal(&self) -> policy::Principal {
        policy::Principal {
            role: self.role.clone(),
            tenant: self.tenant.clone(),
            subject: Some(self.id.clone()),
            claims: BTreeMap::new(),
        }
    }
}

/// An IPv4 address seen as IPv4-mapped IPv6 (`::ffff:10.0.0.1`, from a dual-stack socket) is
/// the IPv4 address, so that `10.0.0.0/8` matches it.
pub fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn record() -> KeyRecord {
        KeyRecord {
            id: "abcdefgh".to_owned(),
            role: "reader".to_owned(),
            tenant: policy::Tenant::One("acme".to_owned()),
            allowed: Vec::new(),
            not_after: None,
            revoked_at: None,
        }
    }

    #[test]
    fn expiry_revocation_and_overlap_end_a_key() {
        let now = SystemTime::now();
        let second = Duration::from_secs(1);
        assert!(record().usable_at(now));
        let expired = KeyRecord {
            not_after: Some(now - second),
            ..record()
        };
        assert!(!expired.usable_at(now));
        let ends_at_now = KeyRecord {
            not_after: Some(now),
            ..record()
        };
        assert!(!ends_at_now.usable_at(now));
        let later = KeyRecord {
            not_after: Some(now + second),
            ..record()
        };
        assert!(later.usable_at(now));
        let revoked = KeyRecord {
            revoked_at: Some(now - second),
            ..record()
        };
        assert!(!revoked.usable_at(now));
    }

    #[test]
    fn allowed_addresses() {
        let any = record();
        assert!(any.allows(None));
        assert!(any.allows(Some("203.0.113.9".parse().expect("ip"))));
        let ten = KeyRecord {
            allowed: vec!["10.0.0.0/8".parse().expect("cidr")],
            ..record()
        };
        assert!(ten.allows(Some("10.1.2.3".parse().expect("ip"))));
        assert!(ten.allows(Some("::ffff:10.1.2.3".parse().expect("ip"))));
        assert!(!ten.allows(Some("127.0.0.1".parse().expect("ip"))));
        assert!(!ten.allows(None));
    }

    #[test]
    fn the_principal_carries_role_tenant_and_id() {
        let principal = record().principal();
        assert_eq!(principal.role, "reader");
        assert_eq!(principal.tenant, policy::Tenant::One("acme".to_owned()));
        assert_eq!(principal.subject.as_deref(), Some("abcdefgh"));
        assert!(principal.claims.is_empty());
    }
}
