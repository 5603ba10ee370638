//! Random identifiers made on the phone: peer ids and record ids. Record ids
//! must never collide between two phones adding rows offline, so they come
//! from the browser's cryptographic generator, not from a counter.

/// `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The browser's crypto.getRandomValues only fails for requests over 64 KiB.
    getrandom::fill(&mut buf).expect("crypto.getRandomValues is available");
    hex::encode(buf)
}

/// A new record id: 16 hex characters (64 random bits).
pub fn new_record_id() -> String {
    random_hex(8)
}
