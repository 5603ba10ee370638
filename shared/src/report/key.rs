use crate::protocol::ids::DocumentId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What identifies a report: template, org unit and period.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReportKey {
    /// Template id (not version: versions share the document).
    pub template: String,
    /// Org unit id.
    pub unit: String,
    /// Period id.
    pub period: String,
}

impl ReportKey {
    /// A key from its parts.
    pub fn new(template: &str, unit: &str, period: &str) -> ReportKey {
        ReportKey {
            template: template.into(),
            unit: unit.into(),
            period: period.into(),
        }
    }

    /// The document id every device derives for this report: the first 16 bytes
    /// of a SHA-256 of the key, shaped as a name-based (version 5) UUID so that
    /// automerge-repo clients accept it as a document id.
    pub fn document_id(&self) -> DocumentId {
        let mut h = Sha256::new();
        h.update(b"baocao:report:v1\0");
        for part in [&self.template, &self.unit, &self.period] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let digest = h.finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        bytes[6] = (bytes[6] & 0x0f) | 0x50;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        DocumentId::from_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_deterministic_and_distinct() {
        let a = ReportKey::new("bao-ve-tre-em", "ba-dinh", "2024-H1");
        assert_eq!(a.document_id(), a.clone().document_id());
        let b = ReportKey::new("bao-ve-tre-em", "ba-dinh", "2024-H2");
        assert_ne!(a.document_id(), b.document_id());
        let s = a.document_id().to_string();
        assert_eq!(s.parse::<DocumentId>().unwrap(), a.document_id());
        assert_eq!(a.document_id().as_bytes()[6] >> 4, 5);
    }
}
