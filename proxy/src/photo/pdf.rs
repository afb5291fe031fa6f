//! A PDF e-receipt, the file a shop emails, checked by its structure: a PDF
//! header, a whole file (its end-of-file marker, a cross-reference table or
//! stream that reads, strictly: nothing repaired), pages within the
//! campaign's limit, no password, and nothing that acts when opened
//! (scripts, launch or form-submission actions, embedded files). What
//! identifies it for duplicates is its text ([`EReceipt::key`]), so the
//! same e-receipt saved again (other metadata, other bytes) is still the
//! same; an e-receipt with no text (a scan inside a PDF) is its bytes.

use lopdf::{Document, LoadOptions, Object};
use sha2::{Digest, Sha256};

use super::Problem;

/// Most bytes one stream of the file may inflate to: a shop's receipt is
/// kilobytes of text, and a stream that inflates further is a bomb.
const MAX_STREAM_BYTES: usize = 8 << 20;

/// Fewest letters and digits in a text that identifies its e-receipt; a PDF
/// with fewer (a photo inside a PDF, a page number) is identified by its
/// bytes.
const MIN_TEXT: usize = 16;

/// A PDF checked whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EReceipt {
    pub pages: u32,
    /// Its text, as extracted (what a duplicate is also known by: the
    /// fiscal data a receipt prints).
    pub text: String,
    /// `pdf-text:` and the SHA-256 of its text (words in order, lower case,
    /// spaces collapsed), or `pdf:` and the SHA-256 of its bytes.
    pub key: String,
}

/// Checks `bytes` as one whole PDF of at most `max_pages` pages; see the
/// module's doc for what is refused.
pub fn check(bytes: &[u8], max_pages: u32) -> Result<EReceipt, Problem> {
    // A damaged file must not take the proxy down with it: a panic in the
    // parser is a damaged file.
    std::panic::catch_unwind(|| checked(bytes, max_pages)).unwrap_or(Err(Problem::NotWhole))
}

fn checked(bytes: &[u8], max_pages: u32) -> Result<EReceipt, Problem> {
    if !(bytes.starts_with(b"%PDF-1.") || bytes.starts_with(b"%PDF-2.")) {
        return Err(Problem::NotWhole);
    }
    // A PDF ends with its end-of-file marker (and perhaps a line end): a
    // truncated one does not.
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace() && *b != 0)
        .map_or(0, |at| at + 1);
    if !bytes[..end].ends_with(b"%%EOF") {
        return Err(Problem::NotWhole);
    }
    let options = LoadOptions {
        strict: true,
        max_decompressed_size: Some(MAX_STREAM_BYTES),
        ..LoadOptions::default()
    };
    let document =
        Document::load_mem_with_options(bytes, options).map_err(|_| Problem::NotWhole)?;
    if document.is_encrypted() {
        return Err(Problem::Locked);
    }
    let pages = u32::try_from(document.get_pages().len()).unwrap_or(u32::MAX);
    if pages == 0 {
        return Err(Problem::NotWhole);
    }
    if pages > max_pages {
        return Err(Problem::TooManyPages);
    }
    if document.objects.values().any(acts) {
        return Err(Problem::Active);
    }
    let numbers: Vec<u32> = (1..=pages).collect();
    let text = document
        .extract_text_with_limit(&numbers, MAX_STREAM_BYTES)
        .unwrap_or_default();
    Ok(EReceipt {
        pages,
        key: key(&text, bytes),
        text,
    })
}

/// Whether an object, or one written inside it (an action is often a
/// dictionary within the catalogue or an annotation), makes the file act when
/// it is opened or clicked: a script, an action that launches, submits or
/// imports, an embedded file.
fn acts(object: &Object) -> bool {
    // Objects are nested only as deep as the file is long, but a parser's
    // stack is not: past this depth a file is not a receipt.
    const DEEPEST: usize = 32;
    let mut stack = vec![(object, 0)];
    while let Some((object, depth)) = stack.pop() {
        let dictionary = match object {
            Object::Dictionary(dictionary) => dictionary,
            Object::Stream(stream) => &stream.dict,
            Object::Array(items) => {
                if depth >= DEEPEST {
                    return true;
                }
                stack.extend(items.iter().map(|item| (item, depth + 1)));
                continue;
            }
            _ => continue,
        };
        if depth >= DEEPEST || acting(dictionary) {
            return true;
        }
        stack.extend(dictionary.iter().map(|(_, value)| (value, depth + 1)));
    }
    false
}

