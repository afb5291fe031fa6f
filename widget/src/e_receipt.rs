//! E-receipts: the PDF a shop emails, sent as it is in place of photos where
//! the campaign's provider reads PDF (the campaign's `photos.accept` lists
//! `application/pdf`). It is told by its first bytes, not its name; it is the
//! whole receipt, so it goes alone; it cannot be shrunk, so one over the
//! campaign's size is refused here, in words, before any upload.

use js_sys::{Array, Uint8Array};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag};

use crate::problem::Problem;

/// The type an e-receipt is sent as.
pub const PDF: &str = "application/pdf";

/// What a campaign takes of e-receipts: `None` where its provider reads no
/// PDF, else the most bytes one may have.
pub fn taken(rules: &api::PhotoRules) -> Option<u64> {
    rules
        .accept
        .iter()
        .any(|t| t == PDF)
        .then_some(rules.max_bytes)
}

/// Whether `file` starts as a PDF does (`%PDF-`).
pub async fn is_pdf(file: &Blob) -> bool {
    let Ok(head) = file.slice_with_i32_and_i32(0, 5) else {
        return false;
    };
    match JsFuture::from(head.array_buffer()).await {
        Ok(buffer) => Uint8Array::new(&buffer).to_vec() == b"%PDF-",
        Err(_) => false,
    }
}

/// A picked PDF, typed as one and ready to send as it is where the campaign
/// takes e-receipts of up to `max_bytes` (`taken`), else refused in words.
pub fn typed(file: &Blob, max_bytes: Option<u64>) -> Result<Blob, Problem> {
    let max_bytes = max_bytes.ok_or(Problem::PdfNotTaken)?;
    if file.size() > max_bytes as f64 {
        return Err(Problem::PdfTooLarge(max_bytes.div_ceil(1024 * 1024)));
    }
    // Typed as a PDF whatever the file's name said, so the upload names it
    // `.pdf` and a draft brought back knows it for one.
    let options = BlobPropertyBag::new();
    options.set_type(PDF);
    Blob::new_with_blob_sequence_and_options(&Array::of1(file), &options)
        .map_err(|_| Problem::PreviewFailed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    fn file(text: &str, kind: &str) -> Blob {
        let options = BlobPropertyBag::new();
        options.set_type(kind);
        Blob::new_with_str_sequence_and_options(&Array::of1(&text.into()), &options).unwrap()
    }

    #[test]
    async fn a_pdf_is_told_by_its_bytes_and_typed_or_refused_in_words() {
        // Named like a photo, a PDF inside; and the other way round.
        let pdf = file("%PDF-1.4 an e-receipt", "image/jpeg");
        assert!(is_pdf(&pdf).await);
        assert!(!is_pdf(&file("\u{ff}\u{d8} a photo", "application/pdf")).await);
        let typed = typed(&pdf, Some(1024)).unwrap();
        assert_eq!(typed.type_(), PDF);
        assert_eq!(typed.size(), pdf.size());
        assert_eq!(typed_error(&pdf, None), Problem::PdfNotTaken);
        // 21 bytes against a limit of 20: over, said in whole megabytes.
        assert_eq!(typed_error(&pdf, Some(20)), Problem::PdfTooLarge(1));
    }

    fn typed_error(file: &Blob, max_bytes: Option<u64>) -> Problem {
        typed(file, max_bytes).expect_err("refused")
    }
}
