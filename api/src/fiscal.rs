//! Fiscal receipt QR codes, as printed on receipts under Russia's online cash
//! register law (54-FZ) and read by APM (Revizor):
//! `t=20190113T154800&s=127.00&fn=8716000100025114&i=114318&fp=3578721879&n=1`.
//!
//! The widget parses a scanned or typed code to show the shopper the date and the
//! amount before sending; the proxy parses it again and refuses a malformed one, so a
//! typo is caught at the counter instead of days later by a moderator.
//!
//! | key | meaning | form |
//! |---|---|---|
//! | `t` | date and time of the sale | `YYYYMMDDTHHMM` or `YYYYMMDDTHHMMSS` |
//! | `s` | total | rubles, `.` and up to two kopeck digits |
//! | `fn` | fiscal drive number (ФН) | 16 digits |
//! | `i` | fiscal document number (ФД) | 1 to 10 digits |
//! | `fp` | fiscal sign (ФП / ФПД) | 1 to 10 digits |
//! | `n` | kind of operation | 1 sale, 2 sale refund, 3 expense, 4 expense refund |

use std::fmt;

/// A fiscal QR code, parsed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalQr {
    pub time: FiscalTime,
    /// The total in kopecks (hundredths of the currency unit).
    pub amount_cents: u64,
    /// Fiscal drive number (`fn`, 16 digits).
    pub drive: String,
    /// Fiscal document number (`i`).
    pub document: String,
    /// Fiscal sign (`fp`).
    pub sign: String,
    pub operation: Operation,
}

/// Local date and time of the sale, as printed (no time zone: the QR has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FiscalTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// The `n` key: what the receipt records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Sale = 1,
    SaleRefund = 2,
    Expense = 3,
    ExpenseRefund = 4,
}

/// What is wrong with a fiscal QR code; `Display` is plain words for a shopper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FiscalQrError {
    /// A required key is absent.
    Missing(&'static str),
    /// A key is present but its value has the wrong form.
    Invalid(&'static str),
}

impl fmt::Display for FiscalQrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, key) = match self {
            Self::Missing(key) => ("is missing", *key),
            Self::Invalid(key) => ("is not valid", *key),
        };
        let name = match key {
            "t" => "The date and time",
            "s" => "The amount",
            "fn" => "The fiscal drive number (FN)",
            "i" => "The fiscal document number (FD)",
            "fp" => "The fiscal sign (FP)",
            "n" => "The operation type",
            _ => "A field",
        };
        write!(f, "{name} {what} in this receipt code.")
    }
}

impl std::error::Error for FiscalQrError {}

/// Longest QR text accepted with a submission (fiscal codes are under 100).
pub const MAX_QR_CHARS: usize = 512;

/// Why a QR text is refused, in words for the shopper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrTextError {
    /// Too long, or control characters: not the text of a receipt's code.
    NotReceiptCode,
    /// It claims to be fiscal but does not parse.
    Fiscal(FiscalQrError),
}

impl fmt::Display for QrTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotReceiptCode => f.write_str("This is not the text of a receipt's QR code."),
            Self::Fiscal(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for QrTextError {}

/// The check a QR code's text passes before it is sent with a receipt, made by
/// the widget (scanned or typed) and again by the proxy: printable, at most
/// [`MAX_QR_CHARS`], and a well-formed fiscal code if it claims to be one.
pub fn check_qr_text(text: &str) -> Result<(), QrTextError> {
    if text.chars().count() > MAX_QR_CHARS || text.chars().any(char::is_control) {
        return Err(QrTextError::NotReceiptCode);
    }
    if FiscalQr::looks_fiscal(text) {
        FiscalQr::parse(text).map_err(QrTextError::Fiscal)?;
    }
    Ok(())
}

impl FiscalQr {
    /// Whether `text` claims to be a fiscal code (it carries both `t=` and `fn=`
    /// keys), so it must then parse. Other QR texts (a provider's own receipt ids,
    /// say) are passed on as they are.
    pub fn looks_fiscal(text: &str) -> bool {
        let keys = || pairs(text).map(|(k, _)| k);
        keys().any(|k| k == "t") && keys().any(|k| k == "fn")
    }

    /// Parses and checks a fiscal QR text. Keys may come in any order; unknown keys
    /// are ignored (some registers add their own), a repeated key is refused.
    pub fn parse(text: &str) -> Result<Self, FiscalQrError> {
        let get = |key: &'static str| -> Result<&str, FiscalQrError> {
            let mut values = pairs(text).filter(|(k, _)| *k == key).map(|(_, v)| v);
            match (values.next(), values.next()) {
                (Some(v), None) if !v.is_empty() => Ok(v),
                (Some(_), Some(_)) => Err(FiscalQrError::Invalid(key)),
                _ => Err(FiscalQrError::Missing(key)),
            }
        };
        let digits = |key: &'static str, min: usize, max: usize| {
            let v = get(key)?;
            if (min..=max).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()) {
                Ok(v.to_owned())
            } else {
                Err(FiscalQrError::Invalid(key))
            }
        };
        let time = FiscalTime::parse(get("t")?).ok_or(FiscalQrError::Invalid("t"))?;
        let amount_cents = parse_amount(get("s")?).ok_or(FiscalQrError::Invalid("s"))?;
        let drive = digits("fn", 16, 16)?;
        let document = digits("i", 1, 10)?;
        let sign = digits("fp", 1, 10)?;
        let operation = match get("n")? {
            "1" => Operation::Sale,
            "2" => Operation::SaleRefund,
            "3" => Operation::Expense,
            "4" => Operation::ExpenseRefund,
            _ => return Err(FiscalQrError::Invalid("n")),
        };
        Ok(Self {
            time,
            amount_cents,
            drive,
            document,
            sign,
            operation,
        })
    }

    /// The canonical QR text, as a register prints it. A code typed in by hand is
    /// sent in this form.
    pub fn to_qr_string(&self) -> String {
        let t = &self.time;
        format!(
            "t={:04}{:02}{:02}T{:02}{:02}{}&s={}.{:02}&fn={}&i={}&fp={}&n={}",
            t.year,
            t.month,
            t.day,
            t.hour,
            t.minute,
            if t.second == 0 {
                String::new()
            } else {
                format!("{:02}", t.second)
            },
            self.amount_cents / 100,
            self.amount_cents % 100,
            self.drive,
            self.document,
            self.sign,
            self.operation as u8,
        )
    }
}

