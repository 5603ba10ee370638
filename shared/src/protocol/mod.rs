//! The automerge-repo network protocol: identifiers and the CBOR wire codec.
//! Speaking it lets any automerge-repo client (JavaScript, Swift, Rust samod)
//! talk to our server.

pub mod ids;
pub mod refusal;
pub mod wire;