/// Whether a dictionary itself is a script, an acting action or an embedded
/// file.
fn acting(dictionary: &lopdf::Dictionary) -> bool {
    let named = |key: &[u8], names: &[&[u8]]| {
        dictionary
            .get(key)
            .and_then(Object::as_name)
            .is_ok_and(|name| names.contains(&name))
    };
    ["JS", "JavaScript", "EmbeddedFiles", "EF"]
        .iter()
        .any(|key| dictionary.has(key.as_bytes()))
        || named(
            b"S",
            &[b"JavaScript", b"Launch", b"SubmitForm", b"ImportData"],
        )
        || named(b"Type", &[b"EmbeddedFile", b"Filespec"])
}

/// What identifies an e-receipt: its text where it has enough, else its
/// bytes.
fn key(text: &str, bytes: &[u8]) -> String {
    let words = text
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ");
    let hex = |digest: &[u8]| {
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    if words.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_TEXT {
        format!("pdf-text:{}", hex(&Sha256::digest(words.as_bytes())))
    } else {
        format!("pdf:{}", hex(&Sha256::digest(bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;
    use sandbox::e_receipt::pdf;

    #[test]
    fn an_e_receipt_is_checked_whole_and_identified_by_its_text() {
        let receipt = check(&pdf(309_142, 2), 5).unwrap();
        assert_eq!(receipt.pages, 2);
        assert!(receipt.key.starts_with("pdf-text:"), "{}", receipt.key);
        // Saved again with other metadata: other bytes, the same text.
        let again = rewritten(&pdf(309_142, 2), |document| {
            let info = document.add_object(dictionary! {
                "Producer" => Object::string_literal("Another till"),
            });
            document.trailer.set("Info", info);
        });
        assert_ne!(again, pdf(309_142, 2));
        assert_eq!(check(&again, 5).unwrap().key, receipt.key);
        // Another receipt of the same shop: another key.
        assert_ne!(check(&pdf(309_143, 2), 5).unwrap().key, receipt.key);
    }

    #[test]
    fn pages_past_the_limit_are_refused() {
        assert_eq!(check(&pdf(1, 4), 3), Err(Problem::TooManyPages));
        assert_eq!(check(&pdf(1, 3), 3).map(|r| r.pages), Ok(3));
    }

    #[test]
    fn a_truncated_or_disguised_pdf_is_refused() {
        let whole = pdf(309_142, 1);
        for cut in [whole.len() - 7, whole.len() / 2, 9] {
            assert_eq!(
                check(&whole[..cut], 5),
                Err(Problem::NotWhole),
                "cut at {cut}"
            );
        }
        // The end marker kept, the middle gone: the cross-references point
        // nowhere.
        let mut holed = whole[..whole.len() / 3].to_vec();
        holed.extend_from_slice(&whole[whole.len() * 2 / 3..]);
        assert_eq!(check(&holed, 5), Err(Problem::NotWhole));
        let mut html = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n".to_vec();
        html.extend_from_slice(b"%%EOF\n");
        assert_eq!(check(&html, 5), Err(Problem::NotWhole));
    }

    #[test]
    fn a_pdf_that_runs_a_script_is_refused() {
        let scripted = rewritten(&pdf(309_142, 1), |document| {
            let action = dictionary! {
                "S" => "JavaScript",
                "JS" => Object::string_literal("app.alert(1)"),
            };
            document.catalog_mut().unwrap().set("OpenAction", action);
        });
        assert_eq!(check(&scripted, 5), Err(Problem::Active));
    }

    #[test]
    fn a_pdf_with_an_attached_file_is_refused() {
        let attached = rewritten(&pdf(309_142, 1), |document| {
            let file = document.add_object(dictionary! {
                "Type" => "Filespec",
                "F" => Object::string_literal("invoice.exe"),
            });
            let names = dictionary! { "EmbeddedFiles" => dictionary! { "Names" => vec![Object::string_literal("invoice.exe"), file.into()] } };
            document.catalog_mut().unwrap().set("Names", names);
        });
        assert_eq!(check(&attached, 5), Err(Problem::Active));
    }

    #[test]
    fn a_pdf_locked_with_a_password_is_refused() {
        let locked = rewritten(&pdf(309_142, 1), |document| {
            let encrypt = document.add_object(dictionary! {
                "Filter" => "Standard",
                "V" => 1,
                "R" => 2,
                "O" => Object::string_literal(vec![1u8; 32]),
                "U" => Object::string_literal(vec![2u8; 32]),
                "P" => -4,
            });
            document.trailer.set("Encrypt", encrypt);
        });
        assert_eq!(check(&locked, 5), Err(Problem::Locked));
    }

    /// `pdf` changed by `change` and saved again (offsets and all).
    fn rewritten(pdf: &[u8], change: impl FnOnce(&mut Document)) -> Vec<u8> {
        let mut document = Document::load_mem(pdf).unwrap();
        change(&mut document);
        let mut out = Vec::new();
        document.save_to(&mut out).unwrap();
        out
    }
}
