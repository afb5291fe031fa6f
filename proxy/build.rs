//! Rebuilds the proxy when a migration is added: `sqlx::migrate!` embeds the
//! `migrations/` folders at compile time, and Cargo does not watch them.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
