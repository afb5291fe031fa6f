//! Dates and amounts formatted for the shopper's locale (through the browser's
//! `Intl`), and the tone that colours a status. The words are the `words`
//! crate's.

use api::SubmissionStatus;
use api::fiscal::FiscalTime;
use wasm_bindgen::JsValue;

/// The tone that colours a status, set as `data-tone` (ok, warn or bad). Classes
/// stay literal in the widget's markup: a computed `class` brings yew's `Classes`
/// (an ordered hash set) into the bundle, 3 KB gzip.
pub fn status_tone(status: SubmissionStatus) -> &'static str {
    match status {
        SubmissionStatus::Accepted => "ok",
        SubmissionStatus::NeedsReview | SubmissionStatus::Queued | SubmissionStatus::Processing => {
            "warn"
        }
        SubmissionStatus::Rejected | SubmissionStatus::Failed => "bad",
    }
}

/// An amount with its currency, e.g. `37.87 EUR`: the fallback where `Intl`
/// does not know the currency. Printed from whole cents, which keeps float
/// formatting out of the bundle.
fn amount(value: f64, currency: Option<&str>) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let cents = (value * 100.0).round() as i64;
    let sign = if cents < 0 { "-" } else { "" };
    let (units, hundredths) = (cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
    match currency {
        Some(c) if !c.is_empty() => format!("{sign}{units}.{hundredths:02} {c}"),
        _ => format!("{sign}{units}.{hundredths:02}"),
    }
}

/// A receipt's date and time, formatted for the locale (e.g. `13 Jan 2019, 15:48`).
pub fn fiscal_time(t: &FiscalTime, locale: &str) -> String {
    let date = js_sys::Date::new_with_year_month_day_hr_min_sec(
        u32::from(t.year),
        i32::from(t.month) - 1,
        i32::from(t.day),
        i32::from(t.hour),
        i32::from(t.minute),
        i32::from(t.second),
    );
    String::from(date.to_locale_string(
        locale,
        &options(&[("dateStyle", "medium"), ("timeStyle", "short")]),
    ))
}

/// The date (`YYYY-MM-DD`) and time (`HH:MM`) a provider read off a receipt,
/// formatted for the locale; as given where they do not parse.
pub fn receipt_date(date: &str, time: Option<&str>, locale: &str) -> String {
    if let Some(time) = time
        && let Some(t) = FiscalTime::from_inputs(date, time)
    {
        return fiscal_time(&t, locale);
    }
    match FiscalTime::from_inputs(date, "00:00") {
        Some(t) => {
            let day = js_sys::Date::new_with_year_month_day(
                u32::from(t.year),
                i32::from(t.month) - 1,
                i32::from(t.day),
            );
            let text = day.to_locale_date_string(locale, &options(&[("dateStyle", "medium")]));
            match time {
                Some(time) => format!("{} {time}", String::from(text)),
                None => text.into(),
            }
        }
        None => match time {
            Some(time) => format!("{date} {time}"),
            None => date.to_owned(),
        },
    }
}

/// An amount with its ISO currency, formatted for the locale (e.g. `127,00 ₽` in
/// Russian, `€37.87` in English); without a currency, just the number.
pub fn money(value: f64, currency: Option<&str>, locale: &str) -> String {
    let style: &[(&str, &str)] = match currency {
        Some(c) if c.len() == 3 => &[("style", "currency"), ("currency", c)],
        _ => &[
            ("minimumFractionDigits", "2"),
            ("maximumFractionDigits", "2"),
        ],
    };
    let locales = js_sys::Array::of1(&locale.into());
    let formatter = js_sys::Intl::NumberFormat::new(&locales, &options(style));
    formatter
        .format()
        .call1(&JsValue::NULL, &value.into())
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| amount(value, currency))
}

/// Hundredths of `currency` (a fiscal QR's kopecks), formatted for the locale.
pub fn money_cents(cents: u64, currency: &str, locale: &str) -> String {
    #[allow(clippy::cast_precision_loss)]
    money(cents as f64 / 100.0, Some(currency), locale)
}

