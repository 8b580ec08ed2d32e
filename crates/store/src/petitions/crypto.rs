//! Encryption of resident registration numbers (주민등록번호) at rest: AES-256-GCM with a random
//! 96-bit nonce per value. The key lives in a file the binary creates in its data directory and
//! is handed to the store as a [`PiiKey`]; it never enters the database.

use crate::{Result, StoreError};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use std::path::Path;

/// The key that encrypts personal data at rest.
#[derive(Clone)]
pub struct PiiKey([u8; 32]);

impl std::fmt::Debug for PiiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiKey(…)")
    }
}

/// Stored values start with this, so a later key or algorithm can be told apart.
const PREFIX: &str = "v1:";

impl PiiKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        PiiKey(bytes)
    }

    /// A fresh random key.
    pub fn generate() -> Result<Self> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).map_err(|_| StoreError::Hashing)?;
        Ok(PiiKey(k))
    }

    /// Read the key file (64 hex digits), creating it with a fresh key (mode 0600) if missing.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        let io =
            |e: std::io::Error| StoreError::Internal(format!("key file {}: {e}", path.display()));
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim()).ok();
                let key: Option<[u8; 32]> = bytes.and_then(|b| b.try_into().ok());
                key.map(PiiKey).ok_or_else(|| {
                    StoreError::Internal(format!(
                        "key file {} must hold 64 hex digits",
                        path.display()
                    ))
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = PiiKey::generate()?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                write_private(path, &hex::encode(key.0)).map_err(io)?;
                Ok(key)
            }
            Err(e) => Err(io(e)),
        }
    }

    pub fn encrypt(&self, plain: &str) -> Result<String> {
        let cipher = Aes256Gcm::new((&self.0).into());
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|_| StoreError::Hashing)?;
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| StoreError::Hashing)?;
        Ok(format!(
            "{PREFIX}{}:{}",
            hex::encode(nonce),
            hex::encode(sealed)
        ))
    }

    /// Decrypts a stored value. A wrong key or a changed value is an error, never garbage.
    pub fn decrypt(&self, stored: &str) -> Result<String> {
        let bad = || StoreError::Internal("an encrypted value cannot be read with this key".into());
        let rest = stored.strip_prefix(PREFIX).ok_or_else(bad)?;
        let (nonce, sealed) = rest.split_once(':').ok_or_else(bad)?;
        let nonce = hex::decode(nonce).map_err(|_| bad())?;
        let sealed = hex::decode(sealed).map_err(|_| bad())?;
        if nonce.len() != 12 {
            return Err(bad());
        }
        let cipher = Aes256Gcm::new((&self.0).into());
        let plain = cipher
            .decrypt(Nonce::from_slice(&nonce), sealed.as_slice())
            .map_err(|_| bad())?;
        String::from_utf8(plain).map_err(|_| bad())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let k = PiiKey::generate().unwrap();
        let a = k.encrypt("900101-1234567").unwrap();
        let b = k.encrypt("900101-1234567").unwrap();
        assert_ne!(a, b, "fresh nonce per value");
        assert!(!a.contains("1234567"));
        assert_eq!(k.decrypt(&a).unwrap(), "900101-1234567");
        let other = PiiKey::generate().unwrap();
        assert!(other.decrypt(&a).is_err());
        let mut tampered = a.clone();
        tampered.pop();
        tampered.push('0');
        assert!(k.decrypt(&tampered).is_err() || tampered == a);
    }

    #[test]
    fn key_file_is_created_once() {
        let dir = crate::testing::TempDir::new("minwon-key").unwrap();
        let path = dir.0.join("keys").join("pii.key");
        let k1 = PiiKey::load_or_create(&path).unwrap();
        let k2 = PiiKey::load_or_create(&path).unwrap();
        let sealed = k1.encrypt("x").unwrap();
        assert_eq!(k2.decrypt(&sealed).unwrap(), "x");
    }
}
