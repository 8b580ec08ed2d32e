//! Content-addressed blobs (attachments, evidence): stored under their SHA-256, behind a small
//! trait so that a shared S3-compatible store can replace the local directory when several app
//! servers share data. Files stream through in chunks; none is held whole in memory.

use crate::kit::ByKey;
use crate::{Result, StoreError};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// A readable stream of bytes.
pub type ByteStream = Pin<Box<dyn AsyncRead + Send>>;
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    /// The type recognised from the content (never taken from the client alone).
    pub content_type: String,
}

/// Limits on what may be stored.
#[derive(Debug, Clone)]
pub struct BlobLimits {
    pub max_bytes: u64,
    /// Content types accepted, recognised from the first bytes.
    pub allowed: Vec<&'static str>,
}

impl Default for BlobLimits {
    fn default() -> Self {
        Self {
            max_bytes: 20 * 1024 * 1024,
            allowed: vec![
                "application/pdf",
                "image/png",
                "image/jpeg",
                "image/gif",
                "application/x-hwp",
                "application/zip",
                "text/plain",
            ],
        }
    }
}

/// A place to keep blobs by content hash.
pub trait BlobStore: Send + Sync {
    /// Stream `data` in, hashing as it goes; refuse it (and keep nothing) when it is larger than
    /// the limit or of a type not allowed.
    fn put<'a>(
        &'a self,
        data: ByteStream,
        limits: &'a BlobLimits,
    ) -> BoxFuture<'a, Result<StoredBlob>>;
    /// Open a stored blob for reading.
    fn open<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, Result<ByteStream>>;
    /// Delete a stored blob; one already gone is not an error. The caller checks that nothing
    /// refers to it any more.
    fn remove<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, Result<()>>;
}

/// Recognise a file type from its first bytes. Declared types are not trusted: a script
/// renamed `.pdf` is still refused.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(b"%PDF-") {
        Some("application/pdf")
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if starts(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        // OLE compound file: HWP 5 (and old MS Office) documents.
        Some("application/x-hwp")
    } else if head.len() >= 12 && starts(b"RIFF") && &head[8..12] == b"WAVE" {
        Some("audio/wav")
    } else if starts(b"ID3") || (head.len() >= 2 && head[0] == 0xff && head[1] & 0xe0 == 0xe0) {
        // MPEG audio: a tag, or a frame sync (11 set bits). JPEG (ff d8) was matched above.
        Some("audio/mpeg")
    } else if starts(b"OggS") {
        Some("audio/ogg")
    } else if starts(b"\x1a\x45\xdf\xa3") {
        // Matroska/WebM, as browsers record.
        Some("video/webm")
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        // ISO media: M4A audio recorders write an `M4A ` brand, phones and cameras mp4/isom.
        if &head[8..12] == b"M4A " {
            Some("audio/mp4")
        } else {
            Some("video/mp4")
        }
    } else if starts(b"PK\x03\x04") {
        // ZIP containers: HWPX, OOXML.
        Some("application/zip")
    } else if !head.is_empty()
        && std::str::from_utf8(head).is_ok_and(|s| {
            !s.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        })
    {
        Some("text/plain")
    } else if head.len() >= 4 && std::str::from_utf8(&head[..head.len() - 3]).is_ok() {
        // A UTF-8 text whose first chunk ends inside a character.
        Some("text/plain")
    } else {
        None
    }
}

/// Read a stream to its end and return its SHA-256 (hex) and size, chunk by chunk: how a
/// stored blob is checked against the address it was stored under.
pub async fn hash_stream(mut data: ByteStream) -> Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = data.read(&mut buf).await.map_err(io_error)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

fn too_big(limit: u64) -> StoreError {
    let mb = limit / (1024 * 1024);
    StoreError::Rule(domain::RuleError::new(
        "attachment_too_large",
        format!("첨부 파일은 {mb} MB까지입니다"),
        format!("an attachment may be at most {mb} MB"),
    ))
}

fn forbidden_type() -> StoreError {
    StoreError::Rule(domain::RuleError::new(
        "attachment_type_not_allowed",
        "허용되지 않는 파일 형식입니다 (PDF, PNG, JPEG, GIF, HWP, HWPX, 텍스트만 가능)",
        "file type not allowed (PDF, PNG, JPEG, GIF, HWP, HWPX, plain text)",
    ))
}

fn io_error(e: std::io::Error) -> StoreError {
    StoreError::internal("blob storage", e)
}

