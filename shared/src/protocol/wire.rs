//! The automerge-repo wire messages and their CBOR codec.
//!
//! Decoding is lenient where the JavaScript implementation (cbor-x) varies —
//! integers may arrive as floats, containers may be of indefinite length,
//! unknown keys are skipped — and strict where it matters: every message needs
//! its type and the fields of that type, and nesting depth is bounded.

use super::ids::{DocumentId, PeerId};
use minicbor::data::Type;
use minicbor::{Decoder, Encoder};
use std::collections::BTreeMap;

/// The protocol version we speak.
pub const PROTOCOL_VERSION: &str = "1";

/// Metadata a peer announces in the handshake.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    /// The id of the peer's storage, if it persists documents.
    pub storage_id: Option<String>,
    /// True when the peer will not come back with the same storage.
    pub is_ephemeral: bool,
}

/// One message of the automerge-repo network protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireMessage {
    /// The connecting side introduces itself.
    Join {
        /// Who is joining.
        sender_id: PeerId,
        /// Protocol versions it speaks.
        supported_protocol_versions: Vec<String>,
        /// Its metadata.
        metadata: Option<PeerMetadata>,
    },
    /// The accepting side answers a join.
    Peer {
        /// Who answers.
        sender_id: PeerId,
        /// The joiner.
        target_id: PeerId,
        /// The version chosen.
        selected_protocol_version: String,
        /// Its metadata.
        metadata: Option<PeerMetadata>,
    },
    /// The sender is about to disconnect.
    Leave {
        /// Who leaves.
        sender_id: PeerId,
    },
    /// The sender does not have the document and asks for it.
    Request {
        /// Sender.
        sender_id: PeerId,
        /// Receiver.
        target_id: PeerId,
        /// The document.
        document_id: DocumentId,
        /// An Automerge sync message.
        data: Vec<u8>,
    },
    /// An Automerge sync message for a document.
    Sync {
        /// Sender.
        sender_id: PeerId,
        /// Receiver.
        target_id: PeerId,
        /// The document.
        document_id: DocumentId,
        /// An Automerge sync message.
        data: Vec<u8>,
    },
    /// The sender does not have the requested document.
    DocUnavailable {
        /// Sender.
        sender_id: PeerId,
        /// Receiver.
        target_id: PeerId,
        /// The document.
        document_id: DocumentId,
    },
    /// An application message that is not stored (presence, cursors).
    Ephemeral {
        /// Sender.
        sender_id: PeerId,
        /// Receiver.
        target_id: PeerId,
        /// The document it is about.
        document_id: DocumentId,
        /// Sender's message counter.
        count: u64,
        /// Sender's session.
        session_id: String,
        /// Opaque payload.
        data: Vec<u8>,
    },
    /// The receiver's changes to a document were refused (by the sender's
    /// access policy) and not applied; the connection stays open. baocao's
    /// own message type: the receiver keeps the changes and offers them
    /// again when the document changes.
    ChangesRefused {
        /// Sender.
        sender_id: PeerId,
        /// Receiver.
        target_id: PeerId,
        /// The document.
        document_id: DocumentId,
        /// Why (a stable code such as `workflow:approved`, or text).
        reason: String,
    },
    /// A protocol error; the sender closes the connection after it.
    Error {
        /// Human-readable reason.
        message: String,
    },
    /// A message type we accept but do not act on (for example
    /// `remote-heads-changed` or `remote-subscription-change`).
    Other {
        /// Its `type`.
        message_type: String,
    },
}

/// Why bytes are not a wire message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not well-formed CBOR.
    #[error("malformed CBOR: {0}")]
    Cbor(String),
    /// Well-formed, but not a map with a string `type`.
    #[error("message is not a map with a \"type\"")]
    NotAMessage,
    /// A field the message type needs is missing or has the wrong type.
    #[error("\"{message_type}\" message: field {field:?} missing or of the wrong type")]
    Field {
        /// Message type.
        message_type: String,
        /// Field name.
        field: &'static str,
    },
    /// A document id that does not decode.
    #[error("invalid documentId")]
    DocumentId,
    /// Nested deeper than any protocol message.
    #[error("message nested too deeply")]
    TooDeep,
    /// Bytes left after the message.
    #[error("trailing bytes after message")]
    Trailing,
}

