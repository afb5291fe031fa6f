//! The one receipt every simulated provider reads from an accepted photo: the
//! Easypromos document's example (CLAREL, 37.87 EUR), so tests and the demo show
//! the same facts whichever provider a campaign uses.

pub const STORE: &str = "CLAREL";
pub const ADDRESS: &str = "AV PRIMERO DE JUNIO 66";
pub const TAX_ID: &str = "A43227628";
pub const DATE: &str = "2025-09-24";
pub const TIME: &str = "20:08";
pub const RECEIPT_NUMBER: &str = "00309139";
pub const CURRENCY: &str = "EUR";
pub const TOTAL: f64 = 37.87;

/// One printed line.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    pub article: &'static str,
    pub sku: &'static str,
    pub quantity: u32,
    pub total: f64,
}

pub const LINES: [Line; 5] = [
    Line {
        article: "SERUM REVITALIFT LAS",
        sku: "171752",
        quantity: 1,
        total: 24.19,
    },
    Line {
        article: "CREMA REVITALIF LASE",
        sku: "155687",
        quantity: 1,
        total: 22.09,
    },
    Line {
        article: "DETER MAQU CAPSULA O",
        sku: "308872",
        quantity: 1,
        total: 9.99,
    },
    Line {
        article: "ESPUMA PERFECT VOLUM",
        sku: "290794",
        quantity: 1,
        total: 5.49,
    },
    Line {
        article: "LACA PERFECT VOLUMEN",
        sku: "290790",
        quantity: 1,
        total: 5.29,
    },
];