impl FiscalTime {
    /// `YYYYMMDDTHHMM[SS]`, with a real calendar date.
    fn parse(text: &str) -> Option<Self> {
        let (date, time) = text.split_once('T')?;
        if date.len() != 8 || !(time.len() == 4 || time.len() == 6) {
            return None;
        }
        if !date.bytes().chain(time.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let num = |s: &str| s.parse::<u16>().ok();
        let t = Self {
            year: num(&date[0..4])?,
            month: num(&date[4..6])? as u8,
            day: num(&date[6..8])? as u8,
            hour: num(&time[0..2])? as u8,
            minute: num(&time[2..4])? as u8,
            second: if time.len() == 6 {
                num(&time[4..6])? as u8
            } else {
                0
            },
        };
        let valid = (2000..=2099).contains(&t.year)
            && (1..=12).contains(&t.month)
            && t.day >= 1
            && t.day <= days_in_month(t.year, t.month)
            && t.hour < 24
            && t.minute < 60
            && t.second < 60;
        valid.then_some(t)
    }

    /// `YYYY-MM-DD`, for a date input or a log.
    pub fn date_iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `HH:MM`, for a time input.
    pub fn time_hm(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }

    /// From a date input's `YYYY-MM-DD` and a time input's `HH:MM`.
    pub fn from_inputs(date: &str, time: &str) -> Option<Self> {
        let compact = format!("{}T{}", date.replace('-', ""), time.replace(':', ""));
        Self::parse(&compact)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// `127`, `127.0` or `127.00` rubles → 12700 kopecks. Positive, at most two decimals.
pub fn parse_amount(text: &str) -> Option<u64> {
    let (units, cents) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if units.is_empty() || units.len() > 12 || cents.len() > 2 || !all_digits(units) {
        return None;
    }
    if text.contains('.') && cents.is_empty() || !all_digits(cents) {
        return None;
    }
    let cents = match cents.len() {
        0 => 0,
        1 => cents.parse::<u64>().ok()? * 10,
        _ => cents.parse::<u64>().ok()?,
    };
    let total = units.parse::<u64>().ok()? * 100 + cents;
    (total > 0).then_some(total)
}

/// `key=value` pairs of a QR text, tolerant of surrounding whitespace.
fn pairs(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.trim()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_EXAMPLE: &str =
        "t=20190113T154800&s=127.00&fn=8716000100025114&i=114318&fp=3578721879&n=1";

    #[test]
    fn the_apm_documents_example_parses() {
        let qr = FiscalQr::parse(DOC_EXAMPLE).unwrap();
        assert_eq!(
            qr.time,
            FiscalTime {
                year: 2019,
                month: 1,
                day: 13,
                hour: 15,
                minute: 48,
                second: 0
            }
        );
        assert_eq!(qr.amount_cents, 12_700);
        assert_eq!(qr.drive, "8716000100025114");
        assert_eq!(qr.document, "114318");
        assert_eq!(qr.sign, "3578721879");
        assert_eq!(qr.operation, Operation::Sale);
        assert_eq!(qr.time.date_iso(), "2019-01-13");
        assert_eq!(qr.time.time_hm(), "15:48");
    }

    #[test]
    fn canonical_string_round_trips() {
        let qr = FiscalQr::parse(DOC_EXAMPLE).unwrap();
        // Seconds of zero are dropped, as most registers print it.
        assert_eq!(
            qr.to_qr_string(),
            "t=20190113T1548&s=127.00&fn=8716000100025114&i=114318&fp=3578721879&n=1"
        );
        assert_eq!(FiscalQr::parse(&qr.to_qr_string()).unwrap(), qr);
        let with_seconds = FiscalQr::parse(&DOC_EXAMPLE.replace("154800", "154807")).unwrap();
        assert_eq!(
            FiscalQr::parse(&with_seconds.to_qr_string()).unwrap(),
            with_seconds
        );
    }

    #[test]
    fn keys_in_any_order_and_unknown_keys_are_fine() {
        let shuffled = "n=1&fp=3578721879&i=114318&fn=8716000100025114&s=127&t=20190113T1548&x=y";
        let qr = FiscalQr::parse(&format!("  {shuffled}\n")).unwrap();
        assert_eq!(qr.amount_cents, 12_700);
    }

    #[test]
    fn each_broken_field_is_named() {
        let cases = [
            ("s=127.00&", "", FiscalQrError::Missing("s")),
            (
                "t=20190113T154800",
                "t=20190230T154800",
                FiscalQrError::Invalid("t"),
            ),
            (
                "t=20190113T154800",
                "t=20190113T2548",
                FiscalQrError::Invalid("t"),
            ),
            (
                "t=20190113T154800",
                "t=2019-01-13",
                FiscalQrError::Invalid("t"),
            ),
            ("s=127.00", "s=127,00", FiscalQrError::Invalid("s")),
            ("s=127.00", "s=127.001", FiscalQrError::Invalid("s")),
            ("s=127.00", "s=0.00", FiscalQrError::Invalid("s")),
            ("s=127.00", "s=-5", FiscalQrError::Invalid("s")),
            (
                "fn=8716000100025114",
                "fn=871600010002511",
                FiscalQrError::Invalid("fn"),
            ),
            (
                "fn=8716000100025114",
                "fn=87160001000251AB",
                FiscalQrError::Invalid("fn"),
            ),
            ("i=114318", "i=", FiscalQrError::Missing("i")),
            (
                "fp=3578721879",
                "fp=35787218791",
                FiscalQrError::Invalid("fp"),
            ),
            ("n=1", "n=5", FiscalQrError::Invalid("n")),
            ("n=1", "n=1&n=2", FiscalQrError::Invalid("n")),
        ];
        for (from, to, expected) in cases {
            let text = DOC_EXAMPLE.replace(from, to);
            assert_eq!(FiscalQr::parse(&text), Err(expected.clone()), "{text}");
        }
        assert!(
            FiscalQrError::Invalid("fn")
                .to_string()
                .contains("fiscal drive number")
        );
    }

    #[test]
    fn leap_days_follow_the_calendar() {
        let on = |date: &str| FiscalTime::from_inputs(date, "10:00").is_some();
        assert!(on("2024-02-29"));
        assert!(!on("2023-02-29"));
        assert!(on("2000-02-29"));
        assert!(!on("2100-02-29"));
        assert!(!on("2024-13-01"));
    }

    #[test]
    fn only_codes_with_date_and_drive_claim_to_be_fiscal() {
        assert!(FiscalQr::looks_fiscal(DOC_EXAMPLE));
        assert!(FiscalQr::looks_fiscal("t=1&fn=2"));
        assert!(!FiscalQr::looks_fiscal(
            "238275ff-f20e-4721-8a17-a792f4cf3697"
        ));
        assert!(!FiscalQr::looks_fiscal("https://example.com/?t=1"));
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("127"), Some(12_700));
        assert_eq!(parse_amount("127.5"), Some(12_750));
        assert_eq!(parse_amount("0.01"), Some(1));
        assert_eq!(parse_amount("127."), None);
        assert_eq!(parse_amount(".5"), None);
        assert_eq!(parse_amount(""), None);
    }

    #[test]
    fn qr_text_check_passes_fiscal_and_other_codes_and_refuses_junk() {
        assert_eq!(check_qr_text(DOC_EXAMPLE), Ok(()));
        // A provider's own receipt id is not fiscal and passes as it is.
        assert_eq!(check_qr_text("APM-RCPT-0042"), Ok(()));
        assert_eq!(
            check_qr_text("t=20190113T1548&s=127.00&fn=87160001&i=1&fp=1&n=1"),
            Err(QrTextError::Fiscal(FiscalQrError::Invalid("fn")))
        );
        assert_eq!(check_qr_text("ok\u{7}"), Err(QrTextError::NotReceiptCode));
        assert_eq!(
            check_qr_text(&"x".repeat(MAX_QR_CHARS + 1)),
            Err(QrTextError::NotReceiptCode)
        );
        assert_eq!(check_qr_text(&"x".repeat(MAX_QR_CHARS)), Ok(()));
    }
}