/// A decoded CBOR value (only what the protocol uses).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Cbor {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Bytes(Vec<u8>),
    Str(String),
    Array(Vec<Cbor>),
    Map(Vec<(Cbor, Cbor)>),
}

const MAX_DEPTH: usize = 8;

fn cbor_err(e: minicbor::decode::Error) -> DecodeError {
    DecodeError::Cbor(e.to_string())
}

pub(super) fn read_value(d: &mut Decoder<'_>, depth: usize) -> Result<Cbor, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError::TooDeep);
    }
    let is_break = |d: &Decoder<'_>| matches!(d.datatype(), Ok(Type::Break));
    let skip_break = |d: &mut Decoder<'_>| {
        let p = d.position();
        d.set_position(p + 1);
    };
    Ok(match d.datatype().map_err(cbor_err)? {
        Type::Null | Type::Undefined => {
            d.skip().map_err(cbor_err)?;
            Cbor::Null
        }
        Type::Bool => Cbor::Bool(d.bool().map_err(cbor_err)?),
        Type::U8
        | Type::U16
        | Type::U32
        | Type::U64
        | Type::I8
        | Type::I16
        | Type::I32
        | Type::I64
        | Type::Int => Cbor::Int(i128::from(d.int().map_err(cbor_err)?)),
        Type::F16 | Type::F32 => Cbor::Float(f64::from(d.f32().map_err(cbor_err)?)),
        Type::F64 => Cbor::Float(d.f64().map_err(cbor_err)?),
        Type::Bytes => Cbor::Bytes(d.bytes().map_err(cbor_err)?.to_vec()),
        Type::BytesIndef => {
            let mut out = Vec::new();
            for chunk in d.bytes_iter().map_err(cbor_err)? {
                out.extend_from_slice(chunk.map_err(cbor_err)?);
            }
            Cbor::Bytes(out)
        }
        Type::String => Cbor::Str(d.str().map_err(cbor_err)?.to_string()),
        Type::StringIndef => {
            let mut out = String::new();
            for chunk in d.str_iter().map_err(cbor_err)? {
                out.push_str(chunk.map_err(cbor_err)?);
            }
            Cbor::Str(out)
        }
        Type::Array | Type::ArrayIndef => {
            let len = d.array().map_err(cbor_err)?;
            let mut items = Vec::new();
            match len {
                Some(n) => {
                    for _ in 0..n {
                        items.push(read_value(d, depth + 1)?);
                    }
                }
                None => {
                    while !is_break(d) {
                        items.push(read_value(d, depth + 1)?);
                    }
                    skip_break(d);
                }
            }
            Cbor::Array(items)
        }
        Type::Map | Type::MapIndef => {
            let len = d.map().map_err(cbor_err)?;
            let mut items = Vec::new();
            match len {
                Some(n) => {
                    for _ in 0..n {
                        let k = read_value(d, depth + 1)?;
                        let v = read_value(d, depth + 1)?;
                        items.push((k, v));
                    }
                }
                None => {
                    while !is_break(d) {
                        let k = read_value(d, depth + 1)?;
                        let v = read_value(d, depth + 1)?;
                        items.push((k, v));
                    }
                    skip_break(d);
                }
            }
            Cbor::Map(items)
        }
        Type::Tag => {
            // cbor-x may tag typed arrays (64 = Uint8Array); the content is what matters.
            d.tag().map_err(cbor_err)?;
            read_value(d, depth + 1)?
        }
        other => return Err(DecodeError::Cbor(format!("unexpected CBOR item {other}"))),
    })
}

struct Fields {
    message_type: String,
    map: BTreeMap<String, Cbor>,
}

impl Fields {
    fn missing(&self, field: &'static str) -> DecodeError {
        DecodeError::Field {
            message_type: self.message_type.clone(),
            field,
        }
    }

    fn str(&self, field: &'static str) -> Result<String, DecodeError> {
        match self.map.get(field) {
            Some(Cbor::Str(s)) => Ok(s.clone()),
            _ => Err(self.missing(field)),
        }
    }

    fn peer(&self, field: &'static str) -> Result<PeerId, DecodeError> {
        self.str(field).map(PeerId)
    }