/// An award as a provider writes it (`1.50 USD`): hundredths and currency.
/// Read with integer parsing (float parsing would cost the bundle).
pub fn award_cents(award: &str) -> Option<(u64, &str)> {
    let (amount, currency) = award.trim().split_once(' ')?;
    let (units, fraction) = amount.split_once('.').unwrap_or((amount, "0"));
    let hundredths: u64 = match fraction.len() {
        1 => fraction.parse::<u64>().ok()? * 10,
        2 => fraction.parse().ok()?,
        _ => return None,
    };
    Some((
        units.parse::<u64>().ok()? * 100 + hundredths,
        currency.trim(),
    ))
}

/// The awards added up, where every one reads and all are in one currency.
pub fn award_total<'a>(awards: impl IntoIterator<Item = &'a str>) -> Option<(u64, &'a str)> {
    let mut total: Option<(u64, &str)> = None;
    for award in awards {
        let (cents, currency) = award_cents(award)?;
        total = match total {
            None => Some((cents, currency)),
            Some((sum, same)) if same == currency => Some((sum + cents, same)),
            Some(_) => return None,
        };
    }
    total
}

fn options(pairs: &[(&str, &str)]) -> js_sys::Object {
    let options = js_sys::Object::new();
    for (key, value) in pairs {
        let _ = js_sys::Reflect::set(&options, &(*key).into(), &(*value).into());
    }
    options
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    // These run in the browser, where the widget runs.
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[test]
    fn amounts_have_two_decimals_and_the_currency() {
        assert_eq!(amount(37.87, Some("EUR")), "37.87 EUR");
        assert_eq!(amount(5.0, None), "5.00");
        assert_eq!(amount(-0.5, Some("XTS")), "-0.50 XTS");
        assert_eq!(amount(1234.005, None), "1234.01");
    }

    #[test]
    fn receipt_dates_and_money_follow_the_locale() {
        let t = api::fiscal::FiscalQr::parse(
            "t=20190113T154800&s=127.00&fn=8716000100025114&i=114318&fp=3578721879&n=1",
        )
        .unwrap()
        .time;
        let en = fiscal_time(&t, "en-GB");
        assert!(en.contains("2019") && en.contains("15:48"), "{en}");
        assert!(en.contains("Jan"), "{en}");
        let fr = fiscal_time(&t, "fr");
        assert!(fr.contains("janv"), "{fr}");
        let ru = money_cents(12_700, "RUB", "ru");
        assert!(ru.contains("127,00") && ru.contains('₽'), "{ru}");
        assert_eq!(money(37.87, Some("EUR"), "en"), "€37.87");
        let es = money(1234.5, Some("EUR"), "es-ES");
        assert!(es.contains("1234,50") || es.contains("1.234,50"), "{es}");
        assert!(es.ends_with('€'), "{es}");
        assert_eq!(money(5.0, None, "fr"), "5,00");
    }

    #[test]
    fn a_providers_date_is_formatted_and_an_odd_one_kept() {
        let es = receipt_date("2024-03-01", Some("18:05"), "es");
        assert!(
            es.contains("2024") && es.contains("18:05") && es.contains("mar"),
            "{es}"
        );
        let ru = receipt_date("2024-03-01", None, "ru");
        assert!(ru.contains("2024") && ru.contains("мар"), "{ru}");
        assert_eq!(
            receipt_date("01/03/24", Some("18:05"), "en"),
            "01/03/24 18:05"
        );
        let no_seconds = receipt_date("2024-03-01", Some("noon"), "en");
        assert!(
            no_seconds.ends_with(" noon") && no_seconds.contains("2024"),
            "{no_seconds}"
        );
    }

    #[test]
    fn awards_add_up_in_one_currency_only() {
        assert_eq!(award_cents("1.50 USD"), Some((150, "USD")));
        assert_eq!(award_cents("2 EUR"), Some((200, "EUR")));
        assert_eq!(award_cents("0.5 USD"), Some((50, "USD")));
        assert_eq!(award_cents("free sample"), None);
        assert_eq!(award_cents("1.505 USD"), None);
        assert_eq!(award_total(["1.50 USD", "2.25 USD"]), Some((375, "USD")));
        assert_eq!(award_total(["1.50 USD", "2 EUR"]), None);
        assert_eq!(award_total(["1.50 USD", "a gift"]), None);
        assert_eq!(award_total([]), None);
    }
}
