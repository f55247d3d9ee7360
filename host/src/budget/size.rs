//! Byte sizes as people write them, and the memory the process has and may have.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// A number of bytes, written and read the way Kubernetes writes memory (`768Mi`, `1Gi`,
/// `1G`) or the way people do (`768MiB`, `512 MB`, plain bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bytes(pub u64);

/// A size that does not parse.
#[derive(Debug, Error)]
#[error("{text:?} is not a size; write it like 768Mi, 1Gi, 512MB or a number of bytes")]
pub struct ParseBytesError {
    text: String,
}

/// Budget when no container limit is known.
const FALLBACK_BUDGET: u64 = 768 << 20;
/// Share of the container's limit the budget takes by default: the rest is margin for what
/// the budget does not count (allocator slack, the kube client's buffers, thread stacks).
const SHARE_OF_LIMIT: f64 = 0.75;

impl FromStr for Bytes {
    type Err = ParseBytesError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ParseBytesError { text: text.to_string() };
        let trimmed = text.trim();
        let split = trimmed.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let number: f64 = number.parse().map_err(|_| error())?;
        let multiplier: u64 = match unit.trim() {
            "" | "B" => 1,
            "k" | "K" | "KB" | "kB" => 1_000,
            "Ki" | "KiB" => 1 << 10,
            "M" | "MB" => 1_000_000,
            "Mi" | "MiB" => 1 << 20,
            "G" | "GB" => 1_000_000_000,
            "Gi" | "GiB" => 1 << 30,
            "T" | "TB" => 1_000_000_000_000,
            "Ti" | "TiB" => 1 << 40,
            _ => return Err(error()),
        };
        let bytes = number * multiplier as f64;
        if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
            return Err(error());
        }
        Ok(Bytes(bytes as u64))
    }
}

/// In the config file a size is a string (`768Mi`) or a number of bytes.
impl<'de> serde::Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Written {
            Number(u64),
            Text(String),
        }
        match Written::deserialize(deserializer)? {
            Written::Number(bytes) => Ok(Bytes(bytes)),
            Written::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
        for (unit, size) in UNITS {
            if self.0 >= size {
                let value = self.0 as f64 / size as f64;
                return if (value - value.round()).abs() < 0.05 {
                    write!(f, "{} {unit}", value.round())
                } else {
                    write!(f, "{value:.1} {unit}")
                };
            }
        }
        write!(f, "{} bytes", self.0)
    }
}

/// The memory limit of the container (cgroup v2 `memory.max`, or v1
/// `memory.limit_in_bytes`), when there is one.
pub fn container_limit() -> Option<Bytes> {
    const V2: &str = "/sys/fs/cgroup/memory.max";
    const V1: &str = "/sys/fs/cgroup/memory/memory.limit_in_bytes";
    [V2, V1].iter().find_map(|path| {
        let text = std::fs::read_to_string(path).ok()?;
        let limit: u64 = text.trim().parse().ok()?;
        // cgroup v1 spells "no limit" as a page-rounded i64::MAX; v2 as "max".
        (limit < (1 << 62)).then_some(Bytes(limit))
    })
}

/// The default budget: three quarters of the container's memory limit, or 768 MiB (three
/// quarters of the 1 GiB the deployment manifest gives the extension) without one.
pub fn default_budget() -> Bytes {
    container_limit().map_or(Bytes(FALLBACK_BUDGET), |limit| Bytes((limit.0 as f64 * SHARE_OF_LIMIT) as u64))
}

/// The process's resident memory now (`VmRSS`), if the platform tells.
pub fn resident_bytes() -> Option<Bytes> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(Bytes(kib * 1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kubernetes_and_human_sizes() {
        for (text, bytes) in [
            ("768Mi", 768 << 20),
            ("768MiB", 768 << 20),
            ("1Gi", 1 << 30),
            ("1.5GiB", 3 << 29),
            ("512 MB", 512_000_000),
            ("1G", 1_000_000_000),
            ("4096", 4096),
        ] {
            assert_eq!(text.parse::<Bytes>().unwrap(), Bytes(bytes), "{text}");
        }
        for bad in ["", "lots", "12 parsecs", "-1Gi", "1e400"] {
            let error = bad.parse::<Bytes>().unwrap_err();
            assert!(error.to_string().contains("768Mi"), "{error}");
        }
    }

    #[test]
    fn prints_in_binary_units() {
        assert_eq!(Bytes(768 << 20).to_string(), "768 MiB");
        assert_eq!(Bytes(3 << 29).to_string(), "1.5 GiB");
        assert_eq!(Bytes(100).to_string(), "100 bytes");
    }

    #[test]
    fn the_resident_size_is_known_on_linux() {
        let rss = resident_bytes().expect("/proc/self/status");
        assert!(rss.0 > 1 << 20, "{rss}");
    }
}
