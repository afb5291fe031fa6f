//! What `App` hands every component under it, as a prop (`shared`): the
//! shopper's language, the lens's loader and the reporter of problems a
//! component shows by itself. A prop, passed down the few levels the widget
//! has, rather than a yew context, whose provider component and subscriber
//! machinery cost the bundle 2 KiB.

use crate::effects::Reporter;
use crate::i18n::Locale;
use crate::lens::LensLoader;

/// What every component is given.
#[derive(Clone, PartialEq)]
pub struct Shared {
    pub locale: Locale,
    pub lens: LensLoader,
    pub reporter: Reporter,
}
