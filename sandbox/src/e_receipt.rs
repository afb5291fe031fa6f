//! E-receipts: the PDF a shop emails, as the simulated providers that read
//! PDF (Aboutgoods, Photon) take it, and as tests and the demo make it
//! ([`pdf`]): the sample shop's receipt, numbered, in plain text on each page.

use crate::sample::{ADDRESS, CURRENCY, DATE, LINES, STORE, TIME, TOTAL};

/// Whether `bytes` start as a PDF does.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// Whether `bytes` are a PDF to its end-of-file marker (a truncated one is
/// not read).
pub fn is_whole_pdf(bytes: &[u8]) -> bool {
    is_pdf(bytes) && bytes.trim_ascii_end().ends_with(b"%%EOF")
}

/// The receipt number an e-receipt made by [`pdf`] prints (`No. 00309142`),
/// read from its page text; `None` where it prints none.
pub fn number(bytes: &[u8]) -> Option<u32> {
    let at = bytes.windows(4).position(|w| w == b"No. ")? + 4;
    let digits = bytes.get(at..at + 8)?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// A whole PDF e-receipt of the sample shop with receipt number `number`,
/// on `pages` pages (each says which it is), as a shop's till system writes
/// one: a catalogue, a page tree, a text stream and a standard font per page,
/// and a cross-reference table whose offsets are the objects' own. It prints
/// the receipt's fiscal data (FN, FD, FP), the FD being `number`.
pub fn pdf(number: u32, pages: u32) -> Vec<u8> {
    write(number, pages, false)
}

/// The same receipt as [`pdf`]'s, issued again as a copy: other text (a
/// "COPY" line), the same fiscal data.
pub fn pdf_copy(number: u32, pages: u32) -> Vec<u8> {
    write(number, pages, true)
}

/// The fiscal drive the sample shop's e-receipts print.
pub const FISCAL_DRIVE: &str = "9282440300682838";

fn write(number: u32, pages: u32, copy: bool) -> Vec<u8> {
    let pages = pages.max(1);
    // Objects: 1 catalogue, 2 page tree, 3 font, then a page and its content
    // for each page.
    let page_id = |i: u32| 4 + 2 * i;
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            (0..pages)
                .map(|i| format!("{} 0 R", page_id(i)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>".to_owned(),
    ];
    for i in 0..pages {
        let mut lines = vec![
            if copy { "COPY" } else { "RECEIPT" }.to_owned(),
            STORE.to_owned(),
            ADDRESS.to_owned(),
            format!("{DATE} {TIME}  No. {number:08}"),
        ];
        lines.extend(
            LINES
                .iter()
                .map(|l| format!("{} x{} {:.2}", l.article, l.quantity, l.total)),
        );
        lines.push(format!("TOTAL {TOTAL:.2} {CURRENCY}"));
        lines.push(format!(
            "FN {FISCAL_DRIVE} FD {number} FP {}",
            u64::from(number) * 7919 % 10_000_000_000
        ));
        lines.push(format!("Page {} of {pages}", i + 1));
        let text: String = lines.iter().map(|l| format!("({l}) Tj T*\n")).collect();
        let content = format!("BT /F1 9 Tf 11 TL 12 380 Td\n{text}ET\n");
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 226 400] \
             /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            page_id(i) + 1
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ));
    }
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (n, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", n + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_e_receipt_says_its_number_on_every_page() {
        let pdf = pdf(309_142, 3);
        assert!(is_pdf(&pdf));
        assert_eq!(number(&pdf), Some(309_142));
        assert_eq!(pdf.windows(8).filter(|w| w == b"No. 0030").count(), 3);
        assert!(pdf.ends_with(b"%%EOF\n"));
    }
}
