//! Name-based UUIDs, which kubequery 1.1.1 uses to give child rows (containers) stable ids.

/// The RFC 4122 DNS namespace, which kubequery uses for container uids.
const DNS_NAMESPACE: [u8; 16] =
    [0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8];

/// UUIDv5 in the DNS namespace of `name`, as lowercase hyphenated text.
pub fn v5_dns(name: &str) -> String {
    let mut sha = sha1_smol::Sha1::new();
    sha.update(&DNS_NAMESPACE);
    sha.update(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&sha.digest().bytes()[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_kubequery_container_uid() {
        // From kubequery's pod test: pod uid + container name, no separator.
        assert_eq!(
            super::v5_dns("2271363b-ffc9-4f00-984c-e0a125ee2d7ajaeger-operator"),
            "2e7d1ce3-8546-5b73-beb8-46c109f37668"
        );
    }
}
