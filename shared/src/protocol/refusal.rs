//! A refusal of a peer's changes, told in the protocol's own extension
//! point: an `ephemeral` message about the document, whose data is the CBOR
//! map `{type: "changes-refused", reason}`.
//!
//! Why not a message type of our own: every automerge-repo client accepts
//! ephemeral messages (JavaScript hands them to the document handle's
//! `ephemeral-message` event, samod to `DocHandle::ephemera()`), while an
//! unknown `type` makes samod drop the connection — it then reconnects and
//! offers the refused change again, several times a second, forever.
//! Our engine still reads the older `changes-refused` wire message.

use super::wire::{Cbor, read_value};
use minicbor::{Decoder, Encoder};

/// The `type` inside the ephemeral data.
pub const TYPE: &str = "changes-refused";

/// The ephemeral data telling that changes were refused for `reason`.
pub fn encode(reason: &str) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = e
        .map(2)
        .and_then(|e| e.str("type"))
        .and_then(|e| e.str(TYPE))
        .and_then(|e| e.str("reason"))
        .and_then(|e| e.str(reason));
    e.into_writer()
}

/// The reason, when `data` is a refusal (other ephemeral data: `None`).
pub fn decode(data: &[u8]) -> Option<String> {
    let mut d = Decoder::new(data);
    let Ok(Cbor::Map(items)) = read_value(&mut d, 0) else {
        return None;
    };
    let field = |name: &str| {
        items.iter().find_map(|(k, v)| match (k, v) {
            (Cbor::Str(k), Cbor::Str(v)) if k == name => Some(v.clone()),
            _ => None,
        })
    };
    (field("type")? == TYPE).then(|| field("reason"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_back_and_other_data_is_not_one() {
        let data = encode("workflow:approved");
        assert_eq!(decode(&data).as_deref(), Some("workflow:approved"));
        // Presence data of some app, not CBOR, a map without a reason.
        let mut e = Encoder::new(Vec::new());
        e.map(1).unwrap().str("cursor").unwrap().u32(3).unwrap();
        assert_eq!(decode(&e.into_writer()), None);
        assert_eq!(decode(b"\xff\x00"), None);
        let mut e = Encoder::new(Vec::new());
        e.map(1).unwrap().str("type").unwrap().str(TYPE).unwrap();
        assert_eq!(decode(&e.into_writer()), None);
    }
}
