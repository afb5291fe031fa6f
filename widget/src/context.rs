//! What `App` gives every component under it, as one yew context: the
//! shopper's language, the lens's loader and the reporter of problems a
//! component shows by itself. One context rather than one each, so that yew's
//! context machinery (a provider component, its subscribers, the hook) is in
//! the bundle once.

use yew::{hook, use_context};

use crate::effects::Reporter;
use crate::i18n::Locale;
use crate::lens::LensLoader;
use crate::problem::Problem;

/// The context `App` provides.
#[derive(Clone, PartialEq)]
pub struct Shared {
    pub locale: Locale,
    pub lens: LensLoader,
    pub reporter: Reporter,
}

#[hook]
fn use_shared() -> Shared {
    use_context::<Shared>().expect("App provides the context to every component")
}

/// The widget's language.
#[hook]
pub fn use_locale() -> Locale {
    use_shared().locale
}

/// The loader's `loadLens()`.
#[hook]
pub fn use_lens_loader() -> LensLoader {
    use_shared().lens
}

/// Reports each problem a component comes to show (once as it appears).
#[hook]
pub fn use_reported(problem: Option<Problem>) {
    let reporter = use_shared().reporter;
    yew::use_effect_with(problem, move |problem| {
        if let Some(problem) = problem {
            reporter.said(problem);
        }
    });
}
