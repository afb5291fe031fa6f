//! Looking an upload's photo up among every earlier photo of its campaign
//! (`cargo xtask bench` runs it; it asserts nothing), as the campaign grows:
//! 1,000, 10,000 and 100,000 fingerprints in its window, of which 1.6% are
//! within the likeness threshold of the photo looked up (the share of
//! different receipts alike at that threshold, docs/bench.md "Phone photos"),
//! so their submissions' standing is asked of the database too.
//!
//! - **first look**: an instance that has read nothing yet (just started)
//!   reads the whole window; before the in-memory index, every upload paid
//!   this;
//! - **each upload after**: one fingerprint was written since the last look.
//!
//! `LOOKUP_POSTGRES` names a PostgreSQL server to measure on beside SQLite.

use std::time::{Duration, Instant};

use proxy::clock::Clock;
use proxy::duplicates::{PHOTO_DISTANCE, PhotoHash, PhotoIndex};
use proxy::store::{Db, NewSubmission, Notify};

const CAMPAIGN: &str = "bench";
const SIZES: [usize; 3] = [1_000, 10_000, 100_000];
/// One fingerprint in this many is within the threshold of the one looked up.
const ALIKE_ONE_IN: usize = 64;

/// Deterministic bits (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn hash(&mut self) -> PhotoHash {
        let bytes: Vec<u8> = (0..8).flat_map(|_| self.next().to_le_bytes()).collect();
        PhotoHash::from_bytes(&bytes).expect("64 bytes")
    }

    /// `base` with `n` of its bits turned over, at random places.
    fn near(&mut self, base: &PhotoHash, n: u32) -> PhotoHash {
        let mut bytes = base.as_bytes().to_vec();
        let mut flipped = 0;
        while flipped < n {
            let bit = (self.next() % 512) as usize;
            let before = bytes[bit / 8];
            bytes[bit / 8] ^= 1 << (bit % 8);
            flipped += u32::from(before != bytes[bit / 8]);
        }
        PhotoHash::from_bytes(&bytes).expect("64 bytes")
    }
}

fn submission(i: usize, hash: &PhotoHash) -> NewSubmission {
    NewSubmission {
        id: format!("bench-{i:07}"),
        campaign: CAMPAIGN.to_owned(),
        provider: "bench".to_owned(),
        idempotency_key: format!("key-{i}"),
        qr: None,
        merchant: None,
        user_id: None,
        offers: Vec::new(),
        photos: Vec::new(),
        qr_key: None,
        document_key: None,
        photo_hashes: vec![hash.to_base64()],
        duplicate: None,
        photo_match_of: None,
        content_hash: format!("content-{i}"),
        request_id: None,
        photos_until: None,
    }
}

/// The earlier submission `index` finds with a photo like `photo`.
async fn find(db: &Db, index: &PhotoIndex, photo: &PhotoHash) -> Option<String> {
    index
        .find(db, CAMPAIGN, 0, std::slice::from_ref(photo), None)
        .await
        .expect("lookup")
}

/// Milliseconds of the middle of `times`.
fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

/// `(size, first look ms, each upload after ms)` on the database at `url`.
async fn measure(url: &str) -> Vec<(usize, f64, f64)> {
    let clock = Clock::manual();
    let db = Db::connect(url, clock.clone()).await.expect("the database");
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let looked_up = rng.hash();
    let mut stored = 0;
    let mut figures = Vec::new();
    for size in SIZES {
        while stored < size {
            let hash = if stored % ALIKE_ONE_IN == 0 {
                rng.near(&looked_up, PHOTO_DISTANCE - 8)
            } else {
                rng.hash()
            };
            db.insert(submission(stored, &hash), Notify::Nobody)
                .await
                .expect("insert");
            stored += 1;
        }
        let mut first = Vec::new();
        for _ in 0..5 {
            let index = PhotoIndex::default();
            let started = Instant::now();
            let found = find(&db, &index, &looked_up).await;
            first.push(started.elapsed());
            assert_eq!(found.as_deref(), Some("bench-0000000"));
        }
        let index = PhotoIndex::default();
        find(&db, &index, &looked_up).await;
        let mut after = Vec::new();
        for _ in 0..20 {
            db.insert(submission(stored, &rng.hash()), Notify::Nobody)
                .await
                .expect("insert");
            stored += 1;
            let started = Instant::now();
            find(&db, &index, &looked_up).await;
            after.push(started.elapsed());
        }
        figures.push((size, median(first), median(after)));
    }
    figures
}

#[tokio::main]
async fn main() {
    // On tmpfs: what is measured is the lookup, not the disk that filled it.
    let dir = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .expect("a folder");
    let mut runs = vec![(
        "SQLite",
        measure(&format!(
            "sqlite://{}",
            dir.path().join("lookup.db").display()
        ))
        .await,
    )];
    if let Ok(server) = std::env::var("LOOKUP_POSTGRES") {
        let url = format!("{}/lookup_bench", server.trim_end_matches('/'));
        let _ = <sqlx::Postgres as sqlx::migrate::MigrateDatabase>::drop_database(&url).await;
        <sqlx::Postgres as sqlx::migrate::MigrateDatabase>::create_database(&url)
            .await
            .expect("create the bench database");
        runs.push(("PostgreSQL", measure(&url).await));
    }
    println!("### Looking a photo up\n");
    println!(
        "An upload's photo compared with every photo of its campaign's window (one core's work, median). Each instance keeps the fingerprints in memory and reads only those written since its last look; the submissions whose photos come within the threshold (one in {ALIKE_ONE_IN} here, about the share of different receipts alike at it) are asked of the database. The first look of a just-started instance reads the whole window, as every upload did before.\n"
    );
    println!(
        "| database | fingerprints in the window | first look | each upload after |\n|---|---:|---:|---:|"
    );
    for (name, figures) in runs {
        for (size, first, after) in figures {
            println!("| {name} | {size} | {first:.1} ms | {after:.2} ms |");
        }
    }
}