/// Blobs in a local directory: `<root>/ab/cd/abcdef…`, written to a temporary file first and
/// renamed into place, so a blob is either whole or absent.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(root.join("tmp")).map_err(io_error)?;
        Ok(Self { root })
    }

    /// Where a blob lives on disk (`None` for a malformed address).
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let ok = sha256.len() == 64 && sha256.chars().all(|c| c.is_ascii_hexdigit());
        ok.then(|| {
            self.root
                .join(&sha256[..2])
                .join(&sha256[2..4])
                .join(sha256)
        })
    }

    async fn put_inner(&self, mut data: ByteStream, limits: &BlobLimits) -> Result<StoredBlob> {
        let tmp_name = format!("upload-{}", crate::kit::secrets::new_token()?);
        let tmp = self.root.join("tmp").join(tmp_name);
        let result = async {
            let mut file = tokio::fs::File::create(&tmp).await.map_err(io_error)?;
            let mut hasher = Sha256::new();
            let mut size: u64 = 0;
            let mut buf = vec![0u8; 64 * 1024];
            let mut content_type: Option<&'static str> = None;
            loop {
                let n = data.read(&mut buf).await.map_err(io_error)?;
                if n == 0 {
                    break;
                }
                let chunk = &buf[..n];
                if content_type.is_none() {
                    content_type = Some(
                        sniff(chunk)
                            .filter(|t| limits.allowed.contains(t))
                            .ok_or_else(forbidden_type)?,
                    );
                }
                size += n as u64;
                if size > limits.max_bytes {
                    return Err(too_big(limits.max_bytes));
                }
                hasher.update(chunk);
                file.write_all(chunk).await.map_err(io_error)?;
            }
            let content_type = content_type.ok_or_else(|| {
                StoreError::Rule(domain::RuleError::new(
                    "attachment_empty",
                    "빈 파일은 첨부할 수 없습니다",
                    "an empty file cannot be attached",
                ))
            })?;
            file.sync_all().await.map_err(io_error)?;
            Ok((hex::encode(hasher.finalize()), size, content_type))
        }
        .await;
        match result {
            Ok((sha256, size, content_type)) => {
                let dest = self.path_of(&sha256).or_not_found()?;
                if let Some(dir) = dest.parent() {
                    tokio::fs::create_dir_all(dir).await.map_err(io_error)?;
                }
                // Same content, same name: an existing blob is kept as it is.
                if tokio::fs::try_exists(&dest).await.unwrap_or(false) {
                    let _ = tokio::fs::remove_file(&tmp).await;
                } else {
                    tokio::fs::rename(&tmp, &dest).await.map_err(io_error)?;
                }
                Ok(StoredBlob {
                    sha256,
                    size,
                    content_type: content_type.to_string(),
                })
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                Err(e)
            }
        }
    }
}

impl BlobStore for LocalBlobStore {
    fn put<'a>(
        &'a self,
        data: ByteStream,
        limits: &'a BlobLimits,
    ) -> BoxFuture<'a, Result<StoredBlob>> {
        Box::pin(self.put_inner(data, limits))
    }

    fn open<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, Result<ByteStream>> {
        Box::pin(async move {
            let path = self.path_of(sha256).or_not_found()?;
            match tokio::fs::File::open(path).await {
                Ok(f) => Ok(Box::pin(f) as ByteStream),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound),
                Err(e) => Err(io_error(e)),
            }
        })
    }

    fn remove<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let path = self.path_of(sha256).or_not_found()?;
            match tokio::fs::remove_file(path).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io_error(e)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(bytes: Vec<u8>) -> ByteStream {
        Box::pin(std::io::Cursor::new(bytes))
    }

    #[tokio::test]
    async fn stores_by_hash_and_enforces_limits() {
        let dir = crate::testing::TempDir::new("minwon-blobs").unwrap();
        let store = LocalBlobStore::new(&dir.0).unwrap();
        let limits = BlobLimits {
            max_bytes: 1000,
            ..BlobLimits::default()
        };
        let pdf = b"%PDF-1.4 hello".to_vec();
        let b = store.put(stream(pdf.clone()), &limits).await.unwrap();
        assert_eq!(b.content_type, "application/pdf");
        assert_eq!(b.sha256, hex::encode(Sha256::digest(&pdf)));
        let mut back = Vec::new();
        store
            .open(&b.sha256)
            .await
            .unwrap()
            .read_to_end(&mut back)
            .await
            .unwrap();
        assert_eq!(back, pdf);
        // Again: same address, no error.
        assert_eq!(store.put(stream(pdf), &limits).await.unwrap(), b);

        let big = [b"%PDF-".to_vec(), vec![b'x'; 2000]].concat();
        let e = store.put(stream(big), &limits).await.unwrap_err();
        assert!(matches!(e, StoreError::Rule(r) if r.code == "attachment_too_large"));
        let exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
        let e = store.put(stream(exe), &limits).await.unwrap_err();
        assert!(matches!(e, StoreError::Rule(r) if r.code == "attachment_type_not_allowed"));
        assert!(matches!(
            store.open("../etc/passwd").await,
            Err(StoreError::NotFound)
        ));
        // Nothing left behind by refused uploads.
        assert_eq!(std::fs::read_dir(dir.0.join("tmp")).unwrap().count(), 0);
    }
}