    fn bytes(&self, field: &'static str) -> Result<Vec<u8>, DecodeError> {
        match self.map.get(field) {
            Some(Cbor::Bytes(b)) => Ok(b.clone()),
            _ => Err(self.missing(field)),
        }
    }

    fn uint(&self, field: &'static str) -> Result<u64, DecodeError> {
        match self.map.get(field) {
            Some(Cbor::Int(i)) => u64::try_from(*i).map_err(|_| self.missing(field)),
            Some(Cbor::Float(f)) if *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19 => Ok(*f as u64),
            _ => Err(self.missing(field)),
        }
    }

    fn document_id(&self) -> Result<DocumentId, DecodeError> {
        match self.map.get("documentId") {
            Some(Cbor::Str(s)) => s.parse().map_err(|_| DecodeError::DocumentId),
            Some(Cbor::Bytes(b)) => {
                let arr: [u8; 16] = b
                    .as_slice()
                    .try_into()
                    .map_err(|_| DecodeError::DocumentId)?;
                Ok(DocumentId::from_bytes(arr))
            }
            _ => Err(self.missing("documentId")),
        }
    }

    fn metadata(&self) -> Option<PeerMetadata> {
        let Some(Cbor::Map(items)) = self.map.get("peerMetadata") else {
            return None;
        };
        let mut m = PeerMetadata::default();
        for (k, v) in items {
            match (k, v) {
                (Cbor::Str(k), Cbor::Str(s)) if k == "storageId" => m.storage_id = Some(s.clone()),
                (Cbor::Str(k), Cbor::Bool(b)) if k == "isEphemeral" => m.is_ephemeral = *b,
                _ => {}
            }
        }
        Some(m)
    }
}

