//! A photo (or e-receipt) as stored and forwarded, and the media types the
//! proxy takes.

/// A type the proxy takes, as told from the file's content: a photo's, or an
/// e-receipt's (PDF) where the campaign's provider reads PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Jpeg,
    Png,
    Heic,
    Heif,
    Pdf,
}

impl MediaType {
    /// Every photo type the proxy takes, in the order the widget is told them.
    pub const IMAGES: [Self; 4] = [Self::Jpeg, Self::Png, Self::Heic, Self::Heif];
    /// Every type the proxy takes: the photos', then PDF.
    pub const ALL: [Self; 5] = [Self::Jpeg, Self::Png, Self::Heic, Self::Heif, Self::Pdf];

    /// The MIME type.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Heic => "image/heic",
            Self::Heif => "image/heif",
            Self::Pdf => "application/pdf",
        }
    }

    /// The type a MIME name stands for, `None` for a type the proxy does not take.
    pub fn from_mime(mime: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == mime)
    }

    /// The file name extension providers expect.
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Heic | Self::Heif => "heic",
            Self::Pdf => "pdf",
        }
    }
}

/// A photo as stored and forwarded: the original bytes, EXIF and all (or an
/// e-receipt's PDF, as the shopper's shop sent it).
#[derive(Debug, Clone)]
pub struct Photo {
    pub media_type: MediaType,
    pub bytes: bytes::Bytes,
}

impl Photo {
    /// The photo as a multipart file part named `{stem}.{extension}` (its
    /// bytes shared, not copied).
    pub fn part(&self, stem: &str) -> Result<reqwest::multipart::Part, crate::ProviderError> {
        let length = self.bytes.len() as u64;
        reqwest::multipart::Part::stream_with_length(self.bytes.clone(), length)
            .file_name(format!("{stem}.{}", self.media_type.extension()))
            .mime_str(self.media_type.as_str())
            .map_err(|_| crate::ProviderError::Malformed("bad content type".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_media_type_reads_back_from_its_mime_name() {
        for media_type in MediaType::ALL {
            assert_eq!(MediaType::from_mime(media_type.as_str()), Some(media_type));
        }
        assert_eq!(MediaType::from_mime("application/zip"), None);
    }
}