impl WireMessage {
    /// Decodes one message.
    pub fn decode(bytes: &[u8]) -> Result<WireMessage, DecodeError> {
        let mut d = Decoder::new(bytes);
        let value = read_value(&mut d, 0)?;
        if d.position() != bytes.len() {
            return Err(DecodeError::Trailing);
        }
        let Cbor::Map(items) = value else {
            return Err(DecodeError::NotAMessage);
        };
        let mut map = BTreeMap::new();
        for (k, v) in items {
            if let Cbor::Str(k) = k {
                map.insert(k, v);
            }
        }
        let message_type = match map.get("type") {
            Some(Cbor::Str(t)) => t.clone(),
            _ => return Err(DecodeError::NotAMessage),
        };
        let f = Fields { message_type, map };
        Ok(match f.message_type.as_str() {
            "join" => WireMessage::Join {
                sender_id: f.peer("senderId")?,
                supported_protocol_versions: match f.map.get("supportedProtocolVersions") {
                    Some(Cbor::Array(items)) => items
                        .iter()
                        .filter_map(|i| match i {
                            Cbor::Str(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect(),
                    _ => return Err(f.missing("supportedProtocolVersions")),
                },
                metadata: f.metadata(),
            },
            "peer" => WireMessage::Peer {
                sender_id: f.peer("senderId")?,
                target_id: f.peer("targetId")?,
                selected_protocol_version: f.str("selectedProtocolVersion")?,
                metadata: f.metadata(),
            },
            "leave" => WireMessage::Leave {
                sender_id: f.peer("senderId")?,
            },
            "request" => WireMessage::Request {
                sender_id: f.peer("senderId")?,
                target_id: f.peer("targetId")?,
                document_id: f.document_id()?,
                data: f.bytes("data")?,
            },
            "sync" => WireMessage::Sync {
                sender_id: f.peer("senderId")?,
                target_id: f.peer("targetId")?,
                document_id: f.document_id()?,
                data: f.bytes("data")?,
            },
            "doc-unavailable" => WireMessage::DocUnavailable {
                sender_id: f.peer("senderId")?,
                target_id: f.peer("targetId")?,
                document_id: f.document_id()?,
            },
            "ephemeral" => WireMessage::Ephemeral {
                sender_id: f.peer("senderId")?,
                target_id: f.peer("targetId")?,
                document_id: f.document_id()?,
                count: f.uint("count")?,
                session_id: f.str("sessionId")?,
                data: f.bytes("data")?,
            },
            "changes-refused" => WireMessage::ChangesRefused {
                sender_id: f.peer("senderId")?,
                target_id: f.peer("targetId")?,
                document_id: f.document_id()?,
                reason: f.str("reason")?,
            },
            "error" => WireMessage::Error {
                message: f.str("message")?,
            },
            _ => WireMessage::Other {
                message_type: f.message_type.clone(),
            },
        })
    }

    /// Encodes the message as the JavaScript implementation does.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::new(Vec::new());
        self.encode_into(&mut e)
            .expect("encoding into a Vec cannot fail");
        e.into_writer()
    }

    fn encode_into(
        &self,
        e: &mut Encoder<Vec<u8>>,
    ) -> Result<(), minicbor::encode::Error<core::convert::Infallible>> {
        fn metadata(
            e: &mut Encoder<Vec<u8>>,
            m: &PeerMetadata,
        ) -> Result<(), minicbor::encode::Error<core::convert::Infallible>> {
            e.map(if m.storage_id.is_some() { 2 } else { 1 })?;
            if let Some(s) = &m.storage_id {
                e.str("storageId")?.str(s)?;
            }
            e.str("isEphemeral")?.bool(m.is_ephemeral)?;
            Ok(())
        }
        match self {
            WireMessage::Join {
                sender_id,
                supported_protocol_versions,
                metadata: md,
            } => {
                e.map(if md.is_some() { 4 } else { 3 })?;
                e.str("type")?.str("join")?;
                e.str("senderId")?.str(sender_id.as_str())?;
                e.str("supportedProtocolVersions")?
                    .array(supported_protocol_versions.len() as u64)?;
                for v in supported_protocol_versions {
                    e.str(v)?;
                }
                if let Some(m) = md {
                    e.str("peerMetadata")?;
                    metadata(e, m)?;
                }
            }
            WireMessage::Peer {
                sender_id,
                target_id,
                selected_protocol_version,
                metadata: md,
            } => {
                e.map(if md.is_some() { 5 } else { 4 })?;
                e.str("type")?.str("peer")?;
                e.str("senderId")?.str(sender_id.as_str())?;
                e.str("targetId")?.str(target_id.as_str())?;
                e.str("selectedProtocolVersion")?
                    .str(selected_protocol_version)?;
                if let Some(m) = md {
                    e.str("peerMetadata")?;
                    metadata(e, m)?;
                }
            }
            WireMessage::Leave { sender_id } => {
                e.map(2)?;
                e.str("type")?.str("leave")?;
                e.str("senderId")?.str(sender_id.as_str())?;
            }
            WireMessage::Request {
                sender_id,
                target_id,
                document_id,
                data,
            }
            | WireMessage::Sync {
                sender_id,
                target_id,
                document_id,
                data,
            } => {
                let t = if matches!(self, WireMessage::Request { .. }) {
                    "request"
                } else {
                    "sync"
                };
                e.map(5)?;
                e.str("type")?.str(t)?;
                e.str("senderId")?.str(sender_id.as_str())?;
                e.str("targetId")?.str(target_id.as_str())?;
                e.str("documentId")?.str(&document_id.to_string())?;
                e.str("data")?.bytes(data)?;
            }
            WireMessage::DocUnavailable {
                sender_id,
                target_id,
                document_id,
            } => {
                e.map(4)?;
                e.str("type")?.str("doc-unavailable")?;
                e.str("senderId")?.str(sender_id.as_str())?;
                e.str("targetId")?.str(target_id.as_str())?;
                e.str("documentId")?.str(&document_id.to_string())?;
            }
            WireMessage::Ephemeral {
                sender_id,
                target_id,
                document_id,
                count,
                session_id,
                data,
            } => {
                e.map(7)?;
                e.str("type")?.str("ephemeral")?;
                e.str("senderId")?.str(sender_id.as_str())?;
                e.str("targetId")?.str(target_id.as_str())?;
                e.str("documentId")?.str(&document_id.to_string())?;
                e.str("count")?.u64(*count)?;
                e.str("sessionId")?.str(session_id)?;
                e.str("data")?.bytes(data)?;
            }
            WireMessage::ChangesRefused {
                sender_id,
                target_id,
                document_id,
                reason,
            } => {
                e.map(5)?;
                e.str("type")?.str("changes-refused")?;
                e.str("senderId")?.str(sender_id.as_str())?;
                e.str("targetId")?.str(target_id.as_str())?;
                e.str("documentId")?.str(&document_id.to_string())?;
                e.str("reason")?.str(reason)?;
            }
            WireMessage::Error { message } => {
                e.map(2)?;
                e.str("type")?.str("error")?;
                e.str("message")?.str(message)?;
            }
            WireMessage::Other { message_type } => {
                e.map(1)?;
                e.str("type")?.str(message_type)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<WireMessage> {
        let a = PeerId::new("phone-a");
        let s = PeerId::new("server");
        let doc = DocumentId::from_bytes([9; 16]);
        vec![
            WireMessage::Join {
                sender_id: a.clone(),
                supported_protocol_versions: vec!["1".into()],
                metadata: Some(PeerMetadata {
                    storage_id: Some("st".into()),
                    is_ephemeral: false,
                }),
            },
            WireMessage::Peer {
                sender_id: s.clone(),
                target_id: a.clone(),
                selected_protocol_version: "1".into(),
                metadata: None,
            },
            WireMessage::Request {
                sender_id: a.clone(),
                target_id: s.clone(),
                document_id: doc,
                data: vec![1, 2, 3],
            },
            WireMessage::Sync {
                sender_id: s.clone(),
                target_id: a.clone(),
                document_id: doc,
                data: vec![],
            },
            WireMessage::DocUnavailable {
                sender_id: s.clone(),
                target_id: a.clone(),
                document_id: doc,
            },
            WireMessage::Ephemeral {
                sender_id: a.clone(),
                target_id: s.clone(),
                document_id: doc,
                count: 4,
                session_id: "x".into(),
                data: vec![0],
            },
            WireMessage::ChangesRefused {
                sender_id: s.clone(),
                target_id: a.clone(),
                document_id: doc,
                reason: "workflow:approved".into(),
            },
            WireMessage::Error {
                message: "nope".into(),
            },
            WireMessage::Leave { sender_id: a },
        ]
    }

    #[test]
    fn round_trip() {
        for m in samples() {
            assert_eq!(WireMessage::decode(&m.encode()).unwrap(), m);
        }
    }

    #[test]
    fn lenient_where_cbor_x_varies() {
        // {"type":"ephemeral", ..., "count": 4.0} with count as a float64, in an
        // indefinite-length map.
        let mut e = Encoder::new(Vec::new());
        e.begin_map().unwrap();
        e.str("type").unwrap().str("ephemeral").unwrap();
        e.str("senderId").unwrap().str("a").unwrap();
        e.str("targetId").unwrap().str("b").unwrap();
        e.str("documentId")
            .unwrap()
            .str(&DocumentId::from_bytes([1; 16]).to_string())
            .unwrap();
        e.str("count").unwrap().f64(4.0).unwrap();
        e.str("sessionId").unwrap().str("s").unwrap();
        e.str("data").unwrap().bytes(&[1]).unwrap();
        e.str("extra").unwrap().array(1).unwrap().u8(1).unwrap();
        e.end().unwrap();
        let m = WireMessage::decode(&e.into_writer()).unwrap();
        assert!(matches!(m, WireMessage::Ephemeral { count: 4, .. }));
    }

    #[test]
    fn rejects_garbage() {
        assert!(WireMessage::decode(&[]).is_err());
        assert!(WireMessage::decode(&[0xff, 0x00, 0x13]).is_err());
        assert_eq!(
            WireMessage::decode(&[0x01]).unwrap_err(),
            DecodeError::NotAMessage
        );
        let mut sync = samples()[3].encode();
        sync.push(0);
        assert_eq!(
            WireMessage::decode(&sync).unwrap_err(),
            DecodeError::Trailing
        );
        // a sync message without data
        let mut e = Encoder::new(Vec::new());
        e.map(1).unwrap().str("type").unwrap().str("sync").unwrap();
        assert!(matches!(
            WireMessage::decode(&e.into_writer()),
            Err(DecodeError::Field { .. })
        ));
        // 100 nested arrays
        let deep: Vec<u8> = std::iter::repeat_n(0x81u8, 100).chain([0x01]).collect();
        assert_eq!(
            WireMessage::decode(&deep).unwrap_err(),
            DecodeError::TooDeep
        );
    }
}
